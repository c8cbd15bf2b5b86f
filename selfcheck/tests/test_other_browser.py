"""A try-out survives sign-up when the verification mail is opened in another browser (a phone): the tried-out
sheet becomes the new company's sheet, once, and no other browser can see or take it."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import SignupCarry, User
from accounts.tests.browsers import COMPANY, PASSWORD, confirm_and_log_in, confirmation_path, sign_up
from selfcheck.models import Sheet

pytestmark = pytest.mark.django_db
STEP1 = {"electricity_kwh": "120000", "lpg_kg": "2000", "gasoline_l": "3000"}


def _try_out(browser: Client) -> Sheet:
    response = browser.post(reverse("selfcheck:try"))
    sheet = Sheet.objects.filter(company__isnull=True).latest("pk")
    assert response["Location"] == reverse("selfcheck:step1", args=[sheet.pk])
    assert browser.post(reverse("selfcheck:step1", args=[sheet.pk]), STEP1).status_code == 302
    return sheet


def test_a_try_out_signed_up_on_the_pc_and_verified_on_the_phone_becomes_the_companys_sheet():
    pc, phone = Client(), Client()
    sheet = _try_out(pc)
    sign_up(pc, "hanako@example.jp")
    # the phone has no session of the pc: before log-in it cannot open the try-out
    assert phone.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404
    assert confirm_and_log_in(phone, "hanako@example.jp") == "/me/company/"
    assert phone.post("/me/company/", {**COMPANY, "name": "みどり製作所"}).status_code == 302
    page = phone.get(reverse("selfcheck:index")).content.decode()
    assert "お試しで入力したシートを、あなたの企業のシートとして保存しました。" in page

    user = User.objects.get(email="hanako@example.jp")
    sheet.refresh_from_db()
    assert (sheet.company, sheet.session_key, sheet.total_t) == (user.company, "", Decimal("63.6"))
    assert phone.get(reverse("selfcheck:result", args=[sheet.pk])).status_code == 200
    assert not SignupCarry.objects.exists()
    # the pc, still anonymous, no longer reaches the sheet that now belongs to a company
    assert pc.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404


def test_the_carried_try_out_is_given_to_the_first_log_in_only():
    pc, phone, third = Client(), Client(), Client()
    sheet = _try_out(pc)
    sign_up(pc, "hanako@example.jp")
    confirm_and_log_in(phone, "hanako@example.jp")
    assert not SignupCarry.objects.exists()
    # another browser logging in later (the same account, no company yet) gets no token: nothing to replay
    third.post("/accounts/login/", {"login": "hanako@example.jp", "password": PASSWORD})
    assert "selfcheck_token" not in third.session and "selfcheck_token" in phone.session
    sheet.refresh_from_db()
    assert sheet.company is None and sheet.session_key


def test_someone_else_logging_in_gets_nothing_of_a_try_out_and_a_tampered_verification_link_is_refused():
    pc, stranger = Client(), Client()
    sheet = _try_out(pc)
    sign_up(pc, "hanako@example.jp")
    path = confirmation_path("hanako@example.jp")
    tampered = stranger.get(path[:-3] + "x/")
    assert tampered.status_code == 200 and "確認用のリンクが不正か、期限が切れています" in tampered.content.decode()
    assert stranger.post(path[:-3] + "x/").status_code == 404
    other = User.objects.create_user(email="other@example.jp", password=PASSWORD)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    stranger.post("/accounts/login/", {"login": "other@example.jp", "password": PASSWORD})
    stranger.post("/me/company/", {**COMPANY, "name": "他社"})
    stranger.get(reverse("selfcheck:index"))
    assert stranger.get(reverse("selfcheck:step1", args=[sheet.pk])).status_code == 404
    sheet.refresh_from_db()
    assert sheet.company is None
    assert SignupCarry.objects.filter(user__email="hanako@example.jp").exists()
