from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.directory, name="index"),
    path("mon-profil/", views.my_profile, name="my_profile"),
    path("<id:user_id>/", views.profile, name="profile"),
]
