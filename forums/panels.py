"""The "Mes échanges" panel of "Mon espace" (two queries)."""

from .models import Subscription, Thread


def panel_context(request) -> dict:
    user = request.user
    threads = list(Thread.objects.visible_to(user).filter(author=user).select_related("space")
                   .order_by("-last_post_at")[:5])
    followed = Subscription.objects.filter(user=user, thread__isnull=False).count()
    return {"threads": threads, "followed_count": followed}
