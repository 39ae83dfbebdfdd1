"""Wagtail admin: document access check, and a flat listing of resources filtered by
kind, theme and status."""

import django_filters
from django.forms import CheckboxSelectMultiple
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.models import WorkflowState

from comcep.taxonomy.models import Theme

from .documents import check_document_access
from .enums import ResourceKind, Visibility
from .models import ResourcePage

STATUS_CHOICES = [
    ("live", _("Publiée")),
    ("draft", _("Brouillon")),
    ("changes", _("Publiée, avec des modifications non publiées")),
    ("moderation", _("En cours de relecture")),
]


@hooks.register("before_serve_document")
def documents_need_permission(document, request):
    return check_document_access(document, request)


class ResourceStatusFilter(django_filters.ChoiceFilter):
    def filter(self, qs, value):
        if value == "live":
            return qs.filter(live=True, has_unpublished_changes=False)
        if value == "draft":
            return qs.filter(live=False)
        if value == "changes":
            return qs.filter(live=True, has_unpublished_changes=True)
        if value == "moderation":
            return qs.filter(_specific_workflow_states__status=WorkflowState.STATUS_IN_PROGRESS).distinct()
        return qs


class ResourcePageFilterSet(PageFilterSet):
    kind = django_filters.MultipleChoiceFilter(label=_("Type"), choices=ResourceKind.choices,
                                               widget=CheckboxSelectMultiple)
    themes = django_filters.ModelMultipleChoiceFilter(label=_("Thème"), queryset=Theme.objects.all(),
                                                      widget=CheckboxSelectMultiple, distinct=True)
    visibility = django_filters.ChoiceFilter(label=_("Visibilité"), choices=Visibility.choices)
    status = ResourceStatusFilter(label=_("Statut"), choices=STATUS_CHOICES)

    class Meta:
        model = ResourcePage
        fields = []


class ResourcePageListingViewSet(PageListingViewSet):
    icon = "doc-full-inverse"
    menu_label = _("Ressources")
    add_to_admin_menu = True
    menu_order = 150
    model = ResourcePage
    filterset_class = ResourcePageFilterSet
    name = "resources"


@hooks.register("register_admin_viewset")
def register_resource_listing():
    return ResourcePageListingViewSet("ressources")
