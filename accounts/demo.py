"""Demo users: one SME, one support-institution member and one SMRJ administrator."""

from contextlib import contextmanager

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group

from core.choices import EmployeeBand, Industry, InstitutionType, Prefecture, RevenueBand
from core.desk import has_second_factor
from core.site import absolute_url

from .models import Company, SupportInstitution, User
from .roles import ALL_GROUPS

DEMO_PASSWORD = "cn-demo-2026"  # printed by load_demo; only ever set by this local demo loader

DEMO_ADMIN = "admin@example.jp"
DEMO_SME = "sme@example.jp"
DEMO_INSTITUTION = "shokokai@example.jp"


def _user(email: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@contextmanager
def desk_steps(*users: User):
    """Demo loaders write the desk's and experts' past steps through the portal's own services, which act only for
    people with an authenticator app (core.desk). The demo's people enrol their own app at first log-in, so an
    authenticator is lent for these steps and taken back; one they already enrolled is left alone."""
    lent = [user for user in users if not has_second_factor(user)]
    for user in lent:
        TOTP.activate(user, generate_totp_secret())
    try:
        yield
    finally:
        Authenticator.objects.filter(user__in=lent, type=Authenticator.Type.TOTP).delete()


def load_demo(*, stdout) -> None:
    site = absolute_url()
    company, _ = Company.objects.get_or_create(
        name="株式会社みどり精工（デモ）",
        defaults={
            "prefecture": Prefecture.AICHI,
            "industry": Industry.MANUFACTURING,
            "employee_band": EmployeeBand.UP_TO_20,
            "employees": 12,
            "revenue_band": RevenueBand.UP_TO_500M,
            "capital_yen": 10_000_000,
        },
    )
    institution, _ = SupportInstitution.objects.get_or_create(
        name="さくら商工会議所（デモ）",
        defaults={"kind": InstitutionType.CHAMBER_OF_COMMERCE, "prefecture": Prefecture.AICHI},
    )
    admin = _user(DEMO_ADMIN, is_staff=True, is_superuser=True, last_name="中小", first_name="太郎")
    admin.groups.set(Group.objects.filter(name__in=ALL_GROUPS))
    _user(DEMO_SME, company=company, last_name="緑川", first_name="花子")
    _user(DEMO_INSTITUTION, institution=institution, last_name="桜井", first_name="一郎")
    stdout.write("デモ用アカウント (demo accounts), password for all: " + DEMO_PASSWORD)
    stdout.write(f"  管理者 (SMRJ admin):        {DEMO_ADMIN}")
    stdout.write(f"  中小企業 (SME user):         {DEMO_SME}")
    stdout.write(f"  支援機関 (institution staff): {DEMO_INSTITUTION}")
    stdout.write(
        "管理サイトは二段階認証が必須です (the admin requires a second factor). 初回のみ (once):\n"
        f"  1. {site}/accounts/login/ に {DEMO_ADMIN} でログイン (sign in)\n"
        f"  2. {site}/accounts/2fa/totp/activate/ のQRコードを認証アプリ (Google Authenticator, Microsoft\n"
        "     Authenticator, 1Password …) で読み取り、表示された6桁のコードを入力 (scan, enter the code)\n"
        "  3. 表示されるリカバリーコードを保管 (keep the recovery codes), then open " + f"{site}/admin/"
    )
