"""Members' actions on resources (bookmark, "utile", propose) and their pages in Mon espace.
Every state change is a POST with CSRF; every view checks who is asking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from comcep.core import routecache
from comcep.core.access import sentinel_reader
from comcep.core.prepared import PreparedQuery

from . import services
from .forms import ProposalForm
from .member_area import bookmarked_resources
from .models import ResourcePage, ResourceProposal, can_read_members_only

HOME_LIMIT = 6


HOME_FIELDS = ("id", "title", "summary", "url_path", "path", "depth", "kind", "visibility")

# The dated part of ResourcePageQuerySet.newest, compiled once per process for each kind of reader.
HOME_NEWEST = PreparedQuery(
    "resources.home_newest",
    lambda members: (
        ResourcePage.objects.visible_to(sentinel_reader(members, can_read_members_only)).only(*HOME_FIELDS)
        .filter(first_published_at__isnull=False).order_by("-first_published_at", "-pk")
    ),
    params={},
)


def latest_resources_for_home(request):
    """The home page's "Dernières ressources" (members-only ones for approved readers). Kept per process
    under the routing version (comcep.core.routecache: every page save, publish, unpublish or move
    changes it), per kind of reader; each request gets its own copies. Read with one query, two if
    some were never published through a revision (ResourcePageQuerySet.newest)."""
    members = can_read_members_only(request.user)
    kept = routecache.get_page("home-newest", (members,), lambda: tuple(_newest(members)))
    return [routecache.fresh(page) for page in kept]


def _newest(members: bool) -> list:
    newest = HOME_NEWEST.objects(members, limit=HOME_LIMIT)
    if len(newest) == HOME_LIMIT:
        return newest
    reader = sentinel_reader(members, can_read_members_only)
    return ResourcePage.objects.visible_to(reader).only(*HOME_FIELDS).newest(HOME_LIMIT)


def _member_only(request):
    """None for an approved member, else the response to send (login or a French 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_approved:
        return render(request, "resources/members_only.html", {"page": None}, status=403)
    return None


def _back(request, page: ResourcePage):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(page.url or "/")


def _visible_page(request, page_id) -> ResourcePage:
    page = ResourcePage.objects.visible_to(request.user).filter(pk=page_id).first()
    if page is None:
        raise Http404
    return page


@require_POST
def bookmark(request, page_id: int):
    denied = _member_only(request)
    if denied:
        return denied
    if request.POST.get("action") == "remove":
        if services.remove_bookmark(user=request.user, page_id=page_id):
            messages.success(request, _("La ressource a été retirée de vos favoris."))
        page = ResourcePage.objects.filter(pk=page_id).first()
        if page is None or not page.live:
            return redirect("resources:bookmarks")
        return _back(request, page)
    page = _visible_page(request, page_id)
    try:
        services.add_bookmark(user=request.user, page=page)
        messages.success(request, _("La ressource a été ajoutée à vos favoris."))
    except services.AlreadyDone:
        messages.info(request, _("Cette ressource est déjà dans vos favoris."))
    return _back(request, page)


@require_POST
def useful(request, page_id: int):
    denied = _member_only(request)
    if denied:
        return denied
    page = _visible_page(request, page_id)
    if request.POST.get("action") == "remove":
        if services.remove_useful_vote(user=request.user, page_id=page.pk):
            messages.success(request, _("Votre vote « utile » a été retiré."))
        return _back(request, page)
    try:
        services.vote_useful(user=request.user, page=page)
        messages.success(request, _("Merci ! Votre vote « utile » a été enregistré."))
    except services.AlreadyDone:
        messages.error(request, _("Vous avez déjà indiqué que cette ressource vous a été utile : "
                                  "un seul vote par membre."))
    return _back(request, page)


def bookmarks(request):
    denied = _member_only(request)
    if denied:
        return denied
    paginator = Paginator(bookmarked_resources(request.user), 20)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(request, "resources/bookmarks.html", {"page_obj": page_obj, "bookmarks": list(page_obj)})


def my_proposals(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    proposals = list(ResourceProposal.objects.for_member_area(request.user)[:100])
    return render(request, "resources/my_proposals.html", {"proposals": proposals})


@require_http_methods(["GET", "POST"])
def propose(request):
    denied = _member_only(request)
    if denied:
        return denied
    left = services.proposals_left_today(request.user)
    if request.method == "POST":
        form = ProposalForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.propose_resource(
                    user=request.user, title=data["title"], kind=data["kind"], summary=data["summary"],
                    body_markdown=data["body"], themes=data["themes"], upload=data.get("file"),
                )
            except services.ProposalRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Merci ! Votre proposition a été transmise à l'équipe de modération. "
                                            "Vous suivez son statut dans « Mes propositions »."))
                return redirect("resources:my_proposals")
    else:
        form = ProposalForm()
    return render(request, "resources/propose.html", {"form": form, "proposals_left": left},
                  status=400 if form.errors else 200)

