"""The directory's cards are served from the fragment cache (comcep/core/fragments.py): the page is the same as
rendered without it, and what a member changes on their profile or account shows at once."""

import re

import pytest

from comcep.core import fragments
from comcep.directory import services
from comcep.directory.models import DirectoryProfile
from tests.html import without_tokens

from .conftest import listed_member, operator, region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache_on")]


def page(client) -> str:
    """The directory, CSRF tokens aside (masked differently on every response)."""
    return without_tokens(client.get("/annuaire/").content.decode())


def card(client, user) -> str:
    match = re.search(rf'<article class="directory-card" aria-labelledby="membre-{user.pk}">.*?</article>',
                      page(client), re.S)
    assert match, f"{user.display_name} not in the directory"
    return match.group(0)


def test_cards_are_cached_and_the_page_is_the_one_rendered_without_the_cache(client, member, theme_vae, settings):
    listed_member(display_name="Alice Rhône", organisation="Mission locale de Lyon",
                  operator=operator("mission-locale"), region=region("auvergne-rhone-alpes"), themes=[theme_vae],
                  presentation="Accompagnement des jeunes vers l'alternance.")
    listed_member(display_name="Bruno Breton")
    client.force_login(member)
    first = page(client)
    assert fragments.cached_count("directory-card") == 2
    assert page(client) == first
    settings.FRAGMENT_CACHE = False
    assert page(client) == first
    assert "Accompagnement des jeunes vers l&#x27;alternance." in first and "Validation des acquis" in first


def test_a_changed_profile_or_account_shows_at_once(client, member, theme_vae, theme_numerique):
    alice = listed_member(display_name="Alice Rhône", organisation="Mission locale de Lyon",
                          region=region("auvergne-rhone-alpes"), themes=[theme_vae], presentation="Avant.")
    client.force_login(member)
    before = card(client, alice)
    assert "Avant." in before and "Validation des acquis" in before and "Mission locale de Lyon" in before

    services.save_profile(user=alice, listed=True, themes=[theme_numerique], presentation="Après.")
    after = card(client, alice)
    assert "Après." in after and "Numérique et emploi" in after and "Validation des acquis" not in after

    alice.display_name, alice.organisation, alice.region = "Alice R.", "Apec Lyon", region("bretagne")
    alice.operator = operator("apec")
    alice.save()
    renamed = card(client, alice)
    assert "Alice R." in renamed and "Apec Lyon" in renamed and "Bretagne" in renamed and "Apec" in renamed
    assert DirectoryProfile.objects.get(user=alice).sort_name == "Alice R."
