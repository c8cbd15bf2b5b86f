from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import SmeUserFactory, StaffUserFactory
from seminars import services
from seminars.models import Registration, RegistrationStatus
from seminars.tests.factories import SeminarFactory


@pytest.mark.django_db
def test_the_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        SeminarFactory()
    with django_assert_max_num_queries(6) as small:
        client.get("/seminars/")
    for _ in range(25):
        seminar = SeminarFactory()
        seminar.cohosts.create(name="商工会議所")
        services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/seminars/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_search_finds_a_word_inside_a_longer_japanese_word_and_filters_apply(client):
    hit = SeminarFactory(title="工場の省エネルギー対策講座", format="hybrid", prefecture="aichi")
    by_cohost = SeminarFactory(title="脱炭素入門")
    by_cohost.cohosts.create(name="省エネ推進協議会")
    miss = SeminarFactory(title="再生可能エネルギー入門")
    body = client.get("/seminars/", {"q": "省エネ"}).content.decode()
    assert hit.title in body and by_cohost.title in body and miss.title not in body
    body = client.get("/seminars/", {"format": "hybrid"}).content.decode()
    assert hit.title in body and miss.title not in body
    body = client.get("/seminars/", {"region": "chubu"}).content.decode()
    assert hit.title in body and miss.title not in body
    month = timezone.localtime(hit.starts_at).strftime("%Y-%m")
    assert hit.title in client.get("/seminars/", {"month": month}).content.decode()
    body = client.get("/seminars/", {"audience": "financial"}).content.decode()
    assert hit.title not in body


@pytest.mark.django_db
def test_upcoming_come_first_and_past_ones_are_in_the_archive(client):
    past = SeminarFactory(title="終わったセミナー", starts_at=timezone.now() - timedelta(days=3))
    soon = SeminarFactory(title="来週のセミナー")
    body = client.get("/seminars/").content.decode()
    assert soon.title in body and past.title not in body
    body = client.get("/seminars/", {"view": "archive"}).content.decode()
    assert past.title in body and soon.title not in body


@pytest.mark.django_db
def test_the_streaming_link_is_shown_only_to_registered_people(client, sme_user):
    seminar = SeminarFactory()
    assert "secret-room" not in client.get(f"/seminars/{seminar.pk}/").content.decode()
    client.force_login(sme_user)
    assert "secret-room" not in client.get(f"/seminars/{seminar.pk}/").content.decode()
    client.post(f"/seminars/{seminar.pk}/register/")
    body = client.get(f"/seminars/{seminar.pk}/").content.decode()
    assert "secret-room" in body and "お申し込み済み" in body
    assert b"secret-room" in client.get(f"/seminars/{seminar.pk}/seminar.ics").content


@pytest.mark.django_db
def test_registering_twice_through_the_page_shows_a_japanese_error(sme_client):
    seminar = SeminarFactory()
    sme_client.post(f"/seminars/{seminar.pk}/register/")
    response = sme_client.post(f"/seminars/{seminar.pk}/register/", follow=True)
    assert "すでに申し込んでいます" in response.content.decode()
    assert Registration.objects.count() == 1


@pytest.mark.django_db
def test_cancelling_someone_elses_registration_is_a_404(client):
    seminar = SeminarFactory()
    registration = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    client.force_login(SmeUserFactory())
    assert client.post(f"/seminars/registrations/{registration.pk}/cancel/").status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED


@pytest.mark.django_db
def test_the_one_click_links_leave_the_waitlist_and_a_tampered_one_changes_nothing(client):
    seminar = SeminarFactory(capacity=0)
    waiting = services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory())
    token = services.token_for(waiting, "leave")
    assert client.post(f"/seminars/r/{token}x/leave/").status_code == 400
    assert client.post(f"/seminars/r/{services.token_for(waiting, 'cancel')}/leave/").status_code == 400
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITLISTED
    page = client.get(f"/seminars/r/{token}/leave/")
    assert "キャンセル待ちをやめる" in page.content.decode()
    client.post(f"/seminars/r/{token}/leave/")
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CANCELLED


@pytest.mark.django_db
def test_my_seminars_lists_upcoming_registrations(sme_client, sme_user):
    seminar = SeminarFactory(title="私のセミナー")
    services.registration_create(seminar_id=seminar.pk, user=sme_user)
    body = sme_client.get("/seminars/my/").content.decode()
    assert "私のセミナー" in body and f"/seminars/{seminar.pk}/seminar.ics" in body


@pytest.mark.django_db
def test_materials_download_only_after_the_event(client):
    from django.core.files.base import ContentFile

    seminar = SeminarFactory()
    material = seminar.materials.create(title="資料", file=ContentFile(b"%PDF-1.4 test", name="slides.pdf"))
    assert client.get(f"/seminars/materials/{material.pk}/").status_code == 404
    seminar.starts_at = timezone.now() - timedelta(days=1)
    seminar.ends_at = seminar.starts_at + timedelta(hours=2)
    seminar.save()
    response = client.get(f"/seminars/materials/{material.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_the_feed_and_the_api_list_upcoming_seminars_and_openapi_knows_both(client):
    online = SeminarFactory(title="オンラインの回", format="online")
    SeminarFactory(title="会場の回", format="onsite")
    SeminarFactory(title="過去の回", starts_at=timezone.now() - timedelta(days=5))
    feed = client.get("/seminars/feed.ics")
    assert feed["Content-Type"].startswith("text/calendar")
    text = feed.content.decode()
    assert text.count("BEGIN:VEVENT") == 2 and "secret-room" not in text

    data = client.get("/api/v1/seminars", {"upcoming": "true", "format": "online"}).json()
    assert [item["id"] for item in data] == [online.pk]
    assert data[0]["starts_at"].endswith("+09:00") and data[0]["seats_left"] == 10

    bad = client.get("/api/v1/seminars", {"format": "zoom"})
    assert bad.status_code == 400 and bad.json()["field"] == "format"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/seminars" in paths and "/seminars/feed.ics" in paths


@pytest.mark.django_db
def test_staff_export_attendees_as_excel_friendly_csv_and_see_the_summary(client):
    staff = StaffUserFactory(is_superuser=True)
    seminar = SeminarFactory(title="CSVのセミナー")
    services.registration_create(seminar_id=seminar.pk, user=SmeUserFactory(company__name="株式会社エクセル"))
    client.force_login(staff)
    response = client.post(
        "/admin/seminars/seminar/", {"action": "export_attendees_csv", "_selected_action": [seminar.pk]}
    )
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "株式会社エクセル" in text and "申込済み" in text

    summary = client.get("/admin/seminars/seminar/summary/")
    body = summary.content.decode()
    assert summary.status_code == 200 and "<svg" in body and "2021-12" in body and "600" in body


@pytest.mark.django_db
def test_the_seminar_desk_group_can_manage_seminars():
    from django.contrib.auth.models import Group

    from accounts.roles import SEMINAR_DESK

    perms = set(Group.objects.get(name=SEMINAR_DESK).permissions.values_list("codename", flat=True))
    assert {"change_seminar", "add_seminar", "change_registration", "view_registration"} <= perms
