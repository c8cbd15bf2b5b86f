"""Helpers for data migrations that hand model permissions to the staff groups."""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, group_name: str, perms: list[str]) -> None:
    """Give a group "app_label.codename" permissions, creating the permission rows if migrate has not yet.

    The rows are made from the models as they stand at this migration (``apps``), not as they are today: a model
    that a later migration deletes still has its permissions here.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
