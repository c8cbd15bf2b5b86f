from django.db import transaction
from django.utils.translation import gettext as _

from core.choices import employee_band_for
from core.errors import ApplicationError

from .models import Company, User


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


def staff_groups_sync() -> None:
    """Create the staff groups and give each exactly the permissions listed in accounts.roles."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from .roles import GROUP_PERMISSIONS

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
