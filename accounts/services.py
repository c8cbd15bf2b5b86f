from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import audit_forget
from core.choices import EmployeeBand, Industry, RevenueBand, employee_band_for
from core.errors import ApplicationError
from core.mail import outbox_forget_address, outbox_redact

from .models import Company, SignupCarry, User
from .roles import GROUP_PERMISSIONS
from .signals import account_closing, account_personal_texts

CLOSED_EMAIL_DOMAIN = "deleted.invalid"  # .invalid never resolves (RFC 2606): no mail can reach a closed account
CLOSED_COMPANY_NAME = "退会した企業"


def company_save_for_user(*, user: User, data: dict) -> Company:
    """Create the user's company on first use, or update it; institution staff have none."""
    if user.institution_id is not None:
        raise ApplicationError(_("支援機関の職員アカウントには企業情報を登録できません。"))
    if data.get("employees") is not None:
        data = {**data, "employee_band": employee_band_for(data["employees"])}
    with transaction.atomic():
        company = user.company
        if company is None:
            company = Company.objects.create(**data)
            user.company = company
            user.save(update_fields=["company"])
        else:
            for field, value in data.items():
                setattr(company, field, value)
            company.full_clean()
            company.save()
    return company


def user_name_set(*, user: User, family_name: str, given_name: str, skipped: bool = False) -> User:
    """The person's name (姓・名), or that they chose not to give it now; either way they are not asked again."""
    from django.utils import timezone

    if not skipped:
        user.last_name, user.first_name = family_name.strip(), given_name.strip()
    user.name_asked_at = timezone.now()
    user.save(update_fields=["last_name", "first_name", "name_asked_at"])
    return user


def account_create_unconfirmed(*, email: str, family_name: str, given_name: str, company_data: dict) -> User:
    """A newcomer who booked from the calendar: the account (no password yet, address not confirmed) and its company.

    Like allauth's sign-up, the row exists before the address is confirmed; it cannot log in with a password until
    the person sets one, and the mail link is what confirms the address."""
    with transaction.atomic():
        company = Company.objects.create(**company_data)
        user = User.objects.create_user(
            email=email, password=None, last_name=family_name, first_name=given_name, company=company
        )
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    return user


def email_address_confirm(*, user: User) -> None:
    """The person opened a link sent to the account's address: that address is confirmed (and primary)."""
    updated = EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True, primary=True)
    if not updated:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def account_close(*, user: User) -> None:
    """Close an SME or institution account: its data goes, and what statistics keep no longer names anyone.

    Three steps, each safe to run again: (1) the account stops working at once (inactive: every session of it
    ends); (2) every app removes or anonymises its own rows through the account_closing signal, each in its own
    transactions (cancelling a booking is a durable desk service); (3) the user row keeps no e-mail, name or
    password, and stays only so that anonymous counts pointing at it keep adding up.
    """
    if user.is_staff or user.is_superuser:
        raise ApplicationError(_("中小機構の職員アカウントは、アカウント管理の担当者が削除します。"))
    if hasattr(user, "advisor_account"):
        raise ApplicationError(_("専門家のアカウントは中小機構が管理しています。削除は相談デスクにご連絡ください。"))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.email.endswith(f"@{CLOSED_EMAIL_DOMAIN}"):
            raise ApplicationError(_("このアカウントはすでに削除されています。"))
        user.is_active = False
        user.save(update_fields=["is_active"])
    company = user.company
    if company is not None and company.users.exclude(pk=user.pk).exists():
        company = None  # colleagues still use it: only this person leaves
    address = user.email
    copied = personal_strings(user=user, company=company)
    for _receiver, texts in account_personal_texts.send(sender=User, user=user, company=company):
        copied.extend(texts or [])
    account_closing.send(sender=User, user=user, company=company)
    with transaction.atomic():
        if company is not None:
            company.name = CLOSED_COMPANY_NAME
            company.employees = None
            company.capital_yen = None
            company.save(update_fields=["name", "employees", "capital_yen", "updated_at"])
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        SignupCarry.objects.filter(user=user).delete()
        user.email = f"closed-{user.pk}@{CLOSED_EMAIL_DOMAIN}"
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.company = None
        user.institution = None
        user.save()
        outbox_forget_address(address=address)
        # Mails to others (the desk, the advisor, the institution, the closing's own cancellation notices) keep
        # copies of the name and of the texts: they are cut out of every stored subject, body and attachment.
        outbox_redact(texts=copied)
        # The change history (simple-history) keeps earlier versions of the rows: they lose the same fields.
        User.history.filter(id=user.pk).update(email=user.email, first_name="", last_name="")
        if company is not None:
            Company.history.filter(id=company.pk).update(name=CLOSED_COMPANY_NAME, employees=None, capital_yen=None)
        # The admin's change history names objects as they were called: rename them there too.
        _admin_history_rename(user, str(user))
        # The audit trail keeps copies of rows (e-mail, names, questions): those of this account go as well.

        audit_forget(user_id=user.pk, company_id=company.pk if company is not None else None)
        if company is not None:
            _admin_history_rename(company, CLOSED_COMPANY_NAME)


def personal_strings(*, user: User, company: Company | None) -> list[str]:
    """The ways mails name a person and a company: the address, the name as written in salutations, the company."""
    last, first = user.last_name.strip(), user.first_name.strip()
    found = [user.email]
    if last and first:
        found += [f"{last} {first}", f"{last}　{first}", f"{last}{first}", f"{first} {last}"]
    if last:
        found += [f"{last} 様", f"{last}様", f"{last}　様"]
    if company is not None and company.name != CLOSED_COMPANY_NAME:
        found.append(company.name)
    return found


def _admin_history_rename(obj, label: str) -> None:

    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)).update(
        object_repr=label[:200]
    )


def password_reset_send(*, request, user: User) -> bool:
    """Send allauth's password-reset mail to the account's own verified address (what the desk does instead of
    setting a password); False for an account that cannot receive one (closed, inactive, no address)."""

    if not user.is_active or user.email.endswith(f"@{CLOSED_EMAIL_DOMAIN}"):
        return False
    form = ResetPasswordForm(data={"email": user.email})
    if not form.is_valid():
        return False
    form.save(request)
    return True


def staff_groups_sync() -> None:
    """Create the staff groups and give each exactly the permissions listed in accounts.roles."""

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    with transaction.atomic():
        for name, perms in GROUP_PERMISSIONS.items():
            group, _created = Group.objects.get_or_create(name=name)
            group.permissions.set([by_name[perm] for perm in perms])


def institution_consulting_company(*, institution) -> Company:
    """The record an institution's own consultations are booked under, made on first use.

    It never has users of its own (institution staff keep `company` empty); its profile says "other / unknown",
    so the consultation statistics count an institution's consultation without inventing an industry."""

    found = Company.objects.filter(for_institution=institution).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Company.objects.create(
                for_institution=institution,
                name=institution.name,
                prefecture=institution.prefecture,
                industry=Industry.OTHER,
                revenue_band=RevenueBand.UNKNOWN,
                employee_band=EmployeeBand.UNKNOWN,
            )
    except IntegrityError:  # a colleague's first booking made it a moment ago
        return Company.objects.get(for_institution=institution)


def booking_company_id(user) -> int | None:
    """The company whose bookings this user makes and manages: the own company of an SME user, the institution's
    consulting record for institution staff (None until its first booking), nobody else."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.company_id:
        return user.company_id
    if user.institution_id:
        return Company.objects.filter(for_institution_id=user.institution_id).values_list("pk", flat=True).first()
    return None
