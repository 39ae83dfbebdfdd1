"""The home page's "Actualités" section."""

from .models import NewsPage

HOME_NEWS_COUNT = 3


def latest_news(request):
    return list(NewsPage.objects.visible_to(request.user).newest_first()[:HOME_NEWS_COUNT])
