"""Archive fidelity (issue 14, finding 8): the 23 past seminars as reference/000 records them."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import SEMINAR_DESK
from seminars.models import HeadcountUnit, Seminar
from seminars.selectors import Attendance, attendance_by

SOURCE_TITLE = "カーボンニュートラルセミナー ～脱炭素社会の到来！最新動向を語る～"


def _archive():
    return Seminar.objects.filter(accepts_registration=False, held_on__lte=date(2023, 2, 28))


@pytest.mark.django_db
def test_past_seminars_keep_only_the_recorded_day_title_and_no_capacity():
    archive = _archive()
    assert archive.count() == 23
    assert not archive.filter(starts_at__isnull=False).exists()
    assert not archive.filter(ends_at__isnull=False).exists()
    assert not archive.filter(capacity__isnull=False).exists()
    assert list(archive.exclude(title="").values_list("title", flat=True)) == [SOURCE_TITLE]
    assert archive.order_by("held_on").first().held_on == date(2021, 12, 16)


@pytest.mark.django_db
def test_archive_pages_show_no_invented_times_titles_or_capacities(client):
    listing = "".join(
        client.get(reverse("seminars:index"), {"view": "archive", "page": n}).content.decode() for n in (1, 2)
    )
    assert "14:00" not in listing and "16:00" not in listing
    assert "定員なし" not in listing
    assert "カーボンニュートラルセミナー（" not in listing and "カーボンニュートラル研修" not in listing
    assert "茨城県産業技術センターとの共催（オンライン）" in listing
    seminar = _archive().get(held_on=date(2022, 1, 27))
    detail = client.get(reverse("seminars:detail", args=[seminar.pk])).content.decode()
    assert "2022年1月27日" in detail and "時刻の記録なし" in detail
    assert "14:00" not in detail and "定員" not in detail
    assert "記録に題名がない" in detail
    assert client.get(reverse("seminars:ics", args=[seminar.pk])).status_code == 404


@pytest.mark.django_db
def test_attendance_notes_read_as_the_source_wrote_them(client):
    notes = dict(_archive().values_list("held_on", "headcount_note"))
    assert notes[date(2021, 12, 16)] == "600名以上"
    assert notes[date(2022, 1, 27)] == "20社"
    assert notes[date(2022, 1, 11)] == "関東地域のよろず11拠点"
    assert notes[date(2022, 2, 22)] == "61支店"
    bank = _archive().get(held_on=date(2022, 2, 22))
    assert bank.audience_note == "行員" and bank.final_headcount is None
    listing = "".join(
        client.get(reverse("seminars:index"), {"view": "archive", "page": n}).content.decode() for n in (1, 2)
    )
    for text in ("参加：600名以上", "参加：20社", "参加：関東地域のよろず11拠点", "参加：61支店", "（行員）"):
        assert text in listing
    first = _archive().get(held_on=date(2021, 12, 16))
    detail = client.get(reverse("seminars:detail", args=[first.pk])).content.decode()
    assert "<dt>参加者数</dt><dd>600名以上</dd>" in detail


@pytest.mark.django_db
def test_a_count_of_companies_is_never_added_to_people():
    seminars = list(_archive())
    for seminar in seminars:
        seminar.n_registered = 0
    total = attendance_by(seminars, lambda s: "all")["all"]
    assert (total.people, total.people_at_least, total.companies) == (1_300, True, 20)
    assert total.people_text == "1,300名以上"
    assert set(total.other_notes) == {"関東地域のよろず11拠点", "関東地域の診断士協会", "61支店"}
    assert total.unrecorded == 1  # 動画配信 (2022/12/8): the source gives "-"
    tally = Attendance()
    tally.add(Seminar(final_headcount=20, headcount_unit=HeadcountUnit.COMPANIES), registered=0)
    assert tally.people == 0 and tally.companies == 20


@pytest.mark.django_db
def test_staff_summary_reports_people_and_companies_apart(client, staff_user):
    staff_user.groups.add(Group.objects.get(name=SEMINAR_DESK))
    client.force_login(staff_user)
    body = client.get(reverse("admin:seminars_seminar_summary")).content.decode()
    assert "参加者 1,300名以上" in body
    assert "参加企業 20 社" in body
    assert "1,320" not in body


@pytest.mark.django_db
def test_prefectures_are_only_those_the_cohost_names():
    guessed = _archive().filter(held_on__in=[date(2022, 6, 14), date(2022, 11, 16)])
    assert set(guessed.values_list("prefecture", flat=True)) == {""}
