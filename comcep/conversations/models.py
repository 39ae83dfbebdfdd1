"""Private conversations between approved members (docs/conversations.md).

Who may open a conversation is decided in ONE place: ``Conversation.objects.visible_to(user)``
(an approved member who takes part and has not left). Counters (``message_count``,
``last_message``, ``last_message_at``) are denormalised and kept exact by
``comcep.conversations.services`` (never by ``save()``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import ReportReason, ReportStatus


def can_use_conversations(user) -> bool:
    """Approved, active and not deleted (visitors, pending and rejected accounts: no)."""
    return bool(user is not None and user.is_authenticated and getattr(user, "is_approved", False)
                and not getattr(user, "deleted_at", None))


def conversation_key(subject: str, participant_emails, created_at) -> str:
    """The stable exchange key of a conversation (see exchange.py)."""
    raw = "\x1f".join([subject.strip(), ",".join(sorted(e.strip().lower() for e in participant_emails)),
                       created_at.astimezone(UTC).isoformat()])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Conversations ``user`` may open: they take part and have not left. Moderators get no
        exception here: they see reported messages in the admin, never a conversation."""
        if not can_use_conversations(user):
            return self.none()
        return self.filter(
            models.Exists(Participant.objects.filter(conversation=models.OuterRef("pk"), user=user,
                                                     left_at__isnull=True))
        )


class Conversation(models.Model):
    subject = models.CharField(_("sujet"), max_length=160)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ouverte par"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("ouverte le"), default=timezone.now)
    message_count = models.PositiveIntegerField(_("nombre de messages"), default=0, editable=False)
    last_message_at = models.DateTimeField(_("dernier message le"), default=timezone.now, editable=False)
    last_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     editable=False)
    # Stable exchange key: conversation_key(subject, participant e-mails, created_at) (see exchange.py).
    import_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["-last_message_at"], name="conv_last_message")]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("conversations:detail", kwargs={"pk": self.pk})


class ParticipantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)

    def for_inbox(self, user):
        """The member's conversations, newest activity first, in one query."""
        return (self.active().filter(user=user)
                .select_related("conversation__last_message__author")
                .order_by("-conversation__last_message_at", "-conversation_id"))

    def unread(self):
        return self.filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=models.F("conversation__last_message_at")))


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE,
                                     related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                             related_name="conversation_participations")
    joined_at = models.DateTimeField(_("depuis le"), default=timezone.now)
    last_read_at = models.DateTimeField(_("lu jusqu'au"), null=True, blank=True)
    left_at = models.DateTimeField(_("a quitté le"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conv_one_participation")]
        indexes = [models.Index(fields=["user", "left_at"], name="conv_participant_inbox")]

    def __str__(self):
        return f"{self.user} – {self.conversation}"

    @property
    def is_unread(self) -> bool:
        return self.last_read_at is None or self.last_read_at < self.conversation.last_message_at


class MessageQuerySet(models.QuerySet):
    def for_conversation_page(self, user):
        """Messages of a conversation as ``user`` sees them: without those written, after the block,
        by members ``user`` blocked (they do not reach the blocker)."""
        blocked = Block.objects.filter(blocker=user, blocked=models.OuterRef("author_id"),
                                       created_at__lte=models.OuterRef("created_at"))
        return (self.exclude(models.Exists(blocked)).select_related("author")
                .order_by("created_at", "pk"))


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE,
                                     related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT,
                               related_name="conversation_messages")
    body = models.TextField(_("texte (Markdown)"))
    html = models.TextField(_("texte (HTML nettoyé)"), editable=False)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    is_removed = models.BooleanField(_("retiré par la modération"), default=False)
    removed_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("retiré par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message privé")
        verbose_name_plural = _("messages privés")
        indexes = [models.Index(fields=["conversation", "created_at"], name="conv_message_order"),
                   models.Index(fields=["author", "created_at"], name="conv_message_author")]

    def __str__(self):
        return f"{self.author} – {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return f"{self.conversation.get_absolute_url()}#message-{self.pk}"


class Block(models.Model):
    """``blocker`` no longer receives anything from ``blocked`` (new conversations, messages, notifications)."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                                related_name="conversation_blocks")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre bloqué"), on_delete=models.CASCADE,
                                related_name="+")
    created_at = models.DateTimeField(_("bloqué le"), default=timezone.now)

    class Meta:
        verbose_name = _("blocage")
        verbose_name_plural = _("blocages")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="conv_one_block"),
            models.CheckConstraint(condition=~Q(blocker=models.F("blocked")), name="conv_no_self_block"),
        ]

    def __str__(self):
        return f"{self.blocker} ⊘ {self.blocked}"


class Report(models.Model):
    """A participant reports a message ("Signaler ce message"). Moderators see only that message."""

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signalé par"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("motif"), max_length=20, choices=ReportReason.choices)
    comment = models.CharField(_("précisions"), max_length=500, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("traité par"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("signalement de message privé")
        verbose_name_plural = _("signalements de messages privés")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], condition=Q(status="open"),
                                    name="conv_report_one_open_per_reporter"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} – {self.message_id}"
