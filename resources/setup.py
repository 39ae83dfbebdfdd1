"""Moderation set-up that needs the library page itself.

The data migration ``0002_moderation`` creates the groups, their model and collection
permissions and the workflow; the library page (/ressources/) is created after the
migrations by ``comcep.core.site_setup``, so its page permissions and its workflow
assignment are made here, after every ``migrate``, once: a page that already has group
permissions or a workflow is left as the administrators configured it.
"""

from django.db import transaction

from .enums import ANIMATORS_GROUP, WORKFLOW_NAME

PAGE_PERMISSIONS = {
    ANIMATORS_GROUP: ["add", "change"],
    "Modérateurs": ["add", "change", "publish"],
}


@transaction.atomic
def ensure_moderation_setup() -> None:
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission, Workflow, WorkflowPage

    from .models import ResourceIndexPage

    index = ResourceIndexPage.objects.first()
    if index is None:
        return
    if not GroupPagePermission.objects.filter(page=index).exists():
        for group_name, permission_types in PAGE_PERMISSIONS.items():
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                continue
            for permission_type in permission_types:
                GroupPagePermission.objects.create(group=group, page=index, permission_type=permission_type)
    if not WorkflowPage.objects.filter(page=index).exists():
        workflow = Workflow.objects.filter(name=WORKFLOW_NAME, active=True).first()
        if workflow is not None:
            WorkflowPage.objects.create(workflow=workflow, page=index)


def on_post_migrate(sender, **kwargs):
    ensure_moderation_setup()
