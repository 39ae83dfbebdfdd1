from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Hooks allauth into Comcep's membership rules (see services.py)."""

    def get_login_redirect_url(self, request):
        user = request.user
        if user.is_authenticated and not user.is_approved:
            # Pending (or rejected) members land on the page that explains their status.
            return reverse("accounts:pending")
        return super().get_login_redirect_url(request)
