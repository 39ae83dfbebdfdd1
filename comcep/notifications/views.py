from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from comcep.core.fragments import fragment_key
from comcep.core.naturaltime import naturaltime
from comcep.core.prepared import PreparedQuery

from . import services
from .enums import ALL_KINDS
from .forms import PreferencesForm
from .models import Notification
from .tokens import read_unsubscribe_token

PAGE_SIZE = 25


# The list page's rows (``for_list_page``) with the columns the rows show, compiled once.
_LIST_PAGE = PreparedQuery(
    "notifications.list_page",
    lambda *, user: Notification.objects.for_list_page(user).only(
        "title", "excerpt", "read_at", "created_at", "actor", "actor__display_name", "actor__first_name",
        "actor__last_name", "actor__email", "actor__deleted_at"),
    params={"user": int},
)


@login_required
def notification_list(request):
    # Titles and excerpts are members' content: an account that is not (or no longer) an approved member
    # reads none of them (a re-approval brings them back).
    rows = _LIST_PAGE.sequence(user=request.user.pk) if request.user.is_approved else []
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    notifications = list(page.object_list)
    full_path = request.get_full_path()
    for notification in notifications:  # content-addressed (comcep/core/fragments.py): all that the row reads
        # Once per row, shown by the template: humanize's text, translations kept per process.
        notification.created_naturaltime = naturaltime(notification.created_at)
        notification.fragment_key = fragment_key(
            "notification-row", notification.pk, notification.is_unread, notification.title, notification.excerpt,
            notification.actor.public_name if notification.actor_id else None, notification.created_at,
            notification.created_naturaltime, full_path,
        )
    return render(request, "notifications/list.html", {"page_obj": page, "notifications": notifications})


def _safe_target(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return "notifications:list"


@login_required
def open_notification(request, pk):
    """Mark the notification read and go to what it is about (only its recipient may)."""
    notification = get_object_or_404(Notification.objects.only("pk", "url", "read_at"), pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        services.forget_unread_count(request.user)
    return redirect(_safe_target(request, notification.url))


def _back_to_list(request):
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request, pk):
    if not Notification.objects.filter(pk=pk, recipient=request.user).exists():
        raise Http404
    services.mark_read(request.user, pk)
    return _back_to_list(request)


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return _back_to_list(request)


@login_required
def preferences(request):
    current = services.get_preferences(request.user)
    form = PreferencesForm(request.POST or None, preferences=current, kinds=services.kinds_for(request.user))
    if request.method == "POST" and form.is_valid():
        services.set_preferences(
            request.user, form.frequencies(), emails_disabled=form.cleaned_data["emails_disabled"]
        )
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form}, status=400 if form.errors else 200)


def mask_email(email: str) -> str:
    """a***@example.fr: enough for the member to recognise the address, not more for whoever
    holds a forwarded link."""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _invalid_link(request):
    return render(request, "notifications/unsubscribe_invalid.html", status=400)


@csrf_exempt  # RFC 8058 one-click POSTs carry no CSRF token: the signed token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows a confirmation (mail scanners prefetch links: a GET changes nothing); POST
    unsubscribes, from the confirmation form or a mail client's one-click request."""
    try:
        user_id, kind = read_unsubscribe_token(token)
    except signing.BadSignature:
        return _invalid_link(request)
    user = get_user_model().objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        return _invalid_link(request)
    if kind != ALL_KINDS:
        try:
            services.get_kind(kind)
        except LookupError:
            return _invalid_link(request)
    context = {
        "token": token,
        "kind": kind,
        "all_kinds": kind == ALL_KINDS,
        "kind_label": services.kind_label(kind) if kind != ALL_KINDS else "",
        "email": mask_email(user.email),
    }
    if request.method == "POST":
        services.unsubscribe(user, kind)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)
