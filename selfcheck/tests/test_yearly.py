"""The yearly cycle: the April mail, the new year's sheet laid out like last year's, the trend with the change against
the base year, and the SBTi SME target path (only once staff enter the rate with its source)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import CompanyFactory, InstitutionUserFactory, SmeUserFactory
from core.jst import JST
from core.models import MailOutbox
from selfcheck import selectors, services
from selfcheck.models import FactorSet, SelfcheckSettings, Sheet
from sharing import services as sharing_services
from sharing.models import ShareKind

from .helpers import factor_set_for_test_year

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def factor_sets():
    for year in (2023, 2024, 2025):
        if not FactorSet.objects.filter(fiscal_year=year).exists():
            factor_set_for_test_year(year)


def sheet_with(company, year, **data) -> Sheet:
    sheet = services.sheet_create(fiscal_year=year, company=company)
    if data:
        services.sheet_save_step1(sheet=sheet, data=data)
    return Sheet.objects.get(pk=sheet.pk)


def save_step3(sheet, **data):
    flags = ["sbt_financial_or_oil_gas", "sbt_sector_specific_method_required", "sbt_parent_under_standard_sbt"]
    services.sheet_save_step3(sheet=sheet, data={**dict.fromkeys(flags, False), "sbt_flag_sector": False, **data})


def invitations(year: int) -> list[MailOutbox]:
    return list(MailOutbox.objects.filter(key__startswith="selfcheck.new-year:", key__endswith=f":{year}"))


def at_jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


def test_the_april_mail_goes_once_per_company_with_last_years_sheet_whatever_the_hour(
    django_capture_on_commit_callbacks,
):
    invited = SmeUserFactory()
    colleague = SmeUserFactory(company=invited.company)
    sheet_with(invited.company, 2025, electricity_kwh=1000)
    already = SmeUserFactory()  # started the new year before the mail: nothing to invite to
    sheet_with(already.company, 2025, electricity_kwh=1000)
    sheet_with(already.company, 2026)
    older = SmeUserFactory()  # only a sheet of two years before
    sheet_with(older.company, 2024, electricity_kwh=1000)
    nobody = CompanyFactory()  # a sheet but no active user to write to
    sheet_with(nobody, 2025)

    sent = []
    for moment in [
        at_jst(2027, 3, 31, 0, 30),
        at_jst(2027, 3, 31, 23, 30),  # already April 1 in no time zone that counts, still March in Japan
        at_jst(2027, 4, 1, 0, 30),  # March 31 15:30 in UTC: April in Japan
        at_jst(2027, 4, 1, 23, 30),
        at_jst(2027, 4, 15, 9, 30),
        at_jst(2027, 4, 30, 23, 30),
        at_jst(2027, 5, 1, 0, 30),  # still April 30 in UTC
    ]:
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=False):
            sent.append(services.sheets_invite_new_year())
    assert sent == [0, 0, 1, 0, 0, 0, 0]
    rows = invitations(2026)
    assert len(rows) == 1
    assert sorted(rows[0].to) == sorted([invited.email, colleague.email])
    assert "2026年度" in rows[0].subject
    assert reverse("selfcheck:next_year", args=[2026]) in rows[0].body
    assert "値は引き継ぎません" in rows[0].body


def test_the_beat_runs_the_invitation_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["selfcheck-new-year-invitations"]
    assert entry["task"] == "selfcheck.tasks.sheets_invite_new_year"
    assert entry["schedule"].hour == {9} and entry["schedule"].day_of_month == set(range(1, 32))


def test_the_new_years_sheet_takes_last_years_structure_but_none_of_its_values(sme_user):
    company = sme_user.company
    last = services.sheet_create(fiscal_year=2025, company=company)
    months = {m: 100 for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)}
    services.sheet_save_step1(
        sheet=last,
        data={
            "electricity_kwh_monthly": months,
            "lpg_m3": 500,
            "lpg_gas": "butane",
            "lpg_supplier_kg_per_m3": "2.1",
            "market_electricity_kg_per_kwh": "0.4",
        },
    )
    save_step3(last, base_year=2023, target_year=2030, target_reduction_pct=30)
    sheet = services.sheet_create_next_year(company=company, fiscal_year=2026)
    sheet.refresh_from_db()
    assert sheet.carried == {
        "from_year": 2025,
        "entries": ["electricity_kwh", "lpg_m3"],
        "monthly": {"electricity_kwh": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]},
    }
    assert all(value is None for value in sheet.amounts().values())
    assert sheet.monthly == {} and sheet.market_electricity_kg_per_kwh is None and sheet.total_t is None
    assert sheet.lpg_gas == "butane" and sheet.lpg_supplier_kg_per_m3 is None  # the kind of gas, not the bill's figure
    assert sheet.base_year == 2023  # the base year the SME picked stays; the plan's figures do not
    assert sheet.target_year is None and sheet.target_reduction_pct is None and not sheet.step3_saved
    # a second call (a double click, the mail opened twice) gives the same sheet
    assert services.sheet_create_next_year(company=company, fiscal_year=2026).pk == sheet.pk
    assert Sheet.objects.filter(company=company, fiscal_year=2026).count() == 1


def test_the_mail_link_writes_nothing_on_get_and_creates_on_post(sme_client, sme_user):
    sheet_with(sme_user.company, 2025, electricity_kwh=1200, gasoline_l=300)
    url = reverse("selfcheck:next_year", args=[2026])
    page = sme_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2025年度から引き継ぐ入力欄" in text and "ガソリン" in text
    assert not Sheet.objects.filter(company=sme_user.company, fiscal_year=2026).exists()
    response = sme_client.post(url)
    created = Sheet.objects.get(company=sme_user.company, fiscal_year=2026)
    assert response.status_code == 302 and response["Location"] == reverse("selfcheck:step1", args=[created.pk])
    step1 = sme_client.get(response["Location"]).content.decode()
    assert 'id="carried"' in step1
    # carried entries first, empty
    assert step1.index('name="electricity_kwh"') < step1.index('name="city_gas_m3"')
    assert step1.index('name="gasoline_l"') < step1.index('name="city_gas_m3"')
    assert 'name="electricity_kwh" value' not in step1.split('name="electricity_kwh"')[0][-5:]
    # POST again: no second sheet
    again = sme_client.post(url)
    assert again["Location"] == reverse("selfcheck:step1", args=[created.pk])
    assert Sheet.objects.filter(company=sme_user.company, fiscal_year=2026).count() == 1


def test_the_mail_link_asks_for_sign_in_and_refuses_a_future_year(sme_client):
    url = reverse("selfcheck:next_year", args=[2026])
    assert Client().get(url)["Location"].startswith(reverse("account_login"))
    assert sme_client.get(reverse("selfcheck:next_year", args=[2099])).status_code == 404
    assert sme_client.post(reverse("selfcheck:next_year", args=[2099])).status_code == 404


def test_the_result_page_shows_every_year_and_the_change_against_the_picked_base_year(sme_client, sme_user):
    company = sme_user.company
    sheet_with(company, 2023, electricity_kwh=100_000)  # the base
    sheet_with(company, 2024)  # opened, nothing entered
    current = sheet_with(company, 2026, electricity_kwh=80_000)
    save_step3(current, base_year=2023)
    yearly = selectors.sheet_yearly(Sheet.objects.get(pk=current.pk))
    trend = yearly["trend"]
    rows = {r.fiscal_year: r for r in trend.rows}
    assert list(rows) == [2023, 2024, 2025, 2026]
    base_t = rows[2023].total_t
    assert base_t > 0 and rows[2023].is_base
    assert rows[2024].total_t is None and rows[2024].change_t is None  # not entered is not zero
    assert rows[2025].total_t is None  # no sheet at all
    # 80,000 kWh against 100,000 kWh, from the stored totals rounded to 0.1 t: 33.8 against 42.3
    assert (rows[2023].total_t, rows[2026].total_t) == (Decimal("42.3"), Decimal("33.8"))
    assert rows[2026].change_t == Decimal("-8.5") and rows[2026].change_pct == Decimal("-20.1")
    text = sme_client.get(reverse("selfcheck:result", args=[current.pk])).content.decode()
    assert "年度ごとの推移と基準年度からの変化" in text
    assert "基準年度：2023年度" in text
    assert "-20.1%" in text and "-8.5" in text
    assert "未入力の2年度は表示していません" in text  # the chart's text alternative says what it leaves out
    assert 'aria-labelledby="trend-caption"' in text and '<th scope="col">増減率</th>' in text


def test_the_target_path_is_absent_while_the_rate_is_empty_and_shown_with_its_source_once_set(sme_client, sme_user):
    company = sme_user.company
    sheet_with(company, 2023, electricity_kwh=100_000)
    current = sheet_with(company, 2026, electricity_kwh=90_000)
    save_step3(current, base_year=2023)
    url = reverse("selfcheck:result", args=[current.pk])
    settings_row = SelfcheckSettings.objects.first() or SelfcheckSettings.objects.create()
    assert settings_row.sbt_sme_reduction_pct is None  # starts empty: the figure is not in the source documents
    assert selectors.sheet_yearly(current)["path"] is None
    assert "中小企業版SBTの削減の道筋" not in sme_client.get(url).content.decode()

    settings_row.sbt_sme_reduction_pct = Decimal("30")
    settings_row.sbt_sme_reduction_source = "テスト用の出典（SBTi SME route, 20XX）"
    settings_row.sbt_sme_reduction_url = "https://example.org/sbti-sme"
    settings_row.save()
    path = selectors.sheet_yearly(Sheet.objects.get(pk=current.pk))["path"]
    assert path.base_year == 2023 and path.target_year == 2030
    assert path.target_t == (path.base_t * Decimal("0.7")).quantize(Decimal("0.1"))
    text = sme_client.get(url).content.decode()
    assert "中小企業版SBTの削減の道筋（2030年度まで）" in text
    assert "テスト用の出典（SBTi SME route, 20XX）" in text and "https://example.org/sbti-sme" in text
    assert "<title>中小企業版SBTの削減の道筋（2023年度から2030年度までに30%削減）" in text


def test_a_rate_without_its_source_is_refused_by_the_database():
    row = SelfcheckSettings.objects.first() or SelfcheckSettings.objects.create()
    row.sbt_sme_reduction_pct = Decimal(30)
    row.sbt_sme_reduction_source = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_institutions_see_who_has_and_has_not_started_only_among_companies_sharing_with_them(client):
    staff = InstitutionUserFactory()
    institution = staff.institution
    started, waiting, elsewhere = SmeUserFactory(), SmeUserFactory(), SmeUserFactory()
    for user in (started, waiting, elsewhere):
        sheet_with(user.company, 2024, electricity_kwh=1000)
    sheet_with(started.company, 2025)
    sheet_with(elsewhere.company, 2025)
    for user in (started, waiting):
        sharing_services.share_grant(
            company=user.company, kind=ShareKind.INSTITUTION, institution=institution, user=user, fiscal_year=2024
        )
    other = InstitutionUserFactory()
    sharing_services.share_grant(
        company=elsewhere.company, kind=ShareKind.INSTITUTION, institution=other.institution, user=elsewhere
    )
    client.force_login(staff)
    with time_machine.travel(at_jst(2026, 4, 10, 10, 0), tick=False):
        text = client.get(reverse("sharing:received")).content.decode()
    assert text.count('id="status-title"') == 1 and "<section" not in text.split("</title>")[0]
    section = text.split('id="status-title"')[1]
    assert "2025年度のシートの着手状況" in text
    assert started.company.name in section and waiting.company.name in section
    assert elsewhere.company.name not in section  # shares with another institution only
    assert section.index(waiting.company.name) < section.index(started.company.name)  # not started first
    assert "うち、2025年度のシートを始めた企業は1社" in section


def test_staff_enter_the_rate_in_the_admin_only_with_its_source(admin_client):
    row = SelfcheckSettings.objects.get()
    url = f"/admin/selfcheck/selfchecksettings/{row.pk}/change/"
    form = admin_client.get(url).content.decode()
    assert "このポータルの参照資料には載っていないため、最初は空欄です" in form  # the note beside the empty field
    refused = admin_client.post(url, {"jpy_per_eur": "184", "sbt_sme_reduction_pct": "30"})
    assert refused.status_code == 200
    assert "削減率を入力するときは、その出典も入力してください。" in refused.content.decode()
    assert SelfcheckSettings.objects.get().sbt_sme_reduction_pct is None and selectors.sbt_sme_reduction() is None
    saved = admin_client.post(
        url,
        {
            "jpy_per_eur": "184",
            "sbt_sme_reduction_pct": "30",
            "sbt_sme_reduction_source": "テスト用の出典",
            "sbt_sme_reduction_url": "https://example.org/sbti",
        },
    )
    assert saved.status_code == 302
    assert selectors.sbt_sme_reduction() == selectors.SbtSmeReduction(
        pct=Decimal("30.0"), source="テスト用の出典", url="https://example.org/sbti"
    )
