"""The home page's "Prochains événements" section."""

from .models import EventPage

HOME_EVENT_COUNT = 3


def upcoming_events(request):
    return list(
        EventPage.objects.visible_to(request.user)
        .filter(is_cancelled=False)
        .upcoming()
        .select_related("region")[:HOME_EVENT_COUNT]
    )
