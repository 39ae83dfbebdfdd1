"""Wagtail page tests for the agenda and news page types."""

from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from comcep.core.models import HomePage
from comcep.events.models import EventIndexPage, EventPage
from comcep.news.models import NewsIndexPage, NewsPage
from tests.factories import UserFactory
from tests.factories.events import EventPageFactory
from tests.factories.news import NewsPageFactory


class AgendaPageTypesTests(WagtailPageTestCase):
    def setUp(self):
        self.admin = UserFactory(is_superuser=True, is_staff=True)
        self.client.force_login(self.admin)
        self.event_index = EventIndexPage.objects.get()
        self.news_index = NewsIndexPage.objects.get()

    def test_section_pages_exist_under_home(self):
        home = HomePage.objects.get()
        assert self.event_index.get_parent().specific == home
        assert self.event_index.url == "/agenda/"
        assert self.news_index.url == "/actualites/"

    def test_where_pages_can_be_created(self):
        self.assertCanCreateAt(EventIndexPage, EventPage)
        self.assertCanCreateAt(NewsIndexPage, NewsPage)
        self.assertCanNotCreateAt(HomePage, EventPage)
        self.assertCanNotCreateAt(HomePage, NewsPage)
        self.assertAllowedSubpageTypes(EventPage, {})
        self.assertAllowedParentPageTypes(EventIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(NewsIndexPage, {HomePage})

    def test_index_pages_render_edit_and_preview(self):
        for page in (self.event_index, self.news_index):
            self.assertPageIsRenderable(page)
            self.assertPageIsEditable(page)
            self.assertPageIsPreviewable(page)

    def test_event_page_renders_edits_and_previews(self):
        event = EventPageFactory(place="Maison de l'emploi, 12 rue de Brest, Rennes")
        self.assertPageIsRenderable(event)
        self.assertPageIsEditable(event)
        self.assertPageIsPreviewable(event)

    def test_news_page_renders_edits_and_previews(self):
        news = NewsPageFactory()
        post_data = nested_form_data({
            "title": news.title, "slug": news.slug, "date": "2026-02-01", "intro": "Chapô modifié.",
            "body": streamfield([("heading", "Contexte"), ("paragraph", rich_text("<p>Texte.</p>"))]),
            "visibility": "public",
        })
        self.assertPageIsRenderable(news)
        self.assertPageIsEditable(news, post_data=post_data)
        self.assertPageIsPreviewable(news, post_data=post_data)

    def test_an_event_can_be_created_in_the_admin_in_paris_time(self):
        data = nested_form_data({
            "title": "Webinaire réforme de la VAE",
            "slug": "webinaire-reforme-vae",
            "kind": "webinaire",
            "starts_at": "2026-03-29 01:30",
            "ends_at": "2026-03-29 03:30",
            "place": "",
            "video_url": "https://visio.example.fr/vae",
            "visibility": "public",
            "description": rich_text("<p>Les nouveautés.</p>"),
            "documents": inline_formset([]),
        })
        self.assertCanCreate(self.event_index, EventPage, data)
        event = EventPage.objects.get(slug="webinaire-reforme-vae")
        assert event.starts_at.isoformat() == "2026-03-29T00:30:00+00:00"
        assert event.ends_at.isoformat() == "2026-03-29T01:30:00+00:00"

    def test_admin_refuses_an_end_before_the_start_and_a_zero_capacity(self):
        data = nested_form_data({
            "title": "Atelier", "slug": "atelier-x", "kind": "atelier",
            "starts_at": "2026-05-10 14:00", "ends_at": "2026-05-10 10:00",
            "place": "Lyon", "video_url": "", "visibility": "public", "capacity": "0",
            "description": rich_text(""), "documents": inline_formset([]),
        })
        response = self.client.post(
            f"/admin/pages/add/events/eventpage/{self.event_index.pk}/", data
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert "ends_at" in form.errors
        assert "capacity" in form.errors
        assert not EventPage.objects.filter(slug="atelier-x").exists()
