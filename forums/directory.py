"""Threads and certified answers of a member, for their directory profile
(comcep.directory.contributions). Only what every reader of the thread sees: hidden threads,
threads awaiting approval and hidden or deleted posts are never listed, even for moderators."""

from comcep.directory.contributions import LIMIT

from .models import Post, Thread


def started_threads(profile_user, reader) -> list[dict]:
    threads = (
        Thread.objects.visible_to(reader)
        .filter(author=profile_user, is_hidden=False, needs_approval=False)
        .select_related("space")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    return [{"title": t.title, "url": t.get_absolute_url(), "date": t.created_at} for t in threads]


def certified_answers(profile_user, reader) -> list[dict]:
    posts = (
        Post.objects.visible_to(reader)
        .public()
        .filter(author=profile_user, is_certified=True, thread__is_hidden=False, thread__needs_approval=False)
        .select_related("thread")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    return [{"title": p.thread.title, "url": p.get_absolute_url(), "date": p.created_at} for p in posts]
