import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from comcep.notifications.enums import EmailStatus
from comcep.notifications.models import Notification
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db


def test_purge_deletes_old_notifications_but_not_unsent_emails():
    long_ago = timezone.now() - timezone.timedelta(days=400)
    old = NotificationFactory(created_at=long_ago)
    old_waiting = NotificationFactory(created_at=long_ago, email_status=EmailStatus.PENDING, delivery="weekly")
    recent = NotificationFactory()
    call_command("purge_notifications", "--days", "365")
    assert set(Notification.objects.values_list("pk", flat=True)) == {old_waiting.pk, recent.pk}
    assert not Notification.objects.filter(pk=old.pk).exists()
    with pytest.raises(CommandError):
        call_command("purge_notifications", "--days", "0")
