"""Admin listing of resources (filters by kind, theme, status), moderation set-up, GDPR."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from wagtail.models import GroupPagePermission, WorkflowPage

from comcep.accounts import gdpr
from resources import services
from resources.gdpr import DELETED_MEMBER
from resources.models import Bookmark, ResourceIndexPage, ResourceProposal, ResourceStats, UsefulVote
from resources.setup import ensure_moderation_setup
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory

pytestmark = pytest.mark.django_db


def test_admin_listing_filters_resources_by_kind_theme_and_status(client, admin_user, themes):
    ResourcePageFactory(title="Guide publie VAE", kind="guide", themes=[themes["vae"]])
    ResourcePageFactory(title="Modele publie CPF", kind="modele", themes=[themes["cpf"]])
    ResourcePageFactory(title="Brouillon guide", kind="guide", live=False)
    client.force_login(admin_user)
    html = client.get("/admin/ressources/").content.decode()
    assert all(t in html for t in ("Guide publie VAE", "Modele publie CPF", "Brouillon guide"))
    html = client.get("/admin/ressources/", {"kind": "guide"}).content.decode()
    assert "Guide publie VAE" in html and "Brouillon guide" in html and "Modele publie CPF" not in html
    html = client.get("/admin/ressources/", {"themes": themes["cpf"].pk}).content.decode()
    assert "Modele publie CPF" in html and "Guide publie VAE" not in html
    html = client.get("/admin/ressources/", {"status": "draft"}).content.decode()
    assert "Brouillon guide" in html and "Guide publie VAE" not in html
    services.propose_resource(user=UserFactory(), title="Proposition en relecture", kind="guide",
                              summary="Résumé " * 5, body_markdown="Texte " * 20, themes=[themes["vae"]])
    html = client.get("/admin/ressources/", {"status": "moderation"}).content.decode()
    assert "Proposition en relecture" in html and "Brouillon guide" not in html


def test_moderation_setup_is_in_place_after_migrate_and_idempotent():
    index = ResourceIndexPage.objects.get()
    perms = set(GroupPagePermission.objects.filter(page=index).values_list("group__name", "permission__codename"))
    assert ("Animateurs", "add_page") in perms and ("Animateurs", "change_page") in perms
    assert ("Animateurs", "publish_page") not in perms
    assert ("Modérateurs", "publish_page") in perms
    assert WorkflowPage.objects.get(page=index).workflow.name == "Relecture par un modérateur"
    ensure_moderation_setup()
    assert GroupPagePermission.objects.filter(page=index).count() == len(perms)
    animators = Group.objects.get(name="Animateurs")
    codenames = set(animators.permissions.values_list("codename", flat=True))
    assert "access_admin" in codenames
    assert animators.collection_permissions.filter(permission__codename="add_resourcedocument").exists()


@override_settings(SITE_URL="https://comcep.example.fr")
def test_gdpr_export_and_anonymisation(themes, django_capture_on_commit_callbacks):
    member = UserFactory(display_name="Awa Diallo")
    other = UserFactory()
    page = ResourcePageFactory(title="Écrite par Awa", author=member)
    services.add_bookmark(user=member, page=page)
    services.vote_useful(user=member, page=page)
    services.vote_useful(user=other, page=page)
    services.propose_resource(user=member, title="Ma proposition", kind="guide", summary="Résumé " * 5,
                              body_markdown="Texte " * 20, themes=[themes["vae"]])
    exported = {key: fn(member) for key, fn in gdpr.exporters().items()}
    assert exported["bookmarks"][0]["resource"] == "Écrite par Awa"
    assert exported["useful_votes"][0]["url"] == "https://comcep.example.fr/ressources/ecrite-par-awa/"
    assert exported["bookmarks"][0]["url"] == "https://comcep.example.fr/ressources/ecrite-par-awa/"
    assert exported["proposals"][0]["status"] == "pending"

    for anonymise in gdpr.anonymisers():
        anonymise(member)
    assert not Bookmark.objects.filter(user=member).exists()
    assert not UsefulVote.objects.filter(user=member).exists()
    assert not ResourceProposal.objects.filter(member=member).exists()
    stats = ResourceStats.objects.get(page=page)
    assert (stats.useful_count, stats.bookmark_count) == (1, 0)
    page.refresh_from_db()
    assert page.author is None and page.credit_name == DELETED_MEMBER
    # a later publication from the latest revision does not bring the author back
    page.get_latest_revision().publish()
    page.refresh_from_db()
    assert page.author is None and page.author_name == DELETED_MEMBER


def test_gdpr_export_lists_the_resources_i_wrote_or_proposed(themes, django_assert_max_num_queries, settings):
    settings.SITE_URL = "https://comcep.example.fr"
    member = UserFactory(display_name="Awa Diallo")
    ResourcePageFactory(title="Écrite par Awa", author=member, summary="Un guide publié.")
    ResourcePageFactory(title="Écrite par une autre", author=UserFactory())
    services.propose_resource(user=member, title="Ma proposition", kind="guide", summary="Résumé " * 5,
                              body_markdown="Mon texte proposé " * 5, themes=[themes["vae"]])
    with django_assert_max_num_queries(3):  # one query, whatever the number of resources (the site's paths cached)
        exported = gdpr.exporters()["authored_resources"](member)
    assert [r["title"] for r in exported] == ["Écrite par Awa", "Ma proposition"]
    published, proposed = exported
    assert published["published"] and published["url"] == "https://comcep.example.fr/ressources/ecrite-par-awa/"
    assert published["summary"] == "Un guide publié." and published["first_published_at"]
    assert not proposed["published"] and proposed["url"] is None  # a draft has no address yet
    assert proposed["markdown"].startswith("Mon texte proposé") and proposed["kind"] == "guide"


def test_search_indexer_describes_resources_with_their_access(themes, members_resource, public_resource):
    from search.registry import indexer_for

    indexer = indexer_for(public_resource)
    entry = indexer.entry(public_resource)
    assert entry.access == "public" and entry.subkind == "fiche-pratique" and entry.themes == ["vae"]
    assert "Contenu de la fiche." in entry.body
    assert indexer.entry(members_resource).access == "members"
    draft = ResourcePageFactory(title="Brouillon indexé", live=False)
    assert indexer.entry(draft) is None
    assert {p.pk for p in indexer.all_objects()} == {public_resource.pk, members_resource.pk}


def test_a_deleted_members_useful_votes_leave_the_search_ranking(themes, django_capture_on_commit_callbacks):
    """The ranking boosts resources by their "utile" votes (the entry's ``useful_count``): a deleted
    member's votes are taken back from the entries too, not only from the page's counter."""
    from comcep.accounts.services import delete_account
    from search.models import SearchEntry

    member, other = UserFactory(), UserFactory()
    page = ResourcePageFactory(title="Guide de l'entretien")
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_useful(user=member, page=page)
        services.vote_useful(user=other, page=page)
    assert SearchEntry.objects.get(kind="resource", source_id=str(page.pk)).useful_count == 2
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(member)
    assert SearchEntry.objects.get(kind="resource", source_id=str(page.pk)).useful_count == 1
