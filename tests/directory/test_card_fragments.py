"""The directory's cards are served from the fragment cache (comcep/core/fragments.py): the page is the same as
rendered without it, and what a member changes on their profile or account shows at once."""

import re

import pytest

from comcep.core import fragments
from comcep.directory import services
from comcep.directory.models import DirectoryProfile
from comcep.taxonomy.models import Operator
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


def filter_form(client, query="") -> str:
    match = re.search(r'<form method="get" action="/annuaire/" class="directory-filters".*?</form>',
                      without_tokens(client.get(f"/annuaire/{query}").content.decode()), re.S)
    assert match
    return match.group(0)


def test_the_filter_form_is_cached_keyed_by_its_options_and_the_selection(client, member, theme_vae, settings):
    client.force_login(member)
    first = filter_form(client, "?region=bretagne")
    assert fragments.cached_count("directory-filters") == 1
    assert '<option value="bretagne" selected>Bretagne</option>' in first
    assert filter_form(client, "?region=bretagne") == first
    assert fragments.cached_count("directory-filters") == 1
    settings.FRAGMENT_CACHE = False
    assert filter_form(client, "?region=bretagne") == first
    settings.FRAGMENT_CACHE = True

    # Another selection, a renamed theme and a new operator show at once.
    assert '<option value="corse" selected>Corse</option>' in filter_form(client, "?region=corse")
    theme_vae.name = "VAE et certification"
    theme_vae.save()
    Operator.objects.create(slug="operateur-test", name="Opérateur de test", sort_order=99)
    after = filter_form(client, "?region=bretagne")
    assert 'value="vae-test">VAE et certification</option>' in after and "Validation des acquis" not in after
    assert '<option value="operateur-test">Opérateur de test</option>' in after
    assert fragments.cached_count("directory-filters") == 3


def test_a_card_without_display_name_shows_the_members_full_name(client, member):
    nameless = listed_member(display_name="", first_name="Anne", last_name="Martin")
    client.force_login(member)
    assert ">Anne Martin</a></h3>" in card(client, nameless)
