import factory

from comcep.notifications.enums import EmailStatus, Frequency
from comcep.notifications.models import Notification, NotificationPreference

from .accounts import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification as notify() leaves it once its e-mail is dealt with (use notify() itself
    to test creation and delivery)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test-reply"
    actor = None
    title = factory.Sequence(lambda n: f"Nouvelle réponse dans « Sujet {n} »")
    url = factory.Sequence(lambda n: f"/echanges/vae/{n}-sujet/")
    excerpt = "Bonjour, voici ma réponse."
    delivery = Frequency.NEVER
    email_status = EmailStatus.SKIPPED


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("user", "kind")

    user = factory.SubFactory(UserFactory)
    kind = "test-reply"
    frequency = Frequency.DAILY
