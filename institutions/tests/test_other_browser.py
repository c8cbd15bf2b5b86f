"""An invitation works in any browser: the mail's link, sign-up in one browser and the verification mail opened in
another (a phone) still prefill the company, lead back to the invitation and make one membership."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from accounts.models import SignupCarry, User
from accounts.tests.browsers import COMPANY, confirm_and_log_in, sign_up
from core.models import MailOutbox
from institutions import services
from institutions.models import MemberInvitation, Membership

pytestmark = pytest.mark.django_db


def _invite(institution_user, email="aoba@example.jp", company_name="あおば工業株式会社") -> str:
    services.invitations_send(
        institution=institution_user.institution,
        rows=[services.Row(line=1, company_name=company_name, email=email)],
        user=institution_user,
    )
    row = MailOutbox.objects.filter(to=[email]).latest("created_at")
    return re.search(r"https?://[^/\s]+(/institutions/join/\S+/)", row.body).group(1)


def test_signed_up_in_one_browser_verified_in_another_the_company_joins_once(institution_user):
    link = _invite(institution_user)
    pc, phone = Client(), Client()
    page = pc.get(link).content.decode()
    signup = re.search(r'href="(/accounts/signup/\?email=[^"]+)"', page).group(1).replace("&amp;", "&")
    assert 'value="aoba@example.jp"' in pc.get(signup).content.decode()
    sign_up(pc, "aoba@example.jp")

    assert confirm_and_log_in(phone, "aoba@example.jp") == "/me/company/"
    form = phone.get("/me/company/").content.decode()
    assert re.search(r'<input[^>]*name="name"[^>]*value="あおば工業株式会社"', form), form
    assert phone.post("/me/company/", {**COMPANY, "name": "あおば工業株式会社"}).status_code == 302
    me = phone.get("/me/").content.decode()
    assert "からの招待があります" in me and link in me
    assert phone.post(link).status_code == 302

    user = User.objects.get(email="aoba@example.jp")
    membership = Membership.objects.get()
    assert (membership.institution, membership.company) == (institution_user.institution, user.company)
    invitation = MemberInvitation.objects.get()
    assert invitation.accepted_company == user.company and invitation.accepted_at is not None
    assert not SignupCarry.objects.exists()  # read once
    # the link again, in either browser: a clear message, still one membership
    for browser in (phone, pc):
        again = browser.post(link)
        assert again.status_code == 410 and "この招待はすでに使われています" in again.content.decode()
    assert Membership.objects.count() == 1


def test_an_invitation_link_opened_in_a_fresh_browser_explains_a_tampered_expired_or_used_link(institution_user):
    link = _invite(institution_user)
    invitation = MemberInvitation.objects.get()
    browser = Client()
    tampered = browser.get(link[:-3] + "x/")
    assert tampered.status_code == 404 and "このリンクは正しくないか" in tampered.content.decode()
    with time_machine.travel(invitation.sent_at + dt.timedelta(days=14, minutes=1), tick=False):
        expired = Client().get(link)
    assert expired.status_code == 410 and "有効期限（14日間）が切れています" in expired.content.decode()
    services.invitation_resend(invitation=invitation, user=institution_user)
    replaced = Client().get(link)
    assert replaced.status_code == 404 and "最新のメールのリンクをお使いください" in replaced.content.decode()
    assert not Membership.objects.exists()


def test_an_invitation_that_expires_before_the_company_joins_from_the_other_browser_joins_nothing(institution_user):
    link = _invite(institution_user)
    invitation = MemberInvitation.objects.get()
    pc, phone = Client(), Client()
    pc.get(link)
    sign_up(pc, "aoba@example.jp")
    confirm_and_log_in(phone, "aoba@example.jp")
    with time_machine.travel(invitation.sent_at + dt.timedelta(days=14, minutes=1), tick=False):
        phone.post("/me/company/", {**COMPANY, "name": "あおば工業株式会社"})
        assert "からの招待があります" not in phone.get("/me/").content.decode()
        response = phone.post(link)
        assert response.status_code == 410 and "有効期限" in response.content.decode()
    assert not Membership.objects.exists()
