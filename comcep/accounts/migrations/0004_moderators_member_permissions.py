"""Moderators manage members through the ``Member`` proxy's permissions, not
``accounts.change_user``: that one also opens Wagtail's own user management (groups,
superuser flag) and would let a moderator make anyone an administrator."""

from django.db import migrations

GROUP = "Modérateurs"
GRANT = ["view_member", "change_member", "moderate_member"]
REVOKE = ["view_user", "change_user"]


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_contenttypes(app_config, verbosity=0, apps=apps)
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=GRANT))
    group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts", codename__in=REVOKE))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    group.permissions.remove(*Permission.objects.filter(content_type__app_label="accounts", codename__in=GRANT))
    group.permissions.add(*Permission.objects.filter(content_type__app_label="accounts", codename__in=REVOKE))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_member_proxy"), ("contenttypes", "0002_remove_content_type_name")]
    operations = [migrations.RunPython(forwards, backwards)]
