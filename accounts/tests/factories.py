import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time

from accounts.models import Company, SupportInstitution, User
from core.choices import EmployeeBand, Industry, InstitutionType, Prefecture, RevenueBand

PASSWORD = "correct-horse-battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32; test accounts only


def enrol_second_factor(user, secret: str = TOTP_SECRET) -> None:
    """Give a staff account the authenticator app the admin insists on (allauth MFA, TOTP)."""
    TOTP.activate(user, secret)


# allauth accepts a code only in its own 30-second step (no tolerance): a code taken in a step's last moments could
# reach the server in the next one, and a browser test would fail on the clock alone.
TOTP_MARGIN_SECONDS = 3.0


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows for `secret`, taken at least TOTP_MARGIN_SECONDS before its step ends
    (in a step's last seconds it waits for the next step), so that the server checks it in the same step."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"テスト工業{n}株式会社")
    prefecture = Prefecture.AICHI
    industry = Industry.MANUFACTURING
    revenue_band = RevenueBand.UP_TO_500M
    employee_band = EmployeeBand.UP_TO_20
    employees = 12
    capital_yen = 10_000_000


class SupportInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportInstitution

    name = factory.Sequence(lambda n: f"テスト商工会議所{n}")
    kind = InstitutionType.CHAMBER_OF_COMMERCE
    prefecture = Prefecture.AICHI


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose e-mail address is verified, so that allauth lets them log in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    last_name = "緑川"
    first_name = factory.Sequence(lambda n: f"花子{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class SmeUserFactory(UserFactory):
    """An SME's user; SmeUserFactory(second_factor=True) for one who enrolled an authenticator app (optional)."""

    company = factory.SubFactory(CompanyFactory)

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        if create and extracted:
            enrol_second_factor(obj)


class InstitutionUserFactory(UserFactory):
    institution = factory.SubFactory(SupportInstitutionFactory)


class StaffUserFactory(UserFactory):
    """SMRJ staff with an authenticator app enrolled; StaffUserFactory(second_factor=False) for one without."""

    is_staff = True

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            enrol_second_factor(obj)


class SuperUserFactory(StaffUserFactory):
    is_superuser = True
