"""The directory's part of the Wagtail admin: none of its own, but the profiles' columns derived from the
account must follow the admin's bulk actions on users, which write with ``QuerySet.update`` (no signal)."""

from django.contrib.auth import get_user_model
from wagtail import hooks

#: Wagtail's bulk actions on users that change what the directory reads (wagtail.users.views.bulk_actions);
#: "delete" removes the profiles with the accounts (CASCADE), "assign role" touches groups only.
ACCOUNT_BULK_ACTIONS = {"set_active_state"}


@hooks.register("after_bulk_action")
def refresh_profiles_after_bulk_action(request, action_type, objects, action_class_instance):
    model = getattr(action_class_instance, "model", None)
    if action_type not in ACCOUNT_BULK_ACTIONS or not (isinstance(model, type) and issubclass(model, get_user_model())):
        return
    from .services import refresh_from_accounts

    refresh_from_accounts(obj.pk for obj in objects)  # returns nothing: Wagtail goes on to its redirect
