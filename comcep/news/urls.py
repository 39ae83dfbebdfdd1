from django.urls import path

from .feeds import NewsFeed

app_name = "news"

urlpatterns = [
    path("actualites/flux.rss", NewsFeed(), name="feed"),
]
