"""An institution asks a member company for a consultation (a slot, or the times that suit); the company books it
through the normal booking rules with the institution sitting in (同席), or declines; the institution sees it."""

import re

import pytest

from accounts.tests.factories import InstitutionUserFactory, SmeUserFactory
from advisors.tests.conftest import advisor_account, book
from consultations.models import Booking
from consultations.services import TAKEN_MESSAGE, booking_create
from consultations.tests.conftest import at, intake
from core.errors import ApplicationError
from core.models import MailOutbox
from institutions import services
from institutions.models import ConsultationRequest, Membership

pytestmark = pytest.mark.django_db

SLOT = "2026-04-23T10:00:00+09:00"


@pytest.fixture
def member(institution_user):
    user = SmeUserFactory(email="member@example.jp")
    membership = Membership.objects.create(institution=institution_user.institution, company=user.company)
    return user, membership


def _ask(client, ms, **extra):
    data = {
        "membership": ms.pk,
        "window": "hq",
        "date": "2026-04-23",
        "time": "10:00",
        "message": "補助金の相談をしませんか",
    }
    data.update(extra)
    return client.post("/institutions/requests/new/", data)


def _answer(client, item, **extra):
    data = {"start": SLOT, "topics": ["subsidy"], "question": "省エネ補助金について", "meeting_tool": "zoom"}
    data.update(extra)
    return client.post(f"/institutions/requests/{item.pk}/", data)


def _request(staff, company, *, by=None, message="x", **when):
    """A request from the staff member's institution (sent by `by` if given), with a slot or times in `when`."""
    return services.consultation_request_create(
        institution=staff.institution, company=company, message=message, user=by or staff, **when
    )


def test_the_institution_proposes_a_slot_the_company_books_it_and_the_institution_sits_in_and_sees_it(
    frozen, advisor, client, institution_user, member
):
    user, membership = member
    client.force_login(institution_user)
    assert "会員企業に相談を依頼する" in client.get("/institutions/requests/new/").content.decode()
    response = _ask(client, membership, topics=["subsidy"])
    assert response.status_code == 302
    item = ConsultationRequest.objects.get()
    assert item.start == at(2026, 4, 23, 10) and item.topics == ["subsidy"] and item.status == "pending"
    mail = MailOutbox.objects.get(key=f"institutions.request:{item.pk}:created")
    assert mail.to == ["member@example.jp"] and "2026年04月23日 10:00" in mail.body
    assert f"/institutions/requests/{item.pk}/" in mail.body

    client.force_login(user)
    assert "CN相談の依頼（同席）が届いています" in client.get("/me/").content.decode()
    page = client.get(f"/institutions/requests/{item.pk}/").content.decode()
    assert re.search(r'<option value="2026-04-23T10:00:00\+09:00" selected>', page)
    assert "補助金の相談をしませんか" in page
    done = _answer(client, item)
    booking = Booking.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/consultations/bookings/{booking.pk}/"
    item.refresh_from_db()
    assert (item.status, item.booking, booking.sitting_in) == ("confirmed", booking, institution_user.institution)
    assert booking.company == user.company and booking.created_by == user and booking.status == "requested"
    told = MailOutbox.objects.get(key=f"institutions.request:{item.pk}:confirmed")
    assert told.to == [institution_user.email] and "2026年04月23日 10:00〜11:00" in told.body
    assert MailOutbox.objects.filter(key=f"consultations.booking:{booking.pk}:created").exists()

    client.force_login(institution_user)
    dashboard = client.get("/institutions/").content.decode()
    assert f"/institutions/bookings/{booking.pk}/" in dashboard and "企業が予約（同席予定）" in dashboard
    detail = client.get(f"/institutions/bookings/{booking.pk}/").content.decode()
    assert "省エネ補助金について" in detail and "受付済み" in detail and booking.token not in detail
    assert f"/institutions/bookings/{booking.pk}/" in client.get("/consultations/bookings/").content.decode()


def test_preferred_times_only_and_the_company_takes_another_free_slot(
    frozen, advisor, client, institution_user, member
):
    user, membership = member
    client.force_login(institution_user)
    _ask(client, membership, date="", time="", preferred="来週木曜の午後")
    item = ConsultationRequest.objects.get()
    assert item.start is None and "来週木曜の午後" in MailOutbox.objects.get().body
    client.force_login(user)
    page = client.get(f"/institutions/requests/{item.pk}/").content.decode()
    assert "来週木曜の午後" in page and 'value="2026-04-23T14:00:00+09:00"' in page
    _answer(client, item, start="2026-04-23T14:00:00+09:00")
    assert Booking.objects.get().start == at(2026, 4, 23, 14)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time": ""}, "日付を選んだときは開始時刻も選んでください。"),
        ({"date": "", "time": ""}, "相談の日時を選ぶか、都合のよい日時を入力してください。"),
        ({"date": "2026-04-22"}, "この曜日は相談を受け付けていません。"),
        ({"date": "2026-04-20"}, "過去の日時は予約できません。"),
        ({"date": "9999-01-01"}, "2100年までの日付を入力してください。"),
        ({"date": "2026-13-40"}, "日付の形式が正しくありません"),
        ({"time": "25:00"}, "開始時刻を一覧から選んでください。"),
        ({"window": "nowhere"}, "相談窓口を選んでください。"),
        ({"message": ""}, "企業へのメッセージを入力してください。"),
        ({"message": "a\x00b"}, "使えない文字"),
        ({"preferred": "火曜\r\n午後"}, "改行を含めずに1行で入力してください。"),
        ({"topics": ["bogus"]}, "相談したいことを一覧から選んでください。"),
        ({"membership": "x"}, "会員企業を一覧から選んでください。"),
    ],
)
def test_bad_input_is_refused_with_a_japanese_message_and_nothing_is_sent(
    frozen, advisor, client, institution_user, member, fields, message
):
    client.force_login(institution_user)
    response = _ask(client, member[1], **fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ConsultationRequest.objects.exists() and not MailOutbox.objects.exists()


def test_a_slot_already_taken_cannot_be_proposed(frozen, advisor, client, institution_user, member):
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    client.force_login(institution_user)
    response = _ask(client, member[1])
    assert response.status_code == 400 and "この枠は埋まっています" in response.content.decode()


def test_declining_tells_the_institution_and_books_nothing(frozen, advisor, client, institution_user, member):
    user, membership = member
    item = _request(institution_user, user.company, preferred="いつでも")
    client.force_login(user)
    client.post(f"/institutions/requests/{item.pk}/answer/")
    item.refresh_from_db()
    assert item.status == "declined" and not Booking.objects.exists()
    told = MailOutbox.objects.get(key=f"institutions.request:{item.pk}:declined")
    assert told.to == [institution_user.email] and "辞退しました" in told.body
    page = client.get(f"/institutions/requests/{item.pk}/").content.decode()
    assert "企業が辞退" in page and "この内容で予約する" not in page
    assert _answer(client, item).status_code == 200 and not Booking.objects.exists()
    with pytest.raises(ApplicationError, match="すでに回答"):
        services.consultation_request_confirm(
            request_id=item.pk,
            user=user,
            start=at(2026, 4, 23, 10),
            topics=["subsidy"],
            question="q",
            meeting_tool="zoom",
        )


def test_a_slot_lost_before_confirming_leaves_the_request_open(frozen, advisor, client, institution_user, member):
    user, membership = member
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    booking_create(user=SmeUserFactory(), start=at(2026, 4, 23, 10), **intake())
    client.force_login(user)
    page = client.get(f"/institutions/requests/{item.pk}/").content.decode()
    assert "提案された日時は埋まった" in page
    response = _answer(client, item)
    assert response.status_code == 400 and "この日時はもう選べません" in response.content.decode()
    with pytest.raises(ApplicationError, match=TAKEN_MESSAGE):
        services.consultation_request_confirm(
            request_id=item.pk,
            user=user,
            start=at(2026, 4, 23, 10),
            topics=["subsidy"],
            question="q",
            meeting_tool="zoom",
        )
    item.refresh_from_db()
    assert item.status == "pending" and Booking.objects.filter(company=user.company).count() == 0


def test_a_confirmed_request_counts_against_the_companys_own_cap(frozen, advisor, institution_user, member):
    user, _membership = member
    for hour in (11, 12):
        booking_create(user=user, start=at(2026, 4, 23, hour), **intake())
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    with pytest.raises(ApplicationError, match="予約中の相談は2件まで"):
        services.consultation_request_confirm(
            request_id=item.pk,
            user=user,
            start=at(2026, 4, 23, 10),
            topics=["subsidy"],
            question="q",
            meeting_tool="zoom",
        )
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_access_matrix_other_institutions_other_companies_and_a_company_that_left(
    frozen, advisor, client, institution_user, member
):
    user, membership = member
    other_staff, outsider = InstitutionUserFactory(), SmeUserFactory()
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    # another institution cannot ask this institution's member, nor see its requests or sat-in bookings
    client.force_login(other_staff)
    assert _ask(client, membership).status_code == 400
    with pytest.raises(ApplicationError, match="会員企業にだけ"):
        _request(other_staff, user.company, preferred="いつでも")
    with pytest.raises(ApplicationError, match="この支援機関の職員だけ"):
        _request(institution_user, user.company, by=other_staff, preferred="いつでも")
    # another company cannot open, book or decline it
    client.force_login(outsider)
    assert client.get(f"/institutions/requests/{item.pk}/").status_code == 404
    assert _answer(client, item).status_code == 404
    client.post(f"/institutions/requests/{item.pk}/answer/")
    item.refresh_from_db()
    assert item.status == "pending"
    # the company books; only this institution sees the booking, read-only
    client.force_login(user)
    _answer(client, item)
    booking = Booking.objects.get()
    for who, status in ((other_staff, 404), (outsider, 403), (user, 403), (institution_user, 200)):
        client.force_login(who)
        assert client.get(f"/institutions/bookings/{booking.pk}/").status_code == status
    assert booking.question not in client.get("/institutions/").content.decode()
    # a company that left: the institution no longer sits in nor sees it, and open requests end
    later = _request(institution_user, user.company, message="y", preferred="いつでも")
    client.force_login(user)
    client.post(f"/institutions/memberships/{membership.pk}/leave/")
    booking.refresh_from_db()
    later.refresh_from_db()
    assert booking.sitting_in is None and later.status == "ended"
    assert "退会したため" in client.get(f"/institutions/requests/{later.pk}/").content.decode()
    with pytest.raises(ApplicationError):
        services.consultation_request_confirm(
            request_id=later.pk,
            user=user,
            start=at(2026, 4, 23, 14),
            topics=["subsidy"],
            question="q",
            meeting_tool="zoom",
        )
    client.force_login(institution_user)
    assert client.get(f"/institutions/bookings/{booking.pk}/").status_code == 404
    dashboard = client.get("/institutions/").content.decode()
    assert f"/institutions/bookings/{booking.pk}/" not in dashboard and "同席する相談" not in dashboard


def test_a_former_members_past_sat_in_booking_is_hidden_too(frozen, advisor, institution_user, member):
    user, membership = member
    past = book(
        user=user, advisor=advisor, start=at(2026, 4, 16, 10), status="done", sitting_in=institution_user.institution
    )
    from institutions import selectors

    assert selectors.sitting_in_booking(institution=institution_user.institution, pk=past.pk) == past
    membership.left_at = past.start
    membership.save()
    assert selectors.sitting_in_booking(institution=institution_user.institution, pk=past.pk) is None


def test_the_advisor_sees_the_institution_sitting_in(frozen, client, institution_user, member):
    user, _membership = member
    account = advisor_account()
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    confirmed = services.consultation_request_confirm(
        request_id=item.pk, user=user, start=at(2026, 4, 23, 10), topics=["subsidy"], question="q", meeting_tool="zoom"
    )
    client.force_login(account.user)
    assert institution_user.institution.name in client.get("/advisor/").content.decode()
    page = client.get(f"/advisor/bookings/{confirmed.booking_id}/").content.decode()
    assert "同席する支援機関" in page and institution_user.institution.name in page


def test_the_intake_offers_only_the_companys_own_institutions_to_sit_in(
    frozen, advisor, client, institution_user, member
):
    user, _membership = member
    stranger = InstitutionUserFactory().institution
    client.force_login(user)
    page = client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00").content.decode()
    assert institution_user.institution.name in page and stranger.name not in page
    client.force_login(SmeUserFactory())
    page = client.get("/consultations/w/hq/book/?mode=online&start=2026-04-23T10:00:00%2B09:00").content.decode()
    assert 'name="sitting_in"' not in page


def test_the_booking_form_sent_twice_books_once_and_leads_to_the_booking(
    frozen, advisor, client, institution_user, member
):
    user, _membership = member
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    client.force_login(user)
    first, second = _answer(client, item), _answer(client, item)
    booking = Booking.objects.get()
    assert first["Location"] == second["Location"] == f"/consultations/bookings/{booking.pk}/"


def test_the_institution_sitting_in_hears_when_the_desk_confirms_and_when_the_company_cancels(
    frozen, advisor, institution_user, member
):
    from consultations.services import booking_cancel, booking_set_status

    user, _membership = member
    item = _request(institution_user, user.company, start=at(2026, 4, 23, 10))
    item = services.consultation_request_confirm(
        request_id=item.pk, user=user, start=at(2026, 4, 23, 10), topics=["subsidy"], question="q", meeting_tool="zoom"
    )
    booking = item.booking
    assert not MailOutbox.objects.filter(key__endswith=":institution").exists()  # the request's own mail told it
    booking_set_status(booking=booking, status="confirmed", meeting_url="https://zoom.example.jp/j/123")
    mail = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:confirmed:institution")
    assert mail.to == [institution_user.email] and "同席" in mail.subject and user.company.name in mail.subject
    assert "2026年04月23日 10:00〜11:00（日本時間）" in mail.body and "https://zoom.example.jp/j/123" in mail.body
    assert f"/institutions/bookings/{booking.pk}/" in mail.body
    booking.refresh_from_db()
    booking_cancel(user=user, pk=booking.pk, token=booking.token)
    assert (
        "キャンセルされました"
        in MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:cancelled:institution").body
    )


def test_an_institution_the_company_names_in_its_own_intake_hears_of_the_booking_at_once_and_once(
    frozen, advisor, institution_user, member
):
    from consultations.services import booking_set_status

    user, _membership = member
    booking = booking_create(
        user=user, start=at(2026, 4, 23, 10), sitting_in_id=institution_user.institution_id, **intake()
    )
    mail = MailOutbox.objects.get(key=f"consultations.booking:{booking.pk}:created:institution")
    assert mail.to == [institution_user.email]
    assert mail.subject == f"【CN相談】{user.company.name} が貴機関の同席でCN相談を申し込みました"
    assert "まだ確定していません" in mail.body and "2026年04月23日 10:00〜11:00（日本時間）" in mail.body
    assert f"/institutions/bookings/{booking.pk}/" in mail.body
    booking_set_status(booking=booking, status="confirmed", meeting_url="https://zoom.example.jp/j/9")
    assert list(
        MailOutbox.objects.filter(key__startswith=f"consultations.booking:{booking.pk}:", key__endswith=":institution")
        .order_by("pk")
        .values_list("key", flat=True)
    ) == [
        f"consultations.booking:{booking.pk}:created:institution",
        f"consultations.booking:{booking.pk}:confirmed:institution",
    ]


def test_one_open_request_per_member_at_a_time(frozen, advisor, client, institution_user, member):
    client.force_login(institution_user)
    assert _ask(client, member[1]).status_code == 302
    again = _ask(client, member[1], date="", time="", preferred="いつでも")
    assert again.status_code == 400 and "まだ回答を待っています" in again.content.decode()
    assert ConsultationRequest.objects.count() == 1 and MailOutbox.objects.count() == 1


def test_the_institutions_message_is_shown_as_its_own_and_not_put_in_the_companys_question(
    frozen, advisor, client, institution_user, member
):
    from tests.formpost import rendered_forms

    user, _membership = member
    item = _request(
        institution_user, user.company, message="当所も同席して補助金を一緒に確認します", start=at(2026, 4, 23, 10)
    )
    client.force_login(user)
    page = client.get(f"/institutions/requests/{item.pk}/").content.decode()
    assert f"{institution_user.institution.name} からのメッセージ" in page
    (form,) = [f for f in rendered_forms(page) if f["action"] == ""]
    assert ("question", "") in form["data"] and ("start", SLOT) in form["data"]
