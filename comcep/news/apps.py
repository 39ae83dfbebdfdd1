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

        from search.registry import register as register_indexer
        from search.registry import register_entry_kind

        from .search import NewsIndexer

        register_indexer(NewsIndexer())
        register_entry_kind("news", _("Actualité"))


def _new_index_page():
    from .models import NewsIndexPage

    return NewsIndexPage(
        title=str(_("Actualités")),
        intro=str(_("<p>Les nouvelles du conseil en évolution professionnelle et de la communauté.</p>")),
    )
