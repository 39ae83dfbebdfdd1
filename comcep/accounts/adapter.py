from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Hooks allauth into Comcep's membership rules (see services.py)."""

    def _status_redirect(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_approved:
            # Pending (or rejected) members land on the page that explains their status.
            return reverse("accounts:pending")
        return None

    def get_login_redirect_url(self, request):
        return self._status_redirect(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self._status_redirect(request) or super().get_signup_redirect_url(request)
