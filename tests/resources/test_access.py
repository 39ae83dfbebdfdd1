"""Who sees what: visitor / pending / member / moderator × public / members-only,
on the resource page, the library, the feeds, the sitemap, the home page and documents."""

import pytest

from tests.factories import PendingUserFactory, UserFactory
from tests.factories.resources import ResourcePageFactory, make_document

pytestmark = pytest.mark.django_db

MARKER = "MARQUEUR-PRIVE"


def login(client, who, pending_member, member, moderator):
    users = {"pending": pending_member, "member": member, "moderator": moderator}
    if who != "visitor":
        client.force_login(users[who])


@pytest.mark.parametrize("who", ["visitor", "pending", "member", "moderator"])
def test_everyone_reads_a_public_resource(client, who, public_resource, pending_member, member, moderator):
    login(client, who, pending_member, member, moderator)
    response = client.get(public_resource.url)
    assert response.status_code == 200
    assert "Préparer un entretien VAE" in response.content.decode()


def test_visitor_opening_a_members_only_resource_gets_the_login_page(client, members_resource):
    response = client.get(members_resource.url)
    assert response.status_code == 302
    assert response["Location"] == f"/comptes/login/?next={members_resource.url}"
    assert MARKER not in response.content.decode()


def test_pending_member_gets_a_french_403_explaining_validation(client, members_resource, pending_member):
    client.force_login(pending_member)
    response = client.get(members_resource.url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "en attente de validation" in html
    assert MARKER not in html


def test_rejected_member_gets_a_403(client, members_resource):
    client.force_login(UserFactory(status="rejected"))
    response = client.get(members_resource.url)
    assert response.status_code == 403
    assert MARKER not in response.content.decode()


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_approved_members_and_moderators_read_members_only_resources(client, who, members_resource,
                                                                      pending_member, member, moderator):
    login(client, who, pending_member, member, moderator)
    response = client.get(members_resource.url)
    assert response.status_code == 200
    assert MARKER in response.content.decode()
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("who,sees", [("visitor", False), ("pending", False), ("member", True), ("moderator", True)])
def test_library_lists_members_only_resources_only_for_approved_readers(client, who, sees, public_resource,
                                                                       members_resource, pending_member, member,
                                                                       moderator):
    login(client, who, pending_member, member, moderator)
    html = client.get("/ressources/").content.decode()
    assert "Préparer un entretien VAE" in html
    assert (MARKER in html) is sees
    assert ("Grille confidentielle" in html) is sees
    assert ("Réservé aux membres" in html) is sees


@pytest.mark.parametrize("who", ["visitor", "pending", "member"])
def test_feeds_never_list_members_only_resources(client, who, public_resource, members_resource,
                                                 pending_member, member, moderator):
    login(client, who, pending_member, member, moderator)
    for url in ("/ressources/flux.rss", "/ressources/flux.atom"):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200
        assert "Préparer un entretien VAE" in body
        assert MARKER not in body and "Grille confidentielle" not in body


def test_feeds_are_rss_and_atom_and_linked_from_the_library(client, public_resource):
    assert client.get("/ressources/flux.rss")["Content-Type"].startswith("application/rss+xml")
    assert client.get("/ressources/flux.atom")["Content-Type"].startswith("application/atom+xml")
    html = client.get("/ressources/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/ressources/flux.atom"' in html


def test_feeds_skip_drafts(client, themes):
    ResourcePageFactory(title="Brouillon non publié", live=False)
    assert "Brouillon non publié" not in client.get("/ressources/flux.rss").content.decode()


def test_sitemap_lists_public_resources_only(client, public_resource, members_resource, member):
    client.force_login(member)  # the sitemap is the same for everybody
    body = client.get("/sitemap.xml").content.decode()
    assert public_resource.slug in body
    assert members_resource.slug not in body
    assert "/ressources/</loc>" in body


@pytest.mark.parametrize("who,sees", [("visitor", False), ("pending", False), ("member", True)])
def test_home_page_latest_resources_follow_permissions(client, who, sees, public_resource, members_resource,
                                                       pending_member, member, moderator):
    login(client, who, pending_member, member, moderator)
    html = client.get("/").content.decode()
    assert "Préparer un entretien VAE" in html
    assert ("Grille confidentielle" in html) is sees


def test_home_page_queries_do_not_grow_with_resources(client, themes, django_assert_max_num_queries):
    for n in range(3):
        ResourcePageFactory(title=f"Accueil petite {n}")
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
    for n in range(20):
        ResourcePageFactory(title=f"Accueil grande {n}")
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


# --- documents ---------------------------------------------------------------------------------------


@pytest.fixture
def public_document(themes):
    document = make_document("public.pdf", title="Document public")
    ResourcePageFactory(title="Ressource avec document public", documents=[document])
    return document


@pytest.fixture
def private_document(themes):
    document = make_document("prive.pdf", title="Document privé")
    ResourcePageFactory(title="Ressource réservée avec document", visibility="members", documents=[document])
    return document


def test_public_document_is_downloaded_by_a_visitor_as_an_attachment(client, public_document):
    response = client.get(public_document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_visitor_is_sent_to_login_for_a_members_only_document(client, private_document):
    response = client.get(private_document.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/?next=")


def test_pending_member_cannot_download_a_members_only_document(client, private_document, pending_member):
    client.force_login(pending_member)
    assert client.get(private_document.url).status_code == 403


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_approved_members_download_members_only_documents(client, who, private_document, pending_member, member,
                                                          moderator):
    login(client, who, pending_member, member, moderator)
    response = client.get(private_document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_document_in_a_members_only_body_block_is_protected(client, themes):
    document = make_document("bloc.pdf", title="Dans le corps")
    ResourcePageFactory(title="Corps réservé", visibility="members",
                        body=[("document", {"document": document, "label": ""})])
    assert client.get(document.url).status_code == 302


def test_document_of_a_draft_or_unused_is_for_staff_and_its_uploader_only(client, themes, moderator):
    uploader = UserFactory()
    draft_doc = make_document("brouillon.pdf")
    draft_doc.uploaded_by_user = uploader
    draft_doc.save()
    ResourcePageFactory(title="Brouillon avec document", live=False, documents=[draft_doc])
    orphan = make_document("orphelin.pdf")
    assert client.get(draft_doc.url).status_code == 302
    assert client.get(orphan.url).status_code == 302
    for reader, expected in ((PendingUserFactory(), 403), (UserFactory(), 403), (uploader, 200), (moderator, 200)):
        client.force_login(reader)
        assert client.get(draft_doc.url).status_code == expected, reader
    client.force_login(UserFactory())
    assert client.get(orphan.url).status_code == 403


def test_document_used_by_a_public_and_a_members_only_resource_stays_protected(client, themes):
    document = make_document("partage.pdf")
    ResourcePageFactory(title="Publique partage", documents=[document])
    ResourcePageFactory(title="Réservée partage", visibility="members", documents=[document])
    assert client.get(document.url).status_code == 302


def test_related_resources_follow_permissions(client, themes, member):
    page = ResourcePageFactory(title="Page de départ", themes=[themes["cpf"]])
    ResourcePageFactory(title="Proche publique", themes=[themes["cpf"]])
    ResourcePageFactory(title="Proche réservée", themes=[themes["cpf"]], visibility="members")
    ResourcePageFactory(title="Proche brouillon", themes=[themes["cpf"]], live=False)
    html = client.get(page.url).content.decode()
    assert "Proche publique" in html and "Proche réservée" not in html and "Proche brouillon" not in html
    client.force_login(member)
    html = client.get(page.url).content.decode()
    assert "Proche réservée" in html and "Proche brouillon" not in html


def test_taxonomy_links_lead_back_to_the_filtered_library(client, public_resource):
    html = client.get(public_resource.url).content.decode()
    assert 'href="/ressources/?theme=vae"' in html
    assert 'href="/ressources/?type=fiche-pratique"' in html
    assert f'href="/echanges/discuter/{public_resource.pk}/"' in html


def test_home_page_and_feed_list_the_newest_first_then_the_undated(client, themes):
    """Newest first publication first; resources never published through a revision (no first
    publication date: imports, code) come after every dated one, newest id first."""
    from datetime import timedelta

    from django.utils import timezone

    from resources.models import ResourcePage

    now = timezone.now()
    dated = [ResourcePageFactory(title=f"Fiche datée {n}") for n in range(3)]
    for n, page in enumerate(dated):
        ResourcePage.objects.filter(pk=page.pk).update(first_published_at=now - timedelta(days=10 - n))
    undated = [ResourcePageFactory(title=f"Fiche sans date {n}") for n in range(2)]
    ResourcePage.objects.filter(pk__in=[p.pk for p in undated]).update(first_published_at=None)
    expected = ["Fiche datée 2", "Fiche datée 1", "Fiche datée 0", "Fiche sans date 1", "Fiche sans date 0"]

    home = client.get("/").content.decode()
    assert [title for title in expected if title in home] == expected
    assert sorted(expected, key=home.index) == expected
    feed = client.get("/ressources/flux.rss").content.decode()
    assert sorted(expected, key=feed.index) == expected
    assert [p.title for p in ResourcePage.objects.live().newest(2)] == expected[:2]
    assert [p.title for p in ResourcePage.objects.live().newest(4)] == expected[:4]
