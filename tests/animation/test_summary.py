"""The weekly summary e-mail to moderators: content, opt-out, never twice for the same ISO week."""

from datetime import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from comcep.animation.models import SummaryDelivery
from comcep.animation.periods import PARIS
from comcep.animation.summary import KIND, iso_week, send_weekly_summary
from comcep.notifications.services import set_preferences
from forums import services as forum_services
from tests.factories import ModeratorFactory, PendingUserFactory, UserFactory
from tests.factories.forums import SpaceFactory

MONDAY = datetime(2026, 11, 23, 7, 30, tzinfo=PARIS)


@pytest.fixture
def community(db):
    moderators = [ModeratorFactory(email="anim1@example.fr"), ModeratorFactory(email="anim2@example.fr")]
    PendingUserFactory()
    author, reporter = UserFactory(), UserFactory()
    space = SpaceFactory()
    thread = forum_services.create_thread(space=space, author=author, title="Sans réponse encore", body="?")
    forum_services.flag(post=thread.last_post, reporter=reporter, reason="spam")
    return moderators


def test_each_moderator_gets_the_summary_with_the_figures_and_the_dashboard_link(community):
    report = send_weekly_summary(MONDAY)
    assert report.sent == 2 and report.week == "2026-W48"
    assert sorted(m.to[0] for m in mail.outbox) == ["anim1@example.fr", "anim2@example.fr"]
    message = mail.outbox[0]
    assert "le point de la semaine" in message.subject and "2026-W48" in message.subject
    assert "Inscriptions en attente de validation : 1" in message.body
    assert "Signalements à traiter : 1" in message.body
    assert "Sujets sans réponse : 1" in message.body
    assert "Nouveaux membres (7 derniers jours) : 4" in message.body  # 2 moderators + 2 members this week
    assert "/admin/animation/" in message.body
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert 'href="http://testserver/admin/animation/"' in html or "/admin/animation/" in html
    assert "/echanges/sans-reponse/" in html
    assert "List-Unsubscribe" in message.extra_headers


def test_never_sent_twice_for_the_same_week(community):
    send_weekly_summary(MONDAY)
    assert len(mail.outbox) == 2
    report = send_weekly_summary(MONDAY.replace(day=29, hour=23))  # Sunday night, same ISO week
    assert report.sent == 0 and report.already_sent == 2
    assert len(mail.outbox) == 2
    next_week = send_weekly_summary(MONDAY.replace(day=30))  # Monday of week 49: sent again
    assert next_week.sent == 2 and next_week.week == "2026-W49"
    assert len(mail.outbox) == 4


def test_the_command_and_the_task_are_idempotent_too(community):
    from comcep.animation.tasks import send_animation_summary_task

    call_command("send_animation_summary")
    call_command("send_animation_summary")
    send_animation_summary_task.enqueue()
    assert len(mail.outbox) == 2
    assert SummaryDelivery.objects.filter(week=iso_week()).count() == 2


def test_a_moderator_who_opted_out_gets_nothing(community):
    set_preferences(community[0], {KIND: "never"})
    report = send_weekly_summary(MONDAY)
    assert report.sent == 1 and report.opted_out == 1
    assert [m.to for m in mail.outbox] == [["anim2@example.fr"]]


def test_members_are_never_recipients(community):
    send_weekly_summary(MONDAY)
    assert all(m.to[0].startswith("anim") for m in mail.outbox)


def test_a_mail_server_failure_is_retried_next_run(community, settings):
    settings.EMAIL_BACKEND = "tests.animation.test_summary.FailingBackend"
    report = send_weekly_summary(MONDAY)
    assert report.sent == 0 and len(report.failed) == 2
    assert not SummaryDelivery.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_weekly_summary(MONDAY).sent == 2


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_iso_week_is_taken_in_paris():
    # Sunday 23:30 in Paris is Sunday 22:30 UTC: still week 48; Monday 00:30 Paris is week 49.
    assert iso_week(datetime(2026, 11, 29, 23, 30, tzinfo=PARIS)) == "2026-W48"
    assert iso_week(datetime(2026, 11, 30, 0, 30, tzinfo=PARIS)) == "2026-W49"


def test_gdpr_export_and_deletion_of_the_deliveries(community):
    from comcep.animation.summary import anonymise, export_member_data

    send_weekly_summary(MONDAY)
    moderator = community[0]
    assert [row["week"] for row in export_member_data(moderator)] == ["2026-W48"]
    anonymise(moderator)
    assert not SummaryDelivery.objects.filter(recipient=moderator).exists()
    assert SummaryDelivery.objects.count() == 1


def test_moderators_find_the_unanswered_list_from_the_spaces_page(client, community, member):
    client.force_login(community[0])
    assert 'href="/echanges/sans-reponse/"' in client.get("/echanges/").content.decode()
    client.force_login(member)
    assert 'href="/echanges/sans-reponse/"' not in client.get("/echanges/").content.decode()


def test_the_weekly_summary_is_offered_to_moderators_only(client, moderator):
    """The preferences page offers « Résumé hebdomadaire de l'animation » to those who receive it."""
    label = "Résumé hebdomadaire de l&#x27;animation (équipe d&#x27;animation)"
    client.force_login(moderator)
    assert label in client.get("/mon-espace/notifications/preferences/").content.decode()
    client.force_login(UserFactory())
    html = client.get("/mon-espace/notifications/preferences/").content.decode()
    assert label not in html and "Messages privés" in html
