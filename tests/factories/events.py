import datetime as dt

import factory
from django.utils import timezone

from comcep.events.enums import EventKind, Visibility
from comcep.events.models import EventIndexPage, EventPage, Registration
from comcep.taxonomy.models import Theme

from .accounts import UserFactory


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())


class EventPageFactory(factory.Factory):
    """A published event under /agenda/ (a week from now, two hours, public, online)."""

    class Meta:
        model = EventPage

    title = factory.Sequence(lambda n: f"Webinaire sur la VAE n°{n}")
    slug = factory.Sequence(lambda n: f"evenement-{n}")
    kind = EventKind.WEBINAR
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    place = ""
    video_url = "https://visio.example.fr/salle-cep"
    visibility = Visibility.PUBLIC
    description = "<p>Un temps d'échange entre conseillers.</p>"
    capacity = None

    @classmethod
    def _create(cls, model_class, *args, parent=None, themes=(), audiences=(), live=True, **kwargs):
        parent = parent or EventIndexPage.objects.get()
        page = model_class(live=live, **kwargs)
        page.themes = list(themes)
        page.audiences = list(audiences)
        parent.add_child(instance=page)
        return page


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventPageFactory)
    user = factory.SubFactory(UserFactory)
