import pytest

from accounts.tests.factories import SmeUserFactory
from consultations.models import Booking, BookingStatus
from consultations.services import booking_create
from consultations.tests.conftest import at, intake, make_advisor
from core.models import MailOutbox

pytestmark = pytest.mark.django_db


def test_index_lists_windows_with_modes(client):
    html = client.get("/consultations/").content.decode()
    assert "本部 オンライン相談窓口" in html and "九州本部 相談窓口" in html
    assert "/consultations/w/hq/?mode=online" in html
    assert "/consultations/w/kyushu/?mode=in_person" not in html  # no timetable: a contact, not slots
    assert 'href="/consultations/w/kyushu/"' in html and "申し込み方法を見る" in html


def test_calendar_shows_free_and_taken_slots(frozen, client, advisor):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    html = client.get("/consultations/w/hq/?mode=online").content.decode()
    assert "4月23日（木）" in html
    assert 'value="2026-04-23T11:00:00+09:00"' in html
    assert 'value="2026-04-23T10:00:00+09:00"' not in html
    assert "満席" in html
    assert "4月22日" not in html  # Wednesday
    assert "5月5日" not in html  # holiday


@pytest.mark.parametrize("n_advisors", [1, 10])
def test_calendar_runs_a_constant_number_of_queries(frozen, client, n_advisors, django_assert_max_num_queries):
    advisors = [make_advisor(name=f"A{i}", email=f"a{i}@example.jp") for i in range(n_advisors)]
    for i, a in enumerate(advisors):
        booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 9 + i % 8), advisor_id=a.pk, **intake())
    with django_assert_max_num_queries(8):
        response = client.get("/consultations/w/hq/?mode=online")
    assert response.status_code == 200


def _post(client, step, start="2026-04-23T10:00:00+09:00", **extra):
    data = {
        "start": start,
        "mode": "online",
        "topics": ["supply_chain", "subsidy"],
        "question": "取引先からCO2排出量の報告を求められました",
        "customer_request": "製品ごとの排出量",
        "meeting_tool": "zoom",
        "advisor": "",
        "sitting_in": "",
        "step": step,
    }
    data.update(extra)
    return client.post(f"/consultations/w/hq/book/?mode=online&start={start.replace('+', '%2B')}", data)


def test_sme_books_through_review_and_confirmation(frozen, sme_client, sme_user, advisor):
    form = sme_client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00")
    assert "相談内容の入力" in form.content.decode()
    review = _post(sme_client, "review")
    assert "予約内容の確認" in review.content.decode()
    assert not Booking.objects.exists()
    done = _post(sme_client, "confirm")
    booking = Booking.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/consultations/bookings/{booking.pk}/"
    assert booking.topics == ["supply_chain", "subsidy"]
    page = sme_client.get(done["Location"]).content.decode()
    assert "ご予約を受け付けました" in page and "2026年4月23日" in page
    assert MailOutbox.objects.filter(key=f"consultations.booking:{booking.pk}:created").exists()


def test_form_errors_are_shown_next_to_the_field(frozen, sme_client, advisor):
    response = _post(sme_client, "review", question="", topics=[])
    html = response.content.decode()
    assert "ご相談内容を入力してください。" in html and "相談したいことを1つ以上選んでください。" in html
    assert not Booking.objects.exists()


def test_taken_slot_on_confirm_shows_the_just_taken_message(frozen, sme_client, advisor):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    response = sme_client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00")
    assert response.status_code == 200  # the slot is checked again on confirm
    response = _post(sme_client, "confirm")
    assert "たった今埋まりました" in response.content.decode()
    assert Booking.objects.count() == 1


def test_booking_a_wednesday_by_url_is_refused(frozen, sme_client, advisor):
    response = sme_client.get("/consultations/w/hq/book/?mode=online&start=2026-04-22T10:00:00%2B09:00", follow=True)
    assert "この曜日は相談を受け付けていません" in response.content.decode()


def test_my_bookings_splits_upcoming_and_past_and_cancel_works(frozen, sme_client, sme_user, advisor):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    html = sme_client.get("/consultations/bookings/").content.decode()
    assert "これからの相談" in html and f"/consultations/bookings/{booking.pk}/cancel/{booking.token}/" in html
    response = sme_client.post(f"/consultations/bookings/{booking.pk}/cancel/{booking.token}/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_reschedule_page_moves_the_booking(frozen, sme_client, sme_user, advisor):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    url = f"/consultations/bookings/{booking.pk}/reschedule/{booking.token}/"
    assert "2026-04-28T13:00:00+09:00" in sme_client.get(url).content.decode()
    response = sme_client.post(url, {"start": "2026-04-28T13:00:00+09:00"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 28, 13)


def test_other_companys_booking_and_tampered_links_are_404(frozen, client, sme_user, advisor):
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    client.force_login(SmeUserFactory())
    assert client.get(f"/consultations/bookings/{booking.pk}/").status_code == 404
    assert client.post(f"/consultations/bookings/{booking.pk}/cancel/{booking.token}/").status_code == 404
    client.force_login(sme_user)
    response = client.post(
        f"/consultations/bookings/{booking.pk}/reschedule/{booking.token}x/", {"start": "2026-04-28T13:00:00+09:00"}
    )
    assert response.status_code == 404
    assert "リンクが正しくありません" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 23, 10) and booking.status == BookingStatus.REQUESTED


def test_a_book_link_without_a_session_opens_the_calendar_form_with_the_hour_chosen(client):
    response = client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00")
    assert response.status_code == 302
    assert response["Location"] == "/consultations/w/hq/?mode=online&start=2026-04-23T10%3A00%3A00%2B09%3A00"


def test_the_two_booking_cap_is_shown_at_the_top_of_the_form(frozen, sme_client, sme_user, advisor):
    make_advisor(name="B", email="b@example.jp")
    booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    booking_create(user=sme_user, start=at(2026, 4, 23, 11), **intake())
    html = _post(sme_client, "confirm", start="2026-04-23T12:00:00+09:00").content.decode()
    assert "予約中の相談は2件まで" in html and "Start" not in html
    assert Booking.objects.count() == 2


def test_calendar_never_offers_an_hour_in_which_the_company_already_has_a_booking(frozen, sme_client, sme_user):
    make_advisor(name="A", email="a@example.jp")
    make_advisor(name="B", email="b@example.jp")
    booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    html = sme_client.get("/consultations/w/hq/?mode=online").content.decode()
    assert 'value="2026-04-23T10:00:00+09:00"' not in html  # advisor B is still free, but not for this company
    assert "ご予約済み" in html
    assert 'value="2026-04-23T11:00:00+09:00"' in html
    other = SmeUserFactory()
    sme_client.force_login(other)
    assert 'value="2026-04-23T10:00:00+09:00"' in sme_client.get("/consultations/w/hq/?mode=online").content.decode()


def test_the_booking_form_refuses_an_hour_the_company_already_holds_and_offers_the_nearest(
    frozen, sme_client, sme_user
):
    make_advisor(name="A", email="a@example.jp")
    make_advisor(name="B", email="b@example.jp")
    booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    html = sme_client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00").content.decode()
    assert "貴社のご予約がすでにあります" in html
    assert "start=2026-04-23T11%3A00%3A00%2B09%3A00" in html  # the nearest free slot
    sme_client.force_login(SmeUserFactory(company=sme_user.company))  # a colleague, same company
    response = _post(sme_client, "confirm")
    assert "たった今埋まりました" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_loser_who_chose_an_advisor_reads_just_taken_not_a_form_error(frozen, client, advisor):
    winner, loser = SmeUserFactory(), SmeUserFactory()
    client.force_login(loser)
    form = client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00").content.decode()
    assert f'value="{advisor.pk}"' in form  # the advisor was free and offered
    booking_create(user=winner, start=at(2026, 4, 23, 10), advisor_id=advisor.pk, **intake())
    for step in ("review", "confirm"):
        html = _post(client, step, advisor=str(advisor.pk)).content.decode()
        assert "この枠はたった今埋まりました" in html, step
        assert "正しく選択してください" not in html and "候補にありません" not in html
        assert "近い日時の空き枠" in html and "2026-04-23T11:00:00+09:00" in html
        assert "取引先からCO2排出量の報告を求められました" in html  # the answers go along to the next slot
    assert Booking.objects.count() == 1


def test_a_loser_who_chose_another_advisor_of_the_window_still_books(frozen, client, advisor):
    second = make_advisor(name="B", email="b@example.jp")
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), advisor_id=advisor.pk, **intake())
    client.force_login(SmeUserFactory())
    response = _post(client, "confirm", advisor=str(second.pk))
    assert response.status_code == 302
    assert Booking.objects.get(advisor=second).start == at(2026, 4, 23, 10)


def test_an_advisor_of_another_window_is_still_a_form_error(frozen, sme_client, advisor):
    stranger = make_advisor(window_code="kyushu", name="九州", email="k@example.jp")
    html = _post(sme_client, "review", advisor=str(stranger.pk)).content.decode()
    assert "正しく選択してください" in html
    assert not Booking.objects.exists()


def test_choosing_another_slot_after_a_loss_keeps_the_answers(frozen, sme_client, advisor):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    response = sme_client.post(
        "/consultations/w/hq/book/?mode=online",
        {
            "start": "2026-04-23T11:00:00+09:00",
            "mode": "online",
            "topics": ["subsidy"],
            "question": "前の枠で書いた相談内容",
            "customer_request": "",
            "meeting_tool": "zoom",
            "sitting_in": "",
            "step": "edit",
        },
    )
    html = response.content.decode()
    assert "相談内容の入力" in html and "前の枠で書いた相談内容" in html and "11:00" in html


@pytest.mark.parametrize(
    "start",
    ["0001-01-01T00:00:00%2B09:00", "9999-12-31T23:59:59%2B09:00", "9999-12-31T23:59:59-12:00", "%00", "x" * 50],
)
def test_out_of_range_or_broken_start_times_say_so_on_the_calendar(frozen, sme_client, sme_user, advisor, start):
    response = sme_client.get(f"/consultations/w/hq/book/?mode=online&start={start}", follow=True)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "カレンダーから日時を選んでください" in html or "制御文字" in html
    booking = booking_create(user=sme_user, start=at(2026, 4, 23, 10), **intake())
    url = f"/consultations/bookings/{booking.pk}/reschedule/{booking.token}/"
    response = sme_client.post(url, {"start": start.replace("%2B", "+").replace("%00", "\x00")})
    assert response.status_code == 200 and "カレンダーから日時を選んでください" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == at(2026, 4, 23, 10)


@pytest.mark.django_db
def test_an_account_without_a_company_is_told_what_booking_needs_instead_of_a_missing_page(client):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    assert user.company_id is None and user.is_sme
    client.force_login(user)
    response = client.get("/consultations/bookings/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "CN相談を予約するには、企業情報の登録が必要です。" in body and 'href="/me/company/"' in body


@pytest.mark.django_db
def test_an_advisor_is_sent_to_the_workspace_never_to_a_company_form_it_may_not_open(client):
    from advisors.tests.conftest import advisor_account

    user = advisor_account(second_factor=False).user
    client.force_login(user)
    assert client.get("/me/company/").status_code == 403  # an advisor has no company of its own
    dashboard = client.get("/me/").content.decode()
    assert 'href="/consultations/bookings/"' not in dashboard and 'href="/advisor/"' in dashboard
    for path in ("/consultations/bookings/", "/selfcheck/"):
        body = client.get(path).content.decode()
        assert 'href="/me/company/"' not in body, path
        assert 'href="/advisor/"' in body and "専門家のワークスペースを開く" in body, path
