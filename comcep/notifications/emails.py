"""E-mail delivery: immediate notification mails and digests.

Both are idempotent, and no transaction stays open while a message is built or sent: on
SQLite a write transaction holds the whole database's write lock, and an SMTP exchange can take
seconds. A sender first *claims* the notifications with one conditional UPDATE (``pending`` →
``sending``, with a random claim token and ``email_claimed_at``), sends, then marks what it claimed ``sent``. A
second run, or a concurrent one, finds nothing left to claim. An SMTP failure puts the
notification back to ``pending`` with one more attempt (``failed`` once
``NOTIFICATIONS_EMAIL_MAX_ATTEMPTS`` is reached) and is logged: a later run retries it.

A sender killed between its claim and its mark leaves the notification ``sending``: once the claim
is older than ``NOTIFICATIONS_EMAIL_CLAIM_MINUTES`` any run may claim it again (the ``mail-retry``
job, ``send_notification_emails``, runs every 10 minutes). Delivery is at least once: a sender
killed after the SMTP server accepted the message and before its mark sends it a second time.

Immediate e-mails are sent per batch of claimed notifications, one e-mail per recipient and batch: a
recipient with several notifications in the batch gets one message listing them (a burst of replies
to a followed thread, posts approved together), marked sent or failed together.
"""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from comcep.core.links import public_url

from .enums import ALL_KINDS, DIGEST_FREQUENCIES, EmailStatus, Frequency
from .models import Notification, NotificationPreference
from .services import ENQUEUE_CHUNK, effective_frequencies, get_kind, kind_label
from .tokens import make_unsubscribe_token

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATIONS_EMAIL_MAX_ATTEMPTS", 5)


def claimable() -> Q:
    """The notifications a sender may claim: pending, or held by a sender that died."""
    expired = timezone.now() - timedelta(minutes=settings.NOTIFICATIONS_EMAIL_CLAIM_MINUTES)
    return Q(email_status=EmailStatus.PENDING) | Q(email_status=EmailStatus.SENDING, email_claimed_at__lt=expired)


def _claim(queryset) -> tuple[str, list[int]]:
    """Claim the claimable rows of ``queryset``: returns the claim's token and the rows' ids.

    One UPDATE (concurrent claims of a row: one wins, PostgreSQL re-checks the condition once the
    row is unlocked; SQLite has one writer). The token, random, identifies this claim in the later
    updates, so that a sender whose claim expired and was taken over cannot mark the other sender's
    work, and two senders claiming in the same microsecond never take each other's rows."""
    token = secrets.token_hex(16)
    if not queryset.filter(claimable()).update(email_status=EmailStatus.SENDING, email_claimed_at=timezone.now(),
                                               email_claim=token):
        return token, []
    return token, list(queryset.filter(email_status=EmailStatus.SENDING, email_claim=token)
                       .values_list("pk", flat=True))


def _ours(ids, token):
    """The claimed rows, as long as this sender's claim holds."""
    return Notification.objects.filter(pk__in=ids, email_status=EmailStatus.SENDING, email_claim=token)


def _mark_sent(ids, claim, *, digest: bool = False) -> None:
    now = timezone.now()
    marked = _ours(ids, claim).update(
        email_status=EmailStatus.SENT, emailed_at=now, email_attempts=F("email_attempts") + 1, email_error="",
        **({"digest_sent_at": now} if digest else {}),
    )
    if marked != len(ids):
        logger.warning("notifications: e-mail sent after its claim expired (it may go out twice)",
                       extra={"notification_ids": list(ids)})


def unsubscribe_url(user, kind: str = ALL_KINDS) -> str:
    return public_url(reverse("notifications:unsubscribe", args=[make_unsubscribe_token(user, kind)]))


def _message(user, subject_template, text_template, html_template, context, *, unsubscribe_kind):
    unsub = unsubscribe_url(user, unsubscribe_kind)
    context = {
        **context,
        "recipient": user,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsub,
        "unsubscribe_all_url": unsub if unsubscribe_kind == ALL_KINDS else unsubscribe_url(user, ALL_KINDS),
        "preferences_url": public_url(reverse("notifications:preferences")),
        "list_url": public_url(reverse("notifications:list")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(subject_template, context).split())
        text = render_to_string(text_template, context)
        html = render_to_string(html_template, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[user.email],
        headers={
            # RFC 2369 + RFC 8058: one-click unsubscribe by POST to the same signed URL.
            "List-Unsubscribe": f"<{unsub}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def build_notification_message(notification: Notification) -> EmailMultiAlternatives:
    return _message(
        notification.recipient,
        "notifications/email/notification_subject.txt",
        "notifications/email/notification.txt",
        "notifications/email/notification.html",
        {
            "notification": notification,
            "kind_label": kind_label(notification.kind),
            "notification_url": public_url(reverse("notifications:open", args=[notification.pk])),
        },
        unsubscribe_kind=notification.kind,
    )


def build_grouped_message(user, notifications: list[Notification]) -> EmailMultiAlternatives:
    """One immediate e-mail for several notifications of ``user`` claimed in the same batch, listed in
    their order (each: its kind's label, title, actor, excerpt and link). Unsubscribe link and header:
    for their kind if they share one, else for all e-mails."""
    kinds = {n.kind for n in notifications}
    one_kind = next(iter(kinds)) if len(kinds) == 1 else None
    for n in notifications:
        n.absolute_url = public_url(reverse("notifications:open", args=[n.pk]))
        n.item_label = "" if one_kind else kind_label(n.kind)  # one kind: its label heads the list
    return _message(
        user,
        "notifications/email/grouped_subject.txt",
        "notifications/email/grouped.txt",
        "notifications/email/grouped.html",
        {
            "notifications": notifications,
            "count": len(notifications),
            "kind_label": kind_label(one_kind) if one_kind else "",
        },
        unsubscribe_kind=one_kind or ALL_KINDS,
    )


def build_digest_message(user, notifications: list[Notification], frequency: str) -> EmailMultiAlternatives:
    groups = defaultdict(list)
    for n in notifications:
        n.absolute_url = public_url(reverse("notifications:open", args=[n.pk]))
        groups[kind_label(n.kind)].append(n)
    return _message(
        user,
        "notifications/email/digest_subject.txt",
        "notifications/email/digest.txt",
        "notifications/email/digest.html",
        {
            "notifications": notifications,
            "groups": sorted(groups.items()),
            "count": len(notifications),
            "frequency": frequency,
            "is_weekly": frequency == Frequency.WEEKLY,
        },
        unsubscribe_kind=ALL_KINDS,
    )


def _cannot_receive(user) -> bool:
    """Whether ``user`` may no longer be mailed a notification: every kind is about members' content, so
    a membership withdrawn (or refused) since the notification was written stops it, like a suspended
    (inactive) or deleted account."""
    return not user.is_approved or user.deleted_at is not None or not user.email


def _record_failure(pks: list[int], attempts: int, exc: Exception, claim) -> str:
    status = EmailStatus.FAILED if attempts >= max_attempts() else EmailStatus.PENDING
    _ours(pks, claim).update(
        email_attempts=F("email_attempts") + 1, email_status=status, email_error=f"{type(exc).__name__}: {exc}"[:255]
    )
    log = logger.error if status == EmailStatus.FAILED else logger.warning
    log(
        "notifications: e-mail failed",
        extra={"notification_ids": pks, "attempts": attempts, "error": repr(exc), "gave_up": status == "failed"},
    )
    return status


#: Notifications claimed together by ``deliver_immediate_emails`` (the task of one reply carries its
#: followers' notifications): one write claims the batch, one marks what was sent, one what was skipped.
#: A sender killed in the middle of a batch leaves it ``sending``: after NOTIFICATIONS_EMAIL_CLAIM_MINUTES
#: the batch is sent again, including the messages that had gone out (at least once). A recipient gets
#: one e-mail per batch, listing their notifications of the batch.
CLAIM_BATCH = 20
#: Notifications written already claimed by one ``immediate_emails_sent_here`` block (at most its limit,
#: ``services.ENQUEUE_CHUNK`` = 100 by default) are one batch: e.g. a follower of the posts of one group of
#: ``forums.services.ANNOUNCE_EMAIL_GROUP`` (20) posts gets one e-mail for them, however many followers.
CLAIMED_BATCH = ENQUEUE_CHUNK


def deliver_immediate_email(notification_id: int) -> str:
    """Send the immediate e-mail of one notification if it is still pending. Returns
    "sent", "skipped", "deferred" (now waits for a digest), "failed" or "nothing"."""
    return deliver_immediate_emails([notification_id]).popitem()[0]


def deliver_immediate_emails(notification_ids) -> dict[str, int]:
    """Send the immediate e-mails of these notifications that are still pending: {outcome: count}
    (see deliver_immediate_email), by batches of CLAIM_BATCH."""
    notification_ids = list(notification_ids)
    outcome: dict[str, int] = defaultdict(int)
    for start in range(0, len(notification_ids), CLAIM_BATCH):
        chunk = notification_ids[start:start + CLAIM_BATCH]
        claim, claimed = _claim(Notification.objects.filter(pk__in=chunk, delivery=Frequency.IMMEDIATE))
        outcome["nothing"] += len(chunk) - len(claimed)  # sent, skipped, or being sent by a concurrent run
        _deliver_batch(chunk, claim, claimed, outcome)
    return {key: n for key, n in outcome.items() if n}


def deliver_claimed_emails(notification_ids, claim: str) -> dict[str, int]:
    """Send the immediate e-mails of notifications that were written already claimed with ``claim``
    (``services.immediate_emails_sent_here``): as ``deliver_immediate_emails`` after its claim, by
    batches of CLAIMED_BATCH; only the rows that still hold this claim are loaded (the others: "nothing")."""
    notification_ids = list(notification_ids)
    outcome: dict[str, int] = defaultdict(int)
    for start in range(0, len(notification_ids), CLAIMED_BATCH):
        chunk = notification_ids[start:start + CLAIMED_BATCH]
        _deliver_batch(chunk, claim, None, outcome)
    return {key: n for key, n in outcome.items() if n}


def _deliver_batch(chunk: list[int], claim: str, claimed: list[int] | None, outcome: dict[str, int]) -> None:
    """Deliver the notifications of ``chunk`` held by ``claim`` (``claimed``: their ids, known from the
    claim; None: the rows of ``chunk`` that still hold it, read here), then mark the batch.

    The notifications to send are grouped by recipient, in the batch's order: one e-mail per recipient
    and batch (``build_notification_message`` for one notification, ``build_grouped_message`` for
    several). A grouped e-mail's notifications are marked sent together, or all keep the failure."""
    if claimed is None:
        loaded = _ours(chunk, claim).select_related("recipient", "actor").in_bulk()
        outcome["nothing"] += len(chunk) - len(loaded)
    else:
        loaded = Notification.objects.select_related("recipient", "actor").in_bulk(claimed)
    # The recipients' preferences now (what decides immediate, digest or nothing), one query per kind.
    by_kind: dict[str, set[int]] = defaultdict(set)
    for notification in loaded.values():
        by_kind[notification.kind].add(notification.recipient_id)
    frequencies = {kind: effective_frequencies(ids, kind) for kind, ids in by_kind.items()}
    done: dict[str, list[int]] = defaultdict(list)
    to_send: dict[int, list[Notification]] = {}  # recipient id -> notifications, in the batch's order
    for pk in (pk for pk in chunk if pk in loaded):
        notification = loaded[pk]
        decision = _decide(notification, claim, frequencies[notification.kind][notification.recipient_id])
        if decision == "send":
            to_send.setdefault(notification.recipient_id, []).append(notification)
        else:
            done[decision].append(pk)
            outcome[decision] += 1
    for notifications in to_send.values():
        result = _send(notifications, claim)
        done[result].extend(n.pk for n in notifications)
        outcome[result] += len(notifications)
    if done["skipped"]:
        _ours(done["skipped"], claim).update(email_status=EmailStatus.SKIPPED)
    if done["sent"]:
        _mark_sent(done["sent"], claim)


def _decide(notification: Notification, claim, frequency: str) -> str:
    """What becomes of one claimed notification (``frequency``: its recipient's preference for its kind,
    read by the caller for the batch): "send", "skipped" (marked by the caller, for the batch) or
    "deferred" (put back to wait for the digest now chosen)."""
    user = notification.recipient
    if _cannot_receive(user) or frequency == Frequency.NEVER or notification.read_at is not None:
        return "skipped"
    if frequency in DIGEST_FREQUENCIES:
        # The member switched to a digest since: the digest will carry it.
        _ours([notification.pk], claim).update(email_status=EmailStatus.PENDING, delivery=frequency)
        return "deferred"
    return "send"


def _send(notifications: list[Notification], claim) -> str:
    """Send one recipient's claimed notifications in one e-mail: "sent" (marked by the caller, for the
    batch) or "failed" (the failure recorded on each of them, each with its own attempt count)."""
    try:
        if len(notifications) == 1:
            message = build_notification_message(notifications[0])
        else:
            message = build_grouped_message(notifications[0].recipient, notifications)
        message.send()
    except Exception as exc:  # noqa: BLE001 - any transport error: keep them pending and retry later
        by_attempts: dict[int, list[int]] = defaultdict(list)
        for n in notifications:
            by_attempts[n.email_attempts + 1].append(n.pk)
        for attempts, ids in sorted(by_attempts.items()):
            _record_failure(ids, attempts, exc, claim)
        return "failed"
    return "sent"


def retry_pending_immediate_emails(*, include_failed: bool = False) -> dict[str, int]:
    """For cron: (re)send the immediate e-mails still pending. With ``include_failed``, the
    notifications that exhausted their attempts get a fresh count first (the immediate ones
    are sent now, the digest ones go out with the next digest)."""
    if include_failed:
        Notification.objects.filter(email_status=EmailStatus.FAILED).update(
            email_status=EmailStatus.PENDING, email_attempts=0
        )
    ids = list(
        Notification.objects.filter(claimable(), delivery=Frequency.IMMEDIATE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return deliver_immediate_emails(ids)


@dataclass
class DigestReport:
    frequency: str
    mails_sent: int = 0
    notifications_sent: int = 0
    skipped: int = 0
    failed_users: list[int] = field(default_factory=list)


def _digest_decision(current: str, frequency: str) -> str:
    """What a digest run for ``frequency`` does with a waiting notification, given the
    recipient's preference now: include it, skip it for good, or leave it for the other run."""
    if current == Frequency.NEVER:
        return "skip"
    if current == frequency:
        return "include"
    if current == Frequency.IMMEDIATE and frequency == Frequency.DAILY:
        return "include"  # switched to immediate since: the soonest digest carries the backlog
    return "leave"


def send_digests(frequency: str, *, chunk_size: int = 200) -> DigestReport:
    """One mail per member grouping every notification waiting for a digest whose member's
    preference for its kind is ``frequency``; each notification is digested at most once."""
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"Digest frequency must be daily or weekly, not {frequency!r}")
    report = DigestReport(frequency=frequency)
    waiting = Notification.objects.filter(claimable(), delivery__in=DIGEST_FREQUENCIES, digest_sent_at__isnull=True)
    user_ids = sorted(set(waiting.values_list("recipient_id", flat=True)))
    for start in range(0, len(user_ids), chunk_size):
        chunk = user_ids[start : start + chunk_size]
        notifications = list(
            waiting.filter(recipient_id__in=chunk).select_related("recipient", "actor").order_by("created_at", "pk")
        )
        prefs = defaultdict(dict)
        for user_id, kind, freq in NotificationPreference.objects.filter(user_id__in=chunk).values_list(
            "user_id", "kind", "frequency"
        ):
            prefs[user_id][kind] = freq
        by_user: dict[int, list[Notification]] = defaultdict(list)
        to_skip = []
        for n in notifications:
            user_prefs = prefs[n.recipient_id]
            if user_prefs.get(ALL_KINDS) == Frequency.NEVER:
                current = Frequency.NEVER
            else:
                try:
                    default = get_kind(n.kind).default_frequency
                except LookupError:
                    default = Frequency.NEVER  # a kind no app declares any more
                current = user_prefs.get(n.kind, default)
            decision = _digest_decision(current, frequency)
            if decision == "skip" or _cannot_receive(n.recipient) or n.read_at is not None:
                to_skip.append(n.pk)
            elif decision == "include":
                by_user[n.recipient_id].append(n)
        if to_skip:
            report.skipped += Notification.objects.filter(
                claimable(), pk__in=to_skip, digest_sent_at__isnull=True
            ).update(email_status=EmailStatus.SKIPPED)
        for items in by_user.values():
            _send_one_digest(items, frequency, report)
    return report


def _send_one_digest(items: list[Notification], frequency: str, report: DigestReport) -> None:
    user = items[0].recipient
    # Only the rows still waiting now: a concurrent run that got here first holds the others.
    claim, claimed_ids = _claim(Notification.objects.filter(pk__in=[n.pk for n in items], digest_sent_at__isnull=True))
    claimed = [n for n in items if n.pk in set(claimed_ids)]
    if not claimed:
        return
    try:
        build_digest_message(user, claimed, frequency).send()
    except Exception as exc:  # noqa: BLE001 - keep them waiting for the next run
        _record_failure(sorted(claimed_ids), max(n.email_attempts for n in claimed) + 1, exc, claim)
        report.failed_users.append(user.pk)
        return
    _mark_sent(claimed_ids, claim, digest=True)
    report.mails_sent += 1
    report.notifications_sent += len(claimed)
