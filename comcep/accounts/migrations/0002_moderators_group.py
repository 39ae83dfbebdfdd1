"""The moderators' group ("Modérateurs"): Wagtail admin access and the right to
manage members and the taxonomy. Page permissions are granted by the resources app."""

from django.db import migrations

GROUP = "Modérateurs"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("accounts", "user", "view_user"),
    ("accounts", "user", "change_user"),
    ("accounts", "approveddomain", "add_approveddomain"),
    ("accounts", "approveddomain", "change_approveddomain"),
    ("accounts", "approveddomain", "delete_approveddomain"),
    ("accounts", "approveddomain", "view_approveddomain"),
    *[("taxonomy", model, f"{action}_{model}")
      for model in ("theme", "audience", "servicelevel", "operator", "region")
      for action in ("add", "change", "delete", "view")],
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_label in ("accounts", "taxonomy", "wagtailadmin"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, apps=apps)
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, codename in PERMISSIONS:
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if perm is not None:
            group.permissions.add(perm)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("taxonomy", "0002_fixed_vocabularies"),
        ("wagtailadmin", "0006_formstate"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
