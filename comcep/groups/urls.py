from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("<slug:slug>/", views.group_detail, name="detail"),
    path("<slug:slug>/rejoindre/", views.group_join, name="join"),
    path("<slug:slug>/quitter/", views.group_leave, name="leave"),
    path("<slug:slug>/invitation/", views.group_invitation, name="invitation"),
    path("<slug:slug>/gestion/", views.group_manage, name="manage"),
    path("<slug:slug>/annonce/", views.group_announce, name="announce"),
]
