from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "comcep.news"
    label = "news"
    verbose_name = _("Actualités")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from comcep.core import exchange, home
        from comcep.core.site_setup import register_section_page

        from .exchange import NewsSection
        from .home import latest_news

        register_section_page("actualites", _new_index_page)
        home.register("latest_news", latest_news)
        exchange.register(NewsSection())

        from wagtail.signals import page_published, page_unpublished

        from comcep.events.search import on_page_changed
        from search.registry import register as register_indexer

        from .models import NewsPage
        from .search import NewsIndexer

        register_indexer(NewsIndexer())
        page_published.connect(on_page_changed, sender=NewsPage, dispatch_uid="news.search.published")
        page_unpublished.connect(on_page_changed, sender=NewsPage, dispatch_uid="news.search.unpublished")


def _new_index_page():
    from .models import NewsIndexPage

    return NewsIndexPage(
        title=str(_("Actualités")),
        intro=str(_("<p>Les nouvelles du conseil en évolution professionnelle et de la communauté.</p>")),
    )
