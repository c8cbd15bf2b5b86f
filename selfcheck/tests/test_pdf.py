import io
import re
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from selfcheck import selectors, services
from selfcheck.models import Sheet
from selfcheck.tasks import render_sheet_pdf

from .helpers import filled_sheet


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"
    return settings.PRIVATE_MEDIA_ROOT


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_report_pdf_is_a4_with_real_japanese_text_and_every_section(sme_user, private_media):
    sheet = filled_sheet(sme_user.company)
    assert sheet.pdf_status == Sheet.PdfStatus.QUEUED
    render_sheet_pdf.apply(args=[sheet.pk])
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.READY
    path = private_media / "selfcheck" / sheet.pdf_path
    reader, text = pdf_text(path.read_bytes())
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    compact = text.replace(" ", "").replace("\n", "")
    for expected in [
        "CNセルフチェックレポート",
        sme_user.company.name,
        "2026年度",
        "63.6",  # total t-CO2, same figure as the page and the API
        "50.8",
        "ヤメル",
        "ヒロウ",
        "総務部山田",
        "要件を満たす見込み",
        "認定はSBTiの審査によります",
        "サプライチェーン対応の相談を予約しましょう",
        "算定・報告・公表制度",
    ]:
        assert expected in compact, expected
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("Noto-Sans-CJK-JP" in f for f in fonts), fonts


@pytest.mark.django_db
def test_a_failed_render_keeps_the_previous_file_and_is_retried(sme_user, private_media):
    sheet = filled_sheet(sme_user.company)
    services.sheet_render_pdf(pk=sheet.pk)
    sheet.refresh_from_db()
    first = sheet.pdf_path
    services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": 1000})
    with mock.patch("selfcheck.services.sheet_pdf_bytes", side_effect=OSError("disk full")):
        with pytest.raises(OSError):
            services.sheet_render_pdf(pk=sheet.pk)
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.FAILED
    assert sheet.pdf_path == first and (private_media / "selfcheck" / first).exists()
    assert "disk full" in sheet.pdf_error
    services.sheet_render_pdf(pk=sheet.pk)  # the retry
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.READY
    assert sheet.pdf_path != first
    assert not (private_media / "selfcheck" / first).exists()


def test_render_task_retries_on_failure_and_is_bounded_in_time():
    assert render_sheet_pdf.autoretry_for == (Exception,)
    assert render_sheet_pdf.max_retries >= 3
    assert render_sheet_pdf.acks_late and render_sheet_pdf.reject_on_worker_lost
    assert render_sheet_pdf.soft_time_limit < render_sheet_pdf.time_limit < settings.SELFCHECK_PDF_LEASE_SECONDS


@pytest.mark.django_db
def test_result_page_shows_status_and_a_retry_button_when_failed(sme_client, sme_user):
    sheet = filled_sheet(sme_user.company)
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "作成待ち" in page
    Sheet.objects.filter(pk=sheet.pk).update(pdf_status=Sheet.PdfStatus.FAILED)
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "失敗（再試行します）" in page and "PDFをもう一度作成する" in page
    sme_client.post(reverse("selfcheck:pdf_retry", args=[sheet.pk]))
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.QUEUED


@pytest.mark.django_db
def test_pdf_is_not_reachable_under_any_public_url(sme_client, sme_user, settings, private_media):
    sheet = filled_sheet(sme_user.company)
    services.sheet_render_pdf(pk=sheet.pk)
    sheet.refresh_from_db()
    assert not str(private_media).startswith(str(settings.MEDIA_ROOT))
    assert not str(private_media).startswith(str(settings.STATIC_ROOT))
    assert sme_client.get(f"/media/selfcheck/{sheet.pdf_path}").status_code == 404
    response = sme_client.get(reverse("selfcheck:pdf", args=[sheet.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_saving_a_sheet_renders_its_pdf_in_the_celery_worker(live_celery_worker, sme_user, private_media):
    sheet = services.sheet_create(fiscal_year=2026, company=sme_user.company)
    services.sheet_save_step1(sheet=sheet, data={"electricity_kwh": 50_000})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sheet.refresh_from_db()
        if sheet.pdf_status == Sheet.PdfStatus.READY:
            break
        time.sleep(0.2)
    assert sheet.pdf_status == Sheet.PdfStatus.READY
    _reader, text = pdf_text((private_media / "selfcheck" / sheet.pdf_path).read_bytes())
    assert "21.2" in text  # 50,000 kWh x 0.000423


@pytest.mark.django_db
def test_pdf_of_a_sheet_without_energy_says_not_entered_and_cannot_judge_sbt(sme_user):
    sheet = services.sheet_create(fiscal_year=2026, company=sme_user.company)
    services.sheet_save_step3(
        sheet=sheet,
        data={
            "sbt_employees": 40,
            "sbt_revenue_yen": 800_000_000,
            "sbt_total_assets_yen": 500_000_000,
            "sbt_financial_or_oil_gas": False,
            "sbt_sector_specific_method_required": False,
            "sbt_parent_under_standard_sbt": False,
            "sbt_flag_sector": False,
        },
    )
    _reader, text = pdf_text(services.sheet_pdf_bytes(Sheet.objects.get(pk=sheet.pk)))
    compact = text.replace(" ", "").replace("\n", "")
    assert "未入力" in compact
    assert "判定できません" in compact
    assert "要件を満たしています" not in compact and "要件を満たす" not in compact.replace("要件を満たすかどうか", "")
    assert "0.0t-CO2" not in compact


@pytest.mark.django_db
def test_a_pdf_waiting_past_its_lease_shows_the_wait_and_offers_to_make_it_again(sme_client, sme_user, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sheet = filled_sheet(sme_user.company)
        page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    assert "作成を依頼してから0分経過しています" in page and "作り直す" not in page
    late = start + timedelta(seconds=settings.SELFCHECK_PDF_LEASE_SECONDS + 60)
    with time_machine.travel(late, tick=False):
        page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
        assert "作成を依頼してから4分経過しています" in page and "作り直す" in page
        sme_client.post(reverse("selfcheck:pdf_retry", args=[sheet.pk]))
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.QUEUED and sheet.pdf_requested_at == late


@pytest.mark.django_db
def test_the_beat_job_queues_again_only_pdfs_past_their_lease(sme_user, settings):
    from accounts.tests.factories import CompanyFactory

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        stuck_queued = filled_sheet(sme_user.company)
        stuck_rendering = filled_sheet(CompanyFactory())
        Sheet.objects.filter(pk=stuck_rendering.pk).update(pdf_status=Sheet.PdfStatus.RENDERING)
        done = filled_sheet(CompanyFactory())
        services.sheet_render_pdf(pk=done.pk)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        fresh = filled_sheet(CompanyFactory())
    with (
        time_machine.travel(start + timedelta(seconds=settings.SELFCHECK_PDF_LEASE_SECONDS + 1), tick=False),
        mock.patch("selfcheck.services.enqueue", return_value=True) as queued,
    ):
        assert services.sheets_pdf_requeue_stale() == 2
        assert services.sheets_pdf_requeue_stale() == 0  # the new lease holds
    assert sorted(c.args[1] for c in queued.call_args_list) == sorted([stuck_queued.pk, stuck_rendering.pk])
    assert Sheet.objects.get(pk=stuck_rendering.pk).pdf_status == Sheet.PdfStatus.QUEUED
    assert Sheet.objects.get(pk=fresh.pk).pdf_status == Sheet.PdfStatus.QUEUED


@pytest.mark.django_db
def test_a_render_that_keeps_killing_its_worker_stops_as_failed(sme_user, settings):
    sheet = filled_sheet(sme_user.company)
    Sheet.objects.filter(pk=sheet.pk).update(
        pdf_status=Sheet.PdfStatus.RENDERING, pdf_attempts=settings.SELFCHECK_PDF_MAX_ATTEMPTS
    )
    services.sheet_render_pdf(pk=sheet.pk)
    sheet.refresh_from_db()
    assert sheet.pdf_status == Sheet.PdfStatus.FAILED and sheet.pdf_error


@pytest.mark.django_db
def test_the_report_is_a_tagged_pdf_whose_chart_has_its_figures_as_text(sme_user):
    from tests.pdf_structure import assert_accessible_pdf

    sheet = filled_sheet(sme_user.company)
    structure = assert_accessible_pdf(services.sheet_pdf_bytes(sheet), title="CNセルフチェック レポート")
    assert {"H1", "H2", "H3", "Table", "TH", "L", "LI"} <= set(structure.tags)
    assert structure.figure_alts == [
        "エネルギー種別のCO2排出量：電気 50.8t-CO2、LPG 6.0t-CO2、ガソリン 6.9t-CO2",
        "年度別のCO2排出量（Scope 1＋2）：2026年度 63.6t-CO2",  # the trend across the company's years
    ]


@pytest.mark.django_db
def test_the_pdf_lists_the_same_next_actions_as_the_page(sme_client, sme_user):
    """Issue 25: the page showed five next actions (the diagnosis card was written into the page only), the PDF four."""
    sheet = filled_sheet(sme_user.company)
    page = sme_client.get(reverse("selfcheck:result", args=[sheet.pk])).content.decode()
    section = page.split('id="next-title"')[1].split("</section>")[0]
    page_titles = re.findall(r'<h3 class="card-title"><a href="[^"]*">([^<]+)</a></h3>', section)
    _reader, text = pdf_text(services.sheet_pdf_bytes(Sheet.objects.get(pk=sheet.pk)))
    compact = text.replace(" ", "").replace("\n", "")
    assert len(page_titles) >= 5 and "専門家に現場を見てもらう（診断・助言）" in page_titles
    for title in page_titles:
        assert title.replace(" ", "") in compact, title
    report = selectors.sheet_report(Sheet.objects.get(pk=sheet.pk))
    assert [a.title for a in report["assessment"].actions] == page_titles
