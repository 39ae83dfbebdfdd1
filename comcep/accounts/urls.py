from django.urls import path

from . import views
from .allauth_status import allauth_urlpatterns

#: allauth's pages (mounted at /comptes/ by comcep.urls), each answering 400 for a form with errors.
allauth_patterns = allauth_urlpatterns()

app_name = "accounts"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("en-attente/", views.pending, name="pending"),
    path("profil/", views.profile, name="profile"),
    path("mes-donnees/", views.export_data, name="export"),
    path("supprimer-mon-compte/", views.delete_account, name="delete"),
    path("compte-supprime/", views.deleted, name="deleted"),
]
