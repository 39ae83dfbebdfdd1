"""Wagtail admin screens for moderators: the approval queue and its actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from . import services
from .enums import MembershipStatus
from .forms import RejectionForm
from .models import User

MODERATE_PERMISSION = "accounts.moderate_member"


def can_moderate(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(MODERATE_PERMISSION))


class ModeratorRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_moderate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _admin_template_mixin():
    from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

    return WagtailAdminTemplateMixin


class QueueView(ModeratorRequiredMixin, _admin_template_mixin(), TemplateView):
    template_name = "accounts/admin/queue.html"
    page_title = gettext_lazy("Adhésions à valider")
    header_icon = "user"
    paginate_by = 50

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queue = User.objects.awaiting_approval()
        context["members"] = queue[: self.paginate_by]
        context["total"] = queue.count()
        return context


class MemberDecisionMixin:
    """What the approval and refusal screens share: the moderator check *before* the member is looked up
    (an admin user without moderation rights gets the same refusal for any id, never a 404 that would
    tell which ids exist), the member, the breadcrumbs and the context. Subclasses say which members
    they act on (``get_member_queryset``), their title (``title_format``) and the screen the breadcrumbs
    lead back to (``parent_url_name``, ``parent_label``)."""

    header_icon = "user"
    title_format = ""
    parent_url_name = ""
    parent_label = ""

    def get_member_queryset(self):
        raise NotImplementedError

    def has_permission(self, user) -> bool:
        return can_moderate(user)

    def check_member(self, request, member):
        """Raise PermissionDenied (or return a response) if the moderator may not act on ``member``: only
        administrators act on administrators (as in the member list), for an approval as for a refusal."""
        if (member.is_superuser or member.is_staff) and not request.user.is_superuser:
            raise PermissionDenied

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request.user):
            raise PermissionDenied
        self.member = get_object_or_404(self.get_member_queryset(), pk=kwargs["pk"])
        refusal = self.check_member(request, self.member)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.title_format % {"name": self.member}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.parent_url_name), "label": self.parent_label},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.member, **kwargs)


class ApproveView(MemberDecisionMixin, _admin_template_mixin(), TemplateView):
    """POST from the queue approves a pending member at once; GET (from the member list) asks to confirm
    the approval of a member whose membership was refused or withdrawn, showing the earlier decision."""

    template_name = "accounts/admin/approve.html"
    http_method_names = ["get", "post"]
    title_format = gettext_lazy("Valider l'adhésion de %(name)s")
    parent_url_name = "membres:index"
    parent_label = gettext_lazy("Tous les membres")

    def get_member_queryset(self):
        return (User.objects.filter(is_active=True, deleted_at__isnull=True,
                                    status__in=[MembershipStatus.PENDING, MembershipStatus.REJECTED])
                .select_related("operator", "region", "status_changed_by"))

    def post(self, request, pk):
        member = self.member
        was_refused = member.status == MembershipStatus.REJECTED  # approved again from the member list
        services.approve(member, by=request.user)
        messages.success(request, _("Adhésion de %(name)s validée : un e-mail l'en informe.") % {"name": member})
        return redirect("membres:index" if was_refused else "membres_adhesions:index")


class RejectView(MemberDecisionMixin, _admin_template_mixin(), FormView):
    template_name = "accounts/admin/reject.html"
    form_class = RejectionForm
    title_format = gettext_lazy("Refuser l'adhésion de %(name)s")
    parent_url_name = "membres_adhesions:index"
    parent_label = gettext_lazy("Adhésions à valider")

    def get_member_queryset(self):
        return User.objects.filter(is_active=True, deleted_at__isnull=True).select_related("operator", "region")

    def form_valid(self, form):
        services.reject(self.member, by=self.request.user, reason=form.cleaned_data["reason"])
        message = _("Adhésion de %(name)s refusée : le motif lui a été envoyé par e-mail.")
        messages.success(self.request, message % {"name": self.member})
        return redirect("membres_adhesions:index")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class EraseAccountView(MemberDecisionMixin, _admin_template_mixin(), TemplateView):
    """Right to erasure (RGPD art. 17) for a person who asks the team (or can no longer log in): an
    administrator erases the account by the very path of the member's own deletion in Mon espace
    (``services.delete_account``: every app's anonymiser, then the account scrubbed). GET shows what will
    be erased and what stays, anonymised; only the POST erases. Administrators only; nobody erases their
    own account here."""

    template_name = "accounts/admin/erase.html"
    http_method_names = ["get", "post"]
    header_icon = "bin"
    title_format = gettext_lazy("Effacer le compte de %(name)s (RGPD)")
    parent_url_name = "membres:index"
    parent_label = gettext_lazy("Tous les membres")

    def has_permission(self, user) -> bool:
        return services.can_erase_accounts(user)

    def get_member_queryset(self):
        return User.objects.filter(deleted_at__isnull=True).select_related("operator", "region")

    def check_member(self, request, member):
        if member.pk == request.user.pk:
            messages.error(request, _("Votre propre compte ne s'efface pas ici : supprimez-le depuis Mon espace "
                                      "(« Supprimer mon compte »), qui demande votre mot de passe."))
            return redirect("membres:index")
        if member.is_superuser and not request.user.is_superuser:
            raise PermissionDenied  # only administrators act on administrators
        return None

    def post(self, request, pk):
        name = str(self.member)
        services.delete_account(self.member, by=request.user)
        messages.success(request, _("Le compte de %(name)s est effacé : ses contributions restent, signées "
                                    "« Membre supprimé », et son adresse e-mail est libérée.") % {"name": name})
        return redirect("membres:index")
