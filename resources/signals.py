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


# --- Facet index of the library (resources.facet_index): a new version whenever what it reflects changes.

def _invalidate_facets(sender, **kwargs):
    from . import facet_index

    facet_index.invalidate()


def _connect_facet_invalidation():
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

    for model in (ResourcePage, Theme, Audience, ServiceLevel, Operator, Region):
        post_save.connect(_invalidate_facets, sender=model, dispatch_uid=f"resources.facets.save.{model.__name__}")
        post_delete.connect(_invalidate_facets, sender=model,
                            dispatch_uid=f"resources.facets.delete.{model.__name__}")
    for name in ("themes", "audiences", "service_levels", "operators"):
        m2m_changed.connect(_invalidate_facets, sender=getattr(ResourcePage, name).through,
                            dispatch_uid=f"resources.facets.m2m.{name}")


_connect_facet_invalidation()
