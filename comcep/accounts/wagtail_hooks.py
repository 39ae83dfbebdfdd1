"""The "Membres" menu of the Wagtail admin: approval queue, member list, auto-approved domains.

Moderators act through the ``Member`` proxy's permissions (view/change/moderate_member),
never through ``accounts.change_user``, which would open Wagtail's own user management
(groups, superuser flag) to them. Accounts are never deleted as rows: members delete their own
account in "Mon espace", and administrators erase one on request with « Effacer ce compte (RGPD) »,
which runs the same anonymisation (``admin_views.EraseAccountView``)."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ActionMenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import admin_views, services
from .enums import MembershipStatus
from .models import ApprovedDomain, Member


class MemberPermissionPolicy(ModelPermissionPolicy):
    """Nobody adds or deletes members in the admin: people sign up (or are imported)
    and delete their own account."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete", "copy"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Member, MemberPermissionPolicy(Member), exact_class=True)


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_moderate(request.user)


class ApprovalQueueViewSet(ViewSet):
    name = "membres_adhesions"
    url_prefix = "membres/adhesions"
    icon = "user"
    menu_label = _("Adhésions à valider")
    menu_item_class = ModeratorMenuItem

    def get_urlpatterns(self):
        return [
            path("", admin_views.QueueView.as_view(), name="index"),
            path("<id:pk>/valider/", admin_views.ApproveView.as_view(), name="approve"),
            path("<id:pk>/refuser/", admin_views.RejectView.as_view(), name="reject"),
        ]


ERASE_LABEL = _("Effacer ce compte (RGPD)")


def can_erase(request_user, member) -> bool:
    """Whether to offer « Effacer ce compte (RGPD) » on ``member`` (the view checks again)."""
    return services.can_erase_accounts(request_user) and member.pk != request_user.pk and not member.deleted_at


def erase_url(member) -> str:
    return reverse("membres:erase", args=[member.pk])


class MemberEditView(generic.EditView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if can_erase(self.request.user, self.object):
            buttons.append(Button(ERASE_LABEL, url=erase_url(self.object), icon_name="bin", priority=60))
        return buttons

    def get_object(self, queryset=None):
        member = super().get_object(queryset)
        # Only administrators edit administrators' accounts.
        if (member.is_superuser or member.is_staff) and not self.request.user.is_superuser:
            raise PermissionDenied
        return member

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.object.pk == self.request.user.pk:
            form.fields.pop("is_active", None)  # nobody suspends themselves
        return form


class MemberIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(deleted_at__isnull=True).select_related("operator", "region")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if (
            instance.status != MembershipStatus.REJECTED
            and not (instance.is_superuser or instance.is_staff)
            and admin_views.can_moderate(self.request.user)
        ):
            label = _("Retirer l'adhésion") if instance.is_approved else _("Refuser l'adhésion")
            # A MenuItem goes into the row's "more" dropdown, like Wagtail's own actions.
            buttons.append(ActionMenuItem(
                label, url=reverse("membres_adhesions:reject", args=[instance.pk]), icon_name="cross", priority=50,
            ))
        if (
            instance.status == MembershipStatus.REJECTED
            and instance.is_active
            and admin_views.can_moderate(self.request.user)
        ):
            # A refused or withdrawn membership can be approved again (the queue lists pending members only).
            buttons.append(ActionMenuItem(
                _("Valider l'adhésion"), url=reverse("membres_adhesions:approve", args=[instance.pk]),
                icon_name="tick", priority=50,
            ))
        if can_erase(self.request.user, instance):
            buttons.append(ActionMenuItem(ERASE_LABEL, url=erase_url(instance), icon_name="bin", priority=60))
        return buttons


class MemberViewSet(ModelViewSet):
    model = Member
    name = "membres"
    url_prefix = "membres/liste"
    icon = "group"
    menu_label = _("Tous les membres")
    index_view_class = MemberIndexView
    edit_view_class = MemberEditView
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["display_name", "organisation", "operator", "region", "is_active"]
    list_display = [
        "__str__",  # the title column: edit link and the actions menu
        "email",
        "organisation",
        Column("operator", label=_("Opérateur"), accessor="operator"),
        Column("region", label=_("Région"), accessor="region"),
        Column("status", label=_("Adhésion"), accessor="get_status_display"),
        DateColumn("date_joined", label=_("Inscription")),
    ]
    list_filter = ["status", "operator", "region", "is_active"]
    search_fields = ["email", "display_name", "organisation"]
    search_backend_name = None
    ordering = ["-date_joined"]
    list_per_page = 50

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(),
                path("effacer/<id:pk>/", admin_views.EraseAccountView.as_view(), name="erase")]


class ApprovedDomainViewSet(ModelViewSet):
    model = ApprovedDomain
    name = "membres_domaines"
    url_prefix = "membres/domaines"
    icon = "globe"
    menu_label = _("Domaines validés automatiquement")
    form_fields = ["domain", "note"]
    list_display = ["domain", "note", DateColumn("created_at", label=_("Ajouté le"))]
    search_fields = ["domain", "note"]
    search_backend_name = None
    copy_view_enabled = False


class MembersGroup(ViewSetGroup):
    menu_label = _("Membres")
    menu_icon = "group"
    menu_order = 150
    items = (ApprovalQueueViewSet, MemberViewSet, ApprovedDomainViewSet)


@hooks.register("register_admin_viewset")
def register_members_admin():
    return MembersGroup()


@hooks.register("register_admin_viewset")
def register_member_chooser():
    from .chooser import member_chooser_viewset

    return member_chooser_viewset


@hooks.register("register_account_menu_item")
def register_security_link(request):
    from django.urls import reverse

    return {
        "url": reverse("mfa_index"),
        "label": _("Double authentification"),
        "help_text": _("Application d'authentification, clés de sécurité et codes de secours."),
    }


# --- Wagtail's own user management (administrators) never deletes an account -----------------
# Deleting the row would skip the GDPR anonymisers (others' notifications and the moderation log
# would keep the name, …) and fail with a 500 for anyone who wrote a post or a message (their
# authorship is protected). Members delete their own account in Mon espace; administrators erase one
# with « Effacer ce compte (RGPD) », which runs the same anonymisation.

def _refuse_account_deletion(request, user=None):
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.error(request, _("Les comptes ne se suppriment pas ainsi, ce qui laisserait le nom de la personne "
                              "dans ses contributions. Utilisez « Effacer ce compte (RGPD) » (menu du compte dans "
                              "Membres › Tous les membres) : ses contributions sont anonymisées, comme lorsqu'un "
                              "membre supprime le sien depuis Mon espace. Pour seulement couper un accès, "
                              "décochez « Actif »."))
    if user is not None and can_erase(request.user, user):
        return redirect(erase_url(user))  # the confirmation page: nothing is erased without its POST
    return redirect("wagtailusers_users:index")


@hooks.register("before_delete_user")
def refuse_user_deletion(request, user):
    return _refuse_account_deletion(request, user)


@hooks.register("before_bulk_action")
def refuse_bulk_user_deletion(request, action_type, objects, action_class_instance):
    from django.contrib.auth import get_user_model

    if action_type == "delete" and issubclass(action_class_instance.model, get_user_model()):
        return _refuse_account_deletion(request)
    return None


@hooks.register("register_user_listing_buttons")
def user_listing_erase_button(user, request_user):
    """« Effacer ce compte (RGPD) » in the row menu of Wagtail's user list (Paramètres › Utilisateurs)."""
    if can_erase(request_user, user):
        return [Button(ERASE_LABEL, url=erase_url(user), icon_name="bin", priority=60)]
    return []


@hooks.register("register_log_actions")
def register_erase_log_action(actions):
    actions.register_action(services.ERASE_LOG_ACTION, _("Compte effacé (RGPD)"),
                            _("Compte effacé par un administrateur (RGPD), contributions anonymisées"))
