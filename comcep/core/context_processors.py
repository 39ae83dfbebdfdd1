from django.conf import settings


def site_context(request):
    """Values every layout needs: the site name and, once computed, the reader's status."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "is_approved_member": bool(user and user.is_authenticated and getattr(user, "is_approved", False)),
    }
