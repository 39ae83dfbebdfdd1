import pytest
from django.urls import reverse
from django.utils import timezone

from comcep.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/mon-espace/notifications/"


def test_pages_require_login(client):
    n = NotificationFactory()
    for url in (LIST_URL, f"/mon-espace/notifications/{n.pk}/", "/mon-espace/notifications/preferences/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/")
    assert Notification.objects.get().read_at is None


def test_list_shows_my_notifications_newest_first_with_unread_in_words(client, member):
    old = NotificationFactory(recipient=member, title="Ancienne réponse", read_at=timezone.now())
    old.created_at = timezone.now() - timezone.timedelta(days=2)
    old.save()
    NotificationFactory(recipient=member, title="Réponse récente", actor=UserFactory(display_name="Camille R."))
    NotificationFactory(title="Pour quelqu'un d'autre")
    client.force_login(member)
    html = client.get(LIST_URL).content.decode()
    assert html.index("Réponse récente") < html.index("Ancienne réponse")
    assert "Pour quelqu&#x27;un d&#x27;autre" not in html and "Pour quelqu'un d'autre" not in html
    assert "Non lue" in html
    assert "Camille R." in html
    assert "Tout marquer comme lu" in html


def test_list_is_paginated(client, member):
    NotificationFactory.create_batch(30, recipient=member)
    client.force_login(member)
    first = client.get(LIST_URL)
    assert first.content.decode().count('class="notification ') == 25
    second = client.get(LIST_URL, {"page": 2})
    assert second.content.decode().count('class="notification ') == 5
    assert client.get(LIST_URL, {"page": "abc"}).status_code == 200


def test_list_page_queries_do_not_grow(client, member, django_assert_max_num_queries):
    actors = UserFactory.create_batch(3)
    client.force_login(member)
    NotificationFactory.create_batch(2, recipient=member, actor=actors[0])
    with django_assert_max_num_queries(6):
        assert client.get(LIST_URL).status_code == 200
    for i in range(40):
        NotificationFactory(recipient=member, actor=actors[i % 3])
    with django_assert_max_num_queries(6):
        assert client.get(LIST_URL).status_code == 200


def test_opening_marks_read_and_redirects_to_the_target(client, member):
    n = NotificationFactory(recipient=member, url="/echanges/vae/12-financer-une-vae/#post-4")
    client.force_login(member)
    response = client.get(f"/mon-espace/notifications/{n.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/echanges/vae/12-financer-une-vae/#post-4"
    n.refresh_from_db()
    assert n.read_at is not None


def test_only_the_recipient_may_open_or_mark_a_notification(client, member):
    theirs = NotificationFactory()
    client.force_login(member)
    assert client.get(f"/mon-espace/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/mon-espace/notifications/{theirs.pk}/lue/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_never_redirects_off_site(client, member):
    n = NotificationFactory(recipient=member, url="https://phishing.example/comcep")
    client.force_login(member)
    response = client.get(f"/mon-espace/notifications/{n.pk}/")
    assert response["Location"] == LIST_URL


def test_mark_one_read(client, member):
    n = NotificationFactory(recipient=member)
    client.force_login(member)
    response = client.post(f"/mon-espace/notifications/{n.pk}/lue/", {"next": "https://evil.example/"})
    assert response["Location"] == LIST_URL
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read_needs_post_and_touches_only_mine(client, member):
    mine = NotificationFactory.create_batch(3, recipient=member)
    theirs = NotificationFactory()
    client.force_login(member)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 3
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "Toutes vos notifications sont marquées comme lues." in response.content.decode()
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_requires_the_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    NotificationFactory(recipient=member)
    client.force_login(member)
    assert client.post(reverse("notifications:mark_all_read")).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_bell_shows_the_unread_count_in_words(client, member):
    NotificationFactory.create_batch(3, recipient=member)
    NotificationFactory(recipient=member, read_at=timezone.now())
    NotificationFactory()  # someone else's
    client.force_login(member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert '<span class="badge">3<span class="visually-hidden"> non lues</span></span>' in html
    assert f'href="{LIST_URL}"' in html


def test_bell_without_unread_has_no_badge_and_caps_large_counts(client, member):
    client.force_login(member)
    assert 'class="badge"' not in client.get(reverse("accounts:dashboard")).content.decode()
    NotificationFactory.create_batch(120, recipient=member)
    assert '<span class="badge">99+' in client.get(reverse("accounts:dashboard")).content.decode()


def test_bell_costs_one_query(client, member):
    """The bell reads the notifications table once per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(member)
    NotificationFactory.create_batch(5, recipient=member)
    client.get(reverse("accounts:dashboard"))  # warm sessions etc.
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("accounts:dashboard"))
    bell_queries = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(bell_queries) == 1


def test_anonymous_visitors_have_no_bell(client):
    assert "badge" not in client.get(reverse("account_login")).content.decode()


def test_a_member_whose_membership_was_withdrawn_no_longer_reads_the_notifications(client, member, moderator):
    """Titles and excerpts are members' content (forum posts, private messages): once the membership is
    withdrawn (the account still logs in), the list and the bell show none of them, and re-approval
    brings them back."""
    from comcep.accounts import services as accounts

    NotificationFactory(recipient=member, title="Nouveau message de Camille dans « Un bénéficiaire »",
                        excerpt="Son numéro de dossier est le 4242.")
    accounts.reject(member, None, "Adhésion retirée.")
    client.force_login(member)
    html = client.get(LIST_URL).content.decode()
    assert "4242" not in html and "Un bénéficiaire" not in html
    assert 'class="badge"' not in client.get("/mon-espace/").content.decode()

    accounts.approve(member, by=moderator)
    html = client.get(LIST_URL).content.decode()
    assert "4242" in html
