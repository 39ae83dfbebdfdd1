"""The resource page's related resources and documents, read through queries compiled once: the
same links, in the same order, for each kind of reader, as the ORM and Wagtail give them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from resources.models import ResourcePage
from tests.factories import UserFactory
from tests.factories.resources import ResourcePageFactory, make_document

pytestmark = pytest.mark.django_db


def test_related_resources_for_each_reader_in_alternation(themes, member):
    page = ResourcePageFactory(title="Centrale", themes=[themes["vae"], themes["cpf"]])
    both = ResourcePageFactory(title="Deux thèmes", themes=[themes["vae"], themes["cpf"]], kind="guide")
    members = ResourcePageFactory(title="Réservée", themes=[themes["vae"], themes["cpf"]], visibility="members")
    one = ResourcePageFactory(title="Un thème", themes=[themes["cpf"]])
    page = ResourcePage.objects.get(pk=page.pk)
    request = RequestFactory().get(page.url)
    expected = {False: [members, both, one][1:], True: [members, both, one]}
    for reader in [AnonymousUser(), member, AnonymousUser(), UserFactory(), AnonymousUser()]:
        found = page.related_resources(reader, theme_slugs=["cpf", "vae"], request=request)
        pages = expected[reader.is_authenticated]
        assert [(r.pk, r.title, r.url, r.kind_label, r.is_members_only) for r in found] == [
            (p.pk, p.title, p.get_url(request), p.kind_label, p.is_members_only) for p in pages]
        # The ORM path (used when the facet index cannot answer) gives the same links.
        orm = page.related_resources(reader, [themes["vae"].pk, themes["cpf"].pk], request=request)
        assert sorted(r.url for r in orm) == sorted(r.url for r in found)


def test_documents_in_the_editors_order(client):
    first, second = make_document("b.pdf", title="Deuxième par le nom"), make_document("a.pdf", title="Premier")
    page = ResourcePageFactory(title="Avec documents", documents=[first, second])
    html = client.get(page.url).content.decode()
    assert html.index("Deuxième par le nom") < html.index("Premier")
    page = ResourcePage.objects.get(pk=page.pk)
    context_documents = client.get(page.url).context["documents"]
    assert [(d.pk, d.document.pk, d.display_title) for d in context_documents] == [
        (d.pk, d.document.pk, d.display_title) for d in page.attached_documents.select_related("document")]
