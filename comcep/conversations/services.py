"""Every action on private conversations, one function each, owning all its side effects.

Views stay thin. Each function checks permissions (``PermissionDenied``, or ``Http404`` via the
views' lookups) and input (``ValidationError`` keyed by form field), writes inside one
transaction, keeps the denormalised counters exact with ``F()`` and queues notifications with
``transaction.on_commit``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comcep.core import ratelimit
from comcep.core.markdown import clean_source, html_to_text, render_markdown, visible_length
from comcep.core.ratelimit import parse_rate

from . import restrictions, search
from .enums import ReportStatus
from .models import Block, Conversation, Message, Participant, Report, can_use_conversations

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = 160
EXCERPT_LENGTH = 240

# --- Settings ---------------------------------------------------------------------------


def _setting(name, default):
    return getattr(settings, name, default)


def max_message_length() -> int:
    """The same limit as forum posts (COMCEP_POST_MAX_LENGTH)."""
    return int(_setting("COMCEP_POST_MAX_LENGTH", 20_000))


def max_recipients() -> int:
    return int(_setting("CONVERSATIONS_MAX_RECIPIENTS", 20))


def new_member_days() -> int:
    return int(_setting("CONVERSATIONS_NEW_MEMBER_DAYS", _setting("FORUMS_NEW_MEMBER_DAYS", 3)))


# --- Errors -----------------------------------------------------------------------------


class RateLimited(ValidationError):
    """Too many messages in a short time: the form shows the message and keeps the draft."""


# --- Rate limits (comcep.core.ratelimit: a fixed window counted in the database) --------


def is_new_member(user) -> bool:
    days = new_member_days()
    if days <= 0 or user.is_moderator:
        return False
    return user.date_joined > timezone.now() - timedelta(days=days)


def _rate_for(user) -> str:
    if is_new_member(user):
        return _setting("CONVERSATIONS_NEW_MEMBER_MESSAGE_RATE", "5/10m")
    return _setting("CONVERSATIONS_MESSAGE_RATE", "20/10m")


def take_rate(user) -> None:
    """Count a message against the member's rate limit, in the message's transaction
    (comcep.core.ratelimit.take): over the limit, RateLimited is raised and the rollback removes the count."""
    if user.is_moderator:
        return
    limit, window = parse_rate(_rate_for(user))
    if not ratelimit.take("conversations:message-rate", user.pk, window, limit):
        minutes = max(window // 60, 1)
        raise RateLimited(
            ngettext(
                "Vous avez envoyé %(count)d messages en peu de temps. Pour limiter les abus, attendez quelques "
                "minutes (au plus %(minutes)d minute) avant d'écrire à nouveau : votre texte est conservé "
                "ci-dessous.",
                "Vous avez envoyé %(count)d messages en peu de temps. Pour limiter les abus, attendez quelques "
                "minutes (au plus %(minutes)d minutes) avant d'écrire à nouveau : votre texte est conservé "
                "ci-dessous.",
                minutes,
            ) % {"count": limit, "minutes": minutes},
            code="rate_limited",
        )


# --- Input ------------------------------------------------------------------------------


def clean_body(body: str) -> str:
    return clean_source(body, max_message_length())


def clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if visible_length(subject) < 3:  # invisible characters (zero-width spaces...) do not count
        raise ValidationError({"subject": _("Le sujet doit compter au moins 3 caractères.")}, code="min_length")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError({"subject": _("Le sujet compte au plus %(limit)d caractères.")
                               % {"limit": SUBJECT_MAX_LENGTH}}, code="max_length")
    return subject


def eligible_recipients(user):
    """Members ``user`` may write to: approved, active, not deleted, not themself."""
    return (get_user_model().objects.approved().filter(deleted_at__isnull=True)
            .exclude(pk=getattr(user, "pk", None)))


def blocked_ids(user) -> set[int]:
    """Members ``user`` has blocked (one query, compiled once)."""
    from .queries import BLOCKED_IDS

    pk = getattr(user, "pk", None)
    if pk is None:
        return set()
    return set(BLOCKED_IDS.rows(user=pk))


def _check_recipients(author, recipients) -> list:
    recipients = list({r.pk: r for r in recipients if r.pk != author.pk}.values())
    if not recipients:
        raise ValidationError({"recipients": _("Choisissez au moins un destinataire.")}, code="required")
    limit = max_recipients()
    if len(recipients) > limit:
        raise ValidationError({"recipients": _("Vous pouvez écrire à %(limit)d membres au plus à la fois.")
                               % {"limit": limit}}, code="max_recipients")
    ids = [r.pk for r in recipients]
    allowed = set(eligible_recipients(author).filter(pk__in=ids).values_list("pk", flat=True))
    # Neither direction of a block lets a conversation start (the same neutral wording both ways).
    blocking = set(Block.objects.filter(
        Q(blocker=author, blocked_id__in=ids) | Q(blocker_id__in=ids, blocked=author)
    ).values_list("blocker_id", "blocked_id"))
    refused = {b if a == author.pk else a for a, b in blocking}
    problems = [r.public_name for r in recipients if r.pk not in allowed or r.pk in refused]
    if problems:
        raise ValidationError({"recipients": ngettext(
            "Ce membre ne peut pas recevoir vos messages : %(names)s.",
            "Ces membres ne peuvent pas recevoir vos messages : %(names)s.", len(problems),
        ) % {"names": ", ".join(problems)}}, code="not_allowed")
    return recipients


def ensure_can_write(user) -> None:
    if not can_use_conversations(user):
        raise PermissionDenied(_("Les messages privés sont réservés aux membres validés."))


def ensure_can_send(user) -> None:
    """Start a conversation or write in one: ``ensure_can_write``, and no app refuses it now (a member
    suspended from the forums: ``restrictions``). Reading, leaving, blocking and reporting stay open."""
    ensure_can_write(user)
    refusal = restrictions.write_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


# --- Notifications ----------------------------------------------------------------------


def _excerpt(message: Message) -> str:
    text = html_to_text(message.html)
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def recipients_of(message: Message) -> list[int]:
    """Who is told about ``message``: the other participants who have not left, are approved and
    not deleted, and have not blocked its author (one query)."""
    blockers = Block.objects.filter(blocked_id=message.author_id).values("blocker_id")
    return sorted(
        Participant.objects.filter(conversation_id=message.conversation_id, left_at__isnull=True,
                                   user__status="approved", user__is_active=True, user__deleted_at__isnull=True)
        .exclude(user_id=message.author_id).exclude(user_id__in=blockers)
        .values_list("user_id", flat=True)
    )


def _announce(message_id: int, *, first: bool) -> None:
    from comcep.notifications.services import notify

    message = Message.objects.select_related("conversation", "author").filter(pk=message_id).first()
    if message is None or message.is_removed:
        return
    recipients = recipients_of(message)
    if not recipients:
        return
    names = {"name": message.author.public_name, "subject": message.conversation.subject}
    title = (_("%(name)s vous a écrit : « %(subject)s »") if first
             else _("Nouveau message de %(name)s dans « %(subject)s »")) % names
    notify("message", recipients, title=title, url=message.get_absolute_url(), actor=message.author,
           excerpt=_excerpt(message), target=message, dedupe_key=f"conversations.message.{message.pk}")


def _after_commit(fn, *args, **kwargs) -> None:
    # robust: the message is committed; a failing notification is logged, never a 500.
    transaction.on_commit(lambda: fn(*args, **kwargs), robust=True)


# --- Reading ----------------------------------------------------------------------------


def mark_read(user, conversation: Conversation, at) -> bool:
    """Move the member's read marker forward to ``at`` (never backwards; one UPDATE). Returns True
    if it moved."""
    if at is None:
        return False
    return bool(Participant.objects.filter(conversation=conversation, user=user).filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=at)).update(last_read_at=at))


def mark_notifications_read(user, conversation: Conversation, until) -> int:
    """The member has seen the messages up to ``until``: the bell stops announcing them (and an
    e-mail not sent yet is skipped, the notifications app's rule for read notifications)."""
    from comcep.notifications.models import Notification
    from comcep.notifications.services import forget_unread_count

    marked = Notification.objects.filter(
        recipient=user, kind="message", read_at__isnull=True, created_at__lte=until,
        url__startswith=conversation.get_absolute_url() + "#",
    ).update(read_at=timezone.now())
    if marked:
        forget_unread_count(user)  # the bell of this very page counts again
    return marked


def unread_count(user) -> int:
    """Conversations with a message the member has not read (one indexed COUNT)."""
    if not can_use_conversations(user):
        return 0
    from .queries import UNREAD_CONVERSATIONS  # compiled once

    return UNREAD_CONVERSATIONS.count(user=user.pk)


# --- Writing ----------------------------------------------------------------------------


def _post(conversation: Conversation, author, body: str, html: str, now) -> Message:
    previous_at = conversation.last_message_at
    message = Message.objects.create(conversation=conversation, author=author, body=body, html=html, created_at=now)
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=F("message_count") + 1, last_message=message, last_message_at=now)
    conversation.message_count += 1
    conversation.last_message, conversation.last_message_at = message, now
    mark_read(author, conversation, now)
    # Members who blocked the author do not see this message: if they had read everything
    # before it, they still have (the inbox does not announce an invisible message).
    blockers = Block.objects.filter(blocked=author).values("blocker_id")
    Participant.objects.filter(conversation=conversation, user_id__in=blockers, last_read_at__gte=previous_at
                               ).update(last_read_at=now)
    return message


@transaction.atomic
def start_conversation(*, author, recipients, subject: str, body: str, created_at=None,
                       rate_limited: bool = True, notify: bool = True) -> Conversation:
    ensure_can_send(author)
    errors = {}
    for check, value in ((clean_subject, subject), (clean_body, body)):
        try:
            check(value)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    try:
        recipients = _check_recipients(author, recipients)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    subject, body = clean_subject(subject), clean_body(body)
    if rate_limited:
        take_rate(author)
    now = created_at or timezone.now()
    conversation = Conversation.objects.create(subject=subject, created_by=author, created_at=now,
                                               last_message_at=now)
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user=author, joined_at=now, last_read_at=now)]
        + [Participant(conversation=conversation, user=r, joined_at=now) for r in recipients]
    )
    message = _post(conversation, author, body, render_markdown(body), now)
    if notify:
        _after_commit(_announce, message.pk, first=True)
    search.reindex_later(conversation.pk)
    return conversation


@transaction.atomic
def add_message(*, conversation: Conversation, author, body: str, created_at=None,
                rate_limited: bool = True, notify: bool = True) -> Message:
    ensure_can_send(author)
    # Lock the row: counters and the "caught up" rule for blockers see the previous message.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not Participant.objects.active().filter(conversation=conversation, user=author).exists():
        raise PermissionDenied(_("Vous ne participez plus à cette conversation."))
    body = clean_body(body)
    if rate_limited:
        take_rate(author)
    now = created_at or timezone.now()
    message = _post(conversation, author, body, render_markdown(body), now)
    if notify:
        _after_commit(_announce, message.pk, first=False)
    search.reindex_later(conversation.pk)
    return message


@transaction.atomic
def leave(*, conversation: Conversation, user) -> None:
    """The member leaves: the conversation disappears from their inbox, its page is a 404 for
    them, they get no more notifications about it (and those not yet read are withdrawn)."""
    from comcep.notifications.models import Notification

    Participant.objects.active().filter(conversation=conversation, user=user).update(left_at=timezone.now())
    Notification.objects.filter(recipient=user, kind="message",
                                url__startswith=conversation.get_absolute_url() + "#").delete()
    search.reindex_later(conversation.pk, [user.pk])  # their search entry goes


@transaction.atomic
def block(*, blocker, blocked) -> bool:
    """Returns True if the block is new."""
    ensure_can_write(blocker)
    if blocker.pk == blocked.pk:
        raise ValidationError(_("Vous ne pouvez pas vous bloquer vous-même."))
    try:
        with transaction.atomic():
            Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        return False
    search.reindex_shared_with(blocker.pk, blocked.pk)
    return True


@transaction.atomic
def unblock(*, blocker, blocked_id: int) -> bool:
    deleted, _details = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if deleted:
        search.reindex_shared_with(blocker.pk, blocked_id)
    return bool(deleted)


# --- Reports and moderation --------------------------------------------------------------


@transaction.atomic
def report(*, message: Message, reporter, reason: str, comment: str = "") -> Report:
    """A participant reports a message they can see (the views check that first)."""
    ensure_can_write(reporter)
    if message.author_id == reporter.pk:
        raise PermissionDenied(_("Vous ne pouvez pas signaler votre propre message."))
    if message.is_removed:
        raise PermissionDenied(_("Ce message a déjà été retiré par la modération."))
    comment = comment or ""
    try:  # the form checks it first, next to the field: never cut what the member wrote
        MaxLengthValidator(Report._meta.get_field("comment").max_length)(comment)
    except ValidationError as exc:
        raise ValidationError({"comment": exc.messages}) from None
    existing = Report.objects.filter(message=message, reporter=reporter, status=ReportStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Report.objects.create(message=message, reporter=reporter, reason=reason, comment=comment)
    except IntegrityError:  # a double click raced us
        return Report.objects.get(message=message, reporter=reporter, status=ReportStatus.OPEN)


def _ensure_moderator(user) -> None:
    if not (user.is_authenticated and user.is_moderator):
        raise PermissionDenied(_("Action réservée à l'équipe d'animation."))


@transaction.atomic
def remove_message(*, message: Message, moderator) -> Message:
    """The message is replaced by "Message retiré par la modération" for everyone; its
    notifications are withdrawn; every open report on it is closed."""
    _ensure_moderator(moderator)
    now = timezone.now()
    if not message.is_removed:
        message.is_removed, message.removed_at, message.removed_by = True, now, moderator
        message.save(update_fields=["is_removed", "removed_at", "removed_by"])
        from comcep.notifications.services import withdraw

        withdraw(message)
        search.reindex_later(message.conversation_id)
    Report.objects.filter(message=message, status=ReportStatus.OPEN).update(
        status=ReportStatus.REMOVED, handled_by=moderator, handled_at=now)
    return message


@transaction.atomic
def dismiss_report(*, report: Report, moderator) -> Report:
    _ensure_moderator(moderator)
    if report.status == ReportStatus.OPEN:
        report.status, report.handled_by, report.handled_at = ReportStatus.DISMISSED, moderator, timezone.now()
        report.save(update_fields=["status", "handled_by", "handled_at"])
    return report
