"""Wagtail's page test helpers for every page type of the library."""

import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from comcep.core.models import HomePage, StandardPage
from resources.models import ResourceIndexPage, ResourcePage
from tests.factories.resources import ResourcePageFactory, ThemeFactory, make_document


class ResourcePageTypesTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.theme = ThemeFactory(slug="vae", name="VAE")
        cls.index = ResourceIndexPage.objects.get()
        cls.document = make_document()
        cls.resource = ResourcePageFactory(
            title="Fiche VAE : les étapes", themes=[cls.theme], documents=[cls.document],
            body=[
                ("heading", "Avant l'entretien"),
                ("rich_text", "<p>Texte <b>important</b>.</p>"),
                ("callout", {"title": "À retenir", "text": "<p>Trois points clés.</p>"}),
                ("steps", {"title": "Étapes", "steps": [{"title": "Recevabilité", "text": "<p>Livret 1</p>"}]}),
                ("quote", {"text": "Une citation", "source": "Une conseillère"}),
                ("document", {"document": cls.document, "label": "Le livret"}),
                ("link", {"url": "https://www.vae.gouv.fr/", "title": "France VAE", "description": ""}),
            ],
        )

    def test_library_is_created_once_under_the_home_page_at_ressources(self):
        assert self.index.slug == "ressources"
        assert isinstance(self.index.get_parent().specific, HomePage)
        assert self.index.url == "/ressources/"

    def test_where_pages_can_be_created(self):
        self.assertCanCreateAt(ResourceIndexPage, ResourcePage)
        self.assertCanNotCreateAt(HomePage, ResourcePage)
        self.assertCanNotCreateAt(StandardPage, ResourcePage)
        self.assertCanNotCreateAt(ResourcePage, ResourcePage)
        self.assertCanNotCreateAt(Page, ResourceIndexPage)
        self.assertAllowedSubpageTypes(ResourceIndexPage, {ResourcePage})
        self.assertAllowedParentPageTypes(ResourcePage, {ResourceIndexPage})

    def test_only_one_library_may_exist(self):
        assert not ResourceIndexPage.can_create_at(self.index.get_parent().specific)

    def test_pages_render(self):
        self.assertPageIsRenderable(self.index)
        self.assertPageIsRenderable(self.resource)

    def resource_form_data(self):
        data = nested_form_data({
            "title": "Fiche VAE : les étapes", "slug": self.resource.slug, "kind": "guide",
            "summary": "Les étapes de la VAE, de la recevabilité au jury.",
            "body": streamfield([("rich_text", rich_text("<p>Texte de la fiche.</p>"))]),
            "attached_documents": inline_formset([]),
            "visibility": "members", "region": "", "author": "", "author_name": "Awa D.",
            "organisation": "Mission locale", "last_reviewed_on": "2025-01-15",
        })
        data["themes"] = [self.theme.pk]
        return data

    def test_pages_are_editable_in_the_admin(self):
        self.assertPageIsEditable(self.index)
        self.assertPageIsEditable(self.resource, post_data=self.resource_form_data())

    def test_pages_are_previewable(self):
        self.assertPageIsPreviewable(self.index)
        self.assertPageIsPreviewable(self.resource, post_data=self.resource_form_data())

    def test_a_resource_can_be_created_in_the_admin(self):
        data = self.resource_form_data()
        data["slug"] = "nouvelle-fiche"
        self.client.force_login(self.create_superuser("createur"))
        self.assertCanCreate(self.index, ResourcePage, data)
        created = ResourcePage.objects.get(slug="nouvelle-fiche")
        assert created.visibility == "members"
        assert list(created.themes.all()) == [self.theme]


@pytest.mark.django_db
def test_resource_page_shows_every_block_and_documents(client, public_resource):
    document = make_document("grille.docx", title="Grille d'entretien")
    page = ResourcePageFactory(
        title="Bloc par bloc", documents=[document],
        body=[("heading", "Intertitre visible"),
              ("callout", {"title": "À retenir", "text": "<p>Point essentiel</p>"}),
              ("steps", {"title": "", "steps": [{"title": "Étape une", "text": ""}]}),
              ("quote", {"text": "Citation visible", "source": "Source visible"}),
              ("link", {"url": "https://example.org/", "title": "Lien visible", "description": "Desc"})],
    )
    html = client.get(page.url).content.decode()
    for text in ("Intertitre visible", "Point essentiel", "Étape une", "Citation visible", "Source visible",
                 "Lien visible", "Grille d&#x27;entretien", "DOCX –", "Mis à jour le"):
        assert text in html, text


@pytest.mark.django_db
@pytest.mark.parametrize("url,provider_src,expected", [
    ("https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/embed/abc123?feature=oembed",
     'src="https://www.youtube-nocookie.com/embed/abc123?feature=oembed"'),
    ("https://vimeo.com/42", "https://player.vimeo.com/video/42", 'src="https://player.vimeo.com/video/42"'),
    ("https://videos.example.org/v/1", "https://videos.example.org/embed/1",
     '<a href="https://videos.example.org/v/1" rel="noopener">Le CEP en vidéo</a>'),
])
def test_videos_use_csp_allowed_frames_without_inline_style(client, themes, url, provider_src, expected):
    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed

    Embed.objects.create(url=url, hash=get_embed_hash(url, None, None), type="video",
                         html=f'<iframe width="200" style="border:0" src="{provider_src}"></iframe>')
    page = ResourcePageFactory(title="Vidéo CEP", kind="video",
                               body=[("video", {"video": url, "title": "Le CEP en vidéo", "transcript": ""})])
    html = client.get(page.url).content.decode()
    assert expected in html
    assert 'style="' not in html
    if "iframe" in expected:
        assert 'title="Le CEP en vidéo"' in html
