from django.urls import path

from . import views

app_name = "forums"
urlpatterns = [
    path("echanges/", views.space_index, name="index"),
    # Fixed segments first; space slugs cannot take these words (forums.enums.RESERVED_SPACE_SLUGS).
    path("echanges/discuter/<id:page_id>/", views.discuss_page, name="discuss"),
    path("echanges/mentions/", views.mention_suggestions, name="mentions"),
    path("echanges/apercu/", views.markdown_preview, name="preview"),
    path("echanges/sans-reponse/", views.unanswered, name="unanswered"),
    path("echanges/sujet/<id:pk>/repondre/", views.thread_reply, name="reply"),
    path("echanges/sujet/<id:pk>/suivre/", views.thread_follow, name="thread_follow"),
    path("echanges/sujet/<id:pk>/moderer/", views.thread_moderate, name="thread_moderate"),
    path("echanges/message/<id:pk>/", views.post_detail, name="post"),
    path("echanges/message/<id:pk>/modifier/", views.post_edit, name="post_edit"),
    path("echanges/message/<id:pk>/supprimer/", views.post_delete, name="post_delete"),
    path("echanges/message/<id:pk>/merci/", views.post_react, name="post_react"),
    path("echanges/message/<id:pk>/resolu/", views.post_solve, name="post_solve"),
    path("echanges/message/<id:pk>/certifier/", views.post_certify, name="post_certify"),
    path("echanges/message/<id:pk>/signaler/", views.post_flag, name="post_flag"),
    path("echanges/message/<id:pk>/historique/", views.post_history, name="post_history"),
    path("echanges/message/<id:pk>/<slug:action>/", views.post_moderate, name="post_moderate"),
    path("echanges/membre/<id:user_id>/suspendre/", views.member_suspend, name="member_suspend"),
    path("echanges/<slug:space>/", views.space_detail, name="space"),
    path("echanges/<slug:space>/suivre/", views.space_follow, name="space_follow"),
    path("echanges/<slug:space>/moderation/", views.space_moderation, name="space_moderation"),
    path("echanges/<slug:space>/poser-une-question/", views.thread_create, name="thread_create"),
    path("echanges/<slug:space>/<id:pk>-<slug:slug>/", views.thread_detail, name="thread"),
]
