"""Admin permission policies shared by the apps."""

from wagtail.permission_policies import ModelPermissionPolicy


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """For admin viewsets whose objects are archived, lifted or kept rather than deleted: the
    viewset has no delete URL, so nobody (superusers included) may be offered a delete action,
    otherwise Wagtail builds a delete button whose URL does not exist (a 500 on the listing)."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)
