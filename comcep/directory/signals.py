"""Keep ``DirectoryProfile.search_text`` in step with the member's name and organisation, whichever
code saves the user (Mon espace profile form, import, account deletion, admin)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if update_fields is not None and not {"display_name", "organisation"} & set(update_fields):
        return
    from .services import refresh_search_text

    refresh_search_text(instance)


def connect() -> None:
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="directory.search_text")
