"""Give the "Modérateurs" group the permissions of the forum moderation screens.
Spaces are created and edited by administrators (superusers): moderators only view them."""

from django.db import migrations

GROUP = "Modérateurs"
PERMISSIONS = [
    ("forums", "space", "view_space"),
    ("forums", "thread", "view_thread"),
    ("forums", "thread", "change_thread"),
    ("forums", "post", "view_post"),
    ("forums", "post", "change_post"),
    ("forums", "flag", "view_flag"),
    ("forums", "flag", "change_flag"),
    ("forums", "moderationlog", "view_moderationlog"),
    ("forums", "membersanction", "view_membersanction"),
    ("forums", "membersanction", "add_membersanction"),
    ("forums", "membersanction", "change_membersanction"),
]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("forums")
    app_config.models_module = True
    create_contenttypes(app_config, verbosity=0, apps=apps)
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, _model, codename in PERMISSIONS:
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if perm is not None:
            group.permissions.add(perm)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        codenames = [codename for _a, _m, codename in PERMISSIONS]
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="forums", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0001_initial"),
        ("accounts", "0002_moderators_group"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
