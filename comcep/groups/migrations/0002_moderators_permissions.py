"""Give the "Modérateurs" group the admin screens of the regional groups (create, edit, view;
no delete)."""

from django.db import migrations

GROUP = "Modérateurs"
CODENAMES = ["add_regionalgroup", "change_regionalgroup", "view_regionalgroup", "view_membership"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("regional_groups")
    app_config.models_module = True
    create_contenttypes(app_config, verbosity=0, apps=apps)
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="regional_groups",
                                                     codename__in=CODENAMES))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="regional_groups",
                                                            codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [
        ("regional_groups", "0001_initial"),
        ("accounts", "0002_moderators_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
