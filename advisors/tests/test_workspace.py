"""An advisor sees only the bookings assigned to them, with everything needed, and writes the record."""

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory, StaffUserFactory, SupportInstitutionFactory
from advisors.models import FollowUp, Recommendation
from consultations.models import Booking
from selfcheck.tests.helpers import filled_sheet
from sharing import services as sharing_services
from sharing.models import AccessAction, ShareAccess

from .conftest import advisor_account, at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def sme(db):
    return SmeUserFactory()


@pytest.fixture
def booking(account, sme, frozen):
    return book(user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10), sitting_in=SupportInstitutionFactory())


def share_with_advisor(booking, user):
    return sharing_services.share_grant(company=booking.company, kind="advisor", booking=booking, user=user)


def test_anonymous_visitors_go_to_the_sign_in_page(client, booking):
    for url in ("/advisor/", f"/advisor/bookings/{booking.pk}/", "/advisor/availability/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("kind", ["sme", "institution", "staff"])
def test_other_kinds_of_user_never_see_the_workspace(client, booking, kind):
    user = {"sme": SmeUserFactory, "institution": InstitutionUserFactory, "staff": StaffUserFactory}[kind]()
    client.force_login(user)
    assert client.get("/advisor/").status_code == 404
    assert client.get(f"/advisor/bookings/{booking.pk}/").status_code == 404


def test_an_advisor_without_an_authenticator_app_is_sent_to_enrol(client, frozen):
    account = advisor_account(email="no2fa@example.jp", second_factor=False)
    client.force_login(account.user)
    assert client.get("/advisor/")["Location"] == "/accounts/2fa/totp/activate/"


def test_the_list_shows_only_my_bookings_upcoming_and_past(advisor_client, account, sme, frozen):
    other = advisor_account(name="別の専門家", email="other@example.jp")
    mine_next = book(user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10))
    mine_past = book(user=SmeUserFactory(), advisor=account.advisor, start=at(2026, 4, 14, 10), status="done")
    theirs = book(user=SmeUserFactory(), advisor=other.advisor, start=at(2026, 4, 23, 11))
    upcoming = advisor_client.get("/advisor/").content.decode()
    everything = advisor_client.get("/advisor/?view=all").content.decode()
    assert mine_next.company.name in upcoming and mine_past.company.name not in upcoming
    assert mine_next.company.name in everything and mine_past.company.name in everything
    assert theirs.company.name not in upcoming + everything
    assert advisor_client.get(f"/advisor/bookings/{theirs.pk}/").status_code == 404
    assert advisor_client.post(f"/advisor/bookings/{theirs.pk}/record/", {"rec-private_record": "x"}).status_code == 404


def test_the_booking_page_shows_intake_company_history_and_no_selfcheck_unless_shared(advisor_client, booking, sme):
    earlier = book(
        user=sme,
        advisor=advisor_account(name="前任", email="former@example.jp").advisor,
        start=at(2026, 3, 10, 10),
        status="done",
        private_record="前回：電力の請求書を12か月分集めることを提案",
        question="前回の質問",
    )
    FollowUp.objects.create(booking=earlier, next_steps="請求書を集める")
    page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    for text in (
        "取引先からCO2排出量を求められています",
        "Scope 1・2の年度別の数値",
        "サプライチェーン対応",
        booking.company.name,
        booking.company.get_industry_display(),
        booking.sitting_in.name,
        "前回：電力の請求書を12か月分集めることを提案",
        "請求書を集める",
        "企業はセルフチェックの結果を共有していません",
    ):
        assert text in page, text
    assert not ShareAccess.objects.exists()


def test_a_shared_selfcheck_shows_figures_trend_and_sbt_and_each_look_is_logged(advisor_client, booking, sme):
    from selfcheck.tests.helpers import factor_set_for_test_year

    factor_set_for_test_year(2025)
    filled_sheet(sme.company, fiscal_year=2025)
    filled_sheet(sme.company, fiscal_year=2026)
    share = share_with_advisor(booking, sme)
    page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "共有された結果を見る" in page and "63.6" not in page and not ShareAccess.objects.exists()
    response = advisor_client.post(f"/advisor/bookings/{booking.pk}/selfcheck/")
    assert response.status_code == 302 and response["Location"].endswith("#selfcheck")
    page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "2025年度" in page and "2026年度" in page and "63.6" in page
    assert "<svg" in page  # the trend chart
    assert "要件を満たす" in page
    assert sorted(ShareAccess.objects.filter(share=share).values_list("fiscal_year", flat=True)) == [2025, 2026]
    assert set(ShareAccess.objects.values_list("action", flat=True)) == {AccessAction.VIEW}
    sme_client = advisor_client.__class__()
    sme_client.force_login(sme)
    log = sme_client.get("/sharing/").content.decode()
    assert "ichiro@example.jp" in log and "結果を閲覧" in log


def test_a_share_revoked_or_older_than_30_days_after_the_consultation_is_not_shown(advisor_client, booking, sme):
    filled_sheet(sme.company)
    share = share_with_advisor(booking, sme)
    with time_machine.travel(booking.end + dt.timedelta(days=30, minutes=1), tick=False):
        page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "共有していません" in page and "63.6" not in page
    sharing_services.share_revoke(share=share)
    page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert "共有していません" in page


def test_the_advisor_downloads_the_shared_pdf_and_another_advisor_cannot(client, account, booking, sme):
    from selfcheck import services as selfcheck_services

    sheet = filled_sheet(sme.company)
    selfcheck_services.sheet_render_pdf(pk=sheet.pk)
    share_with_advisor(booking, sme)
    client.force_login(account.user)
    assert client.get(f"/selfcheck/sheets/{sheet.pk}/report.pdf").status_code == 200
    assert ShareAccess.objects.filter(action=AccessAction.PDF).count() == 1
    client.force_login(advisor_account(name="別", email="b@example.jp").user)
    assert client.get(f"/selfcheck/sheets/{sheet.pk}/report.pdf").status_code == 404


def test_the_record_stays_private_and_the_next_steps_reach_the_company(advisor_client, account, booking, sme, client):
    response = advisor_client.post(
        f"/advisor/bookings/{booking.pk}/record/",
        {"rec-private_record": "非公開メモ：設備更新の意向あり", "rec-next_steps": "電力会社の排出係数を調べる"},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.private_record == "非公開メモ：設備更新の意向あり"
    assert FollowUp.objects.get(booking=booking).next_steps == "電力会社の排出係数を調べる"
    company = client.__class__()
    company.force_login(sme)
    detail = company.get(f"/consultations/bookings/{booking.pk}/").content.decode()
    assert "電力会社の排出係数を調べる" in detail and "非公開メモ" not in detail


def test_recommendations_of_each_kind_appear_on_the_company_page(advisor_client, booking, sme, client):
    from seminars.tests.factories import SeminarFactory
    from subsidies.models import Measure

    seminar = SeminarFactory(starts_at=at(2026, 5, 20, 14), ends_at=at(2026, 5, 20, 16), title="省エネ診断入門セミナー")
    measure = Measure.objects.order_by("pk").first()
    url = f"/advisor/bookings/{booking.pk}/recommend/"
    assert advisor_client.post(url, {"reco-kind": "seminar", "reco-seminar": seminar.pk}).status_code == 302
    assert (
        advisor_client.post(
            url, {"reco-kind": "subsidy", "reco-measure": measure.pk, "reco-note": "設備更新に"}
        ).status_code
        == 302
    )
    assert advisor_client.post(url, {"reco-kind": "expert_dispatch"}).status_code == 302
    assert Recommendation.objects.count() == 3
    company = client.__class__()
    company.force_login(sme)
    page = company.get("/me/").content.decode()
    assert "専門家からのおすすめ" in page
    assert "省エネ診断入門セミナー" in page and measure.name in page and "専門家派遣" in page and "設備更新に" in page


def test_a_recommendation_without_its_target_is_refused_next_to_the_field(advisor_client, booking):
    response = advisor_client.post(f"/advisor/bookings/{booking.pk}/recommend/", {"reco-kind": "seminar"})
    assert response.status_code == 400
    assert 'id="id_reco-seminar_error"' in response.content.decode()
    response = advisor_client.post(f"/advisor/bookings/{booking.pk}/recommend/", {"reco-kind": "bogus"})
    assert response.status_code == 400
    assert not Recommendation.objects.exists()


def test_the_advisor_confirms_then_marks_done_only_after_the_start(advisor_client, account, sme, frozen):
    booking = book(user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10), status="requested")
    advisor_client.post(f"/advisor/bookings/{booking.pk}/status/", {"status": "confirmed"})
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    response = advisor_client.post(f"/advisor/bookings/{booking.pk}/status/", {"status": "done"}, follow=True)
    assert "開始前の予約は実施済み・無断欠席にできません" in response.content.decode()
    with time_machine.travel(at(2026, 4, 23, 11, 5), tick=False):
        advisor_client.post(f"/advisor/bookings/{booking.pk}/status/", {"status": "done"})
    booking.refresh_from_db()
    assert booking.status == "done"
    advisor_client.post(f"/advisor/bookings/{booking.pk}/status/", {"status": "cancelled"})
    booking.refresh_from_db()
    assert booking.status == "done"


def test_no_show_is_recorded(advisor_client, account, sme, frozen):
    booking = book(user=sme, advisor=account.advisor, start=at(2026, 4, 20, 9))
    advisor_client.post(f"/advisor/bookings/{booking.pk}/status/", {"status": "no_show"})
    assert Booking.objects.get(pk=booking.pk).status == "no_show"


def test_the_booking_page_runs_a_constant_number_of_queries(
    advisor_client, account, sme, frozen, django_assert_max_num_queries
):
    booking = book(user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10))
    for day in range(1, 6):
        earlier = book(user=sme, advisor=account.advisor, start=at(2026, 3, day, 10), status="done")
        FollowUp.objects.create(booking=earlier, next_steps="x")
    with django_assert_max_num_queries(25):
        assert advisor_client.get(f"/advisor/bookings/{booking.pk}/").status_code == 200
    with django_assert_max_num_queries(15):
        assert advisor_client.get("/advisor/").status_code == 200


def test_each_recommendation_mails_the_company_once_with_the_seminar_time_in_jst(advisor_client, booking, sme):
    from core.models import MailOutbox
    from seminars.tests.factories import SeminarFactory

    colleague = SmeUserFactory(company=sme.company, email="colleague@example.jp")
    seminar = SeminarFactory(starts_at=at(2026, 5, 20, 14), ends_at=at(2026, 5, 20, 16), title="省エネ診断入門セミナー")
    url = f"/advisor/bookings/{booking.pk}/recommend/"
    advisor_client.post(url, {"reco-kind": "seminar", "reco-seminar": seminar.pk, "reco-note": "ぜひ"})
    recommendation = Recommendation.objects.get()
    mail = MailOutbox.objects.get(key=f"advisors.recommendation:{recommendation.pk}")
    assert sorted(mail.to) == sorted([sme.email, colleague.email]) and "省エネ診断入門セミナー" in mail.subject
    assert "2026年05月20日 14:00 開始・日本時間" in mail.body and "ぜひ" in mail.body
    assert f"/consultations/bookings/{booking.pk}/" in mail.body
    advisor_client.post(url, {"reco-kind": "bogus"})
    assert MailOutbox.objects.filter(key__startswith="advisors.recommendation:").count() == 1


def test_a_recommendation_after_an_institutions_own_consultation_mails_the_staff_who_booked(advisor_client, account):
    from consultations.services import booking_create
    from consultations.tests.conftest import intake
    from core.models import MailOutbox

    staff = InstitutionUserFactory()
    with time_machine.travel(at(2026, 4, 20, 10), tick=False):
        booking = booking_create(user=staff, start=at(2026, 4, 23, 10), **intake())
    advisor_client.post(f"/advisor/bookings/{booking.pk}/recommend/", {"reco-kind": "expert_dispatch"})
    mail = MailOutbox.objects.get(key__startswith="advisors.recommendation:")
    assert mail.to == [staff.email] and "専門家派遣" in mail.body


def test_reloading_the_booking_page_writes_nothing_and_opening_is_logged_once_a_day(advisor_client, booking, sme):
    """A GET never writes: the company's access log grows by one row per year and day, however often it is shown."""
    from selfcheck.tests.helpers import factor_set_for_test_year

    factor_set_for_test_year(2025)
    filled_sheet(sme.company, fiscal_year=2025)
    share = share_with_advisor(booking, sme)
    with time_machine.travel(booking.start - dt.timedelta(hours=1), tick=False):
        for _ in range(5):
            assert advisor_client.get(f"/advisor/bookings/{booking.pk}/").status_code == 200
        assert not ShareAccess.objects.exists()
        for _ in range(3):
            advisor_client.post(f"/advisor/bookings/{booking.pk}/selfcheck/")
            assert "63.6" in advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
        assert ShareAccess.objects.filter(share=share, action=AccessAction.VIEW).count() == 1
    with time_machine.travel(booking.start + dt.timedelta(days=1), tick=False):
        page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
        assert "共有された結果を見る" in page and "63.6" not in page  # a new day in Japan: open again
        advisor_client.post(f"/advisor/bookings/{booking.pk}/selfcheck/")
    assert ShareAccess.objects.filter(share=share, action=AccessAction.VIEW).count() == 2


def test_opening_without_a_share_changes_nothing_and_says_why(advisor_client, booking):
    response = advisor_client.post(f"/advisor/bookings/{booking.pk}/selfcheck/", follow=True)
    assert "企業はセルフチェックの結果を共有していません。" in response.content.decode()
    assert not ShareAccess.objects.exists()


def test_the_workspace_filters_upcoming_this_week_and_needing_a_record_and_searches(advisor_client, account, frozen):
    """NOW is Monday 2026-04-20 in Japan: this week runs to Sunday the 26th."""
    from accounts.tests.factories import CompanyFactory

    def company_user(name):
        return SmeUserFactory(company=CompanyFactory(name=name))

    held_unwritten = book(user=company_user("記録待ち工業"), advisor=account.advisor, start=at(2026, 4, 14, 10))
    held_written = book(
        user=company_user("記録済み工業"), advisor=account.advisor, start=at(2026, 4, 15, 10), private_record="済"
    )
    this_week = book(user=company_user("今週商事"), advisor=account.advisor, start=at(2026, 4, 23, 10))
    next_week = book(
        user=company_user("来週製作所"), advisor=account.advisor, start=at(2026, 4, 28, 14), question="LPガスの削減"
    )
    cancelled = book(
        user=company_user("取消工業"), advisor=account.advisor, start=at(2026, 4, 24, 10), status="cancelled"
    )

    def names(url):
        page = advisor_client.get(url).content.decode()
        return {
            b.company.name
            for b in (held_unwritten, held_written, this_week, next_week, cancelled)
            if b.company.name in page
        }

    assert names("/advisor/") == {"今週商事", "来週製作所"}
    assert names("/advisor/?view=week") == {"今週商事"}
    assert names("/advisor/?view=needs_record") == {"記録待ち工業"}
    assert names("/advisor/?view=all") == {"記録待ち工業", "記録済み工業", "今週商事", "来週製作所", "取消工業"}
    assert names("/advisor/?view=all&q=LPガス") == {"来週製作所"}  # the question text is searched
    assert names("/advisor/?view=all&q=記録") == {"記録待ち工業", "記録済み工業"}
    page = advisor_client.get("/advisor/").content.decode()
    assert "記録が必要な相談（1）" in page and "これからの相談（2）" in page
    assert advisor_client.get("/advisor/?view=nonsense&page=zz&q=" + "x" * 300).status_code == 200


def test_the_advisor_sets_the_meeting_url_through_the_booking_service_with_an_audit_row_and_a_mail(
    advisor_client, account, booking, sme
):
    from core.models import MailOutbox

    before = booking.sequence
    response = advisor_client.post(
        f"/advisor/bookings/{booking.pk}/meeting-url/", {"meet-meeting_url": "https://zoom.example/j/777"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#meeting")
    booking.refresh_from_db()
    assert booking.meeting_url == "https://zoom.example/j/777" and booking.sequence == before + 1
    row = booking.history.latest()
    assert row.history_user == account.user and row.meeting_url == "https://zoom.example/j/777"
    assert MailOutbox.objects.filter(to__contains=[sme.email]).exists()
    page = advisor_client.get(f"/advisor/bookings/{booking.pk}/").content.decode()
    assert 'value="https://zoom.example/j/777"' in page
    # http://, a non-URL and another advisor's booking change nothing
    for bad in ("http://zoom.example/j/1", "zoom meeting"):
        response = advisor_client.post(f"/advisor/bookings/{booking.pk}/meeting-url/", {"meet-meeting_url": bad})
        assert response.status_code == 400 and "https:// で始まる形" in response.content.decode()
    other = advisor_account(name="別", email="other2@example.jp")
    theirs = book(user=SmeUserFactory(), advisor=other.advisor, start=at(2026, 4, 23, 15))
    assert (
        advisor_client.post(
            f"/advisor/bookings/{theirs.pk}/meeting-url/", {"meet-meeting_url": "https://x.example/"}
        ).status_code
        == 404
    )
    booking.refresh_from_db()
    assert booking.meeting_url == "https://zoom.example/j/777"


def test_an_in_person_booking_has_no_meeting_url_to_set(advisor_client, account, sme, frozen):
    visit = book(
        user=sme, advisor=account.advisor, start=at(2026, 4, 23, 10), mode="in_person", meeting_tool="in_person"
    )
    page = advisor_client.get(f"/advisor/bookings/{visit.pk}/").content.decode()
    assert "会議URLを保存する" not in page
    response = advisor_client.post(
        f"/advisor/bookings/{visit.pk}/meeting-url/", {"meet-meeting_url": "https://zoom.example/j/1"}, follow=True
    )
    assert "来所の相談には会議URLは要りません" in response.content.decode()
    visit.refresh_from_db()
    assert visit.meeting_url == ""
