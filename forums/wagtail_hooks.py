"""Forum moderation in the Wagtail admin (menu "Espaces d'échanges"):

- "File de modération": open reports and posts awaiting approval, with their actions;
- "Espaces": create/edit spaces (administrators; moderators may only view them);
- "Sujets": lock/pin/hide/move threads (through the services, so the log and counters follow);
- "Suspensions": suspend a member (lifting is done from the member's suspension page);
- "Journal de modération": read-only.
Every change goes through ``forums.services``; the "Modérateurs" group gets the needed
permissions from migration 0002.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from comcep.core.permissions import WithoutActionsPermissionPolicy

from . import services, space_locks
from .enums import FlagStatus
from .forms import SUSPENSION_END_HELP, SuspensionEndField, inline_reason, queue_row
from .models import Flag, MemberSanction, ModerationLog, Post, Space, Thread

# Actions these viewsets leave out are never offered (see comcep.core.permissions).
register_permission_policy(Space, WithoutActionsPermissionPolicy(Space), exact_class=True)
register_permission_policy(MemberSanction, WithoutActionsPermissionPolicy(MemberSanction), exact_class=True)
register_permission_policy(Thread, WithoutActionsPermissionPolicy(Thread, refused=("add", "delete")),
                           exact_class=True)
register_permission_policy(ModerationLog, WithoutActionsPermissionPolicy(
    ModerationLog, refused=("add", "change", "delete")), exact_class=True)

# --- Moderation queue -------------------------------------------------------------------


class ModerationQueueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "forums/admin/queue.html"
    page_title = _("File de modération")
    header_icon = "warning"
    ACTIONS = {
        "hide": (services.hide_post, True),
        "restore": (services.restore_post, False),
        "approve": (services.approve_post, False),
        "reject": (services.reject_post, True),
    }

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_moderator):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["flags"] = (
            Flag.objects.filter(status=FlagStatus.OPEN)
            .select_related("reporter", "post__author", "post__thread__space")
            .order_by("created_at")[:100]
        )
        context["pending_posts"] = (
            Post.objects.filter(needs_approval=True, is_deleted=False)
            .select_related("author", "thread__space")
            .order_by("created_at")[:100]
        )
        context["counts"] = services.queue_counts()
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        prefix, row_pk = queue_row(request.POST)
        reason, reason_error = inline_reason(request.POST, prefix=prefix, pk=row_pk)
        if reason_error:  # too long: never cut, shown again next to its row's input
            return self.render_to_response(self.get_context_data(reason_error=reason_error), status=400)
        try:
            if action == "resolve":
                flag = get_object_or_404(Flag.objects.select_related("post__thread"), pk=request.POST.get("flag"))
                services.resolve_flag(flag=flag, moderator=request.user, resolution=reason)
                messages.success(request, _("Signalement traité."))
            elif action in self.ACTIONS:
                fn, reason_required = self.ACTIONS[action]
                if reason_required and not reason:
                    messages.error(request, _("Indiquez un motif pour cette action."))
                    return redirect("forums_moderation:index")
                post = get_object_or_404(Post.objects.select_related("thread__space", "author"),
                                         pk=request.POST.get("post"))
                fn(post=post, moderator=request.user, reason=reason)
                messages.success(request, _("Action enregistrée dans le journal de modération."))
            else:
                messages.error(request, _("Action inconnue."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("forums_moderation:index")


class ModeratorsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_authenticated and request.user.is_moderator


class ModerationQueueViewSet(ViewSet):
    name = "forums_moderation"
    url_prefix = "echanges/moderation"
    icon = "warning"
    menu_label = _("File de modération")
    menu_order = 10

    @property
    def menu_item_class(self):
        return ModeratorsMenuItem

    def get_urlpatterns(self):
        return [path("", ModerationQueueView.as_view(), name="index")]


# --- Spaces -----------------------------------------------------------------------------


class SpaceViewSet(ModelViewSet):
    model = Space
    icon = "group"
    menu_label = _("Espaces")
    name = "forum_spaces"
    url_prefix = "echanges/espaces"
    form_fields = ["title", "slug", "description", "themes", "visibility", "groups", "is_archived", "sort_order"]
    list_display = ["title", "slug", "visibility", "thread_count", "post_count", "last_post_at",
                    BooleanColumn("is_archived", label=_("Archivé"))]
    list_filter = ["visibility", "is_archived"]
    search_fields = ["title", "slug"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_urlpatterns(self):
        # No delete: a space with threads is archived instead (threads are protected).
        return [p for p in super().get_urlpatterns() if p.name != "delete"]

    def formfield_for_dbfield(self, db_field, **kwargs):
        if db_field.name in ("themes", "groups"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_dbfield(db_field, **kwargs)

    def get_form_class(self, for_update=False):
        base = super().get_form_class(for_update)
        if not for_update:
            return base

        class SpaceEditForm(base):
            """Fields another app manages (forums.space_locks) are read-only: posted values are ignored."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                reason = space_locks.locked_reason(self.instance)
                if reason:
                    for name in space_locks.LOCKED_FIELDS:
                        if name in self.fields:
                            self.fields[name].disabled = True
                            self.fields[name].help_text = reason

        SpaceEditForm.__name__ = base.__name__
        return SpaceEditForm


# --- Threads ----------------------------------------------------------------------------


class ThreadModerationForm(forms.ModelForm):
    reason = forms.CharField(label=_("Motif (journal de modération)"), max_length=300, required=False)

    class Meta:
        model = Thread
        fields = ["space", "is_pinned", "is_locked", "is_hidden"]


class ThreadEditView(generic.EditView):
    def save_instance(self):
        before = Thread.objects.select_related("space").get(pk=self.object.pk)
        data, user = self.form.cleaned_data, self.request.user
        reason = data.get("reason", "")
        if data["is_pinned"] != before.is_pinned:
            services.pin_thread(thread=before, moderator=user, pinned=data["is_pinned"], reason=reason)
        if data["is_locked"] != before.is_locked:
            services.lock_thread(thread=before, moderator=user, locked=data["is_locked"], reason=reason)
        if data["is_hidden"] != before.is_hidden:
            services.hide_thread(thread=before, moderator=user, hidden=data["is_hidden"], reason=reason)
        if data["space"].pk != before.space_id:
            services.move_thread(thread=before, space=data["space"], moderator=user, reason=reason)
        before.refresh_from_db()
        return before


class ThreadViewSet(ModelViewSet):
    model = Thread
    icon = "comment"
    menu_label = _("Sujets")
    name = "forum_threads"
    url_prefix = "echanges/sujets"
    edit_view_class = ThreadEditView
    list_display = ["title", "space", "author", "post_count", "last_post_at",
                    BooleanColumn("is_pinned", label=_("Épinglé")), BooleanColumn("is_locked", label=_("Verrouillé")),
                    BooleanColumn("is_hidden", label=_("Masqué"))]
    list_filter = ["space", "is_pinned", "is_locked", "is_hidden"]
    search_fields = ["title"]
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ["title", "space", "author", "created_at", "post_count", "last_post_at", "is_pinned",
                           "is_locked", "is_hidden", "needs_approval"]

    def get_form_class(self, for_update=False):
        return ThreadModerationForm

    def get_queryset(self, request):
        return Thread.objects.select_related("space", "author")

    def get_urlpatterns(self):
        # Threads are created by members and never hard-deleted from the admin.
        return [p for p in super().get_urlpatterns() if p.name not in ("add", "delete")]


# --- Suspensions ------------------------------------------------------------------------


class SanctionForm(forms.ModelForm):
    class Meta:
        model = MemberSanction
        fields = ["user", "suspended_until", "reason"]
        field_classes = {"suspended_until": SuspensionEndField}  # a date alone: through the end of that day
        help_texts = {"suspended_until": SUSPENSION_END_HELP}


class SanctionCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.suspend_member(member=data["user"], moderator=self.request.user, reason=data["reason"],
                                       until=data["suspended_until"])

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:  # the service's rules (an end in the past, self-suspension): next to the field
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            self.produced_error_message = self.get_error_message()  # what Wagtail sets when a form is invalid
            return self.form_invalid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400  # the project's rule for a form with errors (what was typed is kept)
        return response


class SanctionLiftForm(forms.ModelForm):
    lift = forms.BooleanField(label=_("Lever la suspension"), required=False)
    lift_reason = forms.CharField(label=_("Motif de la levée"), max_length=300, required=False)

    class Meta:
        model = MemberSanction
        fields = []


class SanctionEditView(generic.EditView):
    def save_instance(self):
        if self.form.cleaned_data.get("lift") and self.object.is_active:
            services.unsuspend_member(member=self.object.user, moderator=self.request.user,
                                      reason=self.form.cleaned_data.get("lift_reason", ""))
        self.object.refresh_from_db()
        return self.object


class SanctionViewSet(ModelViewSet):
    model = MemberSanction
    icon = "lock"
    menu_label = _("Suspensions")
    name = "forum_sanctions"
    url_prefix = "echanges/suspensions"
    add_view_class = SanctionCreateView
    edit_view_class = SanctionEditView
    list_display = ["user", "suspended_until", "reason", "created_by", "created_at", "lifted_at"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return SanctionLiftForm if for_update else SanctionForm

    def get_queryset(self, request):
        return MemberSanction.objects.select_related("user", "created_by")

    def get_urlpatterns(self):
        # Suspensions are created and lifted (both logged), never deleted.
        return [p for p in super().get_urlpatterns() if p.name != "delete"]


# --- Log --------------------------------------------------------------------------------


class ModerationLogViewSet(ModelViewSet):
    model = ModerationLog
    icon = "list-ul"
    menu_label = _("Journal de modération")
    name = "forum_log"
    url_prefix = "echanges/journal"
    list_display = ["created_at", "action", "actor", "target", "reason"]
    list_filter = ["action"]
    search_fields = ["target", "reason"]
    form_fields = []
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_queryset(self, request):
        return ModerationLog.objects.select_related("actor")

    def get_urlpatterns(self):
        # Read-only: the log is written by the services, never by hand.
        return [p for p in super().get_urlpatterns() if p.name in ("index", "index_results", "inspect")]


class ForumsAdminGroup(ViewSetGroup):
    menu_label = _("Espaces d'échanges")
    menu_icon = "comment"
    menu_order = 250
    items = (ModerationQueueViewSet, SpaceViewSet, ThreadViewSet, SanctionViewSet, ModerationLogViewSet)


@hooks.register("register_admin_viewset")
def register_forums_viewsets():
    return ForumsAdminGroup()
