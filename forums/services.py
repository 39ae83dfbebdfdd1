"""Every action on the forums, one function each, owning all its side effects.

Views stay thin and ``save()`` stays free of side effects. Each function checks permissions
(``PermissionDenied``) and input (``ValidationError``), writes inside one transaction, keeps
the denormalised counters exact (``F()`` on the hot path; an exact recount from the rows for
rare moderation actions) and queues notifications with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, Min, Q, Subquery, Sum, Value, When
from django.db.models.constants import OnConflict
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comcep.core import ratelimit, taskqueue
from comcep.core.markdown import clean_source, count_links, html_to_text, visible_length, without_quotes
from comcep.core.prepared import PreparedCreate, PreparedInsert, PreparedUpdate
from comcep.core.ratelimit import parse_rate
from search import services as search_services

from .enums import FlagStatus, ModerationAction, SpaceVisibility
from .mentions import find_mentions, render_post
from .models import (
    Flag,
    MemberSanction,
    ModerationLog,
    Post,
    PostRevision,
    Reaction,
    ReadMarker,
    Space,
    Subscription,
    Thread,
    can_moderate,
    can_use_forums,
    space_access_q,
    space_entrants_q,
    space_moderators_q,
    thread_key,
)
from .pages import pages_linked_from
from .queries import (
    ACTIVE_SANCTION,
    ANNOUNCE_PENDING_POSTS,
    DUPLICATE_REPLY,
    FIRST_POST_ID,
    THREAD_FOLLOWER_IDS,
    THREAD_LOCK,
    THREAD_VISIBLE,
    reader_kind,
)

logger = logging.getLogger(__name__)

# --- Settings ---------------------------------------------------------------------------


def _setting(name, default):
    return getattr(settings, name, default)


def max_post_length() -> int:
    return int(_setting("COMCEP_POST_MAX_LENGTH", 20_000))


def new_member_days() -> int:
    return int(_setting("FORUMS_NEW_MEMBER_DAYS", 3))


def max_links_before_review() -> int:
    return int(_setting("FORUMS_MAX_LINKS_BEFORE_REVIEW", 3))


# --- Errors -----------------------------------------------------------------------------


class RateLimited(ValidationError):
    """Too many posts in a short time: the form shows the message and keeps the draft."""


# --- Permissions ------------------------------------------------------------------------


def active_sanction(user) -> MemberSanction | None:
    if user.pk is None:
        return None
    return ACTIVE_SANCTION.first(user=user.pk, at=timezone.now())


def is_new_member(user) -> bool:
    days = new_member_days()
    if days <= 0 or user.is_moderator:
        return False
    return user.date_joined > timezone.now() - timedelta(days=days)


def ensure_can_read_thread(user, thread: Thread) -> None:
    if user.pk is None or not THREAD_VISIBLE.exists(reader_kind(user), user=user.pk, thread=thread.pk):
        raise PermissionDenied(_("Vous n'avez pas accès à ce sujet."))


def suspension_end(sanction: MemberSanction) -> str:
    """When ``sanction`` (with an end) ends, as the member reads it: local time, "31/12/2026 23:59"."""
    return timezone.localtime(sanction.suspended_until).strftime("%d/%m/%Y %H:%M")


def conversation_refusal(user) -> str | None:
    """Why ``user`` may not write private messages (registered with ``comcep.conversations.restrictions``):
    a member suspended from the forums reads their conversations but writes none until the suspension ends
    (the one that ends last, ``active_sanction``), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    sanction = active_sanction(user)
    if sanction is None:
        return None
    if sanction.suspended_until:
        return _("Votre compte est suspendu jusqu'au %(date)s : vous pouvez lire vos conversations, mais pas "
                 "écrire de message.") % {"date": suspension_end(sanction)}
    return _("Votre compte est suspendu : vous pouvez lire vos conversations, mais pas écrire de message.")


#: ``ensure_can_post(sanction=...)`` when the caller has not read the member's sanction.
UNREAD = object()


def ensure_can_post(user, *, space: Space | None = None, thread: Thread | None = None,
                    visible: bool = False, sanction=UNREAD, moderates: bool | None = None) -> None:
    """Raise PermissionDenied unless ``user`` may write in ``space`` / reply in ``thread``.
    ``visible=True``: the caller loaded ``thread`` through ``Thread.objects.visible_to(user)`` in this
    request (which includes the space's access rule), so the access query is skipped. ``sanction``:
    what ``active_sanction(user)`` gives, read by the caller in this request (``queries.reader_sanction``
    after ``queries.THREAD_FOR_REPLY``), so that query is skipped too. ``moderates``: what
    ``can_moderate(user, thread.space)`` gives, read by the caller in this request (the thread page:
    ``queries.THREAD_PAGE``'s ``reader_moderates_space``), for a locked thread."""
    if not can_use_forums(user):
        raise PermissionDenied(_("Les espaces d'échanges sont réservés aux membres validés."))
    if sanction is UNREAD:
        sanction = active_sanction(user)
    if sanction is not None:
        if sanction.suspended_until:
            raise PermissionDenied(_("Votre compte est suspendu jusqu'au %(date)s : vous ne pouvez pas publier.")
                                   % {"date": suspension_end(sanction)})
        raise PermissionDenied(_("Votre compte est suspendu : vous ne pouvez pas publier."))
    if thread is not None:
        space = thread.space
        if not visible:
            ensure_can_read_thread(user, thread)
        if thread.is_locked and not (can_moderate(user, space) if moderates is None else moderates):
            raise PermissionDenied(_("Ce sujet est verrouillé : il n'accepte plus de réponses."))
    if space is not None:
        # Thread.objects.visible_to includes the space's access rule: checked above for a thread.
        if not visible and thread is None and not Space.objects.visible_to(user).filter(pk=space.pk).exists():
            raise PermissionDenied(_("Vous n'avez pas accès à cet espace."))
        if space.is_archived and not user.is_moderator:
            raise PermissionDenied(_("Cet espace est archivé : il n'accepte plus de messages."))


def ensure_moderator(user) -> None:
    """Global actions (move a thread, suspend a member): the "Modérateurs" group only."""
    if not (user.is_authenticated and user.is_moderator):
        raise PermissionDenied(_("Action réservée à l'équipe d'animation."))


def ensure_can_moderate(user, space) -> None:
    """Actions inside a space: global moderators and the space's own moderators."""
    if not can_moderate(user, space):
        raise PermissionDenied(_("Action réservée à l'équipe d'animation de cet espace."))


def can_edit(user, post: Post) -> bool:
    if not user.is_authenticated or post.is_deleted:
        return False
    if can_moderate(user, post.thread.space_id):
        return True
    return (post.author_id == user.pk and not post.is_hidden and not post.thread.is_locked
            and can_use_forums(user))


# --- Rate limits and review -------------------------------------------------------------


def _rate_for(user) -> str:
    if is_new_member(user):
        return _setting("FORUMS_NEW_MEMBER_POST_RATE", "3/10m")
    return _setting("FORUMS_POST_RATE", "10/10m")


def take_rate(user) -> None:
    """Count a post against the member's rate limit, in the post's transaction (comcep.core.ratelimit.take):
    over the limit, RateLimited is raised and the transaction's rollback removes the count."""
    _take_rate(user, _rate_plan(user))


def _rate_plan(user) -> tuple[int, int] | None:
    """(limit, window) of the member's post rate, None for a moderator (no limit). Reads only: a
    caller computes it before its transaction (the moderator check may query)."""
    if user.is_moderator:
        return None
    return parse_rate(_rate_for(user))


def _take_rate(user, plan: tuple[int, int] | None) -> None:
    if plan is None:
        return
    limit, window = plan
    if not ratelimit.take("forums:post-rate", user.pk, window, limit):
        minutes = max(window // 60, 1)
        raise RateLimited(
            ngettext(
                "Vous avez publié %(count)d messages en peu de temps. Pour limiter les abus, attendez quelques "
                "minutes (au plus %(minutes)d minute) avant de publier à nouveau : votre texte est conservé "
                "ci-dessous.",
                "Vous avez publié %(count)d messages en peu de temps. Pour limiter les abus, attendez quelques "
                "minutes (au plus %(minutes)d minutes) avant de publier à nouveau : votre texte est conservé "
                "ci-dessous.",
                minutes,
            ) % {"count": limit, "minutes": minutes},
            code="rate_limited",
        )


def needs_approval(author, html: str) -> bool:
    if author.is_moderator:
        return False
    return is_new_member(author) or count_links(html) > max_links_before_review()


def _clean_body(body: str) -> str:
    return clean_source(body, max_post_length())


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if visible_length(title) < 5:  # invisible characters (zero-width spaces...) do not count
        raise ValidationError({"title": _("Le titre doit compter au moins 5 caractères.")}, code="min_length")
    if len(title) > 160:
        raise ValidationError({"title": _("Le titre compte au plus 160 caractères.")}, code="max_length")
    return title


# --- Counters ---------------------------------------------------------------------------


def recount_thread(thread_id: int) -> None:
    """Exact thread counters from the rows (rare actions: hide, delete, approve, move...)."""
    public = Post.objects.filter(thread_id=thread_id).public()
    last = public.order_by("-created_at", "-pk").only("pk", "created_at").first()
    thread = Thread.objects.only("created_at", "author_id").get(pk=thread_id)
    first_reply = public.exclude(author_id=thread.author_id).order_by("created_at").values("created_at")[:1]
    Thread.objects.filter(pk=thread_id).update(
        post_count=public.count(),
        last_post=last,
        last_post_at=last.created_at if last else thread.created_at,
        first_reply_at=Subquery(first_reply),
    )


def recount_space(space_id: int) -> None:
    counted = Thread.objects.filter(space_id=space_id, is_hidden=False, needs_approval=False)
    totals = counted.aggregate(threads=Count("pk"), posts=Sum("post_count"))
    last = (Post.objects.public().filter(thread__in=counted.values("pk"))
            .order_by("-created_at", "-pk").only("pk", "created_at").first())
    Space.objects.filter(pk=space_id).update(
        thread_count=totals["threads"] or 0,
        post_count=totals["posts"] or 0,
        last_post=last,
        last_post_at=last.created_at if last else None,
    )


def _if_newest(post: Post) -> dict:
    return _if_newest_values(post.pk, post.created_at)


def _if_newest_values(post, created_at) -> dict:
    """UPDATE assignments that make ``post`` the row's last post only if it is the newest by
    (created_at, pk), the order of every list and of the recounts. Replies in different threads of
    a space are not serialised: the one that took the later timestamp may commit first, and a plain
    assignment would then let the older reply win. The condition reads the row as the UPDATE finds
    it once locked (PostgreSQL re-evaluates it on the latest version; SQLite has one writer)."""
    newest = (Q(last_post__isnull=True) | Q(last_post_at__isnull=True) | Q(last_post_at__lt=created_at)
              | Q(last_post_at=created_at, last_post__lt=post))
    return {"last_post": Case(When(newest, then=Value(post)), default=F("last_post"),
                              output_field=Post._meta.pk),
            "last_post_at": Case(When(newest, then=Value(created_at)), default=F("last_post_at"),
                                 output_field=Post._meta.get_field("created_at"))}


# The counter UPDATEs of a reply, compiled once per process (comcep.core.prepared.PreparedUpdate):
# the ORM took ~1 ms of Python to build each, inside the reply's transaction, i.e. on SQLite while
# holding the database's write lock. Shape of the thread's: whether the reply is someone else's
# than the thread author's (then it may be the thread's first answer).
REPLY_THREAD_COUNTERS = PreparedUpdate(
    "forums.reply_thread_counters",
    lambda answered, *, thread, post, at: (
        Thread.objects.filter(pk=thread),
        {"post_count": F("post_count") + 1, **_if_newest_values(post, at),
         **({"first_reply_at": Coalesce(F("first_reply_at"), Value(at))} if answered else {})},
    ),
    params={"thread": int, "post": int, "at": datetime.datetime},
)
REPLY_SPACE_COUNTERS = PreparedUpdate(
    "forums.reply_space_counters",
    lambda *, space, post, at: (
        Space.objects.filter(pk=space), {"post_count": F("post_count") + 1, **_if_newest_values(post, at)}),
    params={"space": int, "post": int, "at": datetime.datetime},
)
# The reply's INSERT (Post.objects.create's statement, signals and instance), compiled once per process.
REPLY_INSERT = PreparedCreate("forums.reply_insert", Post)
# mark_read's UPDATE (the marker moves forward only).
READ_MARKER_FORWARD = PreparedUpdate(
    "forums.read_marker_forward",
    lambda *, user, thread, post, at: (
        ReadMarker.objects.filter(user_id=user, thread_id=thread, last_read_at__lt=at),
        {"last_read_post_id": post, "last_read_at": at},
    ),
    params={"user": int, "thread": int, "post": int, "at": datetime.datetime},
)


def _thread_counts(thread: Thread) -> bool:
    return not (thread.is_hidden or thread.needs_approval)


# --- Reading and following --------------------------------------------------------------


# bulk_create([...], ignore_conflicts=True)'s statement (INSERT OR IGNORE / ON CONFLICT DO NOTHING),
# compiled once per process: one statement, no transaction of its own.
SUBSCRIBE = PreparedInsert("forums.subscribe", Subscription, on_conflict=OnConflict.IGNORE)


def follow(user, *, thread: Thread | None = None, space: Space | None = None) -> None:
    SUBSCRIBE.execute(Subscription(user=user, thread=thread, space=space))


def unfollow(user, *, thread: Thread | None = None, space: Space | None = None) -> None:
    Subscription.objects.filter(user=user, thread=thread, space=space).delete()


def forget_space_notifications(user, space_id: int) -> int:
    """``user`` may no longer enter the space (e.g. they left a regional group): the notifications they
    received about its threads and posts go, read or not (their links now answer 404, and a digest would
    mail excerpts of a space they are out of). Nothing goes while they may still enter it. Returns how many
    were deleted."""
    if Space.objects.visible_to(user).filter(pk=space_id).exists():
        return 0
    from comcep.notifications.services import forget_unread_count, withdraw_many

    deleted = (withdraw_many(Thread.objects.filter(space_id=space_id), recipient=user)
               + withdraw_many(Post.objects.filter(thread__space_id=space_id), recipient=user))
    if deleted:
        forget_unread_count(user)
    return deleted


def mark_read(user, thread: Thread, post: Post, *, has_marker: bool | None = None) -> None:
    """Move the reader's marker forward to ``post`` (never backwards). Safe under concurrency.
    ``has_marker``: whether the caller already knows the reader has a marker for this thread (the
    thread page loads it): then one query (UPDATE, or INSERT ... ON CONFLICT DO NOTHING) instead of two."""
    if not user.is_authenticated:
        return
    if has_marker is False:
        # One INSERT ... ON CONFLICT DO NOTHING statement (bulk_create would wrap it in a transaction:
        # BEGIN IMMEDIATE + COMMIT on SQLite). A concurrent first read by the same member wins; same effect.
        marker = ReadMarker(user=user, thread=thread, last_read_post=post, last_read_at=post.created_at)
        fields = [f for f in ReadMarker._meta.concrete_fields if not f.primary_key]
        ReadMarker._base_manager._insert([marker], fields=fields, on_conflict=OnConflict.IGNORE)
        return
    updated = READ_MARKER_FORWARD.execute(user=user.pk, thread=thread.pk, post=post.pk, at=post.created_at)
    if not updated and has_marker is None:
        ReadMarker.objects.bulk_create(
            [ReadMarker(user=user, thread=thread, last_read_post=post, last_read_at=post.created_at)],
            ignore_conflicts=True,
        )


# --- Notifications ----------------------------------------------------------------------


def readers_among(thread: Thread, user_ids) -> list[int]:
    """The members among ``user_ids`` allowed to read ``thread`` now (one query)."""
    return sorted(reader_emails_among(thread, user_ids))


def reader_emails_among(thread: Thread, user_ids) -> dict[int, str]:
    """``readers_among`` with each reader's e-mail address (the same one query): what ``notify``
    reads about its recipients, so that a notification of readers needs no second query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    User = get_user_model()
    qs = User.objects.approved().filter(pk__in=ids, deleted_at__isnull=True)
    if thread.is_hidden or thread.needs_approval:
        qs = qs.filter(space_moderators_q(thread.space_id))
    else:
        qs = qs.filter(space_entrants_q(thread.space))
    return dict(qs.values_list("pk", "email"))


def _excerpt(post: Post) -> str:
    """The notification's excerpt: what the author wrote, not what they quoted (unless they only quoted)."""
    text = html_to_text(without_quotes(post.html)) or html_to_text(post.html)
    return text if len(text) <= 240 else text[:239].rsplit(" ", 1)[0] + "…"


def _notify(kind: str, recipients, **kwargs) -> int:
    if not recipients:
        return 0
    from comcep.notifications.services import notify

    return notify(kind, recipients, **kwargs)


def _announce_post(post_id: int) -> None:
    """The notifications of one post, read now (a task ``announce_post`` queued before the thread's
    coalesced task existed; forums.tasks.announce_post): the post is marked as waiting, then its thread is
    announced."""
    thread_id = Post.objects.filter(pk=post_id).values_list("thread_id", flat=True).first()
    if thread_id is None:
        return
    Post.objects.filter(pk=post_id).update(announce_pending=True)
    _announce_thread(thread_id)


class _ThreadAudience:
    """What the announcements of a thread's posts share, read once per task and only when needed: the
    thread's first post, and its followers (or its space's, for the first post) allowed to read it, with
    their addresses (``reader_emails_among``)."""

    def __init__(self, thread: Thread):
        self.thread = thread

    @cached_property
    def first_post_id(self) -> int | None:
        return next(iter(FIRST_POST_ID.rows(thread=self.thread.pk, limit=1)), None)

    @cached_property
    def thread_followers(self) -> dict[int, str]:
        return reader_emails_among(self.thread, THREAD_FOLLOWER_IDS.rows(thread=self.thread.pk))

    @cached_property
    def space_followers(self) -> dict[int, str]:
        followers = Subscription.objects.filter(space_id=self.thread.space_id).values_list("user_id", flat=True)
        return reader_emails_among(self.thread, followers)


class _AnnounceGuard:
    """``notify_many``'s ``recheck`` for the announcements of a thread: the task read the thread and its
    readers when it started, and a moderator may have moved the thread to a restricted space (or hidden it)
    since. Inside the transaction that writes the notifications, one statement reads the thread's space and
    state again, locking its row against a move or a hide (``FOR KEY SHARE`` on PostgreSQL: they lock it
    ``FOR UPDATE`` first; replies, which lock it ``FOR NO KEY UPDATE``, are not held up; on SQLite the transaction
    holds the write lock already). Unchanged (always but in a race): every recipient stays, nothing more is
    read. Changed: the recipients are those who may read it now (two more reads), none if it no longer
    counts. Either the move commits first, and the task sees it here, or the task commits first, and the
    move's withdrawal (``_withdraw_from_outsiders``, after its lock) sees the task's notifications."""

    def __init__(self, thread: Thread):
        self.thread = thread

    def __call__(self, recipient_ids: set[int]) -> set[int] | None:
        meta, quote = Thread._meta, connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in ("space", "is_hidden", "needs_approval"))
        lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s{lock}",  # noqa: S608 - names only
                           [self.thread.pk])
            row = cursor.fetchone()
        if row is None:
            return set()  # deleted meanwhile
        thread = self.thread
        if (row[0], bool(row[1]), bool(row[2])) == (thread.space_id, thread.is_hidden, thread.needs_approval):
            return None
        now = Thread(pk=thread.pk, space=Space.objects.get(pk=row[0]), is_hidden=bool(row[1]),
                     needs_approval=bool(row[2]))
        if not _thread_counts(now):
            return set()
        return set(reader_emails_among(now, recipient_ids))


#: Posts whose immediate e-mails one ``immediate_emails_sent_here`` block sends (after the last one's commit).
#: Beyond the block's limit (ENQUEUE_CHUNK notifications) the e-mails are queued, as for a large fan-out.
ANNOUNCE_EMAIL_GROUP = 20
#: Posts claimed by one statement (its IN list).
ANNOUNCE_CLAIM_BATCH = 500


def _announce_thread(thread_id: int) -> None:
    """Announce every post of the thread waiting for it (``Post.announce_pending``), in id order: what
    one task per post did (``_announce_events``: the same recipients, texts, dedupe keys and order per post),
    with the thread, its first post and its followers read once for all of them.

    At least once, as every task here (``requeue_stale_tasks``): the posts read are **claimed** first, in
    one short statement (``announce_pending`` False, for the ones not finished by another task meanwhile:
    ``RETURNING`` tells which), then announced, each ``notify`` in its own short transaction (on SQLite a
    transaction holds the database's write lock, which the web's replies wait for, so nothing else is
    done inside one), and a group's marks are cleared once its notifications are committed and its
    e-mails sent. A post edited meanwhile is marked waiting again, which the clearing leaves alone. A
    task that fails, or whose worker is killed, leaves its posts claimed: the thread's next task (its next
    post, approval or edit; this task requeued after a killed worker; or, after a failure, the task that
    ``requeue_stranded_announcements`` queues) announces them again, and each
    notification's per-post dedupe key (a unique constraint) keeps anyone from being notified or e-mailed
    twice; the same holds when two workers run tasks of the thread at once. The immediate e-mails are
    sent by this task (``immediate_emails_sent_here``) after their post's notifications are committed, by
    groups of ANNOUNCE_EMAIL_GROUP posts, in the posts' order. A post that is not public (any more) when
    claimed is consumed without notifications, as the per-post task returned for it; one awaiting approval
    is never marked (``approve_post`` marks it)."""
    from comcep.notifications.services import immediate_emails_sent_here, notify_many

    waiting = list(ANNOUNCE_PENDING_POSTS.objects(thread=thread_id))  # compiled once per process (queries.py)
    if not waiting:
        return
    audience = _ThreadAudience(waiting[0].thread)
    recheck = _AnnounceGuard(audience.thread)
    for start in range(0, len(waiting), ANNOUNCE_CLAIM_BATCH):  # bounded IN lists, whatever the backlog
        chunk = waiting[start:start + ANNOUNCE_CLAIM_BATCH]
        claimed = _claim_announcements(thread_id, [post.pk for post in chunk])
        posts = [post for post in chunk if post.pk in claimed]  # the others: another task finished them meanwhile
        for first in range(0, len(posts), ANNOUNCE_EMAIL_GROUP):
            group = posts[first:first + ANNOUNCE_EMAIL_GROUP]
            # The e-mails of a group of posts are sent together once their notifications are committed: the
            # notifications read back, the recipients' preferences and the "sent" mark once for the group.
            # Their notifications are written together: one read of the dedupe keys, one of the preferences,
            # one INSERT, one transaction for the group (notify_many: what notify per post would create).
            with immediate_emails_sent_here():
                events = []
                for post in group:
                    post.thread = audience.thread
                    if post.is_public and _thread_counts(audience.thread):
                        events.extend(_announce_events(post, audience))
                notify_many(events, recheck=recheck)
            # Done: unless marked waiting again meanwhile (an edit).
            Post.objects.filter(pk__in=[post.pk for post in group], announce_pending=False).update(
                announce_pending=None)


def _claim_announcements(thread_id: int, post_ids: list[int]) -> set[int]:
    """Mark ``post_ids`` that are not finished yet (waiting, or claimed by a task that did not finish them)
    as claimed; their ids (one statement where the database returns the updated rows, else one per post)."""
    table = connection.ops.quote_name(Post._meta.db_table)
    if connection.features.can_return_columns_from_insert:  # UPDATE … RETURNING too (PostgreSQL, SQLite >= 3.35)
        placeholders = ", ".join(["%s"] * len(post_ids))
        sql = (f"UPDATE {table} SET announce_pending = %s WHERE thread_id = %s"  # noqa: S608
               f" AND announce_pending IS NOT NULL AND id IN ({placeholders}) RETURNING id")  # names, placeholders
        with connection.cursor() as cursor:
            cursor.execute(sql, [False, thread_id, *post_ids])
            return {row[0] for row in cursor.fetchall()}
    return {pk for pk in post_ids
            if Post.objects.filter(pk=pk, announce_pending__isnull=False).update(announce_pending=False)}


def _announce_events(post: Post, audience: _ThreadAudience) -> list:
    """The notifications of a public post (``notify_many`` events, in order): mentioned members, then
    followers of the thread (and of the space for a new thread). Every recipient is filtered by visibility."""
    from comcep.notifications.services import Event

    thread = audience.thread
    is_first = audience.first_post_id == post.pk
    url = post.get_absolute_url()
    excerpt = _excerpt(post)
    actor = post.author
    dedupe = f"forums.post.{post.pk}"

    # Recipients in ascending id order, as readers_among returns them (the notifications' insertion order).
    # find_mentions: exactly the members the post's HTML marks up (same parse rule as render_post).
    found = reader_emails_among(thread, [u.pk for u in find_mentions(post.body)])
    mentioned = {pk: found[pk] for pk in sorted(found) if pk != actor.pk}
    events = [Event("mention", list(mentioned), recipient_emails=mentioned, url=url, actor=actor, excerpt=excerpt,
                    target=post, dedupe_key=dedupe,
                    title=_("%(name)s vous a mentionné dans « %(title)s »")
                    % {"name": actor.public_name, "title": thread.title})]
    if is_first:
        found = audience.space_followers
        recipients = {pk: found[pk] for pk in sorted(found) if pk not in mentioned}
        events.append(Event("new_thread", list(recipients), recipient_emails=recipients, url=url, actor=actor,
                            excerpt=excerpt, target=thread, dedupe_key=f"forums.thread.{thread.pk}",
                            title=_("Nouveau sujet dans « %(space)s » : %(title)s")
                            % {"space": thread.space.title, "title": thread.title}))
    else:
        found = audience.thread_followers
        recipients = {pk: found[pk] for pk in sorted(found) if pk not in mentioned}
        events.append(Event("reply", list(recipients), recipient_emails=recipients, url=url, actor=actor,
                            excerpt=excerpt, target=post, dedupe_key=dedupe,
                            title=_("%(name)s a répondu à « %(title)s »")
                            % {"name": actor.public_name, "title": thread.title}))
    return events


def _notify_author(post: Post, title: str, *, actor=None, reason: str = "", key: str = "") -> None:
    """A "moderation" notification to the author of ``post`` (who can still see their own thread)."""
    author_id = post.author_id
    if actor is not None and author_id == actor.pk:
        return
    User = get_user_model()
    if not User.objects.approved().filter(pk=author_id, deleted_at__isnull=True).exists():
        return
    _notify("moderation", [author_id], title=title, url=post.get_absolute_url(), actor=actor, excerpt=reason,
            target=post, dedupe_key=key or None)


def _reindex(thread_id: int) -> None:
    """Keep the unified search up to date (search knows no app; the forums call it). Called inside
    the action's transaction: ``reindex_later`` queues the background task so that it runs after
    the commit (a deleted thread is removed), at most one pending per thread."""
    try:
        search_services.reindex_later(Thread(pk=thread_id))  # the task reads the thread (or removes it)
    except Exception:  # noqa: BLE001 - search must never break posting
        logger.exception("search reindex failed for thread %s", thread_id)


#: With the database queue, a thread's announce task runs at the earliest this many seconds after the post
#: that queued it (settings.FORUMS_ANNOUNCE_DELAY_SECONDS; 0: at once). A worker that keeps up with the
#: replies would otherwise run one task per reply or two, paying the task's own cost each time
#: (docs/performance.md, "Session 13: coalesced announcements").
ANNOUNCE_DELAY_SECONDS = 2


def _announce_later(thread_id: int) -> None:
    """Notifications of the thread's posts marked ``announce_pending`` (the caller has written the mark in
    this transaction), in the task queue (forums.tasks), after the commit: the fan-out to followers grows
    with the thread's audience, the member who posts does not wait for it. One task per thread at a
    time: with the database queue a task of the thread not started yet (waiting for its delay, or for the
    worker) will read the mark, and none is added (``taskqueue.enqueue_unless_pending``: one statement,
    in the action's transaction, as the per-post task's ``INSERT`` was)."""
    from .tasks import announce_thread

    # Not before a short delay (database queue): the replies to a busy thread within it are announced by the
    # same task.
    taskqueue.enqueue_unless_pending(
        announce_thread, thread_id, delay=getattr(settings, "FORUMS_ANNOUNCE_DELAY_SECONDS", ANNOUNCE_DELAY_SECONDS))


def _stranded_announcements() -> list[dict]:
    """The threads whose posts wait for their announcement (``announce_pending`` True or False: marked, or
    claimed by a task that did not finish them) while no announce task of the thread is queued (READY,
    waiting for its delay included) or running: one statement, so that the marks and the tasks are read
    at the same instant (the mark of a post and its thread's task are committed together). Each row:
    ``thread``, ``posts`` (how many wait), ``first_post`` (the oldest one's id), ``since`` (its date).
    For a queue other than the database one, what it holds cannot be read: every thread with marks."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import announce_thread

    waiting = Post.objects.filter(announce_pending__isnull=False)  # the partial index forums_post_announce
    if taskqueue.in_database_queue(announce_thread):
        # Not correlated (NOT IN, not NOT EXISTS): the few queued or running tasks are read once, as a set
        # (PostgreSQL's hashed subplan, SQLite's ephemeral index), not once per waiting post.
        queued = (DBTaskResult.objects.filter(task_path=announce_thread.module_path,
                                              status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
                  .annotate(thread=Cast(KT("args_kwargs__args__0"), BigIntegerField()))
                  .filter(thread__isnull=False).values("thread"))  # a NULL in NOT IN would hide every row
        waiting = waiting.exclude(thread_id__in=queued)
    return list(waiting.order_by("thread_id").values("thread_id")
                .annotate(posts=Count("pk"), first_post=Min("pk"), since=Min("created_at"))
                .values("thread_id", "posts", "first_post", "since"))


def requeue_stranded_announcements(*, dry_run: bool = False) -> list[str]:
    """Queue an announce task for each thread whose posts wait for their announcement with no task of the
    thread queued or running: its last task FAILED (django-tasks-db never runs it again) and nothing else
    happened in the thread since. Registered as a recovery of the task queue (comcep.core.recovery, in
    ForumsConfig.ready): ``manage.py requeue_stale_tasks`` runs it every 10 minutes and at the worker's start.

    At most one task per thread and run, written in one statement per batch whatever the number of
    threads (``taskqueue.enqueue_many``), to run at once. A warning names each thread and how many posts
    wait: a task that fails every time is queued again at each run (every 10 minutes), and logged each
    time, not hammered. Races: the read is one statement and, on SQLite, read and write share one
    transaction (which holds the write lock): nothing commits in between. On PostgreSQL a reply committed
    between the read and the write queues its own task: two tasks of the thread, which the claims and the
    notifications' per-post dedupe keys make harmless (each member is notified and e-mailed once).
    Returns the lines for the operator."""
    from .tasks import announce_thread

    with transaction.atomic():
        stranded = _stranded_announcements()
        if stranded and not dry_run:
            taskqueue.enqueue_many(announce_thread, [(row["thread_id"],) for row in stranded])
    lines = []
    for row in stranded:
        if not dry_run:
            logger.warning("thread %s: %s post(s) waiting for their announcement (the oldest: post %s of %s) "
                           "and no announce task queued or running (the last one failed?): queued one",
                           row["thread_id"], row["posts"], row["first_post"], row["since"].isoformat())
        lines.append(f"{'would queue' if dry_run else 'queued'} the announcement of thread {row['thread_id']}: "
                     f"{row['posts']} post(s) waiting, the oldest post {row['first_post']} "
                     f"(posted {row['since']:%Y-%m-%d %H:%M:%S %Z})")
    posts = sum(row["posts"] for row in stranded)
    lines.append(f"{len(stranded)} thread(s) with {posts} post(s) waiting for their announcement and no task "
                 f"{'found' if dry_run else 'requeued'}")
    return lines


def _after_commit(fn, *args, **kwargs) -> None:
    # robust: the action is committed; a failing notification or reindex is logged, never a 500.
    transaction.on_commit(lambda: fn(*args, **kwargs), robust=True)


# --- Posting ----------------------------------------------------------------------------


def _link_cited_pages(thread: Thread, html: str) -> None:
    pages = pages_linked_from(html)
    if pages:
        thread.cited_pages.add(*pages)


@transaction.atomic
def create_thread(*, space: Space, author, title: str, body: str, about_page=None, created_at=None) -> Thread:
    ensure_can_post(author, space=space)
    title = _clean_title(title)
    body = _clean_body(body)
    if created_at is None and (existing := _duplicate_thread(space, author, title, body)) is not None:
        return existing
    take_rate(author)
    html = render_post(body)  # mentions marked up (forums.mentions)
    pending = needs_approval(author, html) and not can_moderate(author, space)
    now = created_at or timezone.now()
    thread = Thread.objects.create(space=space, author=author, title=title, created_at=now, last_post_at=now,
                                   needs_approval=pending, about_page=about_page,
                                   import_key=thread_key(title, author.email, now))
    post = Post.objects.create(thread=thread, author=author, body=body, html=html, created_at=now,
                               needs_approval=pending, announce_pending=None if pending else True)
    if not pending:
        Thread.objects.filter(pk=thread.pk).update(post_count=1, last_post=post, last_post_at=now)
        Space.objects.filter(pk=space.pk).update(
            thread_count=F("thread_count") + 1, post_count=F("post_count") + 1, **_if_newest(post))
        thread.post_count, thread.last_post = 1, post
    if about_page is not None:
        thread.cited_pages.add(about_page)
    _link_cited_pages(thread, html)
    _after_post(author, thread, post, pending=pending)
    return thread


def _duplicate_thread(space: Space, author, title: str, body: str) -> Thread | None:
    """The member's thread of the same space, title and text created within ``DUPLICATE_WINDOW``: a
    "Poser une question" form submitted twice (double click, the browser's "resend") is published once."""
    # Lock the author's row first, so that two identical submissions racing each other are serialised
    # and the second one sees the first (PostgreSQL; SQLite's transactions hold the write lock from BEGIN).
    if connection.features.has_select_for_update:
        list(get_user_model().objects.select_for_update().filter(pk=author.pk).values_list("pk", flat=True))
    # One statement: the thread and its first post are written with the same ``created_at`` (create_thread).
    thread = (Thread.objects.filter(space=space, author=author, title=title,
                                    created_at__gte=timezone.now() - DUPLICATE_WINDOW,
                                    posts__author=author, posts__created_at=F("created_at"), posts__body=body)
              .order_by("-pk").first())
    if thread is not None:
        thread.duplicate = True
    return thread


def _after_post(author, thread: Thread, post: Post, *, pending: bool) -> None:
    """What follows a new post, in its transaction: the author follows the thread and has read it,
    once it is public, the followers are told and the thread is reindexed (tasks,
    comcep.core.taskqueue)."""
    follow(author, thread=thread)
    mark_read(author, thread, post)
    if not pending:
        _announce_later(thread.pk)  # the post was written marked (announce_pending)
        _reindex(thread.pk)


# A form submitted twice (double click, the browser's "resend", a retry after a timeout whose
# first request did commit) must not publish the same text twice: within this window, the same
# member posting the same text in the same thread gets their existing post back.
DUPLICATE_WINDOW = timedelta(minutes=10)


def _duplicate_reply(thread: Thread, author, body: str) -> Post | None:
    # Lock the thread row first, so that two identical submissions racing each other are serialised
    # and the second one sees the first (PostgreSQL). SQLite ignores FOR UPDATE (a query for nothing):
    # its transactions are IMMEDIATE, i.e. hold the database's write lock from BEGIN.
    if connection.features.has_select_for_update:
        THREAD_LOCK.rows(thread=thread.pk)
    # The candidates end like ``body`` (an index finds them); the newest whose text is ``body`` is the one.
    for post in DUPLICATE_REPLY.objects(thread=thread.pk, author=author.pk, body=body,
                                        since=timezone.now() - DUPLICATE_WINDOW):
        if post.body == body:
            post.duplicate = True
            return post
    return None


def add_reply(*, thread: Thread, author, body: str, created_at=None, visible: bool = False,
              sanction=UNREAD) -> Post:
    """Publish a reply. A resubmission of the same text (see DUPLICATE_WINDOW) returns the
    existing post, marked ``post.duplicate = True``, and writes nothing. ``visible=True``: the
    caller loaded ``thread`` through ``Thread.objects.visible_to(author)``; ``sanction``: the author's
    active sanction read by the caller in this request (see ensure_can_post).

    The checks that only read, the Markdown rendering and what decides the statements (the rate,
    whether the reply may be the thread's first answer, whether the space counts it) run before the
    transaction: on SQLite a transaction holds the database's write lock from its BEGIN, and every
    other reply (and the task worker) waits for it. Inside: the duplicate check (serialised with
    the thread row lock), the rate limit, the writes, the tasks (comcep.core.taskqueue), with
    statements compiled once per process (REPLY_THREAD_COUNTERS...; docs/performance.md, "Session
    7: the reply's transaction")."""
    ensure_can_post(author, thread=thread, visible=visible, sanction=sanction)
    body = _clean_body(body)
    html = render_post(body)  # mentions marked up (forums.mentions)
    pending = needs_approval(author, html) and not can_moderate(author, thread.space_id)
    cited = pages_linked_from(html)
    rate = _rate_plan(author)
    answered = author.pk != thread.author_id  # the first answer of someone else (animation dashboard)
    space_counts = _thread_counts(thread)
    with transaction.atomic():
        if created_at is None and (duplicate := _duplicate_reply(thread, author, body)) is not None:
            return duplicate
        _take_rate(author, rate)
        now = created_at or timezone.now()
        post = REPLY_INSERT.create(Post(thread=thread, author=author, body=body, html=html, created_at=now,
                                        needs_approval=pending, announce_pending=None if pending else True))
        if not pending:
            REPLY_THREAD_COUNTERS.execute(answered, thread=thread.pk, post=post.pk, at=now)
            if space_counts:
                REPLY_SPACE_COUNTERS.execute(space=thread.space_id, post=post.pk, at=now)
        if cited:
            thread.cited_pages.add(*cited)
        _after_post(author, thread, post, pending=pending)
    return post


@transaction.atomic
def edit_post(*, post: Post, editor, body: str) -> Post:
    if not can_edit(editor, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
    if not can_moderate(editor, post.thread.space_id):
        ensure_can_post(editor, thread=post.thread)
    body = _clean_body(body)
    if body == post.body:
        return post
    html = render_post(body)  # mentions marked up (forums.mentions)
    PostRevision.objects.create(post=post, body=post.body, editor=editor)
    became_pending = (post.is_public and editor.pk == post.author_id and needs_approval(editor, html)
                      and count_links(html) > count_links(post.html))
    post.body, post.html = body, html
    post.edited_at, post.edited_by = timezone.now(), editor
    fields = ["body", "html", "edited_at", "edited_by"]
    if became_pending:
        post.needs_approval = True
        fields.append("needs_approval")
    if post.is_public:  # announced again (new mentions; notifications are deduplicated per post)
        post.announce_pending = True
        fields.append("announce_pending")
    post.save(update_fields=fields)
    if became_pending:
        recount_thread(post.thread_id)
        recount_space(post.thread.space_id)
    _link_cited_pages(post.thread, html)
    _revise_announcements(post)
    if post.is_public:
        _announce_later(post.thread_id)  # new mentions; notifications are deduplicated per post
        _reindex(post.thread_id)
    return post


def _revise_announcements(post: Post) -> None:
    """The notifications that announced ``post`` quote its new text (e.g. personal data edited out):
    its "mention"/"reply" ones and, for a thread's first post, the thread's ("new_thread", and any other
    app's sharing the thread's dedupe key, e.g. a regional group's announcement)."""
    from comcep.notifications.services import revise_excerpts

    announcements = [(post, f"forums.post.{post.pk}")]
    if _ThreadAudience(post.thread).first_post_id == post.pk:
        announcements.append((post.thread, f"forums.thread.{post.thread_id}"))
    revise_excerpts(announcements, _excerpt(post))


@transaction.atomic
def delete_post(*, post: Post, user, reason: str = "") -> Post:
    """Soft delete: the row stays (threads keep their shape), the text is no longer shown."""
    own = user.is_authenticated and post.author_id == user.pk
    if not (own or can_moderate(user, post.thread.space_id)):
        raise PermissionDenied(_("Vous ne pouvez pas supprimer ce message."))
    if post.is_deleted:
        return post
    post.is_deleted = True
    post.save(update_fields=["is_deleted"])
    thread = post.thread
    if thread.solved_post_id == post.pk:
        Thread.objects.filter(pk=thread.pk).update(solved_post=None)
    if post.is_certified:
        Post.objects.filter(pk=post.pk).update(is_certified=False)
    _withdraw_announcements(post)
    recount_thread(thread.pk)
    recount_space(thread.space_id)
    if not own:
        _log(user, ModerationAction.DELETE_POST, post=post, reason=reason)
    _reindex(thread.pk)
    return post


@transaction.atomic
def react(*, post: Post, user) -> bool:
    """Toggle "Merci / utile". Returns True if the member now thanks the post."""
    if not can_use_forums(user):
        raise PermissionDenied(_("Réservé aux membres validés."))
    if not Post.objects.visible_to(user).public().filter(pk=post.pk).exists():
        raise PermissionDenied(_("Ce message n'est pas disponible."))
    if post.author_id == user.pk:
        raise PermissionDenied(_("Vous ne pouvez pas remercier votre propre message."))
    deleted, _details = Reaction.objects.filter(post=post, user=user).delete()
    if deleted:
        Post.objects.filter(pk=post.pk).update(useful_count=F("useful_count") - 1)
        _reindex(post.thread_id)  # the thread's entry sums its posts' reactions (the search ranking)
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user)
    except IntegrityError:  # a double click raced us: the reaction exists, nothing to count
        return True
    Post.objects.filter(pk=post.pk).update(useful_count=F("useful_count") + 1)
    _reindex(post.thread_id)
    return True


@transaction.atomic
def mark_solved(*, post: Post, user) -> bool:
    """The thread's author or a moderator marks (or unmarks) the answer that solved it."""
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    if not user.is_authenticated or not (thread.author_id == user.pk or can_moderate(user, thread.space_id)):
        raise PermissionDenied(_("Seul l'auteur du sujet ou l'équipe d'animation peut indiquer la solution."))
    ensure_can_read_thread(user, thread)
    if not post.is_public:
        raise PermissionDenied(_("Ce message n'est pas disponible."))
    if thread.solved_post_id == post.pk:
        Thread.objects.filter(pk=thread.pk).update(solved_post=None)
        return False
    if next(iter(FIRST_POST_ID.rows(thread=thread.pk, limit=1)), None) == post.pk:
        # The question itself: the thread page never offers it; a hand-made request may try.
        raise ValidationError(_("La question d'un sujet ne peut pas en être la solution : indiquez la réponse "
                                "qui l'a résolu."), code="first_post")
    Thread.objects.filter(pk=thread.pk).update(solved_post=post)
    thread.solved_post = post

    def announce():
        recipients = set(Subscription.objects.filter(thread=thread).values_list("user_id", flat=True))
        recipients.add(post.author_id)
        recipients.discard(user.pk)
        _notify("solved", readers_among(thread, recipients),
                title=_("« %(title)s » est résolu") % {"title": thread.title},
                url=post.get_absolute_url(), actor=user, excerpt=_excerpt(post), target=thread,
                dedupe_key=f"forums.solved.{thread.pk}.{post.pk}")

    transaction.on_commit(announce, robust=True)
    return True


@transaction.atomic
def flag(*, post: Post, reporter, reason: str, comment: str = "") -> Flag:
    if not can_use_forums(reporter):
        raise PermissionDenied(_("Réservé aux membres validés."))
    if not Post.objects.visible_to(reporter).filter(pk=post.pk, is_deleted=False).exists():
        raise PermissionDenied(_("Ce message n'est pas disponible."))
    existing = Flag.objects.filter(post=post, reporter=reporter, status=FlagStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Flag.objects.create(post=post, reporter=reporter, reason=reason,
                                       comment=_within(comment, Flag, "comment", key="comment"))
    except IntegrityError:
        return Flag.objects.get(post=post, reporter=reporter, status=FlagStatus.OPEN)


# --- Moderation -------------------------------------------------------------------------


def _within(text: str | None, model, field: str, *, key: str = "reason") -> str:
    """``text`` (typed by a member or a moderator) as typed, or a ValidationError (Django's French message,
    under the form field ``key``) when it is longer than the column ``model.field``: never cut without a word.
    The forms check the same length first (``max_length``), next to the field."""
    text = text or ""
    try:
        MaxLengthValidator(model._meta.get_field(field).max_length)(text)
    except ValidationError as exc:
        raise ValidationError({key: exc.messages}) from None
    return text


def _log(actor, action, *, thread=None, post=None, member=None, reason="", target="") -> ModerationLog:
    if post is not None and thread is None:
        thread = post.thread
    if not target:
        if post is not None:
            target = _("Message de %(author)s dans « %(title)s »") % {"author": post.author.public_name,
                                                                         "title": thread.title}
        elif thread is not None:
            target = thread.title
        elif member is not None:
            target = f"{member.public_name} <{member.email}>"
    # ``target`` is written by the site (a title, a name), not typed as such: cut to its column (255).
    return ModerationLog.objects.create(actor=actor, action=action, thread=thread, post=post, member=member,
                                        target=target[:255], reason=reason or "")


def _resolve_flags(post: Post, moderator, resolution: str) -> None:
    Flag.objects.filter(post=post, status=FlagStatus.OPEN).update(
        status=FlagStatus.RESOLVED, resolved_by=moderator, resolved_at=timezone.now(), resolution=resolution)


def _withdraw_announcements(post: Post) -> None:
    """Delete the notifications that announced ``post`` to other members (mention, reply, and the space's
    "new thread" for a thread's first post): their excerpt quotes the text, which is no longer shown."""
    from comcep.notifications.services import withdraw, withdraw_many

    withdraw_many(Post.objects.filter(pk=post.pk), kinds=ANNOUNCE_KINDS)
    if _ThreadAudience(post.thread).first_post_id == post.pk:
        withdraw(post.thread, kind="new_thread")


def _withdraw_thread_announcements(thread: Thread) -> None:
    """Delete the notifications that announced ``thread`` and its posts (a thread hidden by the moderators:
    their excerpts quote its text)."""
    from comcep.notifications.services import withdraw, withdraw_many

    withdraw(thread, kind="new_thread")
    withdraw_many(Post.objects.filter(thread=thread), kinds=ANNOUNCE_KINDS)


def _withdraw_from_outsiders(thread: Thread) -> None:
    """Delete the notifications about ``thread`` and its posts (every kind: new thread, replies, mentions,
    solution, moderation, group announcement) of the members who may not enter its space (a thread moved
    to a restricted space): their titles and excerpts quote it, and their links lead to a page they may not
    open. Two statements whatever the number of members and posts. What is sent afterwards is decided when
    it is sent: the announcements read the thread's readers then (``reader_emails_among``), and re-read the
    thread's space in the transaction that writes them (``_AnnounceGuard``)."""
    _withdraw_outsiders(thread.space, Thread.objects.filter(pk=thread.pk), Post.objects.filter(thread=thread))


def forget_space_outsiders(space_id: int) -> int:
    """The access to the space may have narrowed (its visibility, groups or moderators changed: the admin's
    "Espaces", an import, any ``save()``; ``forums.signals``): the notifications about its threads and posts
    of the members who may not enter it now go, read or not. One read of the space, then two statements
    whatever the number of threads, posts and members. Returns how many were deleted."""
    space = Space.objects.filter(pk=space_id).only("pk", "visibility").first()
    if space is None:
        return 0
    return _withdraw_outsiders(space, Thread.objects.filter(space_id=space.pk),
                               Post.objects.filter(thread__space_id=space.pk))


def _withdraw_outsiders(space: Space, threads, posts) -> int:
    from comcep.notifications.services import withdraw_many

    if space.visibility == SpaceVisibility.MEMBERS:
        return 0  # every member may enter it: nobody is outside
    entrants = get_user_model().objects.filter(space_entrants_q(space))
    return withdraw_many(threads, except_recipients=entrants) + withdraw_many(posts, except_recipients=entrants)


def forget_inaccessible_notifications(user_ids) -> int:
    """The members ``user_ids`` may have lost access to restricted spaces (taken out of a Django group,
    no longer a space's moderator, out of the "Modérateurs" group; ``forums.signals``): the notifications
    they received about the threads and posts of the spaces they may no longer enter go, read or not.
    Global moderators, who enter every space, keep theirs. One read of the members, then two statements per
    member whatever the number of spaces, threads and posts (usually one member: the change of one
    membership). Returns how many were deleted."""
    from comcep.accounts.enums import MODERATORS_GROUP
    from comcep.notifications.services import withdraw_many

    ids = {pk for pk in user_ids if pk}
    if not ids:
        return 0
    members = (get_user_model().objects.filter(pk__in=ids, is_superuser=False)
               .exclude(groups__name=MODERATORS_GROUP).order_by("pk").only("pk"))
    deleted = 0
    for member in members:
        closed = Space.objects.exclude(space_access_q(member)).values("pk")
        deleted += (withdraw_many(Thread.objects.filter(space__in=closed), recipient=member)
                    + withdraw_many(Post.objects.filter(thread__space__in=closed), recipient=member))
    return deleted


#: The kinds of the notifications that announce a post to other members (their excerpt quotes it).
ANNOUNCE_KINDS = ("mention", "reply")


@transaction.atomic
def hide_post(*, post: Post, moderator, reason: str) -> Post:
    ensure_can_moderate(moderator, post.thread.space_id)
    if post.is_hidden:
        return post
    post.is_hidden, post.hidden_reason = True, _within(reason, Post, "hidden_reason")
    post.save(update_fields=["is_hidden", "hidden_reason"])
    if post.thread.solved_post_id == post.pk:
        Thread.objects.filter(pk=post.thread_id).update(solved_post=None)
    recount_thread(post.thread_id)
    recount_space(post.thread.space_id)
    _resolve_flags(post, moderator, _("Message masqué"))
    _withdraw_announcements(post)
    _log(moderator, ModerationAction.HIDE_POST, post=post, reason=reason)
    _after_commit(_notify_author, post, _("Votre message dans « %(title)s » a été masqué par l'équipe d'animation")
                  % {"title": post.thread.title}, reason=reason, key=f"forums.hidden.{post.pk}.{int(time.time())}")
    _reindex(post.thread_id)
    return post


@transaction.atomic
def restore_post(*, post: Post, moderator, reason: str = "") -> Post:
    ensure_can_moderate(moderator, post.thread.space_id)
    if not post.is_hidden:
        return post
    post.is_hidden, post.hidden_reason = False, ""
    post.save(update_fields=["is_hidden", "hidden_reason"])
    recount_thread(post.thread_id)
    recount_space(post.thread.space_id)
    _log(moderator, ModerationAction.RESTORE_POST, post=post, reason=reason)
    _reindex(post.thread_id)
    return post


@transaction.atomic
def approve_post(*, post: Post, moderator, reason: str = "") -> Post:
    ensure_can_moderate(moderator, post.thread.space_id)
    if not post.needs_approval:
        return post
    post.needs_approval, post.announce_pending = False, True
    post.save(update_fields=["needs_approval", "announce_pending"])
    thread = post.thread
    if thread.needs_approval:
        Thread.objects.filter(pk=thread.pk).update(needs_approval=False)
        thread.needs_approval = False
    recount_thread(thread.pk)
    recount_space(thread.space_id)
    _log(moderator, ModerationAction.APPROVE_POST, post=post, reason=reason)
    _after_commit(_notify_author, post, _("Votre message dans « %(title)s » a été validé et publié")
                  % {"title": thread.title}, key=f"forums.approved.{post.pk}")
    _announce_later(thread.pk)
    _reindex(thread.pk)
    return post


@transaction.atomic
def reject_post(*, post: Post, moderator, reason: str) -> Post:
    """Refuse a post awaiting approval: it stays hidden (the author sees why)."""
    ensure_can_moderate(moderator, post.thread.space_id)
    if not post.needs_approval:
        return post
    post.needs_approval, post.is_hidden, post.hidden_reason = False, True, _within(reason, Post, "hidden_reason")
    post.save(update_fields=["needs_approval", "is_hidden", "hidden_reason"])
    thread = post.thread
    if thread.needs_approval:  # the first post of a new thread: the thread is refused with it
        Thread.objects.filter(pk=thread.pk).update(needs_approval=False, is_hidden=True)
    recount_thread(thread.pk)
    recount_space(thread.space_id)
    _log(moderator, ModerationAction.REJECT_POST, post=post, reason=reason)
    _after_commit(_notify_author, post, _("Votre message dans « %(title)s » n'a pas été publié")
                  % {"title": thread.title}, reason=reason, key=f"forums.rejected.{post.pk}")
    return post


@transaction.atomic
def certify(*, post: Post, moderator, certified: bool = True, reason: str = "") -> Post:
    ensure_can_moderate(moderator, post.thread.space_id)
    if not post.is_public and certified:
        raise ValidationError(_("Seul un message publié peut être certifié."))
    if post.is_certified == certified:
        return post
    post.is_certified = certified
    post.save(update_fields=["is_certified"])
    _log(moderator, ModerationAction.CERTIFY_POST if certified else ModerationAction.UNCERTIFY_POST,
         post=post, reason=reason)
    if certified:
        _after_commit(_notify_author, post, _("Votre réponse dans « %(title)s » a été certifiée")
                      % {"title": post.thread.title}, actor=moderator, key=f"forums.certified.{post.pk}")
    return post


def _set_thread_flag(thread: Thread, moderator, field: str, value: bool, action, reason: str) -> Thread:
    ensure_can_moderate(moderator, thread.space_id)
    if getattr(thread, field) == value:
        return thread
    setattr(thread, field, value)
    Thread.objects.filter(pk=thread.pk).update(**{field: value})
    _log(moderator, action, thread=thread, reason=reason)
    return thread


@transaction.atomic
def lock_thread(*, thread: Thread, moderator, locked: bool = True, reason: str = "") -> Thread:
    return _set_thread_flag(thread, moderator, "is_locked", locked,
                            ModerationAction.LOCK_THREAD if locked else ModerationAction.UNLOCK_THREAD, reason)


@transaction.atomic
def pin_thread(*, thread: Thread, moderator, pinned: bool = True, reason: str = "") -> Thread:
    return _set_thread_flag(thread, moderator, "is_pinned", pinned,
                            ModerationAction.PIN_THREAD if pinned else ModerationAction.UNPIN_THREAD, reason)


@transaction.atomic
def hide_thread(*, thread: Thread, moderator, hidden: bool = True, reason: str = "") -> Thread:
    if hidden and not thread.is_hidden:
        _lock_thread_row(thread.pk)  # against an announce task, as move_thread
    was_hidden = thread.is_hidden
    thread = _set_thread_flag(thread, moderator, "is_hidden", hidden,
                              ModerationAction.HIDE_THREAD if hidden else ModerationAction.RESTORE_THREAD, reason)
    if hidden and not was_hidden:
        _withdraw_thread_announcements(thread)
    recount_space(thread.space_id)
    _reindex(thread.pk)
    return thread


def _lock_thread_row(thread_id: int) -> None:
    """``SELECT … FOR UPDATE`` of the thread's row, until the transaction ends (nothing on SQLite, whose
    write transaction holds the database's write lock)."""
    if connection.features.has_select_for_update:
        list(Thread.objects.select_for_update().filter(pk=thread_id).values_list("pk", flat=True))


@transaction.atomic
def move_thread(*, thread: Thread, space: Space, moderator, reason: str = "") -> Thread:
    ensure_moderator(moderator)
    old_space_id = thread.space_id
    if old_space_id == space.pk:
        return thread
    # Its row locked first: an announce task writing its notifications meanwhile (``_AnnounceGuard``, which
    # locks it FOR KEY SHARE) either commits before, and the withdrawal below sees them, or waits, then
    # reads the new space.
    _lock_thread_row(thread.pk)
    old_title = thread.space.title
    Thread.objects.filter(pk=thread.pk).update(space=space)
    thread.space = space
    recount_space(old_space_id)
    recount_space(space.pk)
    _withdraw_from_outsiders(thread)
    _log(moderator, ModerationAction.MOVE_THREAD, thread=thread,
         reason=reason, target=_("« %(title)s » : %(old)s → %(new)s")
         % {"title": thread.title, "old": old_title, "new": space.title})
    _reindex(thread.pk)
    return thread


@transaction.atomic
def resolve_flag(*, flag: Flag, moderator, resolution: str = "") -> Flag:
    ensure_can_moderate(moderator, flag.post.thread.space_id)
    if flag.status == FlagStatus.RESOLVED:
        return flag
    flag.status, flag.resolved_by, flag.resolved_at = FlagStatus.RESOLVED, moderator, timezone.now()
    flag.resolution = _within(resolution, Flag, "resolution")
    flag.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    _log(moderator, ModerationAction.RESOLVE_FLAG, post=flag.post, reason=resolution)
    return flag


@transaction.atomic
def suspend_member(*, member, moderator, reason: str, until=None) -> MemberSanction:
    ensure_moderator(moderator)
    if member.pk == moderator.pk:
        raise ValidationError(_("Vous ne pouvez pas vous suspendre vous-même."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez le motif de la suspension.")})
    if until is not None and until <= timezone.now():
        raise ValidationError({"suspended_until": _("La date de fin doit être dans le futur.")})
    sanction = MemberSanction.objects.create(user=member, suspended_until=until, reason=reason, created_by=moderator)
    _log(moderator, ModerationAction.SUSPEND_MEMBER, member=member, reason=reason)
    return sanction


@transaction.atomic
def unsuspend_member(*, member, moderator, reason: str = "") -> int:
    ensure_moderator(moderator)
    lifted = MemberSanction.objects.active().filter(user=member).update(lifted_at=timezone.now(), lifted_by=moderator)
    if lifted:
        _log(moderator, ModerationAction.UNSUSPEND_MEMBER, member=member, reason=reason)
    return lifted


# --- Moderation queue -------------------------------------------------------------------


@dataclass
class QueueCounts:
    flags: int
    pending: int


def queue_counts() -> QueueCounts:
    return QueueCounts(
        flags=Flag.objects.filter(status=FlagStatus.OPEN).count(),
        pending=Post.objects.filter(needs_approval=True, is_deleted=False).count(),
    )
