"""Moderation of the library, configured with Wagtail's own tools:

- group "Animateurs": admin access, may add and edit resources (page permissions on the
  library are granted after migrate by resources.setup, once the page exists) but not publish;
- group "Modérateurs" (accounts 0002): add/edit/publish on the library (resources.setup);
- both groups: add/edit/choose documents and images in the root collection;
- workflow "Relecture par un modérateur": one GroupApprovalTask for "Modérateurs",
  assigned to the library page by resources.setup.
"""

from django.db import migrations

ANIMATORS = "Animateurs"
MODERATORS = "Modérateurs"
WORKFLOW = "Relecture par un modérateur"
TASK = "Validation par un modérateur"

COLLECTION_PERMISSIONS = [
    ("resources", "resourcedocument", ["add_resourcedocument", "change_resourcedocument", "choose_document"]),
    ("wagtailimages", "image", ["add_image", "change_image", "choose_image"]),
]


def configure(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_label in ("resources", "wagtailimages", "wagtailadmin", "wagtailcore"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_contenttypes(app_config, verbosity=0, apps=apps)
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    animators, _ = Group.objects.get_or_create(name=ANIMATORS)
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    animators.permissions.add(access_admin)
    moderators.permissions.add(access_admin)

    root = Collection.objects.filter(depth=1).first()
    if root is not None:
        for app_label, model, codenames in COLLECTION_PERMISSIONS:
            for codename in codenames:
                permission = Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model=model, codename=codename
                ).first()
                if permission is None:
                    continue
                for group in (animators, moderators):
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root, permission=permission
                    )

    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    workflow, created = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})
    if created:
        task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
        task = GroupApprovalTask.objects.create(name=TASK, active=True, content_type=task_ct)
        task.groups.add(moderators)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)


def unconfigure(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW).delete()
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK).delete()
    apps.get_model("auth", "Group").objects.filter(name=ANIMATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("accounts", "0002_moderators_group"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailadmin", "0006_formstate"),
    ]
    operations = [migrations.RunPython(configure, unconfigure)]
