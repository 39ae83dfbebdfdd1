from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("api/", views.api, name="api"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("aller/<str:log_id>/<str:entry_id>/", views.go, name="go"),
]
