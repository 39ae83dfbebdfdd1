"""RSS and Atom feeds of newly published PUBLIC resources (members-only ones never appear)."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import ResourcePage

FEED_LENGTH = 30


class ResourceRssFeed(Feed):
    title = _("Comcep – nouvelles ressources")
    description = _("Les dernières ressources publiques de la communauté des conseillers en évolution "
                    "professionnelle.")
    link = "/ressources/"

    def items(self):
        return ResourcePage.objects.public_resources().select_related("region").newest(FEED_LENGTH)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        # Site-relative: the syndication framework prefixes the requested host and scheme.
        return item.get_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.author_name or None

    def item_categories(self, item):
        return [item.kind_label]


class ResourceAtomFeed(ResourceRssFeed):
    feed_type = Atom1Feed
    subtitle = ResourceRssFeed.description
