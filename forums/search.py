"""The forums' indexer for the unified search (search/registry.py): one entry per thread,
readable by the same people as the thread (``members`` or the space's group)."""

from __future__ import annotations

from django.db.models import Prefetch, Sum

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


#: Posts read per query while the texts of one thread are collected.
TEXT_BATCH = 100


def _texts_and_useful_count(thread: Thread) -> tuple[list[str], int]:
    """The plain texts of the thread's public posts, in order, as far as the entry uses them (the
    body keeps the first BODY_LIMIT characters of the replies: once they are reached, later posts
    change nothing), and the sum of their "utile" counts. A long discussion's reindex reads a few
    batches of ``html`` instead of every post whole (2 000 posts: ~60 ms of the task's ~70 ms)."""
    public = Post.objects.public().filter(thread=thread)
    rows = public.order_by("created_at", "pk").values_list("html", "useful_count")
    texts: list[str] = []
    useful_count = 0
    body_length = -1  # of "\n".join(texts[1:]): the separators count
    start = 0
    while True:
        batch = list(rows[start:start + TEXT_BATCH])
        for html, useful in batch:
            text = html_to_text(html)
            if texts:
                body_length += len(text) + 1
            texts.append(text)
            useful_count += useful
        if len(batch) < TEXT_BATCH:  # every public post was read
            return texts, useful_count
        if body_length >= BODY_LIMIT:
            return texts, public.aggregate(total=Sum("useful_count"))["total"] or 0
        start += TEXT_BATCH


class ThreadIndexer(Indexer):
    model = Thread

    def entry(self, obj: Thread) -> EntryData | None:
        thread = obj
        if thread.is_hidden or thread.needs_approval:
            return None
        posts = getattr(thread, "public_posts", None)
        if posts is not None:  # prefetched (all_objects: rebuilds)
            texts = [html_to_text(p.html) for p in posts]
            useful_count = sum(p.useful_count for p in posts)
        else:
            texts, useful_count = _texts_and_useful_count(thread)
        if not texts:
            return None
        access = _access(thread.space)
        if access is None:
            return None
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
            useful_count=useful_count,
        )

    def all_objects(self):
        return (
            Thread.objects.select_related("space")
            .prefetch_related("space__themes", "space__groups", _posts())
            .order_by("pk")
            .iterator(chunk_size=200)
        )
