"""The forums' indexer for the unified search (search/registry.py): one entry per thread,
readable by the same people as the thread (``members`` or the space's group)."""

from __future__ import annotations

from django.db.models import Prefetch

from comcep.core.markdown import html_to_text
from search.registry import EntryData, Indexer

from .enums import SpaceVisibility
from .models import Post, Thread

BODY_LIMIT = 60_000


def _posts():
    return Prefetch("posts", queryset=Post.objects.public().order_by("created_at", "pk"), to_attr="public_posts")


SPACE_PREFIX = "space:"


def _access(space) -> str | None:
    if space.visibility == SpaceVisibility.MEMBERS:
        return "members"
    # A restricted space, whatever the number of its groups: readers get "space:<pk>" from
    # reader_tokens() below, computed with the forums' own visibility rule.
    return f"{SPACE_PREFIX}{space.pk}"


def reader_tokens(user) -> set[str]:
    """Search access tokens of an approved member: the restricted spaces they may enter (one query,
    compiled once: ``Space.objects.visible_to(user).filter(visibility=GROUPS)``)."""
    from .queries import GROUP_SPACE_IDS, reader_kind

    kind = reader_kind(user)
    if kind == "none":
        return set()
    return {f"{SPACE_PREFIX}{pk}" for pk in GROUP_SPACE_IDS.rows(kind, user=user.pk)}


class ThreadIndexer(Indexer):
    model = Thread

    def entry(self, obj: Thread) -> EntryData | None:
        thread = obj
        if thread.is_hidden or thread.needs_approval:
            return None
        posts = getattr(thread, "public_posts", None)
        if posts is None:
            posts = list(Post.objects.public().filter(thread=thread).order_by("created_at", "pk"))
        if not posts:
            return None
        access = _access(thread.space)
        if access is None:
            return None
        texts = [html_to_text(p.html) for p in posts]
        return EntryData(
            kind="thread",
            title=thread.title,
            url=thread.get_absolute_url(),
            access=access,
            summary=texts[0][:500],
            body="\n".join(texts[1:])[:BODY_LIMIT],
            themes=[t.slug for t in thread.space.themes.all()],
            space=thread.space.slug,
            published_at=thread.created_at,
            updated_at=thread.last_post_at,
            useful_count=sum(p.useful_count for p in posts),
        )

    def all_objects(self):
        return (
            Thread.objects.select_related("space")
            .prefetch_related("space__themes", "space__groups", _posts())
            .order_by("pk")
            .iterator(chunk_size=200)
        )
