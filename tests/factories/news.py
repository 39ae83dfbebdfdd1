import datetime as dt

import factory

from comcep.news.enums import Visibility
from comcep.news.models import NewsIndexPage, NewsPage


class NewsPageFactory(factory.Factory):
    class Meta:
        model = NewsPage

    title = factory.Sequence(lambda n: f"Actualité n°{n}")
    slug = factory.Sequence(lambda n: f"actualite-{n}")
    date = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    intro = "Ce qui change pour les conseillers."
    body = factory.LazyFunction(lambda: [("heading", "Le contexte"), ("paragraph", "<p>Un texte.</p>")])
    visibility = Visibility.PUBLIC

    @classmethod
    def _create(cls, model_class, *args, parent=None, themes=(), live=True, **kwargs):
        parent = parent or NewsIndexPage.objects.get()
        page = model_class(live=live, **kwargs)
        page.themes = list(themes)
        parent.add_child(instance=page)
        return page
