"""Access control by every path: build a site holding private marker texts, crawl it as a visitor, as an
approved member of another group and as a pending member, and check the marker never shows up.

The marker is one word (so the search engine indexes it as a token) that appears in a members-only
resource (title, body, attached document name and content), a draft resource, a restricted forum space
and its thread, a hidden post, a post awaiting approval, a private conversation between two other members,
a members-only event and a members-only news item.
"""
import datetime as dt
import re
from collections import deque
from html import escape
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from comcep.conversations import services as conversation_services
from comcep.events.enums import Visibility as EventVisibility
from comcep.news.enums import Visibility as NewsVisibility
from forums import services as forum_services
from forums.models import Post
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.events import EventPageFactory
from tests.factories.forums import SpaceFactory, make_thread
from tests.factories.news import NewsPageFactory
from tests.factories.resources import PDF_BYTES, ResourcePageFactory, make_document

MARK = "zqxsecret7f3a"  # group space, hidden, pending, draft: nobody here may see it
MEMBERS_MARK = "zqxmembres7f3a"  # members-only resource, document, event, news: approved members only
MAX_URLS = 400
HREF = re.compile(r"""(?:href|src|action)=["']([^"'#]+)""", re.I)
LOC = re.compile(r"<(?:loc|link|id)>([^<]+)</(?:loc|link|id)>", re.I)
ATOM_LINK = re.compile(r"""<link[^>]*href=["']([^"']+)""", re.I)
ICS_URL = re.compile(r"^URL[^:]*:(\S+)", re.M)
SKIP = ("/comptes/logout", "/comptes/deconnexion", "/static/", "/admin/", "/media/")


def _private_pdf(label: str, mark: str = MARK) -> bytes:
    return PDF_BYTES.replace(b"%%EOF", f"% {mark} {label}\n%%EOF".encode())


@pytest.fixture
def private_site(db, django_capture_on_commit_callbacks):
    """Every kind of private content, created through factories and services (search indexed on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        public_doc = make_document(name="guide-public.pdf", title="Guide public")
        members_doc = make_document(name=f"{MEMBERS_MARK}-grille.pdf", title=f"Grille {MEMBERS_MARK}",
                                    content=_private_pdf("membres", MEMBERS_MARK))
        draft_doc = make_document(name=f"{MARK}-brouillon.pdf", title=f"Brouillon {MARK}",
                                  content=_private_pdf("brouillon"))
        public = ResourcePageFactory(title="Préparer un entretien VAE", documents=[public_doc])
        members = ResourcePageFactory(
            title=f"Grille confidentielle {MEMBERS_MARK}", slug="grille-confidentielle", visibility="members",
            summary=f"Résumé réservé {MEMBERS_MARK}", body=[("rich_text", f"<p>Contenu réservé {MEMBERS_MARK}</p>")],
            documents=[members_doc])
        draft = ResourcePageFactory(title=f"Projet de fiche {MARK}", slug="projet-de-fiche", live=False,
                                    summary=f"Brouillon {MARK}", documents=[draft_doc])

        old = timezone.now() - dt.timedelta(days=60)
        veteran = UserFactory(display_name="Awa Diallo", date_joined=old)
        newcomer = UserFactory(display_name="Nouveau Venu")  # joined today: posts wait for approval
        moderator = ModeratorFactory(date_joined=old)
        normandie = Group.objects.create(name="Groupe Normandie")
        veteran.groups.add(normandie)
        restricted = SpaceFactory(slug="espace-normandie", title="Espace Normandie",
                                  description=f"Réservé au groupe {MARK}", groups=[normandie])
        make_thread(space=restricted, author=veteran, title=f"Sujet réservé {MARK}",
                    body=f"Message du groupe {MARK}")
        open_space = SpaceFactory(slug="espace-ouvert", title="Espace ouvert")
        thread = make_thread(space=open_space, author=veteran, title="Question ouverte sur le CPF",
                             body="Une question que tout membre peut lire.")
        hidden = forum_services.add_reply(thread=thread, author=veteran, body=f"Message masqué {MARK}")
        forum_services.hide_post(post=hidden, moderator=moderator, reason="Hors charte")
        pending = forum_services.add_reply(thread=thread, author=newcomer, body=f"Message en attente {MARK}")
        assert Post.objects.get(pk=pending.pk).needs_approval

        conversation = conversation_services.start_conversation(
            author=veteran, recipients=[moderator], subject=f"Échange privé {MARK}",
            body=f"Message privé {MARK}", rate_limited=False)

        event = EventPageFactory(title=f"Atelier réservé {MEMBERS_MARK}", slug="atelier-reserve",
                                 visibility=EventVisibility.MEMBERS,
                                 description=f"<p>Programme réservé {MEMBERS_MARK}</p>")
        news = NewsPageFactory(title=f"Actualité réservée {MEMBERS_MARK}", slug="actualite-reservee",
                               visibility=NewsVisibility.MEMBERS, intro=f"Intro réservée {MEMBERS_MARK}")
    thread.refresh_from_db()
    return {
        "public": public, "members": members, "draft": draft, "docs": [members_doc, draft_doc],
        "public_doc": public_doc, "thread": thread, "restricted": restricted, "event": event, "news": news,
        "hidden": hidden, "pending": pending, "restricted_thread": restricted.threads.get(),
        "conversation": conversation,
    }


def _links(content_type: str, text: str, base: str) -> list[str]:
    if not any(t in content_type for t in ("html", "xml", "calendar", "rss", "atom")):
        return []
    found = HREF.findall(text) + LOC.findall(text) + ATOM_LINK.findall(text) + ICS_URL.findall(text)
    return [urljoin(base, unquote(u.strip()).replace("&amp;", "&")) for u in found]


def _local(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver", "localhost"):
        return None
    path = parts.path or "/"
    if any(path.startswith(s) for s in SKIP):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _check(url, response, body, marks):
    body = body.lower()
    for mark in marks:
        if mark in url:  # the search and the login page (?next=) echo what was asked: not a leak
            parts = urlsplit(url)
            echoes = [parts.path] + [v for values in parse_qs(parts.query).values() for v in values]
            for echo in sorted({e.lower() for e in echoes}, key=len, reverse=True):
                for form in (echo, quote(echo, safe="/"), quote(echo, safe=""), escape(echo)):
                    body = body.replace(form.lower(), "")
        assert mark not in body, f"private marker {mark} in {url} ({response.status_code})"
        assert mark not in response.get("Content-Disposition", "").lower(), url


def crawl(client: Client, seeds: list[str], marks) -> dict[str, int]:
    """BFS over same-site links (GET only, redirects followed by hand). Fails on a marker or a 5xx."""
    seen: dict[str, int] = {}
    queue = deque(seeds)
    while queue and len(seen) < MAX_URLS:
        url = _local(queue.popleft())
        if url is None or url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        assert response.status_code < 500, url
        body = _body(response)
        _check(url, response, body, marks)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(urljoin(url, response["Location"]))
        elif response.status_code == 200:
            queue.extend(_links(response.get("Content-Type", ""), body, "http://testserver" + url))
    return seen


def _entry_points(site) -> list[str]:
    return [
        "/", "/sitemap.xml", "/ressources/", "/ressources/flux.rss", "/ressources/flux.atom",
        "/actualites/", "/actualites/flux.rss", "/agenda/", "/agenda/agenda.ics", "/echanges/",
        f"/recherche/?q={MARK}", f"/recherche/api/?q={MARK}", f"/recherche/suggestions/?q={MARK[:6]}",
        f"/recherche/?q={MEMBERS_MARK}", f"/recherche/api/?q={MEMBERS_MARK}",
        f"/recherche/suggestions/?q={MEMBERS_MARK[:8]}", "/recherche/api/?q=sujet+r%C3%A9serv%C3%A9",
        "/recherche/?q=grille+confidentielle", "/recherche/api/?q=message+masqu%C3%A9",
        "/recherche/suggestions/?q=grille", "/mon-espace/", "/mon-espace/notifications/",
        "/ressources-actions/favoris/", "/ressources-actions/mes-propositions/", "/messages/", "/groupes/",
        "/annuaire/",
    ]


def _direct_urls(site, *, members_content: bool) -> list[str]:
    urls = [site["docs"][1].url, f"/ressources/{site['draft'].slug}/",
            f"/echanges/{site['restricted'].slug}/", site["restricted_thread"].get_absolute_url(),
            f"/echanges/message/{site['hidden'].pk}/historique/",
            f"/echanges/message/{site['pending'].pk}/historique/", site["conversation"].get_absolute_url()]
    if members_content:
        urls += [site["docs"][0].url, site["members"].url, site["event"].url, site["news"].url,
                 f"/echanges/message/{site['hidden'].pk}/", f"/echanges/message/{site['pending'].pk}/",
                 site["thread"].get_absolute_url()]
    return urls


def _assert_crawl(client, site, *, marks, login_redirect: bool):
    members_content = MEMBERS_MARK in marks
    seeds = _entry_points(site) + [site["thread"].get_absolute_url(), site["public"].url]
    seeds += _direct_urls(site, members_content=members_content)
    seen = crawl(client, seeds, marks)
    assert len(seen) > 20, "the crawl reached too few pages to mean anything"
    # The public content is reachable, so the crawl did see real pages.
    assert seen.get(site["public"].url) == 200
    assert seen.get(site["public_doc"].url) == 200
    for url in _direct_urls(site, members_content=members_content):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), f"{url} answered {response.status_code}"
        _check(url, response, _body(response), marks)
        if response.status_code == 302 and login_redirect:
            assert response["Location"].startswith("/comptes/login/"), url
    return seen


def test_visitor_never_sees_private_content(private_site):
    _assert_crawl(Client(), private_site, marks=(MARK, MEMBERS_MARK), login_redirect=True)


def test_member_of_another_group_never_sees_private_content(private_site):
    bretagne = Group.objects.create(name="Groupe Bretagne")
    reader = UserFactory(display_name="Lecteur Bretagne", date_joined=timezone.now() - dt.timedelta(days=30))
    reader.groups.add(bretagne)
    client = Client()
    client.force_login(reader)
    # Members-only resources, events and news are for every approved member (the login works).
    assert MEMBERS_MARK in client.get(private_site["members"].url).content.decode().lower()
    # A thread the reader follows: they get notified of its visible replies only.
    forum_services.follow(reader, thread=private_site["thread"])
    seen = _assert_crawl(client, private_site, marks=(MARK,), login_redirect=False)
    assert seen.get(private_site["thread"].get_absolute_url()) == 200
    export = client.post("/mon-espace/mes-donnees/")
    assert export.status_code == 200
    assert MARK not in export.content.decode().lower()


def test_pending_member_never_sees_private_content(private_site):
    pending = PendingUserFactory()
    client = Client()
    client.force_login(pending)
    _assert_crawl(client, private_site, marks=(MARK, MEMBERS_MARK), login_redirect=False)
    export = client.post("/mon-espace/mes-donnees/")
    assert export.status_code == 200
    assert MEMBERS_MARK not in export.content.decode().lower()
