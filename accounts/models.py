from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.choices import EmployeeBand, Industry, InstitutionType, Prefecture, RevenueBand
from core.fields import HttpsURLField
from core.models import BaseModel


class Company(BaseModel):
    """An SME, as its own users describe it once after sign-up."""

    name = models.CharField(_("会社名・屋号"), max_length=200)
    prefecture = models.CharField(_("所在地（都道府県）"), max_length=20, choices=Prefecture.choices)
    industry = models.CharField(_("業種"), max_length=20, choices=Industry.choices)
    revenue_band = models.CharField(_("売上高"), max_length=20, choices=RevenueBand.choices)
    employee_band = models.CharField(_("従業員数"), max_length=20, choices=EmployeeBand.choices)
    employees = models.PositiveIntegerField(
        _("従業員数（人）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("わかれば正確な人数を入力してください。補助金の上限額の計算に使います。"),
    )
    capital_yen = models.PositiveBigIntegerField(
        _("資本金（円）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10**13)],
        help_text=_("個人事業主の場合は空欄のままにしてください。"),
    )
    # Set only on the record a support institution books its own consultations under (accounts.services
    # institution_consulting_company): its bookings then keep every rule of a company's, the cap included.
    for_institution = models.OneToOneField(
        "SupportInstitution",
        verbose_name=_("支援機関自身の相談用"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="own_company",
    )
    history = HistoricalRecords(verbose_name=_("企業の変更履歴"))

    class Meta:
        verbose_name = _("企業")
        verbose_name_plural = _("企業")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def mail_addresses(self) -> list[str]:
        """Where the company's mails go: the addresses of its active users."""
        return list(self.users.filter(is_active=True).exclude(email="").values_list("email", flat=True))


class SupportInstitution(BaseModel):
    """A chamber, association, bank or consultant whose staff use the portal; created by SMRJ staff."""

    name = models.CharField(_("機関名"), max_length=200, unique=True)
    kind = models.CharField(_("種別"), max_length=20, choices=InstitutionType.choices)
    prefecture = models.CharField(_("都道府県"), max_length=20, choices=Prefecture.choices)
    website = HttpsURLField(_("ウェブサイト"), blank=True)
    history = HistoricalRecords(verbose_name=_("支援機関の変更履歴"))

    class Meta:
        verbose_name = _("支援機関")
        verbose_name_plural = _("支援機関")
        ordering = ["prefecture", "name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """Logs in by e-mail. An SME user has a company; institution staff have an institution; never both."""

    username = None
    email = models.EmailField(_("メールアドレス"), unique=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("企業"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="users",
    )
    institution = models.ForeignKey(
        SupportInstitution,
        verbose_name=_("支援機関"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    # When an account made before sign-up asked for names was asked for one (answered or skipped): asked once only.
    name_asked_at = models.DateTimeField(_("氏名の確認日時"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()
    # Who changed an account, its flags and its groups. Never the password hash (a password change is a row
    # without a visible field change), nor the last_login stamp of each sign-in (no row at all).
    history = HistoricalRecords(
        verbose_name=_("ユーザーの変更履歴"), excluded_fields=["password", "last_login"], m2m_fields=["groups"]
    )

    class Meta:
        verbose_name = _("ユーザー")
        verbose_name_plural = _("ユーザー")
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=True) | Q(institution__isnull=True),
                name="user_company_xor_institution",
            )
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        """姓 then 名, as a Japanese name is written (Django's default puts the given name first)."""
        return f"{self.last_name} {self.first_name}".strip()

    def save(self, *args, **kwargs) -> None:
        if set(kwargs.get("update_fields") or ()) == {"last_login"}:
            self.skip_history_when_saving = True
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("skip_history_when_saving", None)

    @property
    def needs_name(self) -> bool:
        """An SME or institution account without a name, not asked yet (staff and advisors are named elsewhere)."""
        return (
            not (self.last_name or self.first_name)
            and self.name_asked_at is None
            and (self.is_institution_staff or (self.is_sme and not hasattr(self, "buyer_membership")))
        )

    @property
    def is_institution_staff(self) -> bool:
        return self.institution_id is not None

    @property
    def is_advisor(self) -> bool:
        """An advisor's login (advisors.AdvisorAccount); such a user has no company."""
        return hasattr(self, "advisor_account")

    @property
    def is_sme(self) -> bool:
        return not self.is_staff and self.institution_id is None and not self.is_advisor

    @property
    def needs_company_profile(self) -> bool:
        # Staff of a large buyer company (matching) use the portal for their company's needs, not as an SME.
        return self.is_sme and self.company_id is None and not hasattr(self, "buyer_membership")


class SignupCarry(BaseModel):
    """What the browser that signed up knew (an invitation, a try-out, where it was going), kept for the new account
    until its first log-in, which may happen in another browser (accounts.carry)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="signup_carry", verbose_name=_("ユーザー"))
    data = models.JSONField(_("登録時のブラウザの状態"), default=dict, blank=True)
    expires_at = models.DateTimeField(_("有効期限"))

    class Meta:
        verbose_name = _("登録時の引き継ぎ")
        verbose_name_plural = _("登録時の引き継ぎ")

    def __str__(self) -> str:
        return str(self.user)
