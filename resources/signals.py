"""Wagtail's moderation signals drive the status of members' proposals."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, workflow_rejected, workflow_submitted

from . import services
from .models import ResourcePage

# WorkflowState.content_object is the base Page; proposals are looked up by page id.


@receiver(page_published, sender=ResourcePage, dispatch_uid="resources.proposal_published")
def on_page_published(sender, instance, **kwargs):
    services.mark_proposal_published(instance)


@receiver(workflow_rejected, dispatch_uid="resources.proposal_rejected")
def on_workflow_rejected(sender, instance, user=None, **kwargs):
    page = instance.content_object
    if not isinstance(page, Page):
        return
    task_state = instance.current_task_state
    comment = task_state.specific.get_comment() if task_state is not None else ""
    services.mark_proposal_rejected(page, reviewer=user, comment=comment)


@receiver(workflow_submitted, dispatch_uid="resources.proposal_resubmitted")
def on_workflow_submitted(sender, instance, **kwargs):
    page = instance.content_object
    if isinstance(page, Page):
        services.mark_proposal_pending(page)


@receiver(pre_delete, sender=ResourcePage, dispatch_uid="resources.proposal_page_deleted")
def on_resource_deleted(sender, instance, **kwargs):
    services.mark_proposal_deleted(instance)
