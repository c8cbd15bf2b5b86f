"""Forms refuse control characters, line breaks in single-line fields and implausible dates, next to the field."""

import pytest

from accounts.models import Company
from core.mail import outbox_enqueue

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "テスト工業株式会社",
    "prefecture": "aichi",
    "industry": "manufacturing",
    "revenue_band": "le_500m",
    "employee_band": "le_20",
    "employees": "12",
    "capital_yen": "",
}


@pytest.mark.parametrize(
    "name,message",
    [
        ("テスト工業\r\nBcc: evil@example.jp", "改行を含めずに1行で入力してください。"),
        ("テスト\n工業", "改行を含めずに1行で入力してください。"),
        ("テスト\x1b[2J工業", "使えない文字（制御文字）が含まれています。"),
        ("テスト\x00工業", None),  # Django's own NUL check, also next to the field
    ],
)
def test_a_company_name_with_a_line_break_or_control_character_is_refused_next_to_the_field(
    client, user, name, message
):
    client.force_login(user)
    response = client.post("/me/company/", {**COMPANY, "name": name})
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors
    if message:
        assert form.errors["name"] == [message]
    assert 'id="id_name_error"' in response.content.decode()
    assert not Company.objects.exists()


def test_a_multi_line_field_keeps_its_line_breaks_but_refuses_control_characters():
    from subsidies.forms import ActionPlanForm

    data = {"title": "計画", "summary": "一行目\r\n二行目", "activities": ["information"]}
    form = ActionPlanForm(data)
    assert "summary" not in form.errors
    form = ActionPlanForm({**data, "summary": "一行目\x07"})
    assert form.errors["summary"] == ["使えない文字（制御文字）が含まれています。"]


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_implausible_dates_are_refused_next_to_the_field(value):
    from subsidies.forms import ActionPlanForm

    form = ActionPlanForm({"title": "計画", "activities": ["information"], "plan_date": value})
    assert form.errors["plan_date"] == ["1900年から2100年までの日付を入力してください。"]


def test_a_mail_subject_stays_on_one_line_whatever_a_name_holds(mailoutbox):
    row = outbox_enqueue(
        key="t:1", to=["a@example.jp"], subject="【CN相談】 #1 テスト\r\nBcc: x@example.jp\x00", body="本文"
    )
    assert row.subject == "【CN相談】 #1 テスト Bcc: x@example.jp"


def test_twelve_monthly_values_of_ten_to_the_twelve_are_refused_next_to_the_field_not_a_500(client, sme_user):
    from selfcheck import services
    from selfcheck.models import Sheet

    client.force_login(sme_user)
    sheet = services.sheet_create(company=sme_user.company, fiscal_year=2026)
    months = {f"electricity_kwh_m{m}": str(10**12) for m in range(1, 13)}
    response = client.post(f"/selfcheck/sheets/{sheet.pk}/step1/", months)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "12か月の合計が大きすぎます" in response.content.decode()
    assert Sheet.objects.get(pk=sheet.pk).electricity_kwh is None
