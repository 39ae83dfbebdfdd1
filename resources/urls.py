from django.urls import path

from . import views
from .feeds import ResourceAtomFeed, ResourceRssFeed

app_name = "resources"
urlpatterns = [
    # Dots cannot appear in a Wagtail slug: these never shadow a page under /ressources/.
    path("ressources/flux.rss", ResourceRssFeed(), name="feed_rss"),
    path("ressources/flux.atom", ResourceAtomFeed(), name="feed_atom"),
    path("ressources-actions/<id:page_id>/favori/", views.bookmark, name="bookmark"),
    path("ressources-actions/<id:page_id>/utile/", views.useful, name="useful"),
    path("ressources-actions/proposer/", views.propose, name="propose"),
    path("ressources-actions/favoris/", views.bookmarks, name="bookmarks"),
    path("ressources-actions/mes-propositions/", views.my_proposals, name="my_proposals"),
]
