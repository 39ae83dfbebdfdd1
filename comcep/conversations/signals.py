"""Keep the partners' search entries in step with a member's public name, whichever code saves
the user (Mon espace, admin, import, account deletion): each entry names the other participants."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save


def _user_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    from .search import NAME_FIELDS

    if raw or created:
        return
    if update_fields is not None and not NAME_FIELDS & set(update_fields):
        return  # e.g. last_login

    def enqueue():
        from .models import Participant
        from .tasks import reindex_partners

        if Participant.objects.filter(user_id=instance.pk).exists():
            reindex_partners.enqueue(instance.pk)

    transaction.on_commit(enqueue, robust=True)


def connect() -> None:
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="conversations.partner_names")
