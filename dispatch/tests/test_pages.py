"""The dispatch pages: apply, the case page per role, the access matrix, the PDFs read back, the desk's admin."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from core.errors import ApplicationError
from core.jst import current_fiscal_year
from dispatch import services
from dispatch.models import Case, Deliverable, Programme, Stage

from .conftest import jst, make_expert
from .test_cases import apply, assigned_diagnosis

pytestmark = pytest.mark.django_db


def test_the_programme_page_names_its_source_and_links_to_apply(client):
    page = client.get(reverse("dispatch:index")).content.decode()
    assert "17,500円" in page and "3回" in page
    assert "出典：中小機構 九州本部「中小機構のカーボンニュートラル支援」" in page
    assert reverse("dispatch:apply") + "?programme=handson" in page


def test_an_sme_applies_through_the_form(sme_client, sme_user):
    url = reverse("dispatch:apply") + "?programme=diagnosis&from=selfcheck"
    response = sme_client.post(
        url, {"programme": "diagnosis", "wants": "CO2を知りたい", "sites": "本社", "share_selfcheck": "on"}
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("dispatch:case", args=[case.pk])
    assert case.share_selfcheck and case.origin == "selfcheck" and case.company == sme_user.company


def test_bad_input_on_the_form_shows_a_japanese_error_and_saves_nothing(sme_client):
    response = sme_client.post(reverse("dispatch:apply"), {"programme": "diagnosis", "wants": "a\x00b", "sites": ""})
    assert response.status_code == 200
    assert "入力内容を確認してください" in response.content.decode()
    assert not Case.objects.exists()


def test_access_matrix_of_a_case_page(client, sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    url = reverse("dispatch:case", args=[case.pk])
    allowed = [sme_user, expert.user, desk]
    refused = [SmeUserFactory(), make_expert(email="x@example.jp").user, InstitutionUserFactory()]
    for user in allowed:
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302


def test_an_institution_sees_a_case_only_when_it_is_shared_with_it(client, sme_user):
    staff = InstitutionUserFactory()
    case = services.case_apply_on_behalf(
        user=staff, company_email=sme_user.email, programme=Programme.DIAGNOSIS, wants="CO2", sites="本社"
    )
    client.force_login(staff)
    assert client.get(reverse("dispatch:case", args=[case.pk])).status_code == 200
    other = InstitutionUserFactory()
    client.force_login(other)
    assert client.get(reverse("dispatch:case", args=[case.pk])).status_code == 404


def test_the_company_confirms_an_application_on_its_behalf_on_its_page(client, sme_user):
    staff = InstitutionUserFactory()
    case = services.case_apply_on_behalf(
        user=staff, company_email=sme_user.email, programme=Programme.HANDSON, wants="CO2", sites="本社"
    )
    client.force_login(sme_user)
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    assert "この内容で申し込む" in page
    client.post(reverse("dispatch:move", args=[case.pk]), {"to": "applied"})
    case.refresh_from_db()
    assert case.stage == Stage.APPLIED


def test_an_expert_logs_a_visit_and_a_fourth_diagnosis_visit_shows_an_error(client, sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    client.force_login(expert.user)
    url = reverse("dispatch:visit_add", args=[case.pk])
    for day in (2, 9, 16):
        response = client.post(
            url, {"visit-starts_at": f"2026-12-{day:02d}T10:00", "visit-hours": "3", "visit-expert_days": "1"}
        )
        assert response.status_code == 302
    response = client.post(url, {"visit-starts_at": "2026-12-23T10:00", "visit-hours": "3", "visit-expert_days": "1"})
    assert response.status_code == 400
    assert "診断・助言の訪問は3回までです。" in response.content.decode()
    assert case.visits.count() == 3
    assert case.visits.first().starts_at == jst(2026, 12, 2)


def test_an_expert_sees_only_own_cases_in_the_workspace(client, sme_user, desk, expert):
    mine = assigned_diagnosis(sme_user, desk, expert)
    client.force_login(expert.user)
    page = client.get(reverse("dispatch:expert_home")).content.decode()
    assert f"#{mine.pk}" in page
    other = make_expert(email="y@example.jp", name="別の専門家")
    client.force_login(other.user)
    assert f"#{mine.pk}" not in client.get(reverse("dispatch:expert_home")).content.decode()
    client.force_login(sme_user)
    assert client.get(reverse("dispatch:expert_home")).status_code == 403


def _text(path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_diagnosis_report_pdf_says_what_the_expert_wrote(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(
        case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1, done="工場内の照明と空調を確認"
    )
    services.case_update_report(
        case=case,
        user=expert.user,
        findings="コンプレッサの空転が多い",
        baseline_t="85.3",
        target_year=2030,
        target_reduction_pct=30,
    )
    services.measure_add(
        case=case,
        user=expert.user,
        family="tomeru",
        description="昼休みのコンプレッサ停止",
        cost=1,
        effect=3,
        difficulty=1,
    )
    services.measure_add(
        case=case, user=expert.user, family="kaeru", description="LED照明への更新", cost=3, effect=2, difficulty=2
    )
    services.case_transition(case=case, user=expert.user, to=Stage.REPORT_DELIVERED)
    deliverable = Deliverable.objects.get(case=case)
    services.deliverable_render(pk=deliverable.pk)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.READY
    text = _text(services.pdf_directory() / deliverable.path)
    for expected in ("診断報告書", sme_user.company.name, "コンプレッサの空転が多い", "85.3", "2030年度までに30%削減"):
        assert expected in text, expected
    assert text.index("昼休みのコンプレッサ停止") < text.index("LED照明への更新")  # ranked by effect, cost, difficulty


def test_the_pdf_downloads_for_the_company_only(client, sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    deliverable = services.deliverable_request(case=case, kind=Deliverable.Kind.DIAGNOSIS_REPORT)
    services.deliverable_render(pk=deliverable.pk)
    url = reverse("dispatch:download", args=[case.pk, "diagnosis_report"])
    client.force_login(sme_user)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(SmeUserFactory())
    assert client.get(url).status_code == 404


def test_the_desk_moves_a_case_on_the_case_page_and_a_refused_move_is_an_error_next_to_the_field(
    client, sme_user, desk
):
    case = apply(sme_user)
    client.force_login(desk)
    url = reverse("dispatch:move", args=[case.pk])
    response = client.post(url, {"move-declined-to": "declined", "move-declined-reason": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "このフィールドは必須です" in body and 'href="#move-declined"' in body
    response = client.post(url, {"to": "closed", "move-closed-to": "closed"})  # not a move from 申込み受付
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.APPLIED
    client.post(url, {"move-accepted-to": "accepted", "move-accepted-note": "書類を確認"})
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    assert case.events.last().note == "書類を確認" and case.events.last().actor == desk
    # The admin's old address for moves leads to the case page.
    response = client.get(reverse("admin:dispatch_case_transition", args=[case.pk]))
    assert response.status_code == 302 and response.url == reverse("dispatch:case", args=[case.pk]) + "#moves"


def test_each_move_asks_only_for_its_own_fields_and_shows_earlier_choices(client, sme_user, desk, expert):
    case = apply(sme_user, programme=Programme.HANDSON)
    client.force_login(desk)
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    assert 'name="move-declined-reason"' in page and 'name="move-interview-note"' in page
    assert 'name="move-interview-expert"' not in page and 'name="move-interview-goals"' not in page
    services.case_transition(case=case, user=desk, to=Stage.INTERVIEW)
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    for name in ("expert", "period_start", "period_end", "planned_expert_days", "goals", "schedule"):
        assert f'name="move-plan_agreed-{name}"' in page, name
    services.case_transition(
        case=case,
        user=desk,
        to=Stage.PLAN_AGREED,
        expert=expert,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2027, 8, 31),
        planned_expert_days="20",
        goals="2030年度にCO2を半減",
        schedule="月2〜3日の訪問",
    )
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    assert 'name="move-kickoff-note"' in page and 'name="move-kickoff-goals"' not in page
    for shown in (expert.name, "2030年度にCO2を半減", "月2〜3日の訪問", "20.0"):
        assert shown in page, shown
    assert "次の対応" in page and "キックオフを行う。" in page


def test_a_refused_plan_keeps_what_the_desk_typed_and_changes_nothing(client, sme_user, desk, expert):
    case = apply(sme_user, programme=Programme.HANDSON)
    services.case_transition(case=case, user=desk, to=Stage.INTERVIEW)
    client.force_login(desk)
    data = {
        "move-plan_agreed-to": "plan_agreed",
        "move-plan_agreed-expert": str(expert.pk),
        "move-plan_agreed-period_start": "2027-01-01",
        "move-plan_agreed-period_end": "2028-06-30",  # longer than a year
        "move-plan_agreed-planned_expert_days": "20",
        "move-plan_agreed-goals": "入力した目標",
        "move-plan_agreed-schedule": "入力したスケジュール",
    }
    response = client.post(reverse("dispatch:move", args=[case.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400 and "支援期間は1年以内にしてください。" in body
    assert "入力した目標" in body and "入力したスケジュール" in body
    case.refresh_from_db()
    assert case.stage == Stage.INTERVIEW and case.expert is None and case.goals == ""


def test_the_desk_records_a_past_visit_as_done_on_the_case_page(client, sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    visit = services.visit_schedule(case=case, user=desk, starts_at=jst(2026, 12, 2), expert_days=1)
    client.force_login(desk)
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    assert "実施内容の記録待ち" in page and "実施済みの訪問（日時が過ぎ、実施内容を記録したもの）" in page
    url = reverse("dispatch:visit_log", args=[case.pk, visit.pk])
    response = client.post(url, {f"log-{visit.pk}-done": ""})
    assert response.status_code == 400 and f'href="#log-{visit.pk}"' in response.content.decode()
    response = client.post(url, {f"log-{visit.pk}-done": "照明を確認", f"log-{visit.pk}-readings": "電力 1,200kWh"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.done == "照明を確認" and visit.happened()
    assert "実施済み" in client.get(reverse("dispatch:case", args=[case.pk])).content.decode()


def test_the_admin_change_form_and_list_link_to_the_case_page(client, sme_user, desk):
    case = apply(sme_user)
    client.force_login(desk)
    link = f'href="{reverse("dispatch:case", args=[case.pk])}"'
    assert link in client.get(reverse("admin:dispatch_case_change", args=[case.pk])).content.decode()
    assert link in client.get(reverse("admin:dispatch_case_changelist")).content.decode()
    page = client.get(reverse("dispatch:case", args=[case.pk])).content.decode()
    assert f'href="{reverse("admin:dispatch_case_change", args=[case.pk])}"' in page


def test_opening_the_case_page_writes_nothing(client, sme_user, desk, expert):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = assigned_diagnosis(sme_user, desk, expert)
    client.force_login(desk)
    client.get(reverse("dispatch:case", args=[case.pk]))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dispatch:case", args=[case.pk])).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [w for w in writes if "django_session" not in w]


def test_the_stage_cannot_be_edited_in_the_change_form(client, sme_user, desk):
    case = apply(sme_user)
    client.force_login(desk)
    url = reverse("admin:dispatch_case_change", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'name="stage"' not in page
    client.post(url, {"stage": "closed"})
    case.refresh_from_db()
    assert case.stage == Stage.APPLIED


def test_statistics_count_cases_and_export_csv_with_bom(client, sme_user, desk, expert):
    assigned_diagnosis(sme_user, desk, expert)
    apply(SmeUserFactory(), programme=Programme.HANDSON)
    client.force_login(desk)
    url = reverse("admin:dispatch_statistics")
    page = client.get(url).content.decode()
    fy = current_fiscal_year()
    period = f"{fy}年度（{fy}-04-01〜{fy + 1}-03-31）"
    assert f"{period}の案件（申込日で集計）：2件" in page and "<svg" in page
    response = client.get(url, {"format": "csv"})
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    by_programme = [row[1:] for row in rows if row[0] == f"支援メニュー別（{period}）"]
    assert ["CO2排出量の診断・助言", "1"] in by_programme and ["ハンズオン支援", "1"] in by_programme
    assert ["年度別（申込日）", f"{fy}年度", "2"] in rows


def test_a_reversed_statistics_range_is_an_error_next_to_the_field_and_no_figures(client, sme_user, desk, admin_user):
    apply(sme_user)
    client.force_login(desk)
    url = reverse("admin:dispatch_statistics")
    for params in ({"date_from": "2026-12-01", "date_to": "2026-01-01"}, {"date_to": "2000-01-01"}):
        for extra in ({}, {"format": "csv"}):
            response = client.get(url, {**params, **extra})
            body = response.content.decode()
            assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
            assert "終了日は開始日以降の日付にしてください（開始日と終了日が逆です）。" in body
            assert 'id="id_date_to_error"' in body, body
            assert "の案件（申込日で集計）" not in body and "CSVで書き出す" not in body
    # The bookings' statistics say the same words for the same mistake.
    client.force_login(admin_user)
    body = client.get(
        reverse("admin:consultations_statistics"), {"date_from": "2026-12-01", "date_to": "2026-01-01"}
    ).content.decode()
    assert "終了日は開始日以降の日付にしてください（開始日と終了日が逆です）。" in body
    client.force_login(desk)
    page = client.get(url, {"date_from": "9999-99-99"})
    assert page.status_code == 200
    page = client.get(url, {"date_from": "9999-12-31", "date_to": "9999-12-31"})
    assert page.status_code == 200 and "1900年から2100年" in page.content.decode()


def test_other_staff_groups_cannot_open_the_dispatch_desk(client, sme_user):
    from accounts.tests.factories import StaffUserFactory

    case = apply(sme_user)
    client.force_login(StaffUserFactory())
    assert client.get(reverse("admin:dispatch_case_transition", args=[case.pk])).status_code == 403
    assert client.get(reverse("admin:dispatch_statistics")).status_code == 403
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, user=StaffUserFactory(), to=Stage.ACCEPTED)


def test_visit_in_the_past_of_the_period_keeps_the_day_in_jst(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    visit = services.visit_schedule(
        case=case,
        user=expert.user,
        starts_at=dt.datetime(2026, 12, 1, 0, 30, tzinfo=jst(2026, 1, 1).tzinfo),
        expert_days="0.5",
    )
    assert str(visit).endswith("第1回")


def test_the_support_plan_and_final_report_pdfs_say_the_plan_and_the_figures(sme_user, desk, expert):
    from .test_cases import handson_in_support

    case = handson_in_support(sme_user, desk, expert)
    plan = Deliverable.objects.get(case=case, kind=Deliverable.Kind.SUPPORT_PLAN)
    services.deliverable_render(pk=plan.pk)
    plan.refresh_from_db()
    text = _text(services.pdf_directory() / plan.path)
    for expected in ("支援計画書", "2030年度に2022年度比でCO2を50%削減する計画をつくる", "20.0", "350,000円"):
        assert expected in text, expected
    services.visit_schedule(
        case=case, user=expert.user, starts_at=jst(2026, 11, 12), expert_days="1.5", done="請求書を確認"
    )
    services.case_update_report(case=case, user=expert.user, baseline_t="120.5", after_t="98.0", roadmap="2030年 半減")
    services.case_transition(case=case, user=expert.user, to=Stage.FINAL_REPORT)
    final = Deliverable.objects.get(case=case, kind=Deliverable.Kind.FINAL_REPORT)
    services.deliverable_render(pk=final.pk)
    final.refresh_from_db()
    text = _text(services.pdf_directory() / final.path)
    for expected in ("最終報告書", "120.5", "98.0", "2030年 半減", "26,250円"):
        assert expected in text, expected


def test_an_unfinished_diagnosis_report_says_not_set_instead_of_none(sme_user, desk, expert):
    case = assigned_diagnosis(sme_user, desk, expert)
    deliverable = services.deliverable_request(case=case, kind=Deliverable.Kind.DIAGNOSIS_REPORT)
    services.deliverable_render(pk=deliverable.pk)
    deliverable.refresh_from_db()
    text = _text(services.pdf_directory() / deliverable.path)
    assert "None" not in text and "未設定" in text and "登録された対策はありません" in text


def test_a_company_shares_the_case_with_its_chamber_which_then_sees_it(client, sme_user):
    staff = InstitutionUserFactory()
    client.force_login(sme_user)
    client.post(
        reverse("dispatch:apply"),
        {"programme": "diagnosis", "wants": "CO2", "sites": "本社", "shared_with": staff.institution.pk},
    )
    case = Case.objects.get()
    assert case.shared_with == staff.institution
    client.force_login(staff)
    assert client.get(reverse("dispatch:case", args=[case.pk])).status_code == 200
    assert f"#{case.pk}" in client.get(reverse("dispatch:my_cases")).content.decode()


def test_an_advisors_recommendation_leads_to_the_apply_form_and_is_recorded_as_the_origin(sme_client):
    response = sme_client.post(
        reverse("dispatch:apply") + "?from=advisor", {"programme": "handson", "wants": "計画づくり", "sites": "本社"}
    )
    assert response.status_code == 302
    assert Case.objects.get().origin == "advisor"


def test_the_subsidies_catalogue_links_to_both_programmes(client):
    page = client.get(reverse("subsidies:index")).content.decode()
    assert reverse("dispatch:apply") + "?programme=diagnosis&amp;from=catalogue" in page
    assert reverse("dispatch:apply") + "?programme=handson&amp;from=catalogue" in page


@pytest.mark.parametrize("kind", list(Deliverable.Kind))
def test_every_kind_of_deliverable_is_a_tagged_pdf_with_language_title_headings_and_table_headers(
    kind, sme_user, desk, expert
):
    from tests.pdf_structure import assert_accessible_pdf

    case = assigned_diagnosis(sme_user, desk, expert)
    services.visit_schedule(
        case=case, user=expert.user, starts_at=jst(2026, 12, 2), expert_days=1, done="工場内の照明と空調を確認"
    )
    services.measure_add(
        case=case, user=expert.user, family="kaeru", description="LED照明への更新", cost=3, effect=2, difficulty=2
    )
    structure = assert_accessible_pdf(
        services.deliverable_pdf_bytes(Deliverable(case=case, kind=kind)), title=str(Deliverable.Kind(kind).label)
    )
    assert "Table" in structure.tags and "TH" in structure.tags
