"""What the sign-up browser knew is kept for the new account and given once to its first log-in, in any browser
(accounts.carry): where the visitor was going and the company name an invitation offered; nothing else of the
session, nothing after 14 days, nothing once the account is closed."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.carry import CARRY_DAYS
from accounts.models import SignupCarry, User
from accounts.services import account_close
from accounts.tests.browsers import confirm_and_log_in, confirmation_path, sign_up
from core.resume import SESSION_KEY as RESUME_KEY

pytestmark = pytest.mark.django_db


def _pc_with(session_data: dict) -> Client:
    pc = Client()
    session = pc.session
    session.update(session_data)
    session.save()
    return pc


def test_where_the_visitor_was_going_follows_the_verification_mail_to_another_browser():
    pc = _pc_with({RESUME_KEY: "/consultations/", "unrelated": "stays behind"})
    sign_up(pc, "hanako@example.jp")
    carry = SignupCarry.objects.get(user__email="hanako@example.jp")
    assert carry.data == {RESUME_KEY: "/consultations/"}
    phone = Client()
    confirm_and_log_in(phone, "hanako@example.jp")
    assert phone.session.get(RESUME_KEY) == "/consultations/" and "unrelated" not in phone.session
    assert not SignupCarry.objects.exists()


def test_a_sign_up_with_nothing_to_carry_keeps_no_row():
    sign_up(Client(), "hanako@example.jp")
    assert not SignupCarry.objects.exists()


def test_a_carry_older_than_14_days_gives_nothing():
    pc = _pc_with({RESUME_KEY: "/consultations/"})
    sign_up(pc, "hanako@example.jp")
    phone = Client()
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=CARRY_DAYS, minutes=1)):
        # the verification link has expired by then: verify as the desk would, then log in
        EmailAddress.objects.filter(email="hanako@example.jp").update(verified=True)
        phone.post("/accounts/login/", {"login": "hanako@example.jp", "password": "midori-seiko-2026"})
        assert "_auth_user_id" in phone.session
    assert RESUME_KEY not in phone.session and not SignupCarry.objects.exists()


def test_closing_the_account_removes_what_was_carried():
    pc = _pc_with({RESUME_KEY: "/consultations/"})
    sign_up(pc, "hanako@example.jp")
    account_close(user=User.objects.get(email="hanako@example.jp"))
    assert not SignupCarry.objects.exists()


def test_a_verification_link_used_once_and_opened_again_elsewhere_says_so_and_signs_nobody_in():
    pc = _pc_with({RESUME_KEY: "/consultations/"})
    sign_up(pc, "hanako@example.jp")
    path = confirmation_path("hanako@example.jp")
    phone, third = Client(), Client()
    assert phone.post(path).status_code == 302
    again = third.get(path)
    assert again.status_code == 200 and "確認用のリンクが不正か、期限が切れています" in again.content.decode()
    assert third.post(path).status_code == 404
    assert "_auth_user_id" not in third.session and RESUME_KEY not in third.session
    assert SignupCarry.objects.filter(user__email="hanako@example.jp").exists()  # still waiting for the log-in
