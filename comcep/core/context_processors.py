from django.conf import settings

from .access import is_approved_member


def site_context(request):
    """Values every layout needs: the site name and, once computed, the reader's status."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "is_approved_member": is_approved_member(user),
    }
