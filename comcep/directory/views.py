"""The member directory: /annuaire/ (list), /annuaire/<id>/ (profile), /annuaire/mon-profil/ (my choice)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from comcep.accounts.models import User
from comcep.core import access
from comcep.core.fragments import fragment_key, keyer

from . import contributions, queries, services
from .forms import DirectoryFilterForm, ProfileForm
from .models import DirectoryProfile, search_words

PROFILES_PER_PAGE = 25
FILTER_PARAMS = ("q", "region", "operateur", "theme", "page")


approved_members_only = access.members_only("directory/members_only.html")


@approved_members_only
def directory(request):
    # Clean URLs: an empty field of the (GET) filter form does not stay in the address.
    cleaned = [(key, request.GET.get(key, "").strip()) for key in FILTER_PARAMS]
    cleaned = [(key, value) for key, value in cleaned if value]
    if (any(key not in FILTER_PARAMS or len(request.GET.getlist(key)) != 1 for key in request.GET)
            or len(cleaned) != len(request.GET) or any(value != request.GET[key] for key, value in cleaned)):
        query = urlencode(cleaned)
        return redirect(reverse("directory:index") + (f"?{query}" if query else ""))

    form = DirectoryFilterForm(request.GET)
    filters = form.filters()
    # Two statements whatever the filters (queries.py): the count, and the page's cards, whose profiles are
    # picked in the profile table's partial indexes before their accounts and themes are joined (the rows a
    # deep page's OFFSET skips are index entries, never joined or built).
    listing = queries.Listing(
        words=search_words(filters.get("q", "")),
        region=filters.get("region"), operator=filters.get("operateur"), theme=filters.get("theme"),
    )
    page = Paginator(listing, PROFILES_PER_PAGE).get_page(request.GET.get("page"))
    cards = page.object_list
    key = keyer()
    for card in cards:
        card.fragment_key = _card_fragment_key(card, key)
    own = queries.OWN_LISTED.rows(user=request.user.pk, limit=1)
    return render(request, "directory/index.html", {
        "form": form,
        "filter_form_fragment_key": key("directory-filters", form.fragment_parts()),
        "page": page,
        "cards": cards,
        "is_filtered": bool(filters),
        "own_listed": bool(own and own[0]),
    })


def _card_fragment_key(card, key=fragment_key) -> str:
    """The cache key of one card of directory/index.html (directory/includes/card.html): every value it reads."""
    return key("directory-card", card.user_id, card.name, card.organisation, card.operator, card.region,
               card.themes, card.presentation)


@approved_members_only
def profile(request, user_id):
    is_self = user_id == request.user.pk
    if is_self:
        profile = (DirectoryProfile.objects.filter(user=request.user).for_listing().first()
                   or DirectoryProfile(user=request.user))
    else:
        profile = DirectoryProfile.objects.listed().for_listing().filter(user_id=user_id).first()
        if profile is None:
            # Unknown, unlisted, pending or deleted: the same answer, never a hint that the account exists.
            raise Http404
    member: User = profile.user
    themes = list(profile.themes.all()) if profile.pk else []
    return render(request, "directory/profile.html", {
        "profile": profile,
        "member": member,
        "themes": themes,
        "is_self": is_self,
        "sections": contributions.collect(member, request.user),
    })


@approved_members_only
@require_http_methods(["GET", "POST"])
def my_profile(request):
    instance = DirectoryProfile.objects.filter(user=request.user).first() or DirectoryProfile(user=request.user)
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = services.save_profile(
            user=request.user,
            listed=form.cleaned_data["listed"],
            themes=form.cleaned_data["themes"],
            presentation=form.cleaned_data["presentation"],
        )
        if saved.listed:
            messages.success(request, _("Votre fiche est enregistrée : vous figurez dans l'annuaire des membres."))
        else:
            messages.success(request, _("Votre fiche est enregistrée : vous ne figurez pas dans l'annuaire."))
        return redirect("directory:my_profile")
    return render(request, "directory/my_profile.html", {"form": form, "profile": instance},
                  status=400 if form.errors else 200)


def panel_context(request) -> dict:
    """The "Annuaire des membres" panel of Mon espace (one query)."""
    user = request.user
    if not user.is_approved:
        return {"allowed": False}
    profile = DirectoryProfile.objects.filter(user=user).only("listed", "updated_at").first()
    return {"allowed": True, "listed": bool(profile and profile.listed), "profile": profile}
