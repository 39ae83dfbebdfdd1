"""Mon espace: the member's dashboard, profile, data download and account deletion."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import member_area, services
from .contact import LEGAL_NOTICE_URL, contact_address
from .forms import DeleteAccountForm, ProfileForm

NOTIFICATIONS_PANEL = "notifications"


@login_required
def dashboard(request):
    user = request.user
    registered = member_area.panels()
    panels = []
    if user.is_approved:  # panels show members' content (favourites, subscriptions...)
        for panel in registered:
            panel_context = panel.context(request) if panel.context else {}
            panels.append({"panel": panel, "context": panel_context})
    context = {
        "panels": panels,
        # The notifications app registers a "notifications" panel; until then a placeholder says what will come.
        "has_notification_panel": any(panel.key == NOTIFICATIONS_PANEL for panel in registered),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def pending(request):
    if request.user.is_approved:
        return redirect("accounts:dashboard")
    return render(request, "accounts/pending.html",
                  {"contact_address": contact_address(), "legal_url": LEGAL_NOTICE_URL})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Votre profil a été mis à jour."))
        return redirect("accounts:dashboard")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def export_data(request):
    data = services.export_personal_data(request.user)
    filename = f"comcep-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.delete_account(request.user)
        logout(request)
        return redirect("accounts:deleted")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


def deleted(request):
    return render(request, "accounts/deleted.html")

