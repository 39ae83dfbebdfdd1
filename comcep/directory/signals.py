"""Keep the columns of ``DirectoryProfile`` derived from the account (search text, sort name, region, operator,
``shown``) and the member's entry in the unified search in step with
the account, whichever code saves the user (Mon espace profile form, approval, import, account
deletion, admin)."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save


def _user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    from .models import ACCOUNT_FIELDS
    from .services import refresh_from_account, reindex_member

    # The profile's derived columns and the search entry read the same account fields.
    if update_fields is None or ACCOUNT_FIELDS & set(update_fields):
        refresh_from_account(instance)
        reindex_member(instance)  # the unified search's entry (search.py)


def connect() -> None:
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="directory.search_text")
