"""The fixed-shape queries of the hot forum pages, compiled once per process (comcep.core.prepared).

Each query is built from the same ``visible_to`` / ``for_thread_page`` querysets as before, for a
*sentinel reader* of one kind: the shape key is the reader's kind as ``models._reader_kind`` gives
it ("member" or "moderator"; visitors and pending members get no rows at all), i.e. exactly what
``visible_to`` branches on. The reader's id only ever travels as a query parameter, so a cached
SQL shape cannot carry one reader's permissions to another.
"""

from __future__ import annotations

import datetime

from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from wagtail.models import Page

from comcep.accounts.models import PUBLIC_NAME_FIELDS
from comcep.core.access import sentinel_member
from comcep.core.prepared import PreparedQuery

from .enums import SpaceVisibility
from .models import (
    BodyTail,
    MemberSanction,
    Post,
    ReadMarker,
    Space,
    Subscription,
    Thread,
    _reader_kind,
    member_listed_threads_q,
    member_unlisted_posts_q,
    member_unlisted_threads_q,
)

__all__ = ["ABOUT_PAGE", "ACTIVE_SANCTION", "ANNOUNCE_PENDING_POSTS", "CERTIFIED_POSTS", "CITED_PAGES",
           "DUPLICATE_REPLY",
           "FIRST_POST_ID", "GROUP_SPACE_IDS", "NEW_POST_PLACE", "NOT_PUBLIC", "POST_PLACE",
           "SOLVED_POST",
           "SPACE_INDEX", "SPACE_MODERATOR", "SPACE_PAGE", "SPACE_THREADS", "THREAD_FOLLOWER_IDS",
           "THREAD_FOR_REPLY", "THREAD_LOCK", "THREAD_PAGE", "THREAD_POSTS", "THREAD_VISIBLE",
           "attach_solved_post_and_page", "reader_kind", "reader_sanction", "sentinel_reader"]


def reader_kind(user) -> str:
    """The shape key of a reader: "none", "member" or "moderator" (what ``visible_to`` branches on)."""
    return _reader_kind(user)


def sentinel_reader(kind: str, pk: int):
    """A user standing for every reader of ``kind`` while a query is built: only its id (a sentinel)
    reaches the SQL, as a parameter."""
    user = sentinel_member(pk=pk, approved=kind != "none", moderator=kind == "moderator")
    if _reader_kind(user) != kind:  # the sentinel must take the same branches as the real reader
        raise AssertionError(f"sentinel reader of kind {kind!r} is read as {_reader_kind(user)!r}")
    return user


# The thread page: the thread, its space and author, and the reader's read marker and subscription as
# annotations. The solved post and the discussed page are not joined here: most threads have neither,
# and on PostgreSQL the two LEFT JOINs (post, its author, page) made *planning* this statement cost
# ~0.7 ms more on every view (1.2 ms instead of 0.5 ms; see docs/performance.md, "Session 6").
# ``attach_solved_post_and_page`` loads them, by primary key, only when the thread has them.
# Also read in the same statement: whether the reader moderates the thread's space (``can_moderate``'s
# SPACE_MODERATOR; ``reader_moderates_space``) and the reader's current suspension (``reader_sanction``),
# two statements fewer on every thread page (each a round trip on PostgreSQL); the number of posts the
# page's paginator counts (``reader_post_count``: THREAD_POSTS' COUNT for this reader, see
# ``_thread_page_post_count``), and whether the thread has certified answers or cited pages at all
# (``has_certified_posts``, ``has_cited_pages``: most threads have neither, and their two statements
# are then skipped), three statements fewer.
def _listed_count(rows, unlisted_q, moderates_space, kind, user):
    """How many of ``rows`` (the outer thread's posts, or the outer space's threads) a reader of ``kind``
    (``user``: the reader's id) is listed: all of them for moderators (global, or of the space: the
    ``EXISTS`` the view reads as ``reader_moderates_space``), for other members all of them but those
    ``unlisted_q(user)`` leaves out. Counted as ``COUNT(all) - COUNT(unlisted)``: the first reads an index
    only (no row), the second a partial index of the few unlisted rows. Counting the listed rows
    themselves read every row of a long thread for its flags (2.3 ms for a thread of 2 922 posts on
    SQLite, 0.09 ms this way: docs/performance.md, "Session 14: page counts through indexes")."""
    total = _count_subquery(rows)
    if kind == "moderator":
        return total
    return total - Case(When(moderates_space, then=Value(0)),
                        default=_count_subquery(rows.filter(unlisted_q(user))))


def _thread_page_post_count(kind, user):
    """The number of posts of the outer thread that its page lists to a reader of ``kind``:
    ``PostQuerySet.for_thread_page(reader, moderates_space=...)``'s rows, with the ``moderates_space``
    the view derives from ``reader_moderates_space``. Moderators see every post, other members those
    not awaiting approval and their own. Hidden and deleted posts are listed to everyone
    (placeholders)."""
    moderates_space = Exists(Space.moderators.through.objects.filter(space_id=OuterRef("space_id"), user_id=user))
    return _listed_count(Post.objects.filter(thread_id=OuterRef("pk")), member_unlisted_posts_q, moderates_space,
                         kind, user)


THREAD_PAGE = PreparedQuery(
    "forums.thread_page",
    lambda kind, *, user, thread, at: (
        Thread.objects.visible_to(sentinel_reader(kind, user))
        .select_related("space", "author")
        .annotate(
            reader_read_at=Subquery(ReadMarker.objects.filter(user_id=user, thread=OuterRef("pk"))
                                    .values("last_read_at")[:1]),
            reader_follows=Exists(Subscription.objects.filter(user_id=user, thread=OuterRef("pk"))),
            reader_moderates_space=Exists(Space.moderators.through.objects.filter(space_id=OuterRef("space_id"),
                                                                                  user_id=user)),
            reader_sanctioned=Exists(_active_sanctions(user, at)),
            reader_suspended_until=Subquery(_active_sanctions(user, at).values("suspended_until")[:1]),
            reader_post_count=_thread_page_post_count(kind, user),
            has_certified_posts=Exists(_certified_posts(OuterRef("pk"))),
            has_cited_pages=Exists(_cited_pages(OuterRef("pk"))),
        )
        .filter(pk=thread)
    ),
    params={"user": int, "thread": int, "at": datetime.datetime},
)

# May the reader open this thread (``services.ensure_can_read_thread``)?
THREAD_VISIBLE = PreparedQuery(
    "forums.thread_visible",
    lambda kind, *, user, thread: Thread.objects.visible_to(sentinel_reader(kind, user)).filter(pk=thread),
    params={"user": int, "thread": int},
)

def _active_sanctions(user, at):
    """The member's active suspensions, the one that ends last first: an open-ended one (no end) before
    any dated one, then the latest end. The first row is the member's effective suspension (they may
    post again only when every active one is over): its end is the one the member is told, whichever
    suspension was created last."""
    return (MemberSanction.objects.active(at).filter(user_id=user)
            .order_by(F("suspended_until").desc(nulls_first=True), "-created_at"))


# Posting a reply: the thread with what the services read (a form with errors, rendered with the
# thread page, gets the solved post through ``attach_solved_post_and_page``), and the reader's current
# suspension, if any, read in the same statement (``reader_sanction``; ACTIVE_SANCTION's rows).
THREAD_FOR_REPLY = PreparedQuery(
    "forums.thread_for_reply",
    lambda kind, *, user, thread, at: (
        Thread.objects.visible_to(sentinel_reader(kind, user))
        .select_related("space", "author").filter(pk=thread)
        .annotate(reader_sanctioned=Exists(_active_sanctions(user, at)),
                  reader_suspended_until=Subquery(_active_sanctions(user, at).values("suspended_until")[:1]))
    ),
    params={"user": int, "thread": int, "at": datetime.datetime},
)


def reader_sanction(thread: Thread, user) -> MemberSanction | None:
    """The active sanction of ``user`` as ``services.active_sanction`` gives it (what
    ``services.ensure_can_post`` reads of it: whether there is one, and its end), from a thread that
    THREAD_FOR_REPLY or THREAD_PAGE loaded for ``user``."""
    if not thread.reader_sanctioned:
        return None
    return MemberSanction(user_id=user.pk, suspended_until=thread.reader_suspended_until)

# A thread's solved post with its author, and the page a thread discusses (by primary key).
SOLVED_POST = PreparedQuery(
    "forums.solved_post",
    lambda *, post: Post.objects.filter(pk=post).select_related("author"),
    params={"post": int},
)
ABOUT_PAGE = PreparedQuery(
    "forums.about_page",
    lambda *, page: Page.objects.filter(pk=page),
    params={"page": int},
)


def attach_solved_post_and_page(thread: Thread) -> None:
    """Give ``thread`` its solved post (with its author) and its discussed page, as
    ``select_related("solved_post__author", "about_page")`` would have: one query each, only for a
    thread that has one and whose relation is not loaded yet."""
    for field, query, kwarg in ((Thread.solved_post.field, SOLVED_POST, "post"),
                                (Thread.about_page.field, ABOUT_PAGE, "page")):
        target_id = getattr(thread, field.attname)
        if target_id is not None and not field.is_cached(thread):
            field.set_cached_value(thread, query.first(**{kwarg: target_id}))

# The space page's space (the page shows none of its themes: no prefetch).
# With the reader's "following" (SPACE_FOLLOWED) and whether they are one of its own moderators
# (SPACE_MODERATOR) in the same statement: two statements fewer on every space page. Also the number of
# rows the page's paginator counts (``reader_thread_count``: SPACE_THREADS' COUNT for this reader and
# list filter, see ``_space_page_threads``): one statement fewer. Shape: (reader kind, the list's filter).
def _space_page(kind, current, *, user, slug):
    return Space.objects.visible_to(sentinel_reader(kind, user)).filter(slug=slug).annotate(
        reader_follows=Exists(Subscription.objects.filter(user_id=user, space_id=OuterRef("pk"))),
        reader_moderates_space=Exists(Space.moderators.through.objects.filter(space_id=OuterRef("pk"),
                                                                              user_id=user)),
        reader_thread_count=_space_page_thread_count(kind, current, user),
    )


def _space_page_thread_count(kind, current, user):
    """The number of threads of the outer space that its page lists to a reader of ``kind`` with the
    list's filter ``current``: without a filter through indexes (``_listed_count``), with one as the
    page's own rows (``_space_page_threads``: a filter narrows the rows by other columns)."""
    if current:
        return _count_subquery(_space_page_threads(kind, current, user))
    moderates_space = Exists(Space.moderators.through.objects.filter(space_id=OuterRef("pk"), user_id=user))
    return _listed_count(Thread.objects.filter(space_id=OuterRef("pk")), member_unlisted_threads_q,
                         moderates_space, kind, user)


SPACE_PAGE = PreparedQuery("forums.space_page", _space_page, params={"user": int, "slug": str})

# The spaces' index (``views.space_index``): the spaces the reader may enter, with their last post, its author
# and thread, and whether the reader follows each (``is_followed``). Compiled once per reader kind.
SPACE_INDEX = PreparedQuery(
    "forums.space_index",
    lambda kind, *, user: Space.objects.for_index(sentinel_reader(kind, user)).annotate(
        is_followed=Exists(Subscription.objects.filter(user_id=user, space_id=OuterRef("pk")))),
    params={"user": int},
)


def _space_page_threads(kind, current, user):
    """The threads of the outer space that its page lists to a reader of ``kind`` (``user``: the reader's
    id) with the list's filter ``current``: ``ThreadQuerySet.for_space_page(reader, moderates_space=...)``
    and ``_thread_filter``, with the ``moderates_space`` the view derives from ``reader_moderates_space``
    written as the same ``EXISTS`` on the space: moderators (global, or of the space) list every thread,
    other members those neither hidden nor awaiting approval, and their own awaiting approval."""
    threads = Thread.objects.filter(space_id=OuterRef("pk")).annotate(
        is_followed=Exists(Subscription.objects.filter(user_id=user, thread=OuterRef("pk"))))
    if kind != "moderator":
        moderates_space = Exists(Space.moderators.through.objects.filter(space_id=OuterRef("space_id"),
                                                                         user_id=user))
        threads = threads.filter(member_listed_threads_q(user) | Q(moderates_space))
    return _thread_filter(threads, current, user)


# Is the reader one of the space's own moderators (``models.can_moderate`` for a member)?
SPACE_MODERATOR = PreparedQuery(
    "forums.space_moderator",
    lambda *, user, space: Space.moderators.through.objects.filter(space_id=space, user_id=user),
    params={"user": int, "space": int},
)

#: What a space page's row shows of a thread and of its authors (forums/space.html, the row's
#: fragment key in forums.views): the rows are loaded with these columns only (the authors' public names:
#: ``comcep.accounts.models.PUBLIC_NAME_FIELDS``).
SPACE_ROW_FIELDS = (
    "id", "space_id", "slug", "title", "created_at", "author", "is_pinned", "solved_post_id", "is_locked",
    "is_hidden", "needs_approval", "post_count", "last_post_at", "last_post", "last_post__author",
    *(f"author__{name}" for name in PUBLIC_NAME_FIELDS),
    *(f"last_post__author__{name}" for name in PUBLIC_NAME_FIELDS),
)

# The restricted spaces a reader may enter (their search access tokens: forums.search.reader_tokens).
GROUP_SPACE_IDS = PreparedQuery(
    "forums.group_space_ids",
    lambda kind, *, user: (
        Space.objects.visible_to(sentinel_reader(kind, user)).filter(visibility=SpaceVisibility.GROUPS)
        .values_list("pk", flat=True)
    ),
    params={"user": int},
)

# The member's current suspension, if any (``services.active_sanction``).
ACTIVE_SANCTION = PreparedQuery(
    "forums.active_sanction",
    lambda *, user, at: _active_sanctions(user, at),
    params={"user": int, "at": datetime.datetime},
)

# A reply resubmitted within forums.services.DUPLICATE_WINDOW (the same member, text and thread): the
# candidates, i.e. the member's posts of the thread in the window whose text ends like the new one, newest
# first; the caller keeps the first whose text is equal (``services._duplicate_reply``). They are read
# through the index forums_post_reply_tail (thread, author, tail, date), where the text's equality written
# in the SQL let SQLite replace the column by the value in the tail's condition and walk every post of
# the thread in the window instead (~1 ms per reply once the benchmark's member had posted ~1 500
# replies in ten minutes; docs/performance.md, "Session 10: the posting request").
# The reply's lock on its thread row (PostgreSQL: ``services._duplicate_reply`` serialises two identical
# submissions racing each other), compiled once per process like the reply's other statements. ``FOR NO KEY
# UPDATE`` (what the reply's UPDATE of the thread's counters takes anyway): it serialises two replies, and lets
# through what only references the row: a reader's read marker (its foreign key check takes ``FOR KEY SHARE``)
# and the thread's announce task (``services._AnnounceGuard``, ``FOR KEY SHARE``, which only a move or a hide,
# ``FOR UPDATE``, waits for). ``FOR UPDATE`` held them until the reply committed.
THREAD_LOCK = PreparedQuery(
    "forums.thread_lock",
    lambda *, thread: Thread.objects.select_for_update(no_key=True).filter(pk=thread).order_by().values_list("pk"),
    params={"thread": int},
)

DUPLICATE_REPLY = PreparedQuery(
    "forums.duplicate_reply",
    lambda *, thread, author, body, since: (
        Post.objects.alias(body_tail=BodyTail("body"))
        .filter(thread_id=thread, author_id=author, body_tail=BodyTail(Value(body)), is_deleted=False,
                created_at__gte=since)
        .order_by("-created_at", "-pk")
    ),
    params={"thread": int, "author": int, "body": str, "since": datetime.datetime},
)

# The posts of a thread page (``PostQuerySet.for_thread_page`` when the thread was loaded through
# ``Thread.objects.visible_to``): shape (reader kind, moderates the space).
# The posts are loaded without their Markdown source (the page shows the HTML) and with what
# forums/includes/post.html shows of their authors.
THREAD_POSTS = PreparedQuery(
    "forums.thread_posts",
    lambda kind, moderates_space, *, user, thread: (
        Post.objects.filter(thread_id=thread)
        .for_thread_page(sentinel_reader(kind, user), moderates_space=moderates_space)
        .only(*(field.name for field in Post._meta.concrete_fields if field.name != "body"),
              *(f"author__{name}" for name in (*PUBLIC_NAME_FIELDS, "organisation")))
    ),
    params={"user": int, "thread": int},
    window_by_key=True,  # the last page of a long thread (where a notification of a new post leads)
)

# The rows of a space page (``ThreadQuerySet.for_space_page`` when the space was loaded through
# ``Space.objects.visible_to``): shape (moderates the space, the list's filter).
def _space_threads(moderates_space, current, *, user, space):
    reader = sentinel_reader("member", user)  # for_space_page only reads the reader's id here
    threads = Thread.objects.filter(space_id=space).for_space_page(reader, moderates_space=moderates_space)
    return _thread_filter(threads, current, user).only(*SPACE_ROW_FIELDS)


def _thread_filter(threads, current, user):
    """The space page's list filter ``current`` (a ``ThreadFilter`` value, or "": none) on ``threads``
    (annotated with ``is_followed``, as ``for_space_page`` does for a member)."""
    from .enums import ThreadFilter

    if current == ThreadFilter.UNANSWERED:
        threads = threads.filter(post_count__lte=1)
    elif current == ThreadFilter.SOLVED:
        threads = threads.filter(solved_post__isnull=False)
    elif current == ThreadFilter.MINE:
        threads = threads.filter(author_id=user)
    elif current == ThreadFilter.FOLLOWED:
        threads = threads.filter(is_followed=True)
    elif current:
        raise ValueError(current)
    return threads


SPACE_THREADS = PreparedQuery("forums.space_threads", _space_threads, params={"user": int, "space": int},
                              window_by_key=True)  # a big space's later pages

# A post's permalink (``views.post_detail``: /echanges/message/<pk>/, where notifications and e-mails lead):
# the post if the reader may see it (``PostQuerySet.visible_to``), with its thread and space for the URL, and
# ``reader_posts_before``: how many posts the reader is listed before it on the thread's pages (the posts of
# ``PostQuerySet.visible_to(user)`` before it in the thread's order), counted through indexes
# (``_listed_count``). One statement, compiled once per reader kind: it was two ORM-built ones, ~10 ms of CPU
# per redirect on the large bench database.
def _post_place(kind, *, user, post):
    before = Post.objects.filter(thread_id=OuterRef("thread_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
    moderates_space = Exists(Space.moderators.through.objects.filter(space_id=OuterRef("thread__space_id"),
                                                                     user_id=user))
    return (Post.objects.visible_to(sentinel_reader(kind, user)).filter(pk=post)
            .select_related("thread__space")
            .annotate(reader_posts_before=_listed_count(before, member_unlisted_posts_q, moderates_space,
                                                        kind, user)))


POST_PLACE = PreparedQuery("forums.post_place", _post_place, params={"user": int, "post": int})

# A post that does not count (``PostQuerySet.public`` negated): the condition of the partial index
# ``forums_post_not_public`` (written the same way, so that SQLite recognises the index as usable).
NOT_PUBLIC = Q(is_hidden=True) | Q(is_deleted=True) | Q(needs_approval=True)


def _count_subquery(queryset) -> Subquery:
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar subquery (one row, 0 when nothing matches). ``*``,
    not the primary key: PostgreSQL then counts from an index alone (an index-only scan) when the
    condition's columns are in it."""
    return Subquery(queryset.order_by().annotate(found=Func(template="COUNT(*)", output_field=IntegerField()))
                    .values("found"))


def _new_post_place(kind, *, user, thread, at, post):
    """The numbers that place a post *just written* on its thread's pages for a reader who may open
    the thread (``views.post_url`` after a reply), without counting the posts before it:

    * ``post_count``: the thread's public posts (kept exact by ``services``, in the same
      transaction as every change of a post's visibility);
    * ``public_from``: the public posts from this one on (itself included when it counts): for a
      new post, those written at the same moment or later, read through ``forums_post_thread_created``
      from ``at`` on (a handful of rows, not the thread);
    * ``others_before``: the posts before it that do not count but the reader sees (hidden or deleted:
      placeholders; awaiting approval: their author and moderators), through the partial index
      ``forums_post_not_public`` (rare rows).

    posts before it that the reader sees (``POST_PLACE``'s ``reader_posts_before``) = post_count - public_from
    + others_before.
    One statement, so one snapshot: the counter and the posts are read at the same moment."""
    reader = sentinel_reader(kind, user)
    posts = Post.objects.filter(thread_id=OuterRef("pk"))
    public_from = posts.public().filter(created_at__gte=at).filter(Q(created_at__gt=at) | Q(pk__gte=post))
    others_before = (posts.filter(NOT_PUBLIC).visible_to(reader, thread_checked=True)
                     .filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=post)))
    return (Thread.objects.filter(pk=thread).order_by()
            .annotate(public_from=_count_subquery(public_from), others_before=_count_subquery(others_before))
            .values_list("post_count", "public_from", "others_before"))


NEW_POST_PLACE = PreparedQuery("forums.new_post_place", _new_post_place,
                               params={"user": int, "thread": int, "at": datetime.datetime, "post": int})

# The announce_thread task (services._announce_thread): the thread's posts waiting for their announcement
# or claimed by a task that did not finish them, in id order, with the thread, space and author (the index
# forums_post_announce finds them); the thread's first post (is a post a new thread?); the thread's followers.
ANNOUNCE_PENDING_POSTS = PreparedQuery(
    "forums.announce_pending_posts",
    lambda *, thread: Post.objects.select_related("thread__space", "author")
    .filter(thread_id=thread, announce_pending__isnull=False).order_by("pk"),
    params={"thread": int},
)
FIRST_POST_ID = PreparedQuery(
    "forums.first_post_id",
    lambda *, thread: Post.objects.filter(thread_id=thread).order_by("created_at", "pk").values_list("pk", flat=True),
    params={"thread": int},
)
THREAD_FOLLOWER_IDS = PreparedQuery(
    "forums.thread_follower_ids",
    lambda *, thread: Subscription.objects.filter(thread_id=thread).values_list("user_id", flat=True),
    params={"thread": int},
)

# The certified answers shown above a thread's posts, with what forums/thread.html shows of them (their
# HTML and their author's public name; not their Markdown source).
def _certified_posts(thread):
    return Post.objects.filter(thread_id=thread, is_certified=True).public()


CERTIFIED_POSTS = PreparedQuery(
    "forums.certified_posts",
    lambda *, thread: (
        _certified_posts(thread).select_related("author")
        .only(*(field.name for field in Post._meta.concrete_fields if field.name != "body"),
              *(f"author__{name}" for name in PUBLIC_NAME_FIELDS))
    ),
    params={"thread": int},
)


# The live pages a thread cites, by title (``thread.cited_pages.live()``).
def _cited_pages(thread):
    return Page.objects.live().filter(citing_threads=thread)


CITED_PAGES = PreparedQuery(
    "forums.cited_pages",
    lambda *, thread: _cited_pages(thread).order_by("title"),
    params={"thread": int},
)
