import factory
from allauth.account.models import EmailAddress

from accounts.models import Company, SupportInstitution, User
from core.choices import EmployeeBand, Industry, InstitutionType, Prefecture, RevenueBand

PASSWORD = "correct-horse-battery-9"


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
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class SmeUserFactory(UserFactory):
    company = factory.SubFactory(CompanyFactory)


class InstitutionUserFactory(UserFactory):
    institution = factory.SubFactory(SupportInstitutionFactory)


class StaffUserFactory(UserFactory):
    is_staff = True
