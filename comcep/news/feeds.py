"""RSS feed of public news: /actualites/flux.rss."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from .enums import Visibility
from .models import NewsIndexPage, NewsPage

FEED_SIZE = 20


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed
    title = _("Comcep – Actualités")
    description = _("Les actualités de la communauté des conseillers en évolution professionnelle.")
    language = "fr"

    def link(self):
        index = NewsIndexPage.objects.live().first()
        return index.url if index else "/actualites/"

    def items(self):
        return list(
            NewsPage.objects.live().filter(visibility=Visibility.PUBLIC).newest_first()[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        return f"{settings.SITE_URL.rstrip('/')}/actualites/{item.translation_key}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return dt.datetime.combine(item.date, dt.time(9, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))

    def item_updateddate(self, item):
        return item.last_published_at
