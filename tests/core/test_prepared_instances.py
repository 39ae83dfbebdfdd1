"""comcep.core.prepared builds the instances of plain models without ``Model.__init__``: each must be
the instance Django's ``from_db`` gives — same attributes, deferred fields, state, related objects
(nullable ones included) — and models Django builds differently (Wagtail pages, a receiver of
``post_init``) must still go through Django."""

import pytest
from django.db.models.signals import post_init

from comcep.core.models import HomePage
from comcep.core.prepared import PreparedQuery, _plain_instances
from forums import services
from forums.models import Post, Thread
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]


def _snapshot(obj, depth=2):
    """Everything an instance carries: attributes, state, deferred fields, related objects."""
    if obj is None:
        return None
    attributes = {key: value for key, value in obj.__dict__.items() if key != "_state"}
    related = {}
    if depth:
        related = {name: _snapshot(value, depth - 1) for name, value in obj._state.fields_cache.items()}
    return (type(obj), attributes, obj._state.adding, obj._state.db, sorted(obj.get_deferred_fields()), related)


SHAPES = {
    "select_related, nullable relation": lambda *, space: (
        Thread.objects.select_related("space", "author", "last_post__author", "solved_post").filter(space_id=space)
        .order_by("pk")),
    "only() with relations": lambda *, space: (
        Thread.objects.select_related("author", "last_post__author")
        .only("id", "title", "post_count", "author__display_name", "last_post__author__email")
        .filter(space_id=space).order_by("pk")),
    "posts with authors and annotation": lambda *, space: (
        Post.objects.select_related("author", "thread").filter(thread__space_id=space).order_by("pk")
        .extra(select={"twice": "1 + 1"})),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_instances_equal_djangos(shape):
    space = SpaceFactory()
    first = make_thread(space=space, title="Sujet résolu", replies=2)
    services.mark_solved(post=first.posts.order_by("pk").last(), user=first.author)
    make_thread(space=space, title="Sujet sans réponse")
    query = PreparedQuery(f"test.instances.{shape}", SHAPES[shape], params={"space": int})
    prepared = query.objects(space=space.pk)
    expected = list(SHAPES[shape](space=space.pk))
    assert len(prepared) == len(expected) >= 2
    assert [_snapshot(obj) for obj in prepared] == [_snapshot(obj) for obj in expected]
    for obj in prepared:  # they behave as model instances: deferred fields load, saves update
        assert obj.author.public_name and obj.author.email
        if isinstance(obj, Thread):
            obj.title += " !"
            obj.save(update_fields=["title"])
            assert Thread.objects.get(pk=obj.pk).title == obj.title


def test_wagtail_pages_and_post_init_receivers_go_through_django():
    assert not _plain_instances(HomePage)
    assert _plain_instances(Thread)
    space = SpaceFactory()
    make_thread(space=space)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    query = PreparedQuery("test.instances.receiver", lambda *, space: Thread.objects.filter(space_id=space)
                          .select_related("author"), params={"space": int})
    post_init.connect(receiver, sender=Thread)
    try:
        threads = query.objects(space=space.pk)
    finally:
        post_init.disconnect(receiver, sender=Thread)
    assert seen == threads and len(threads) == 1
