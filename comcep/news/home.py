"""The home page's "Actualités" section."""

from comcep.core.access import sentinel_reader
from comcep.core.prepared import PreparedQuery
from comcep.events.access import can_see_members_content

from .models import NewsPage

HOME_NEWS_COUNT = 3

# Compiled once per process for each kind of reader (members-only news or not).
LATEST = PreparedQuery(
    "news.home_latest",
    lambda members: NewsPage.objects.visible_to(sentinel_reader(members, can_see_members_content)).newest_first(),
    params={},
)


def latest_news(request):
    return LATEST.objects(can_see_members_content(request.user), limit=HOME_NEWS_COUNT)
