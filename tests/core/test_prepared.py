"""comcep.core.prepared: querysets compiled once per process, run with the real values.

The prepared path must give exactly what the ORM path gives (rows, model instances, their
select_related relations and annotations), for every kind of reader, whatever order readers come
in: a cached SQL shape must never carry one reader's permissions or ids to another."""

import datetime
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from comcep.accounts.enums import MODERATORS_GROUP
from comcep.core.prepared import PreparedQuery, PreparedQueryError
from forums import queries, services
from forums.models import (
    MemberSanction,
    Post,
    Reaction,
    Space,
    Subscription,
    Thread,
    can_moderate,
    member_listed_posts_q,
    member_listed_threads_q,
    member_unlisted_posts_q,
    member_unlisted_threads_q,
)
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.forums import SpaceFactory, make_thread

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forum_posting_settings")]


# --- The utility ----------------------------------------------------------------------------


def _thread_query():
    return PreparedQuery(
        "test.thread",
        lambda *, thread: Thread.objects.select_related("space", "author", "solved_post__author")
        .annotate(n_posts=Count("posts")).filter(pk=thread),
        params={"thread": int},
    )


@pytest.fixture
def two_threads(db):
    first = make_thread(title="Premier sujet", replies=2)
    second = make_thread(title="Second sujet", space=SpaceFactory(slug="autre"), replies=1)
    services.mark_solved(post=second.posts.order_by("pk").last(), user=second.author)
    second.refresh_from_db()
    return first, second


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_objects_are_the_orm_instances_with_relations_and_annotations_without_extra_queries(
        two_threads, django_assert_num_queries):
    query = _thread_query()
    for thread in two_threads:
        expected = (Thread.objects.select_related("space", "author", "solved_post__author")
                    .annotate(n_posts=Count("posts")).get(pk=thread.pk))
        with django_assert_num_queries(1):
            found = query.first(thread=thread.pk)
            # select_related relations are populated, as the ORM populates them
            assert _fields(found.space) == _fields(expected.space)
            assert _fields(found.author) == _fields(expected.author)
            if expected.solved_post_id:
                assert _fields(found.solved_post) == _fields(expected.solved_post)
                assert _fields(found.solved_post.author) == _fields(expected.solved_post.author)
            else:
                assert found.solved_post is None
        assert type(found) is Thread and found._state.db == "default" and not found._state.adding
        assert _fields(found) == _fields(expected)
        assert found.n_posts == expected.n_posts  # annotation
        assert isinstance(found.created_at, datetime.datetime) and timezone.is_aware(found.created_at)  # converters


def test_values_alternate_and_the_shape_is_compiled_once(two_threads):
    first, second = two_threads
    query = _thread_query()
    for thread in [first, second, first, second, second, first]:
        assert query.first(thread=thread.pk).title == thread.title
    assert query.compilations == 1
    assert query.first(thread=-1) is None
    assert query.count(thread=first.pk) == 1 and query.exists(thread=second.pk)
    assert not query.exists(thread=-5) and query.count(thread=-5) == 0
    assert query.compilations == 3  # one shape per method


def test_rows_count_exists_and_pagination_match_the_orm(two_threads):
    first, second = two_threads
    posts = PreparedQuery(
        "test.posts",
        lambda *, thread: Post.objects.filter(thread_id=thread).order_by("created_at", "pk"),
        params={"thread": int},
    )
    ids = PreparedQuery(
        "test.post_ids",
        lambda *, thread: Post.objects.filter(thread_id=thread).order_by("pk").values_list("pk", flat=True),
        params={"thread": int},
    )
    pairs = PreparedQuery(
        "test.post_pairs",
        lambda *, thread: Post.objects.filter(thread_id=thread).order_by("pk").values_list("pk", "author__email"),
        params={"thread": int},
    )
    for thread in (first, second, first):
        orm = Post.objects.filter(thread=thread).order_by("created_at", "pk")
        assert [p.pk for p in posts.objects(thread=thread.pk)] == [p.pk for p in orm]
        assert ids.rows(thread=thread.pk) == list(orm.order_by("pk").values_list("pk", flat=True))
        assert pairs.rows(thread=thread.pk) == list(orm.order_by("pk").values_list("pk", "author__email"))
        assert posts.count(thread=thread.pk) == orm.count()
        for per_page, number in itertools.product((1, 2), (1, 2, 3)):
            mine = Paginator(posts.sequence(thread=thread.pk), per_page).get_page(number)
            theirs = Paginator(orm, per_page).get_page(number)
            assert [p.pk for p in mine.object_list] == [p.pk for p in theirs.object_list]
            assert (mine.number, mine.paginator.num_pages) == (theirs.number, theirs.paginator.num_pages)
    assert [p.pk for p in posts.objects(thread=first.pk, offset=1, limit=1)] == \
        [p.pk for p in Post.objects.filter(thread=first).order_by("created_at", "pk")[1:2]]


def test_a_window_by_key_gives_the_rows_of_the_plain_slice_and_skips_rows_in_a_subquery(
        db, django_assert_num_queries):
    """``window_by_key``: a window with an offset selects its primary keys in a subquery of the same
    filter and order, then builds only those rows; the rows, their order, related objects and annotations
    are the plain slice's, for every window (past the end included)."""
    first = make_thread(title="Long sujet", replies=5)
    author = UserFactory()
    Reaction.objects.create(post=first.posts.order_by("pk")[2], user=author)

    def build(*, thread, user):
        return (Post.objects.filter(thread_id=thread).select_related("author")
                .annotate(i_reacted=Exists(Reaction.objects.filter(user_id=user, post=OuterRef("pk"))))
                .order_by("created_at", "pk"))

    by_key = PreparedQuery("test.by_key", build, params={"thread": int, "user": int}, window_by_key=True)
    plain = PreparedQuery("test.plain", build, params={"thread": int, "user": int})
    total = first.posts.count()
    for offset, limit in itertools.product(range(total + 2), (1, 2, 3, None)):
        with django_assert_num_queries(1):
            found = by_key.objects(thread=first.pk, user=author.pk, offset=offset, limit=limit)
            assert all(p.author.email for p in found)  # the authors came with the rows
        expected = plain.objects(thread=first.pk, user=author.pk, offset=offset, limit=limit)
        assert [(p.pk, p.author_id, p.i_reacted) for p in found] == \
            [(p.pk, p.author_id, p.i_reacted) for p in expected], (offset, limit)
    assert any(p.i_reacted for p in by_key.objects(thread=first.pk, user=author.pk, offset=1, limit=3))
    deep_sql, _params = by_key.sql(window=(2, 20))
    assert "IN (SELECT" in deep_sql and "OFFSET 2" in deep_sql.split("IN (SELECT", 1)[1]  # the keys' window
    first_page_sql, _params = by_key.sql(window=(0, 20))
    assert "IN (SELECT" not in first_page_sql  # nothing skipped: the plain query


def test_prefetch_related_lookups_are_applied(db, django_assert_num_queries):
    from comcep.taxonomy.models import Theme

    space = SpaceFactory(slug="avec-themes")
    space.themes.set([Theme.objects.create(slug=f"theme-prepare-{n}", name=f"Thème {n}") for n in (1, 2)])
    query = PreparedQuery("test.space", lambda *, slug: Space.objects.prefetch_related("themes").filter(slug=slug),
                          params={"slug": str})
    expected = set(space.themes.values_list("pk", flat=True))
    assert len(expected) == 2
    query.first(slug=space.slug)
    with django_assert_num_queries(2):
        found = query.first(slug=space.slug)
        assert {t.pk for t in found.themes.all()} == expected
    assert query.first(slug="inconnu") is None


def test_datetime_parameters_are_adapted_like_the_orm_adapts_them(db):
    member = UserFactory()
    moderator = ModeratorFactory()
    now = timezone.now()
    sanction = MemberSanction.objects.create(user=member, suspended_until=now + datetime.timedelta(hours=2),
                                             reason="Test", created_by=moderator)
    query = PreparedQuery(
        "test.sanction",
        lambda *, user, at: MemberSanction.objects.active(at).filter(user_id=user),
        params={"user": int, "at": datetime.datetime},
    )
    assert query.first(user=member.pk, at=now).pk == sanction.pk
    assert query.first(user=member.pk, at=now + datetime.timedelta(hours=3)) is None
    assert query.first(user=member.pk, at=now + datetime.timedelta(hours=1, minutes=59)).pk == sanction.pk
    assert query.first(user=moderator.pk, at=now) is None
    assert services.active_sanction(member).pk == sanction.pk
    assert services.active_sanction(moderator) is None


def test_an_empty_queryset_runs_no_query(db, django_assert_num_queries):
    query = PreparedQuery("test.none", lambda *, user: Thread.objects.none().filter(author_id=user),
                          params={"user": int})
    query.objects(user=1)
    with django_assert_num_queries(0):
        assert query.objects(user=1) == [] and query.count(user=2) == 0 and not query.exists(user=3)


@pytest.mark.parametrize("build", [
    # the value is inlined into the SQL text
    lambda *, thread: Thread.objects.annotate(x=RawSQL(f"{thread}", ())).filter(pk=1),
    # the value is transformed before it becomes a parameter
    lambda *, thread: Thread.objects.filter(title__icontains=str(thread)),
    # the value decides the SQL
    lambda *, thread: Thread.objects.filter(pk=thread) if thread % 3 else Thread.objects.filter(slug="x"),
])
def test_a_parameter_that_is_not_a_plain_query_parameter_is_refused(db, build):
    query = PreparedQuery("test.bad", build, params={"thread": int})
    with pytest.raises(PreparedQueryError):
        query.objects(thread=1)


def test_a_constant_that_changes_between_builds_is_refused(db):
    counter = itertools.count()
    query = PreparedQuery(
        "test.unstable", lambda *, thread: Thread.objects.filter(pk=thread, post_count__gte=next(counter)),
        params={"thread": int})
    with pytest.raises(PreparedQueryError):
        query.objects(thread=1)


def test_parameters_are_checked(db):
    query = _thread_query()
    with pytest.raises(TypeError):
        query.objects(thread=UserFactory())  # an instance, not its id
    with pytest.raises(TypeError):
        query.objects(thread=None)
    with pytest.raises(TypeError):
        query.objects(thread="3")
    with pytest.raises(TypeError):
        query.objects()
    with pytest.raises(PreparedQueryError):
        PreparedQuery("test.values", lambda *, thread: Thread.objects.filter(pk=thread).values("pk"),
                      params={"thread": int}).objects(thread=1)


def test_expressions_with_f_and_q_keep_their_meaning(two_threads):
    first, _second = two_threads
    query = PreparedQuery(
        "test.expr",
        lambda *, user, thread: Thread.objects.filter(Q(author_id=user) | Q(pk=thread), post_count__gte=F("pk") * 0),
        params={"user": int, "thread": int},
    )
    assert [t.pk for t in query.objects(user=first.author_id, thread=-1)] == [first.pk]
    assert {t.pk for t in query.objects(user=first.author_id, thread=two_threads[1].pk)} == {t.pk for t in two_threads}


# --- Forums: every kind of reader -----------------------------------------------------------


@pytest.fixture
def forum(db):
    """Threads of every visibility, and readers of every kind."""
    group = Group.objects.create(name="Région Bretagne")
    open_space = SpaceFactory(slug="ouvert")
    private = SpaceFactory(slug="bretagne", groups=[group])
    moderated = SpaceFactory(slug="anime")
    author = UserFactory(display_name="Auteur")
    insider = UserFactory(display_name="Dans le groupe")
    insider.groups.add(group)
    space_moderator = UserFactory(display_name="Animatrice de l'espace")
    moderated.moderators.add(space_moderator)
    readers = {
        "pending": PendingUserFactory(),
        "member": UserFactory(),
        "author": author,
        "insider": insider,
        "space_moderator": space_moderator,
        "moderator": ModeratorFactory(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    threads = {
        "open": make_thread(space=open_space, author=author, title="Ouvert", replies=3),
        "private": make_thread(space=private, author=insider, title="Privé", replies=2, repliers=[insider]),
        "moderated": make_thread(space=moderated, author=author, title="Espace animé", replies=2),
        "hidden": make_thread(space=moderated, author=author, title="Masqué"),
        "pending": make_thread(space=moderated, author=author, title="En attente"),
        "pending_other": make_thread(space=open_space, author=insider, title="En attente d'un autre"),
    }
    Thread.objects.filter(pk=threads["hidden"].pk).update(is_hidden=True)
    Thread.objects.filter(pk__in=[threads["pending"].pk, threads["pending_other"].pk]).update(needs_approval=True)
    # A post awaiting approval by the author, in a thread others see.
    Post.objects.filter(pk=threads["open"].posts.order_by("pk").last().pk).update(needs_approval=True,
                                                                                   author=author)
    Post.objects.filter(pk=threads["moderated"].posts.order_by("pk").last().pk).update(needs_approval=True)
    return readers, threads


def _orderings():
    """Readers in several orders, moderators first and last: a shape compiled for one must not serve another."""
    names = ["pending", "member", "author", "insider", "space_moderator", "moderator", "superuser"]
    return [names, list(reversed(names)), names[::2] + names[1::2]]


def _readers(readers):
    """(name, reader, the reader's kind) for every reader, in each of the orders of _orderings()."""
    for order in _orderings():
        for name in order:
            yield name, readers[name], queries.reader_kind(readers[name])


def test_thread_lookups_match_visible_to_for_every_reader(forum):
    readers, threads = forum
    checked = set()
    for order in _orderings():
        for name in order:
            reader = readers[name]
            kind = queries.reader_kind(reader)
            for thread in threads.values():
                expected = (Thread.objects.visible_to(reader).select_related("space", "author", "solved_post__author")
                            .filter(pk=thread.pk).first())
                found = queries.THREAD_PAGE.first(kind, user=reader.pk, thread=thread.pk, at=timezone.now())
                for_reply = queries.THREAD_FOR_REPLY.first(kind, user=reader.pk, thread=thread.pk, at=timezone.now())
                if expected is None:
                    assert found is None and for_reply is None, (name, thread.title)
                else:
                    assert _fields(found) == _fields(expected) == _fields(for_reply), (name, thread.title)
                    assert found.space.slug == expected.space.slug and found.author.pk == expected.author.pk
                    assert found.reader_read_at is None or found.reader_read_at <= timezone.now()
                checked.add((name, thread.title, expected is not None))
    # the fixture really exercises both outcomes for members
    assert ("member", "Privé", False) in checked and ("insider", "Privé", True) in checked
    assert ("author", "En attente", True) in checked and ("member", "En attente", False) in checked
    assert ("space_moderator", "Masqué", True) in checked and ("member", "Masqué", False) in checked
    assert ("pending", "Ouvert", False) in checked and ("superuser", "Privé", True) in checked


def test_posts_of_a_thread_page_match_the_orm_for_every_reader(forum):
    readers, threads = forum
    for name, reader, kind in _readers(readers):
        for thread in threads.values():
            if not Thread.objects.visible_to(reader).filter(pk=thread.pk).exists():
                continue
            moderates = reader.is_moderator or can_moderate(reader, thread.space_id)
            expected = list(Post.objects.filter(thread=thread).for_thread_page(reader, moderates_space=moderates))
            through_visible_to = list(Post.objects.visible_to(reader).filter(thread=thread)
                                      .order_by("created_at", "pk"))
            found = queries.THREAD_POSTS.objects(kind, moderates, user=reader.pk, thread=thread.pk)
            assert [p.pk for p in found] == [p.pk for p in expected] == [p.pk for p in through_visible_to], \
                (name, thread.title)
            assert [p.i_reacted for p in found] == [p.i_reacted for p in expected]
            assert [p.author.public_name for p in found] == [p.author.public_name for p in expected]
            assert queries.THREAD_POSTS.count(kind, moderates, user=reader.pk, thread=thread.pk) == len(expected)
            for offset in range(1, len(expected) + 1):  # deeper pages: the keys' window (window_by_key)
                deep = queries.THREAD_POSTS.objects(kind, moderates, user=reader.pk, thread=thread.pk,
                                                    offset=offset, limit=2)
                assert [(p.pk, p.i_reacted, p.author.public_name) for p in deep] == \
                    [(p.pk, p.i_reacted, p.author.public_name) for p in expected[offset:offset + 2]], \
                    (name, thread.title, offset)


def test_space_lookup_and_moderation_flags_match_the_orm_for_every_reader(forum):
    readers, _threads = forum
    spaces = list(Space.objects.all())
    for name, reader, kind in _readers(readers):
        for space in spaces:
            expected = Space.objects.visible_to(reader).filter(slug=space.slug).first()
            found = queries.SPACE_PAGE.first(kind, "", user=reader.pk, slug=space.slug)
            assert (found and found.pk) == (expected and expected.pk), (name, space.slug)
            direct = (queries.reader_kind(reader) == "moderator"
                      or (kind == "member" and space.moderators.filter(pk=reader.pk).exists()))
            assert can_moderate(reader, space) is direct, (name, space.slug)
        assert reader.is_moderator == (reader.is_superuser
                                       or reader.groups.filter(name=MODERATORS_GROUP).exists())
        fresh = type(reader).objects.get(pk=reader.pk)  # no cached flag
        assert fresh.is_moderator == reader.is_moderator


def test_post_positions_and_thread_access_match_the_orm_for_every_reader(forum):
    from forums.views import post_url

    readers, threads = forum
    refused = set()
    for name, reader, kind in _readers(readers):
        for thread in threads.values():
            visible = Thread.objects.visible_to(reader).filter(pk=thread.pk).exists()
            assert queries.THREAD_VISIBLE.exists(kind, user=reader.pk, thread=thread.pk) is visible, \
                (name, thread.title)
            if not visible:  # no post of it, for the permalink either
                for post in thread.posts.all():
                    assert queries.POST_PLACE.first(kind, user=reader.pk, post=post.pk) is None, (name, post.pk)
                    refused.add((name, "thread"))
                continue
            for post in Post.objects.visible_to(reader).filter(thread=thread):
                assert post_url(post, reader, thread_checked=True) == post_url(post, reader), \
                    (name, thread.title, post.pk)
                earlier = Post.objects.visible_to(reader).filter(thread=thread).filter(
                    Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, pk__lt=post.pk)).count()
                placed = queries.POST_PLACE.first(kind, user=reader.pk, post=post.pk)  # the permalink
                assert (placed.pk, placed.reader_posts_before) == (post.pk, earlier), (name, thread.title, post.pk)
                assert placed.thread.space.slug == thread.space.slug
            # another member's post awaiting approval is not found
            for post in Post.objects.filter(thread=thread).exclude(
                    pk__in=Post.objects.visible_to(reader).values("pk")):
                assert queries.POST_PLACE.first(kind, user=reader.pk, post=post.pk) is None, (name, post.pk)
                refused.add((name, "pending post"))
    assert {("member", "thread"), ("member", "pending post"), ("pending", "thread")} <= refused


def test_space_page_threads_match_the_orm_for_every_reader_and_filter(forum):
    from forums.enums import ThreadFilter

    readers, threads = forum
    services.follow(readers["member"], thread=threads["open"])  # "followed" rows differ per reader
    services.mark_read(readers["author"], threads["open"], threads["open"].posts.order_by("pk").first())
    for order in _orderings():
        for name in order:
            reader = readers[name]
            for space in Space.objects.visible_to(reader):
                moderates = can_moderate(reader, space)
                for current in ["", *ThreadFilter.values]:
                    orm = Thread.objects.filter(space=space).for_space_page(reader, moderates_space=moderates)
                    orm = {
                        "": orm, ThreadFilter.UNANSWERED: orm.filter(post_count__lte=1),
                        ThreadFilter.SOLVED: orm.filter(solved_post__isnull=False),
                        ThreadFilter.MINE: orm.filter(author=reader),
                        ThreadFilter.FOLLOWED: orm.filter(is_followed=True),
                    }[current]
                    found = queries.SPACE_THREADS.objects(moderates, current, user=reader.pk, space=space.pk)
                    assert [(t.pk, t.read_at, t.is_followed, t.author.pk) for t in found] == \
                        [(t.pk, t.read_at, t.is_followed, t.author.pk) for t in orm], (name, space.slug, current)
                    assert queries.SPACE_THREADS.count(moderates, current, user=reader.pk, space=space.pk) == \
                        orm.count()


def test_the_thread_page_counts_the_posts_its_paginator_would_for_every_reader(forum):
    """THREAD_PAGE's ``reader_post_count`` is THREAD_POSTS' COUNT, the number the thread page's paginator
    counted in a statement of its own: pending posts for their author and moderators, hidden and
    deleted posts for everyone, and the reader's moderation of the space as the view derives it."""
    readers, threads = forum
    open_posts = list(threads["open"].posts.order_by("pk"))
    Post.objects.filter(pk=open_posts[1].pk).update(is_hidden=True)
    Post.objects.filter(pk=open_posts[2].pk).update(is_deleted=True)
    moderated_posts = list(threads["moderated"].posts.order_by("pk"))
    Post.objects.filter(pk=moderated_posts[1].pk).update(needs_approval=True, author=readers["member"])
    counted = set()
    for name, reader, kind in _readers(readers):
        for thread in threads.values():
            found = queries.THREAD_PAGE.first(kind, user=reader.pk, thread=thread.pk, at=timezone.now())
            if found is None:
                continue
            moderates = reader.is_moderator or (queries.reader_kind(reader) != "none" and found.reader_moderates_space)
            assert moderates == (reader.is_moderator or can_moderate(reader, thread.space_id))
            expected = queries.THREAD_POSTS.count(kind, moderates, user=reader.pk, thread=thread.pk)
            assert expected == Post.objects.visible_to(reader).filter(thread=thread).count()
            assert found.reader_post_count == expected, (name, thread.title)
            counted.add((name, thread.title, expected))
    # pending posts: shown to their author and the moderators, not to other members
    assert {("author", "Ouvert", 4), ("member", "Ouvert", 3), ("moderator", "Ouvert", 4)} <= counted
    assert {("space_moderator", "Espace animé", 3), ("member", "Espace animé", 2),
            ("author", "Espace animé", 1), ("superuser", "Espace animé", 3)} <= counted


def test_every_row_is_either_listed_or_unlisted_to_a_member(forum):
    """The page counts subtract the rows a member is not listed (``member_unlisted_*_q``) from all the
    rows: each rule must be the exact complement of the listing rule, for every member and row (the
    reader's own hidden and pending threads and posts included)."""
    readers, threads = forum
    own = readers["author"]
    Thread.objects.filter(pk=threads["hidden"].pk).update(needs_approval=True)  # hidden and pending, own
    mine = threads["moderated"].posts.order_by("pk").first()
    Post.objects.filter(pk=mine.pk).update(author=own, needs_approval=True, is_hidden=True)
    cases = [(Thread.objects.all(), member_listed_threads_q, member_unlisted_threads_q),
             (Post.objects.all(), member_listed_posts_q, member_unlisted_posts_q)]
    unlisted_seen = set()
    for name, reader in readers.items():
        for rows, listed_q, unlisted_q in cases:
            listed = set(rows.filter(listed_q(reader.pk)).values_list("pk", flat=True))
            unlisted = set(rows.filter(unlisted_q(reader.pk)).values_list("pk", flat=True))
            assert listed.isdisjoint(unlisted), (name, rows.model.__name__)
            assert listed | unlisted == set(rows.values_list("pk", flat=True)), (name, rows.model.__name__)
            unlisted_seen.add((name, rows.model.__name__, len(unlisted)))
    # the author is listed their own pending rows, not their hidden thread (nor another's pending one);
    # other members none of these
    assert {("author", "Thread", 2), ("member", "Thread", 3), ("author", "Post", 1), ("member", "Post", 3)} \
        <= unlisted_seen


def test_the_thread_page_knows_whether_there_are_certified_posts_or_cited_pages(forum):
    """THREAD_PAGE's ``has_certified_posts`` and ``has_cited_pages``: whether CERTIFIED_POSTS and
    CITED_PAGES would find anything (the page skips their statements when not)."""
    from wagtail.models import Page

    readers, threads = forum
    root = Page.objects.get(depth=1)
    published, unpublished = (root.add_child(instance=Page(title=title, slug=f"cite-{title}")) for title in "AB")
    unpublished.unpublish()
    threads["open"].cited_pages.set([published, unpublished])
    threads["private"].cited_pages.set([unpublished])  # cites no live page
    certified = threads["open"].posts.order_by("pk")[1]  # its last post awaits approval (the fixture)
    Post.objects.filter(pk=certified.pk).update(is_certified=True)
    hidden = threads["moderated"].posts.order_by("pk").last()
    Post.objects.filter(pk=hidden.pk).update(is_certified=True, is_hidden=True)  # not public: not shown
    seen = set()
    for name, reader, kind in _readers(readers):
        for thread in threads.values():
            found = queries.THREAD_PAGE.first(kind, user=reader.pk, thread=thread.pk, at=timezone.now())
            if found is None:
                continue
            shown = queries.CERTIFIED_POSTS.objects(thread=thread.pk)
            assert found.has_certified_posts is bool(shown), (name, thread.title)
            assert found.has_cited_pages is bool(queries.CITED_PAGES.objects(thread=thread.pk)), (name, thread.title)
            seen.add((thread.title, found.has_certified_posts, found.has_cited_pages))
    assert {("Ouvert", True, True), ("Privé", False, False), ("Espace animé", False, False)} <= seen


def test_certified_posts_are_loaded_without_their_markdown(forum):
    _readers, threads = forum
    post = threads["open"].posts.order_by("pk")[1]
    Post.objects.filter(pk=post.pk).update(is_certified=True)
    (found,) = queries.CERTIFIED_POSTS.objects(thread=threads["open"].pk)
    assert found.pk == post.pk and found.html == post.html and found.author.public_name == post.author.public_name
    assert found.get_deferred_fields() == {"body"}


def test_the_space_page_counts_the_threads_its_paginator_would_for_every_reader_and_filter(forum):
    """SPACE_PAGE's ``reader_thread_count`` is SPACE_THREADS' COUNT for the reader and the list's
    filter, the number the space page's paginator counted in a statement of its own."""
    from forums.enums import ThreadFilter

    readers, threads = forum
    services.follow(readers["member"], thread=threads["open"])
    services.follow(readers["space_moderator"], thread=threads["hidden"])
    counted = set()
    for name, reader, kind in _readers(readers):
        for space in Space.objects.all():
            for current in ["", *ThreadFilter.values]:
                found = queries.SPACE_PAGE.first(kind, current, user=reader.pk, slug=space.slug)
                if found is None:
                    continue
                moderates = reader.is_moderator or found.reader_moderates_space
                assert moderates == can_moderate(reader, space)
                expected = queries.SPACE_THREADS.count(moderates, current, user=reader.pk, space=space.pk)
                assert found.reader_thread_count == expected, (name, space.slug, current)
                counted.add((name, space.slug, current, expected))
    # hidden and pending threads: for the space's moderators (and a pending thread's author) only
    assert {("space_moderator", "anime", "", 3), ("member", "anime", "", 1), ("author", "anime", "", 2),
            ("moderator", "anime", "", 3), ("member", "ouvert", "", 1), ("insider", "ouvert", "", 2),
            ("member", "ouvert", ThreadFilter.FOLLOWED, 1), ("space_moderator", "anime", ThreadFilter.FOLLOWED, 1),
            ("author", "anime", ThreadFilter.MINE, 2)} <= counted


def test_cited_pages_match_the_related_manager(forum):
    from wagtail.models import Page

    _readers, threads = forum
    root = Page.objects.get(depth=1)
    pages = [root.add_child(instance=Page(title=title, slug=f"cite-{n}")) for n, title in enumerate("BCA")]
    pages[1].unpublish()
    threads["open"].cited_pages.set(pages)
    threads["private"].cited_pages.set(pages[:1])
    for thread in [threads["open"], threads["private"], threads["hidden"], threads["open"]]:
        assert [p.pk for p in queries.CITED_PAGES.objects(thread=thread.pk)] == \
            [p.pk for p in thread.cited_pages.live().order_by("title")]
    assert [p.title for p in queries.CITED_PAGES.objects(thread=threads["open"].pk)] == ["A", "B"]  # C unpublished


def test_reader_kinds_and_the_anonymous_visitor(forum):
    readers, _threads = forum
    assert queries.reader_kind(AnonymousUser()) == "none"
    assert {name: queries.reader_kind(user) for name, user in readers.items()} == {
        "pending": "none", "member": "member", "author": "member", "insider": "member",
        "space_moderator": "member", "moderator": "moderator", "superuser": "moderator",
    }
    assert not can_moderate(AnonymousUser(), Space.objects.first())
    assert services.active_sanction(AnonymousUser()) is None


def test_an_id_beyond_64_bits_finds_nothing_rather_than_failing(client, db):
    """Ids come from URLs: /messages/<25 digits>/ must be a 404, as with the ORM, not an overflow."""
    query = PreparedQuery("test.group_by_id", lambda *, pk: Group.objects.filter(pk=pk), params={"pk": int})
    group = Group.objects.create(name="Conseillers Bretagne")
    assert query.first(pk=group.pk) == group
    for huge in (2**63, -(2**63) - 1, int("9" * 25)):
        assert query.objects(pk=huge) == [] and query.first(pk=huge) is None
        assert query.count(pk=huge) == 0 and query.exists(pk=huge) is False
    member = UserFactory()
    client.force_login(member)
    assert client.get("/messages/" + "9" * 25 + "/").status_code == 404


def test_the_spaces_index_matches_the_orm_for_every_reader(forum):
    readers, threads = forum
    services.follow(readers["insider"], space=threads["private"].space)
    seen = {}
    for name, reader, kind in _readers(readers):
        if kind == "none":
            continue  # the view shows the members-only page without reading spaces
        expected = list(Space.objects.for_index(reader).annotate(
            is_followed=Exists(Subscription.objects.filter(user=reader, space=OuterRef("pk")))))
        found = list(queries.SPACE_INDEX.objects(kind, user=reader.pk))
        assert [(s.pk, s.is_followed, s.last_post_id) for s in found] == [
            (s.pk, s.is_followed, s.last_post_id) for s in expected], name
        for space, reference in zip(found, expected, strict=True):
            if reference.last_post_id:
                assert (space.last_post.author.public_name, space.last_post.thread.title) == (
                    reference.last_post.author.public_name, reference.last_post.thread.title)
        seen[name] = {s.slug for s in found}
    assert "bretagne" not in seen["member"] and "bretagne" in seen["insider"] and "bretagne" in seen["moderator"]
    assert seen["space_moderator"] == seen["member"] | {"anime"}
