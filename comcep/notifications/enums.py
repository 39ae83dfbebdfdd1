from django.db import models
from django.utils.translation import gettext_lazy as _

# The pseudo-kind of the global "no e-mail at all" switch in NotificationPreference.
ALL_KINDS = "*"


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("immédiatement")
    DAILY = "daily", _("résumé quotidien")
    WEEKLY = "weekly", _("résumé hebdomadaire")
    NEVER = "never", _("jamais")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("à envoyer")
    SENDING = "sending", _("en cours d'envoi")
    SENT = "sent", _("envoyé")
    SKIPPED = "skipped", _("pas d'e-mail")
    FAILED = "failed", _("échec")
