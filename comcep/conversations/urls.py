from django.urls import path

from . import views

app_name = "conversations"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("nouveau/", views.new_conversation, name="new"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/repondre/", views.reply, name="reply"),
    path("<int:pk>/quitter/", views.leave, name="leave"),
    path("message/<int:pk>/signaler/", views.report_message, name="report"),
    path("membre/<int:user_id>/bloquer/", views.block_member, name="block"),
    path("membre/<int:user_id>/debloquer/", views.unblock_member, name="unblock"),
]
