from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("nouveau/", views.new_conversation, name="new"),
    path("<id:pk>/", views.conversation_detail, name="detail"),
    path("<id:pk>/repondre/", views.reply, name="reply"),
    path("<id:pk>/quitter/", views.leave, name="leave"),
    path("message/<id:pk>/signaler/", views.report_message, name="report"),
    path("membre/<id:user_id>/bloquer/", views.block_member, name="block"),
    path("membre/<id:user_id>/debloquer/", views.unblock_member, name="unblock"),
]
