"""allauth signals wired to the membership rules."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from . import services


@receiver(email_confirmed, dispatch_uid="comcep.accounts.email_confirmed")
def approve_or_queue_on_email_confirmed(request, email_address, **kwargs):
    services.on_email_verified(email_address.user, email=email_address.email)
