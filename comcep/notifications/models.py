"""In-app notifications and the member's e-mail preferences per kind.

A ``Notification`` is created by ``services.notify`` only. ``delivery`` records how its
e-mail was to be delivered when it was created (immediately, in a digest, or never);
``email_status`` follows that e-mail: pending until sent, ``sending`` while a sender holds it
(``email_claimed_at``: see comcep.notifications.emails), ``skipped`` when no e-mail goes out,
``failed`` once the retries are exhausted (the operator can retry them, see docs/notifications.md).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import EmailStatus, Frequency


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_list_page(self, user):
        return self.for_recipient(user).select_related("actor").order_by("-created_at", "-pk")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("type"), max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("auteur de l'action"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    title = models.CharField(_("titre"), max_length=255)
    url = models.CharField(_("lien"), max_length=500)
    excerpt = models.TextField(_("extrait"), blank=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("type de l'objet"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    target_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    dedupe_key = models.CharField(_("clé de dédoublonnage"), max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    delivery = models.CharField(
        _("envoi par e-mail"), max_length=16, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    email_status = models.CharField(
        _("état de l'e-mail"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_claimed_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True)
    # The claim's identity (random): which sender holds a "sending" notification. Its date above says
    # when the claim expires; two senders may claim in the same microsecond.
    # Nullable so that adding it is an ALTER TABLE, not a rebuild of a large table on SQLite.
    email_claim = models.CharField(_("envoi en cours (jeton)"), max_length=32, null=True, blank=True,  # noqa: DJ001
                                   editable=False)
    email_attempts = models.PositiveSmallIntegerField(_("tentatives d'envoi"), default=0)
    email_error = models.CharField(_("dernière erreur d'envoi"), max_length=255, blank=True)
    emailed_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    digest_sent_at = models.DateTimeField(_("inclus dans un résumé le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell (unread count) and the list page.
            models.Index(fields=["recipient", "read_at", "created_at"], name="notif_recipient_unread"),
            models.Index(fields=["recipient", "created_at"], name="notif_recipient_created"),
            # The e-mail queues: immediate retries and digests.
            models.Index(fields=["email_status", "delivery", "created_at"], name="notif_email_queue"),
            models.Index(fields=["target_type", "target_id"], name="notif_target"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=Q(dedupe_key__isnull=False),
                name="notif_unique_recipient_dedupe_key",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """How a member wants to be e-mailed about one kind; ``kind == "*"`` with frequency
    ``never`` is the global "ne plus recevoir d'e-mails" switch. No row = the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("type"), max_length=50)
    frequency = models.CharField(_("fréquence"), max_length=16, choices=Frequency.choices)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_unique_user_kind"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.frequency}"
