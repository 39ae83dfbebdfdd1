from django.conf import settings

from .access import is_approved_member
from .chrome import Chrome


def site_context(request):
    """Values every layout needs: the site name, the reader's status, and the header and footer's
    cache key and values (comcep/core/chrome.py, computed only if base.html reads them)."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "is_approved_member": is_approved_member(user),
        "chrome": Chrome(request),
    }
