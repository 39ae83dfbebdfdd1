"""What the animation app stores itself: daily view counts and the weekly summary's deliveries.
The figures themselves are computed from the other apps' rows (see registry.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    """Holds the permission that opens the dashboard (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_dashboard", _("Peut consulter le tableau de bord de l'animation"))]

    def __str__(self):
        return "dashboard"


class DailyViewCount(models.Model):
    """Views of an object (``kind`` e.g. "resource", ``object_id`` its primary key) on one day
    (Europe/Paris). Written in batches by ``comcep.animation.counters``, never on every view."""

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("vues d'une journée")
        verbose_name_plural = _("vues par jour")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "day"], name="animation_views_unique"),
        ]
        indexes = [models.Index(fields=["kind", "day"], name="animation_views_kind_day")]

    def __str__(self):
        return f"{self.kind}:{self.object_id} {self.day} = {self.count}"


class SummaryDelivery(models.Model):
    """The weekly summary sent to one moderator for one ISO week ("2026-W48"): the unique
    constraint is what makes the summary idempotent (never twice for the same week)."""

    week = models.CharField(_("semaine"), max_length=8)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("destinataire"),
                                  on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("résumé hebdomadaire envoyé")
        verbose_name_plural = _("résumés hebdomadaires envoyés")
        constraints = [models.UniqueConstraint(fields=["week", "recipient"], name="animation_summary_once")]

    def __str__(self):
        return f"{self.week} → {self.recipient_id}"
