"""Everything that creates, delivers or changes notifications goes through this module.

Apps declare their kinds in ``AppConfig.ready`` with ``register_kind`` and call ``notify``
from their own service functions (inside their transaction: e-mails are queued on commit).
"""

import contextlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial, reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connections, transaction
from django.db.models import CharField, F, IntegerField, Model, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from comcep.core.links import public_url

from .enums import ALL_KINDS, EmailStatus, Frequency
from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

TITLE_MAX = Notification._meta.get_field("title").max_length
URL_MAX = Notification._meta.get_field("url").max_length
EXCERPT_MAX = 1000
ENQUEUE_CHUNK = 100


# --- Kinds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    default_frequency: str = Frequency.IMMEDIATE
    description: str = ""
    #: The excerpt is another member's private text (a private message): left out of the recipient's GDPR export.
    private_excerpt: bool = False
    #: Who may receive this kind (``audience(user) -> bool``): the preferences page offers it to them only.
    #: None: every member.
    audience: Callable[[Any], bool] | None = None


_kinds: dict[str, Kind] = {}


def register_kind(slug: str, label: str, *, default_frequency: str = "immediate", description: str = "",
                  private_excerpt: bool = False, audience: Callable[[Any], bool] | None = None) -> None:
    """Declare a kind of notification (call it in ``AppConfig.ready``). Registering the same
    slug again replaces it. The preferences page lists the kinds in registration order.
    ``private_excerpt``: the excerpts are other members' private texts, which the recipient's GDPR
    export leaves out (their data, not the recipient's). ``audience``: for a kind only some members
    receive (the moderators' weekly summary, the coordinators' join requests), a ``user -> bool``
    that says whether the preferences page offers it to ``user`` (at most a query or two: it runs once
    per such kind on that page)."""
    if not slug or slug == ALL_KINDS or len(slug) > Notification._meta.get_field("kind").max_length:
        raise ValueError(f"Invalid notification kind slug: {slug!r}")
    if default_frequency not in Frequency.values:
        raise ValueError(f"Invalid default frequency {default_frequency!r} for kind {slug!r}")
    _kinds[slug] = Kind(slug, label, Frequency(default_frequency), description, private_excerpt, audience)


def registered_kinds() -> list[Kind]:
    return list(_kinds.values())


def kinds_for(user) -> list[Kind]:
    """The kinds ``user`` may receive, in registration order (the preferences page)."""
    return [kind for kind in _kinds.values() if kind.audience is None or kind.audience(user)]


def get_kind(slug: str) -> Kind:
    try:
        return _kinds[slug]
    except KeyError:
        raise LookupError(
            f"Unknown notification kind {slug!r}: declare it with register_kind() in AppConfig.ready"
        ) from None


def kind_label(slug: str) -> str:
    kind = _kinds.get(slug)
    return str(kind.label) if kind else slug


# --- Preferences --------------------------------------------------------------------------


def effective_frequencies(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """The frequency that applies now to each user for ``kind`` (one query): their row for
    the kind, else the kind's default; the global switch (kind "*", never) overrides both."""
    return effective_frequencies_by_kind({kind: user_ids})[kind]


def effective_frequencies_by_kind(user_ids_by_kind: dict[str, Iterable[int]]) -> dict[str, dict[int, str]]:
    """``effective_frequencies`` for several kinds, {kind: {user id: frequency}}, in one query."""
    wanted = {kind: list(ids) for kind, ids in user_ids_by_kind.items()}
    result = {}
    for kind, ids in wanted.items():
        default = get_kind(kind).default_frequency if kind in _kinds else Frequency.IMMEDIATE
        result[kind] = dict.fromkeys(ids, str(default))
    everyone = {pk for ids in wanted.values() for pk in ids}
    if not everyone:
        return result
    opted_out = set()
    rows = NotificationPreference.objects.filter(
        user_id__in=everyone, kind__in=[*wanted, ALL_KINDS]).values_list("user_id", "kind", "frequency")
    for user_id, row_kind, frequency in rows:
        if row_kind == ALL_KINDS:
            if frequency == Frequency.NEVER:
                opted_out.add(user_id)
        elif user_id in result[row_kind]:
            result[row_kind][user_id] = frequency
    for frequencies in result.values():
        for user_id in opted_out.intersection(frequencies):
            frequencies[user_id] = Frequency.NEVER.value
    return result


@dataclass
class Preferences:
    frequencies: dict[str, str]  # registered kind slug -> frequency (defaults filled in)
    emails_disabled: bool


def get_preferences(user) -> Preferences:
    rows = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))
    frequencies = {kind.slug: rows.get(kind.slug, str(kind.default_frequency)) for kind in registered_kinds()}
    return Preferences(frequencies=frequencies, emails_disabled=rows.get(ALL_KINDS) == Frequency.NEVER)


@transaction.atomic
def set_preferences(user, frequencies: dict[str, str], *, emails_disabled: bool | None = None) -> None:
    """Store the member's frequency per kind (only registered kinds and valid frequencies)."""
    rows = []
    for slug, frequency in frequencies.items():
        get_kind(slug)
        if frequency not in Frequency.values:
            raise ValueError(f"Invalid frequency {frequency!r}")
        rows.append(NotificationPreference(user=user, kind=slug, frequency=frequency))
    if rows:
        NotificationPreference.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["frequency", "updated_at"]
        )
    if emails_disabled is not None:
        set_emails_disabled(user, emails_disabled)


def set_emails_disabled(user, disabled: bool) -> None:
    """The global "ne plus recevoir d'e-mails" switch."""
    if disabled:
        NotificationPreference.objects.update_or_create(
            user=user, kind=ALL_KINDS, defaults={"frequency": Frequency.NEVER}
        )
    else:
        NotificationPreference.objects.filter(user=user, kind=ALL_KINDS).delete()


def unsubscribe(user, kind: str = ALL_KINDS) -> None:
    """What an unsubscribe link does: no more e-mail for one kind, or none at all."""
    if kind == ALL_KINDS:
        set_emails_disabled(user, True)
    else:
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"frequency": Frequency.NEVER})


# --- Creating notifications ---------------------------------------------------------------


def _pk(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, Model):
        return value.pk
    return int(value)


def _truncate(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Event:
    """One event to notify (see ``notify`` for the fields): ``notify_many`` takes several."""

    kind: str
    recipients: Sequence
    title: str
    url: str
    actor: object = None
    excerpt: str = ""
    target: object = None
    dedupe_key: str | None = None
    recipient_emails: dict[int, str] | None = None


def notify(
    kind: str,
    recipients,
    *,
    title: str,
    url: str,
    actor=None,
    excerpt: str = "",
    target=None,
    dedupe_key: str | None = None,
    recipient_emails: dict[int, str] | None = None,
) -> int:
    """Notify ``recipients`` (users or user ids, already filtered by the caller on who may see
    the target) of an event. One notification per recipient, never for the actor, never twice
    for the same (recipient, dedupe_key); inactive or deleted accounts are left out.
    A constant number of queries whatever the number of recipients. Immediate e-mails are
    queued (django-tasks) when the current transaction commits. Returns how many were created.
    ``recipient_emails``: {user id: e-mail address} of recipients the caller has just read with a
    condition at least as strict as notify's own (active, not deleted), e.g. the forums'
    ``reader_emails_among``: notify then does not read them again (one query fewer); a recipient
    missing from it is left out, as an inactive or deleted one would be."""
    return notify_many([Event(kind, recipients, title=title, url=url, actor=actor, excerpt=excerpt, target=target,
                              dedupe_key=dedupe_key, recipient_emails=recipient_emails)])


def notify_many(events: Iterable[Event], *, recheck: Callable[[set[int]], set[int] | None] | None = None) -> int:
    """``notify`` for several events at once, with the same queries as one ``notify`` (the users
    not given by ``recipient_emails``, the dedupe keys, the preferences of every kind, one
    ``INSERT``) in one transaction: exactly the notifications that calling ``notify`` for each
    event in turn would create, in the same order (an event's (recipient, dedupe_key) already
    taken by an earlier event of the batch is skipped, as the earlier ``notify`` would have
    committed it). A background task that announces a burst of events (forums'
    ``_announce_thread``) pays one write transaction for all of them instead of one per event.
    ``recheck``: called inside the INSERT's transaction, just before it, with the ids of the recipients
    about to be written; it returns those still allowed (or None: all of them). The caller's recipients
    were read earlier; this is its last word, read in the transaction that writes (the forums lock the
    thread's row there, so that a thread moved to a restricted space meanwhile is announced to its new
    readers only: ``forums.services._AnnounceGuard``). Returns how many were created."""
    events = list(events)
    for event in events:
        get_kind(event.kind)
    wanted = []  # per event: its recipients' ids, in order, without the actor
    for event in events:
        actor_id = _pk(event.actor)
        wanted.append(list(dict.fromkeys(
            pk for pk in (_pk(r) for r in event.recipients) if pk is not None and pk != actor_id)))
    if not any(wanted):
        return 0

    # Addresses: the callers' (recipient_emails), else one read of every other recipient.
    unread = {pk for event, ids in zip(events, wanted, strict=True) if event.recipient_emails is None for pk in ids}
    read = dict(
        get_user_model().objects.filter(pk__in=unread, is_active=True, deleted_at__isnull=True)
        .values_list("pk", "email")
    ) if unread else {}
    emails = []  # per event: {recipient id: address} of the recipients kept
    for event, ids in zip(events, wanted, strict=True):
        known = read if event.recipient_emails is None else event.recipient_emails
        emails.append({pk: known[pk] for pk in ids if pk in known})

    # Dedupe keys: what exists already, and what an earlier event of the batch takes.
    keys = {event.dedupe_key for event, found in zip(events, emails, strict=True) if event.dedupe_key and found}
    taken = set()
    if keys:
        taken = set(Notification.objects.filter(
            recipient_id__in={pk for event, found in zip(events, emails, strict=True) if event.dedupe_key
                              for pk in found},
            dedupe_key__in=keys,
        ).values_list("recipient_id", "dedupe_key"))
    kept = []  # per event: the ids to notify
    for event, found in zip(events, emails, strict=True):
        ids = list(found)
        if event.dedupe_key:
            ids = [pk for pk in ids if (pk, event.dedupe_key) not in taken]
            taken.update((pk, event.dedupe_key) for pk in ids)
        kept.append(ids)
    if not any(kept):
        return 0

    by_kind: dict[str, set[int]] = defaultdict(set)
    for event, ids in zip(events, kept, strict=True):
        by_kind[event.kind].update(ids)
    frequencies = effective_frequencies_by_kind(by_kind)
    now = timezone.now()
    sent_here = _sent_here.get()
    objects = []
    for event, ids, found in zip(events, kept, emails, strict=True):
        if not ids:
            continue
        if len(event.url) > URL_MAX:
            raise ValueError(f"Notification url longer than {URL_MAX} characters")
        target_type = ContentType.objects.get_for_model(event.target) if event.target is not None else None
        common = {
            "kind": event.kind, "actor_id": _pk(event.actor), "title": _truncate(event.title, TITLE_MAX),
            "url": event.url, "excerpt": _truncate(event.excerpt, EXCERPT_MAX), "target_type": target_type,
            "target_id": str(event.target.pk) if event.target is not None else "",
            "dedupe_key": event.dedupe_key or None, "created_at": now,
        }
        for pk in ids:
            delivery = frequencies[event.kind][pk]
            email_status = EmailStatus.SKIPPED if delivery == Frequency.NEVER or not found[pk] else EmailStatus.PENDING
            claim = {}
            if (sent_here is not None and delivery == Frequency.IMMEDIATE and email_status == EmailStatus.PENDING
                    and sent_here.take_room()):
                # Written already claimed by the block that will send it (see immediate_emails_sent_here).
                email_status = EmailStatus.SENDING
                claim = {"email_claim": sent_here.token, "email_claimed_at": now}
            objects.append(Notification(recipient_id=pk, delivery=delivery, email_status=email_status,
                                        **common, **claim))

    try:
        with transaction.atomic():
            objects = _rechecked(objects, recheck)
            created = Notification.objects.bulk_create(objects, batch_size=500) if objects else []
    except IntegrityError:
        if not any(obj.dedupe_key for obj in objects):
            raise
        # A concurrent notify() with the same dedupe_key won the race for some recipients:
        # insert one by one and keep the others (the recheck again, in this transaction).
        created = []
        with transaction.atomic():
            for obj in _rechecked(objects, recheck):
                obj.pk = None  # a rolled-back batch may have assigned ids
                obj._state.adding = True
                try:
                    with transaction.atomic():
                        obj.save(force_insert=True)
                    created.append(obj)
                except IntegrityError:
                    if not obj.dedupe_key:
                        raise
                    continue

    immediate = [n.pk for n in created if n.delivery == Frequency.IMMEDIATE and n.email_status == EmailStatus.PENDING]
    claimed = [n.pk for n in created if n.email_status == EmailStatus.SENDING]
    if immediate or claimed:
        token = sent_here.token if sent_here is not None else None
        transaction.on_commit(partial(_immediate_emails_committed, immediate, claimed, token))
    return len(created)


def _rechecked(objects: list, recheck) -> list:
    """``objects`` whose recipients ``recheck`` (notify_many's) still allows, read now."""
    if recheck is None or not objects:
        return objects
    allowed = recheck({obj.recipient_id for obj in objects})
    return objects if allowed is None else [obj for obj in objects if obj.recipient_id in allowed]


class _SentHere:
    """The state of one ``immediate_emails_sent_here`` block: its claim token, how many more
    notifications it may claim, and the ids committed (claimed by it, or left pending to queue)."""

    def __init__(self, limit: int):
        self.token = secrets.token_hex(16)  # the same kind of token as emails._claim's
        self.room = limit
        self.claimed: list[int] = []
        self.pending: list[int] = []

    def take_room(self) -> bool:
        if self.room <= 0:
            return False
        self.room -= 1
        return True


#: The current ``immediate_emails_sent_here`` block (None: no block).
_sent_here: ContextVar[_SentHere | None] = ContextVar("notifications_sent_here", default=None)


def _immediate_emails_committed(pending_ids: list[int], claimed_ids: list[int] = (), token: str | None = None) -> None:
    block = _sent_here.get()
    if block is not None and claimed_ids and block.token == token:
        block.pending.extend(pending_ids)
        block.claimed.extend(claimed_ids)
        return
    if claimed_ids:
        # The block that claimed them ended before this commit (an enclosing transaction committed
        # later): release them, then they are queued like the others.
        _release(claimed_ids, token)
    if block is not None:
        block.pending.extend([*pending_ids, *claimed_ids])
    else:
        enqueue_immediate_emails([*pending_ids, *claimed_ids])


def _release(ids: list[int], token: str) -> None:
    """Put notifications claimed with ``token`` and not sent back to ``pending`` (that claim only), so
    that the queued task sends them now rather than after NOTIFICATIONS_EMAIL_CLAIM_MINUTES. If this
    fails, they stay claimed and the ``mail-retry`` job sends them once the claim has expired
    (nothing lost)."""
    try:
        Notification.objects.filter(pk__in=ids, email_status=EmailStatus.SENDING,
                                    email_claim=token).update(email_status=EmailStatus.PENDING,
                                                              email_claim=None, email_claimed_at=None)
    except Exception:  # noqa: BLE001 - the retry job is the safety net
        logger.exception("notifications: could not release claimed e-mails", extra={"notification_ids": ids})


@contextlib.contextmanager
def immediate_emails_sent_here(*, limit: int = ENQUEUE_CHUNK) -> Iterator[None]:
    """For a background task that calls ``notify``: the immediate e-mails of the notifications
    committed inside the block are sent by this process when the block ends, instead of queuing one
    more task (``send_immediate_emails``) per ``notify``. With the database queue that task costs an
    ``INSERT``, a claim and a finish, i.e. three more write transactions (on PostgreSQL three WAL
    flushes), and the worker's overhead, for every reply that notifies (docs/performance.md,
    "Session 8: posting a reply").

    The first ``limit`` of them are written already claimed by the block (``sending``, the block's
    token, ``email_claimed_at``: what ``emails._claim`` would write a moment later), so sending them
    needs no claim ``UPDATE`` and no read of the claimed ids (docs/performance.md, "Session 9:
    posting a reply under load"); no other sender can take them meanwhile, as after a claim. They
    are then sent as ``emails.deliver_immediate_emails`` sends claimed notifications (same checks
    of the recipient and their preferences, same marks, retries and e-mails). Beyond ``limit``
    the rest is written ``pending`` and queued as before (several workers may share a large
    fan-out); if the block raises, its claim is released and everything is queued as before."""
    block = _SentHere(limit)
    token = _sent_here.set(block)
    try:
        yield
    except BaseException:
        _sent_here.reset(token)
        if block.claimed:
            _release(block.claimed, block.token)
        if block.claimed or block.pending:
            enqueue_immediate_emails([*block.claimed, *block.pending])
        raise
    _sent_here.reset(token)
    if block.pending:
        enqueue_immediate_emails(block.pending)
    if block.claimed:
        from .emails import deliver_claimed_emails

        deliver_claimed_emails(block.claimed, block.token)


def enqueue_immediate_emails(notification_ids: list[int]) -> None:
    """Queue the e-mail task; if the queue is unavailable the notifications stay pending and
    ``send_notification_emails`` (cron) picks them up: nothing is lost."""
    from .tasks import send_immediate_emails

    for start in range(0, len(notification_ids), ENQUEUE_CHUNK):
        chunk = notification_ids[start : start + ENQUEUE_CHUNK]
        try:
            send_immediate_emails.enqueue(chunk)
        except Exception:  # noqa: BLE001 - the cron command retries whatever stays pending
            logger.exception("notifications: could not enqueue e-mails", extra={"notification_ids": chunk})


def withdraw(target, *, kind: str | None = None) -> int:
    """Delete the notifications about ``target`` (e.g. a post that was hidden or moved to a
    space some recipients may not enter). Returns how many were deleted."""
    qs = Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    )
    if kind:
        qs = qs.filter(kind=kind)
    deleted, _ = qs.delete()
    return deleted


def revise_excerpts(announcements, excerpt: str) -> int:
    """The text they quote changed (an author edited their post): the notifications given as
    ``(target, dedupe_key)`` pairs (the object they are about and their dedupe key) quote it as it is now,
    in the bell, the list and every e-mail or digest not sent yet (one UPDATE, through the target index:
    never a scan of every notification). Returns how many were revised."""
    about = [Q(target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk), dedupe_key=key)
             for target, key in announcements]
    if not about:
        return 0
    text = _truncate(excerpt, EXCERPT_MAX)
    return Notification.objects.filter(reduce(or_, about)).exclude(excerpt=text).update(excerpt=text)


def withdraw_many(targets, *, kinds=None, recipient=None, except_recipients=None) -> int:
    """Delete the notifications about the objects of the queryset ``targets`` (of the given ``kinds``, all kinds
    if None), in one statement whatever their number (the ids are a subquery). ``recipient``: only that
    member's (a member who lost access to them); ``except_recipients``: a queryset of the users (their ``pk``)
    who keep theirs, e.g. the members who may still read a thread moved to a restricted space (a subquery too).
    Returns how many were deleted."""
    ids = targets.order_by().annotate(target_key=Cast("pk", CharField())).values("target_key")
    qs = Notification.objects.filter(target_type=ContentType.objects.get_for_model(targets.model), target_id__in=ids)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if recipient is not None:
        qs = qs.filter(recipient_id=_pk(recipient))
    if except_recipients is not None:
        qs = qs.exclude(recipient_id__in=except_recipients.order_by().values("pk"))
    deleted, _ = qs.delete()
    return deleted


# --- Reading ------------------------------------------------------------------------------


def unread_count(user, *, limit: int = 100) -> int:
    """Unread notifications of ``user``, counted up to ``limit`` (one cheap indexed query).

    Plain SQL: this runs on every page a member sees (the bell), and building the equivalent
    ``filter(...)[:limit].count()`` through the ORM cost 0.3 ms of CPU, 15x the query itself."""
    meta, connection = Notification._meta, connections[Notification.objects.db]
    table, recipient, read_at = (connection.ops.quote_name(name) for name in (
        meta.db_table, meta.get_field("recipient").column, meta.get_field("read_at").column))
    with connection.cursor() as cursor:
        sql = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {recipient} = %s AND {read_at} IS NULL"  # noqa: S608 - model names only
               f" LIMIT %s) AS unread")
        cursor.execute(sql, [user.pk, limit])
        return cursor.fetchone()[0]


#: The unread count the signed-in member carries from the session user's query (comcep.core.sessionuser).
UNREAD_ANNOTATION = "_unread_notifications_cache"


def unread_count_expression(*, limit: int = 100) -> RawSQL:
    """:func:`unread_count` as a correlated subquery over the user's row, for the session user's query
    (registered in apps.py): the bell then costs no query of its own on any page."""
    meta, user_meta = Notification._meta, Notification._meta.get_field("recipient").related_model._meta
    quote = connections[Notification.objects.db].ops.quote_name
    table, recipient, read_at = (quote(name) for name in (
        meta.db_table, meta.get_field("recipient").column, meta.get_field("read_at").column))
    user_pk = f"{quote(user_meta.db_table)}.{quote(user_meta.pk.column)}"
    return RawSQL(  # noqa: S611 - model names and an int only
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {recipient} = {user_pk}"  # noqa: S608
        f" AND {read_at} IS NULL LIMIT {int(limit)}) AS unread", [], output_field=IntegerField())


def forget_unread_count(user) -> None:
    """Drop the unread count ``user`` carries from its loading (the next read counts again)."""
    with contextlib.suppress(AttributeError):
        delattr(user, UNREAD_ANNOTATION)


def mark_read(user, notification_id: int) -> bool:
    forget_unread_count(user)
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(user) -> int:
    forget_unread_count(user)
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# --- GDPR ---------------------------------------------------------------------------------


def export_user_data(user) -> dict:
    prefs = get_preferences(user)
    notifications = Notification.objects.filter(recipient=user).select_related("actor").order_by("created_at")
    private = {kind.slug for kind in registered_kinds() if kind.private_excerpt}
    return {
        "preferences": prefs.frequencies,
        "emails_disabled": prefs.emails_disabled,
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "url": public_url(n.url) if n.url else "",
                "excerpt": None if n.kind in private else n.excerpt,
                "actor": n.actor.public_name if n.actor else None,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
                "email_status": n.email_status,
                "emailed_at": n.emailed_at.isoformat() if n.emailed_at else None,
            }
            for n in notifications.iterator(chunk_size=1000)
        ],
    }


def anonymise_user(user) -> None:
    """Delete what the member received; in what others received because of them, drop the
    link to them and their name from the title ("Awa D. a répondu…" → "Membre supprimé a répondu…").
    Runs before the account is scrubbed, so ``public_name`` is still the real name."""
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    as_actor = Notification.objects.filter(actor=user)
    names = {name for name in (user.display_name, user.get_full_name(), user.public_name) if len(name or "") >= 3}
    replacement = Value(str(_("Membre supprimé")))
    title = F("title")
    for name in sorted(names, key=len, reverse=True):
        title = Replace(title, Value(name), replacement)
    as_actor.update(actor=None, title=title)
