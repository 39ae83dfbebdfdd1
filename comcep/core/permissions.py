"""Admin permission policies shared by the apps."""

from wagtail.permission_policies import ModelPermissionPolicy


class WithoutActionsPermissionPolicy(ModelPermissionPolicy):
    """For admin viewsets that leave out some of Wagtail's views (objects archived, lifted or written
    by the services rather than added or deleted by hand): nobody, superusers included, may be offered
    the missing actions, otherwise Wagtail builds buttons whose URLs do not exist (a 500)."""

    def __init__(self, model, *, refused=("delete",), **kwargs):
        super().__init__(model, **kwargs)
        self.refused = frozenset(refused)

    def user_has_permission(self, user, action):
        if action in self.refused:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)
