"""The pages the benchmark drives, read from the seeded database (bench/run.py runs ``main()`` in
``manage.py shell`` and reads the last line of stdout, one JSON object).

It also ensures the benchmark's member: approved, verified e-mail, known password, a few
notifications, so that the logged-in pages show what a real member sees.
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse

BENCH_EMAIL = "bench@seed.comcep.test"
BENCH_PASSWORD = "bench-motdepasse-2026"
BIG_THREAD_POSTS = 50
# The thread the post-reply page posts into (reply_thread): found by its import key, reset at every run.
REPLY_THREAD_KEY = "bench:reply-target"
REPLY_THREAD_TITLE = "Banc d'essai : fil des réponses"
REPLY_THREAD_BODY = "Ce fil reçoit les réponses du banc d'essai ; il est remis à zéro à chaque passage."
SEARCH_QUERIES = [
    # (name, query string) — French queries, with and without facets.
    ("search", {"q": "entretien de diagnostic"}),
    ("search-facet-kind", {"q": "financement formation", "kind": "resource"}),
    ("search-facet-theme", {"q": "validation des acquis", "theme": "vae"}),
    ("search-questions", {"q": "compétences transférables", "kind": "thread"}),
]
# search-varied: every request a different query (first visits: summary-cache misses). Words a CEP
# counsellor types, from very common in the seeded content ("accompagnement": half the entries) to rare.
VARIED_TERMS = [
    "accompagnement", "entretien", "diagnostic", "compétences", "parcours", "synthèse", "mobilité", "outil",
    "méthode", "expérience", "financement", "formation", "reconversion", "projet", "transition", "bilan",
    "atelier", "collectif", "entreprise", "création", "mission", "locale", "jeune", "handicap", "travailleur",
    "reconnaissance", "validation", "acquis", "certification", "dossier", "emploi", "territoire", "débouchés",
    "freins", "employeur", "accord", "calendrier", "posture", "écoute", "confidentialité", "prescripteur",
    "commission", "séances", "attentes", "contraintes", "éligibilité", "critères", "justificatives",
    "ressources", "documentaires", "opérateur", "appui", "plan", "action", "restitution", "alternance",
    "apprentissage", "démission", "licenciement", "senior", "cadre", "salarié", "indépendant", "vae", "cpf",
    "ptp", "rqth", "apec", "cléa", "transférables", "géographique", "professionnelle", "significatives",
    "marché", "travail",
]
VARIED_FACETS = [{"kind": "thread"}, {"kind": "guide"}, {"kind": "fiche-pratique"}, {"theme": "vae"},
                 {"theme": "mobilite"}, {"theme": "bilan-competences"}, {"theme": "reconversion"},
                 {"region": "national"}, {"date": "annee"}]
#: Enough that the measured requests of a size's rounds (paths 1, 2, ... from round to round) never reach the
#: second half, which the warm-up reads (summary-cache hits for two minutes), nor wrap to paths sent seconds
#: before: at the small size search-varied serves ~200 requests a second, ~2 400 in three rounds of 4 s (with
#: 2 000 paths, rounds 2 and 3 went through the warm-up's paths, docs/performance.md "Session 15").
VARIED_COUNT = 12000


def varied_search_paths(count: int = VARIED_COUNT, seed: int = 7) -> list[str]:
    """``count`` search paths, all different once normalised (French stems, as the summary cache
    keys them), deterministic: 40 % one word, 60 % two words, a third with one facet."""
    from search.french import stems

    rng = random.Random(seed)
    seen, paths = set(), []
    stemmed: dict[tuple[str, ...], tuple[str, ...]] = {}  # the stems of each pair of words, computed once
    while len(paths) < count:
        words = rng.sample(VARIED_TERMS, 1 if rng.random() < 0.4 else 2)
        facet = rng.choice(VARIED_FACETS) if rng.random() < 1 / 3 else {}
        words_key = tuple(words)
        if words_key not in stemmed:
            stemmed[words_key] = tuple(sorted(stems(" ".join(words))))
        key = (stemmed[words_key], tuple(sorted(facet.items())))
        if key in seen:
            continue
        seen.add(key)
        paths.append("/recherche/?" + urllib.parse.urlencode({"q": " ".join(words), **facet}))
    return paths


def ensure_member():
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from comcep.accounts.enums import MembershipStatus
    from comcep.accounts.models import User

    user = User.objects.filter(email=BENCH_EMAIL).first()
    if user is None:
        user = User(email=BENCH_EMAIL, display_name="Membre du banc d'essai", organisation="France Travail Lyon")
    wanted = {"status": MembershipStatus.APPROVED, "status_changed_at": user.status_changed_at or timezone.now(),
              "is_active": True}
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    if not user.check_password(BENCH_PASSWORD):
        user.set_password(BENCH_PASSWORD)
        changed.append("password")
    # Only what changed: a full save of an existing member re-queues the search entries of their
    # conversation partners (comcep.conversations.signals), seconds of worker time at every bench start.
    if user.pk is None:
        user.save()
    elif changed:
        user.save(update_fields=changed)
    EmailAddress.objects.update_or_create(user=user, email=BENCH_EMAIL, defaults={"verified": True, "primary": True})
    return user


def ensure_notifications(user, count: int = 25) -> None:
    from comcep.notifications.models import Notification

    if Notification.objects.filter(recipient=user).count() >= count:
        return
    from forums.models import Post

    posts = list(Post.objects.select_related("thread").order_by("-pk")[:count])
    Notification.objects.bulk_create([
        Notification(recipient=user, kind="reply", title=f"Nouvelle réponse dans « {post.thread.title} »"[:255],
                     url=post.get_absolute_url(), excerpt=post.body[:240], dedupe_key=f"bench.{post.pk}",
                     created_at=post.created_at)
        for post in posts
    ], ignore_conflicts=True)


def ensure_conversation(user, messages: int = 30):
    """A private conversation of the bench member with another seeded member (30 messages)."""
    from comcep.accounts.models import User
    from comcep.conversations import services
    from comcep.conversations.models import Conversation

    existing = Conversation.objects.visible_to(user).order_by("pk").first()
    if existing is not None:
        return existing
    other = User.objects.approved().filter(deleted_at__isnull=True).exclude(pk=user.pk).order_by("pk").first()
    if other is None:
        return None
    conversation = services.start_conversation(
        author=other, recipients=[user], subject="Banc d'essai : échanges entre conseillers",
        body="Bonjour, une question sur le **premier entretien** de diagnostic.", rate_limited=False, notify=False)
    for i in range(messages - 1):
        services.add_message(conversation=conversation, author=user if i % 2 == 0 else other,
                             body=f"Réponse {i} : nous faisons un plan d'action partagé.", rate_limited=False,
                             notify=False)
    return conversation


def ensure_directory_profiles() -> None:
    """Directory profiles for a share of the seeded members (comcep/directory/seeding.py), written once:
    the databases were seeded before the directory existed. Deterministic (seed 42)."""
    from django.db import connection

    from comcep.accounts.models import User
    from comcep.directory.models import DirectoryProfile

    if DirectoryProfile.objects.exists():
        return
    from comcep.directory.seeding import seed_profiles

    seed_profiles(User.objects.filter(email__endswith="@seed.comcep.test").order_by("pk"), random.Random(42))
    if connection.vendor == "postgresql":
        # bench/run.py analyses a reused database before this runs: the planner's statistics of the new rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE directory_directoryprofile, directory_directoryprofile_themes")


def reply_thread(big=None):
    """The thread ``post-reply`` posts into: the bench's own (``import_key`` REPLY_THREAD_KEY), created on the
    first run and **reset** at every later one, so that every run (each database, each size) posts into the
    same thread of one post instead of a thread that grew by every earlier run's replies (thousands per run).

    It is opened by a seeded member (not the bench member: each reply notifies its author, as a reply to a
    seeded thread does) in a space open to all members other than the measured 50-post thread's (``big``),
    so the measured space list does not show it, and not a regional group's space, so the group page does not
    either. The reset deletes every post but the first, with the
    notifications of those posts, the readers' markers and subscriptions but its author's, recounts the
    thread and its space, and rewrites its search entry (the first post's text again). None when the
    database has no member or space to open it with."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import CharField
    from django.db.models.functions import Cast
    from django.utils import timezone

    from comcep.accounts.models import User
    from comcep.core.markdown import render_markdown
    from comcep.notifications.models import Notification
    from forums import services
    from forums.enums import SpaceVisibility
    from forums.models import Post, ReadMarker, Space, Subscription, Thread
    from search import services as search_services

    thread = Thread.objects.filter(import_key=REPLY_THREAD_KEY).first()
    if thread is None:
        spaces = Space.objects.filter(visibility=SpaceVisibility.MEMBERS, is_archived=False,
                                      regional_group__isnull=True).order_by("pk")
        space = (spaces.exclude(pk=big.space_id) if big is not None else spaces).first() or spaces.first()
        author = (User.objects.approved().filter(deleted_at__isnull=True).exclude(email=BENCH_EMAIL)
                  .order_by("pk").first())
        if space is None or author is None:
            return None
        # Written as seed_bulk writes its threads (public whatever the moderation settings: the seeded author
        # may count as a new member), the counters and the search entry below.
        now = timezone.now()
        with transaction.atomic():
            thread = Thread.objects.create(space=space, author=author, title=REPLY_THREAD_TITLE, created_at=now,
                                           last_post_at=now, import_key=REPLY_THREAD_KEY)
            Post.objects.create(thread=thread, author=author, body=REPLY_THREAD_BODY,
                                html=render_markdown(REPLY_THREAD_BODY), created_at=now)
            services.follow(author, thread=thread)
    first = Post.objects.filter(thread=thread).order_by("created_at", "pk").first()
    replies = Post.objects.filter(thread=thread).exclude(pk=first.pk)
    if (thread.post_count == 1 and not replies.exists() and not first.needs_approval
            and not (thread.is_locked or thread.is_hidden or thread.needs_approval)):
        return thread
    with transaction.atomic():
        # The replies' "reply" notifications (of the thread's author): their target is a post (generic key).
        Notification.objects.filter(
            target_type=ContentType.objects.get_for_model(Post),
            target_id__in=replies.annotate(key=Cast("pk", CharField(max_length=64))).values("key"),
        ).delete()
        replies.delete()
        ReadMarker.objects.filter(thread=thread).exclude(user_id=thread.author_id).delete()
        Subscription.objects.filter(thread=thread).exclude(user_id=thread.author_id).delete()
        Post.objects.filter(pk=first.pk).update(is_hidden=False, is_deleted=False, needs_approval=False)
        Thread.objects.filter(pk=thread.pk).update(is_locked=False, is_hidden=False, needs_approval=False,
                                                   solved_post=None)
        services.recount_thread(thread.pk)
        services.recount_space(thread.space_id)
    thread = Thread.objects.select_related("space").get(pk=thread.pk)
    search_services.reindex(thread)
    return thread


def pages() -> list[dict]:
    from django.db.models import Count

    from forums.models import Thread
    from resources.models import ResourcePage

    pages = [{"name": "baseline", "path": "/__bench__/baseline/", "auth": False},
             {"name": "home", "path": "/", "auth": True}]

    resources = ResourcePage.objects.live()
    top = (resources.values("kind").annotate(n=Count("pk")).order_by("-n", "kind").first() or {}).get("kind")
    theme = (resources.filter(kind=top).values("themes__slug").exclude(themes__slug=None)
             .annotate(n=Count("pk")).order_by("-n", "themes__slug").first() or {}).get("themes__slug")
    filters = {"type": top or "fiche-pratique"}
    if theme:
        filters["theme"] = theme
    pages.append({"name": "resource-list-filtered", "path": "/ressources/?" + urllib.parse.urlencode(filters),
                  "auth": True})
    resource = resources.order_by("-first_published_at", "-pk").first()
    if resource is not None:
        pages.append({"name": "resource-page", "path": resource.url, "auth": True})

    big = (Thread.objects.filter(post_count__gte=BIG_THREAD_POSTS, is_hidden=False).exclude(import_key=REPLY_THREAD_KEY)
           .select_related("space").order_by("pk").first())
    pages.append({"name": "forum-index", "path": "/echanges/", "auth": True})
    if big is not None:
        pages.append({"name": "space-thread-list", "path": big.space.get_absolute_url(), "auth": True})
        pages.append({"name": "thread-50-posts", "path": big.get_absolute_url(), "auth": True})

    for name, params in SEARCH_QUERIES:
        pages.append({"name": name, "path": "/recherche/?" + urllib.parse.urlencode(params), "auth": True})
    varied = varied_search_paths()
    # wrk (report.lua) sends paths[n] as its n-th request; the other tools may use path (the first one).
    pages.append({"name": "search-varied", "path": varied[0], "paths": varied, "auth": True})
    pages.append({"name": "search-api", "path": "/recherche/api/?" + urllib.parse.urlencode(
        {"q": "bilan de compétences", "kind": "resource"}), "auth": True})

    # Replies go to the bench's own thread, emptied at every run (reply_thread): not the measured 50-post one,
    # which keeps its size, and not a seeded thread that would grow by every run's replies.
    target = reply_thread(big)
    if target is not None:
        pages.append({
            "name": "post-reply", "path": f"/echanges/sujet/{target.pk}/repondre/", "auth": True, "method": "POST",
            "body": urllib.parse.urlencode({"body": "Merci pour ce retour : nous faisons de même en entretien de "
                                                    "diagnostic, avec un plan d'action partagé."}),
            "referer": target.get_absolute_url(),
        })
    pages.append({"name": "notifications", "path": "/mon-espace/notifications/", "auth": True})
    pages.append({"name": "agenda", "path": "/agenda/", "auth": True})
    pages.append({"name": "messages-inbox", "path": "/messages/", "auth": True})
    conversation = ensure_conversation(ensure_member())
    if conversation is not None:
        pages.append({"name": "conversation-30-messages", "path": conversation.get_absolute_url(), "auth": True})
    from comcep.groups.models import RegionalGroup

    pages.append({"name": "groups", "path": "/groupes/", "auth": True})
    ensure_directory_profiles()
    pages.append({"name": "directory", "path": "/annuaire/", "auth": True})
    # The directory filtered by the region with the most listed members (a fixed slug would be empty on
    # some seeds), and the last page of the whole list (the deepest OFFSET).
    from comcep.directory.models import DirectoryProfile
    from comcep.directory.views import PROFILES_PER_PAGE

    region = (DirectoryProfile.objects.listed().values("user__region__slug").exclude(user__region=None)
              .annotate(n=Count("pk")).order_by("-n", "user__region__slug").first() or {}).get("user__region__slug")
    if region:
        pages.append({"name": "directory-filtered", "path": "/annuaire/?" + urllib.parse.urlencode(
            {"region": region}), "auth": True})
    last = max(1, -(-DirectoryProfile.objects.listed().count() // PROFILES_PER_PAGE))
    pages.append({"name": "directory-last-page", "path": f"/annuaire/?page={last}", "auth": True})
    group = RegionalGroup.objects.order_by("pk").first()
    if group is not None:
        pages.append({"name": "group-page", "path": group.get_absolute_url(), "auth": True})
    return pages


def page_request(client, page: dict, *, tag: str, requests: int):
    """A function that sends one request of ``page`` (an entry of ``pages()``) with the Django test
    ``client``, for the in-process tools (bench/inprocess.py, bench/gcpauses.py): GET of its path; for
    ``search-varied`` the next of its paths (enough for ``requests`` calls); for the POST page, every
    request with a distinct text, as bench/report.lua sends them (an identical reply within
    forums.services.DUPLICATE_WINDOW is stored once, and later requests would only measure the
    duplicate check): the body suffixed " (<tag>-<start time>-<n>)"."""
    if page.get("method") == "POST":
        data = {k: v[0] for k, v in urllib.parse.parse_qs(page["body"]).items()}
        sent = iter(range(1, 1_000_000))
        stamp = int(time.time())

        def request():
            body = {k: (f"{v} ({tag}-{stamp}-{next(sent)})" if k == "body" else v) for k, v in data.items()}
            return client.post(page["path"], body)
    elif page.get("paths"):
        # One path per request, in order (search-varied: a different query each time).
        paths = iter(page["paths"] * (2 + requests // len(page["paths"])))

        def request():
            return client.get(next(paths))
    else:
        def request():
            return client.get(page["path"])
    return request


def targets() -> dict:
    member = ensure_member()
    ensure_notifications(member)
    return {"member": {"email": BENCH_EMAIL, "password": BENCH_PASSWORD}, "pages": pages()}


def main() -> None:
    print(json.dumps(targets(), ensure_ascii=False))


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comcep.settings.bench")
    django.setup()
    main()
