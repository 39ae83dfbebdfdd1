"""Regional groups in the Wagtail admin (menu "Groupes régionaux"), for moderators:
create a group (its auth group and restricted forum space come with it), edit its name,
region and description, and choose its coordinators (by e-mail). Members join from the
site. No delete: a group with a forum space is kept (its space can be archived)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from comcep.core.permissions import WithoutActionsPermissionPolicy

from . import services
from .models import Membership, RegionalGroup

# Actions these viewsets leave out are never offered (see comcep.core.permissions).
register_permission_policy(RegionalGroup, WithoutActionsPermissionPolicy(RegionalGroup), exact_class=True)


class RegionalGroupForm(WagtailAdminModelForm):
    coordinator_emails = forms.CharField(
        label=_("Coordinateurs (adresses e-mail)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une adresse par ligne : des membres validés. Ils rejoignent le groupe et modèrent son "
                    "espace d'échanges. Un coordinateur retiré de la liste reste membre du groupe."),
    )

    class Meta:
        model = RegionalGroup
        fields = ["name", "slug", "region", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("L'identifiant ne change plus après la création.")
            emails = (Membership.objects.coordinators().filter(group=self.instance)
                      .order_by("user__email").values_list("user__email", flat=True))
            self.initial["coordinator_emails"] = "\n".join(emails)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if not self.instance.pk:
            error = services.check_new_slug(slug)
            if error:
                raise ValidationError(error)
        return slug

    def clean_coordinator_emails(self):
        emails = [e.strip().lower() for e in self.cleaned_data["coordinator_emails"].split() if e.strip()]
        users = {u.email.lower(): u for u in services.members_queryset().filter(email__in=emails)}
        missing = [e for e in emails if e not in users]
        if missing:
            raise ValidationError(_("Aucun membre validé avec ces adresses : %(emails)s")
                                  % {"emails": ", ".join(missing)})
        return [users[e] for e in dict.fromkeys(emails)]


class GroupCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.create_group(region=data["region"], slug=data["slug"], name=data["name"],
                                     description=data["description"], coordinators=data["coordinator_emails"],
                                     by=self.request.user)


class GroupEditView(generic.EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        group = RegionalGroup.objects.select_related("space").get(pk=self.object.pk)
        services.update_group(group=group, region=data["region"], name=data["name"],
                              description=data["description"])
        services.set_coordinators(group=group, users=data["coordinator_emails"], by=self.request.user)
        return group


class RegionalGroupViewSet(ModelViewSet):
    model = RegionalGroup
    icon = "group"
    menu_label = _("Groupes régionaux")
    name = "regional_groups"
    url_prefix = "groupes-regionaux"
    add_to_admin_menu = True
    menu_order = 260
    add_view_class = GroupCreateView
    edit_view_class = GroupEditView
    list_display = ["name", "region", "slug", "space"]
    list_filter = ["region"]
    search_fields = ["name", "slug"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return RegionalGroupForm

    def get_queryset(self, request):
        return RegionalGroup.objects.select_related("region", "space")

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name != "delete"]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return RegionalGroupViewSet()

