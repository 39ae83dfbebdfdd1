"""Factories for the discussion spaces. Counters are set by the services: build content with
``make_thread`` (which goes through ``forums.services``) when counters matter."""

import factory
from django.utils import timezone

from comcep.core.markdown import render_markdown
from forums.enums import SpaceVisibility
from forums.models import Space

from .accounts import UserFactory


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"espace-{n}")
    title = factory.Sequence(lambda n: f"Espace {n}")
    description = "Un espace pour échanger entre conseillers."
    visibility = SpaceVisibility.MEMBERS

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.visibility = SpaceVisibility.GROUPS
            obj.save(update_fields=["visibility"])
            obj.groups.set(extracted)


def make_thread(*, space=None, author=None, title="Question sur la VAE", body="Bonjour, une question.",
                replies=0, repliers=None, **kwargs):
    """A thread through the services (counters exact), with ``replies`` replies by ``repliers``."""
    from forums import services

    space = space or SpaceFactory()
    author = author or UserFactory()
    thread = services.create_thread(space=space, author=author, title=title, body=body, **kwargs)
    repliers = repliers or [UserFactory()]
    for i in range(replies):
        services.add_reply(thread=thread, author=repliers[i % len(repliers)], body=f"Réponse numéro {i + 1}.")
    thread.refresh_from_db()
    return thread


def post_html(body: str) -> str:
    return render_markdown(body)


def now():
    return timezone.now()
