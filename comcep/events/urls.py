from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("agenda/agenda.ics", views.agenda_ics, name="feed"),
]
