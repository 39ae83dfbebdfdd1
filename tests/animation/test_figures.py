"""Each figure of the dashboard, computed on small hand-built data, at the period boundaries
(Europe/Paris)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from comcep.accounts.enums import MembershipStatus
from comcep.animation.members import compute_members
from comcep.animation.periods import custom
from comcep.taxonomy.models import Operator, Region
from forums import services as forum_services
from forums.animation import compute_activity, compute_answers, compute_moderation, median_first_answer
from forums.models import Thread
from resources import services as resource_services
from resources.animation import compute_to_review, compute_useful, compute_viewed
from resources.models import UsefulVote
from tests.factories import PendingUserFactory, UserFactory
from tests.factories.forums import SpaceFactory
from tests.factories.resources import ResourcePageFactory

from .helpers import paris

MARCH = custom(date(2026, 3, 1), date(2026, 3, 31))


def figures(data):
    return {str(f.label): f.value for f in data.figures}


def table(data, index=0):
    return {row[0]: row[1:] for row in data.tables[index].rows}


# --- Members ---------------------------------------------------------------------------------


@pytest.fixture
def members(db):
    ft, apec = Operator.objects.get(slug="france-travail"), Operator.objects.get(slug="apec")
    bretagne = Region.objects.get(slug="bretagne")
    people = {
        "joined_just_before": UserFactory(date_joined=paris(2026, 2, 28, 23, 30), operator=ft, region=bretagne,
                                          last_login=paris(2026, 3, 15, 10, 0)),
        "joined_first_minute": UserFactory(date_joined=paris(2026, 3, 1, 0, 10), operator=ft, region=bretagne),
        "joined_last_minute": UserFactory(date_joined=paris(2026, 3, 31, 23, 50), operator=apec, region=None),
        "joined_after": UserFactory(date_joined=paris(2026, 4, 1, 0, 5), operator=apec,
                                    last_login=paris(2026, 4, 1, 0, 6)),
        "old_poster": UserFactory(date_joined=paris(2025, 1, 1, 9, 0), operator=None, region=None),
        "late_poster": UserFactory(date_joined=paris(2025, 1, 1, 9, 0)),
    }
    PendingUserFactory(date_joined=paris(2026, 3, 10, 9, 0), operator=ft)  # not a member yet
    UserFactory(date_joined=paris(2026, 3, 10, 9, 0), operator=ft, deleted_at=timezone.now())
    UserFactory(date_joined=paris(2026, 3, 10, 9, 0), operator=ft, status=MembershipStatus.REJECTED)
    space = SpaceFactory()
    forum_services.create_thread(space=space, author=people["old_poster"], title="Posté à la dernière minute",
                                 body="Question ?", created_at=paris(2026, 3, 31, 23, 59))
    forum_services.create_thread(space=space, author=people["late_poster"], title="Posté trop tard",
                                 body="Question ?", created_at=paris(2026, 4, 1, 0, 1))
    return people


def test_new_and_active_members_by_operator_and_region(members):
    data = compute_members(MARCH)
    assert figures(data)["Nouveaux membres"] == 2          # joined at 00:10 on 1 March and 23:50 on 31 March
    assert figures(data)["Membres actifs"] == 2            # logged in on 15 March; posted at 23:59 on 31 March
    assert figures(data)["Membres au total"] == 6
    by_operator = table(data, 0)
    assert by_operator["France Travail"] == [1, 1, 2]      # new, active, total
    assert by_operator["Apec"] == [1, 0, 2]
    assert by_operator["Mission locale"] == [0, 0, 1]
    assert by_operator["Non renseigné"] == [0, 1, 1]
    assert by_operator["Cap emploi"] == [0, 0, 0]          # every operator is listed
    by_region = table(data, 1)
    assert by_region["Bretagne"] == [1, 1, 2]
    assert by_region["Non renseignée (ou nationale)"] == [1, 1, 2]
    assert len(by_region) == 19                            # 18 regions + not given
    assert data.chart.categories[0] == "France Travail"
    assert data.chart.series[0].values == [r[1] for r in data.tables[0].rows]


def test_pending_members_awaiting_approval_are_counted_today(members):
    assert figures(compute_members(MARCH))["Inscriptions à valider (aujourd'hui)"] == 1


# --- Forums ----------------------------------------------------------------------------------


def test_threads_and_replies_per_week(db):
    period = custom(date(2026, 3, 2), date(2026, 3, 15))  # two ISO weeks, Monday to Sunday
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()

    def thread(when, title="Sujet"):
        return forum_services.create_thread(space=space, author=author, title=title, body="Question ?",
                                            created_at=when)

    thread(paris(2026, 3, 1, 23, 59))                       # Sunday before: outside
    first = thread(paris(2026, 3, 2, 0, 1))                 # week 1
    thread(paris(2026, 3, 15, 23, 59))                      # week 2, last minute
    thread(paris(2026, 3, 16, 0, 0))                        # outside
    hidden = thread(paris(2026, 3, 3, 12, 0))
    moderator = UserFactory(is_superuser=True)
    forum_services.hide_thread(thread=hidden, moderator=moderator)
    forum_services.add_reply(thread=first, author=other, body="Réponse", created_at=paris(2026, 3, 2, 9, 0))
    forum_services.add_reply(thread=first, author=author, body="Merci", created_at=paris(2026, 3, 9, 9, 0))
    removed = forum_services.add_reply(thread=first, author=other, body="Hors sujet",
                                       created_at=paris(2026, 3, 10, 9, 0))
    forum_services.hide_post(post=removed, moderator=moderator, reason="Hors sujet")

    data = compute_activity(period)
    assert figures(data) == {"Sujets ouverts": 2, "Réponses": 2}
    assert data.chart.series[0].values == [1, 1]
    assert data.chart.series[1].values == [1, 1]
    assert [row[1:] for row in data.tables[0].rows] == [[1, 1], [1, 1]]
    assert data.tables[0].rows[0][0] == "semaine du 2 mars 2026"


def test_first_reply_at_is_the_first_answer_of_someone_else(db):
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()
    moderator = UserFactory(is_superuser=True)
    thread = forum_services.create_thread(space=space, author=author, title="Sujet", body="?",
                                          created_at=paris(2026, 3, 2, 9, 0))
    forum_services.add_reply(thread=thread, author=author, body="Personne ?", created_at=paris(2026, 3, 2, 10, 0))
    thread.refresh_from_db()
    assert thread.first_reply_at is None                     # the author's own follow-up is not an answer
    answer = forum_services.add_reply(thread=thread, author=other, body="Si !", created_at=paris(2026, 3, 2, 11, 0))
    forum_services.add_reply(thread=thread, author=moderator, body="Et moi", created_at=paris(2026, 3, 2, 12, 0))
    thread.refresh_from_db()
    assert thread.first_reply_at == paris(2026, 3, 2, 11, 0)
    forum_services.hide_post(post=answer, moderator=moderator, reason="Erreur")
    thread.refresh_from_db()
    assert thread.first_reply_at == paris(2026, 3, 2, 12, 0)  # recomputed from the rows
    forum_services.delete_post(post=Thread.objects.get(pk=thread.pk).last_post, user=moderator)
    thread.refresh_from_db()
    assert thread.first_reply_at is None


def test_unanswered_share_and_median_time_to_first_answer(db):
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()

    def thread(when, answers=()):
        t = forum_services.create_thread(space=space, author=author, title="Sujet", body="?", created_at=when)
        for who, delay in answers:
            forum_services.add_reply(thread=t, author=who, body="Réponse", created_at=when + delay)
        return t

    thread(paris(2026, 3, 1, 0, 0), [(other, timedelta(hours=1))])
    thread(paris(2026, 3, 11, 9, 0), [(author, timedelta(minutes=30)), (other, timedelta(hours=3))])
    thread(paris(2026, 3, 31, 23, 0), [(author, timedelta(minutes=5))])          # still unanswered
    thread(paris(2026, 2, 28, 23, 59))                                          # before: unanswered, not counted
    thread(paris(2026, 4, 1, 0, 0), [(other, timedelta(days=10))])               # after

    data = compute_answers(MARCH)
    values = figures(data)
    assert values["Sujets ouverts pendant la période"] == 3
    assert values["… encore sans réponse"] == 1
    assert values["Part des sujets sans réponse (%)"] == 33.3
    assert values["Délai médian de première réponse (heures)"] == 2.0          # median of 1 h and 3 h
    assert values["Sujets sans réponse aujourd'hui (toutes dates)"] == 2
    assert [f.display for f in data.figures][2:4] == ["33,3 %", "2 h 00"]
    assert data.tables[0].rows == [[space.title, 3, 1, 33.3]]


def test_median_of_an_odd_number_and_of_nothing(db):
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()
    assert median_first_answer(MARCH) is None
    for day, hours in ((2, 5), (3, 1), (4, 30)):
        t = forum_services.create_thread(space=space, author=author, title="Sujet test", body="?",
                                         created_at=paris(2026, 3, day, 8, 0))
        forum_services.add_reply(thread=t, author=other, body="R", created_at=paris(2026, 3, day, 8, 0)
                                 + timedelta(hours=hours))
    assert median_first_answer(MARCH) == timedelta(hours=5)


def test_flag_queue_size(db):
    space, author, reporter = SpaceFactory(), UserFactory(), UserFactory()
    thread = forum_services.create_thread(space=space, author=author, title="Sujet test", body="?")
    forum_services.flag(post=thread.last_post, reporter=reporter, reason="spam")
    data = compute_moderation(MARCH)
    assert figures(data)["Signalements à traiter"] == 1
    assert figures(data)["Messages en attente de validation"] == 0
    assert data.links[0].url == "/admin/echanges/moderation/"


# --- Resources -------------------------------------------------------------------------------


def test_most_useful_resources_in_the_period_and_overall(db):
    loved, liked, old = ResourcePageFactory(title="Très utile"), ResourcePageFactory(title="Utile"), \
        ResourcePageFactory(title="Utile autrefois")
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        resource_services.vote_useful(user=voter, page=loved)
    resource_services.vote_useful(user=voters[0], page=liked)
    resource_services.vote_useful(user=voters[1], page=old)
    UsefulVote.objects.filter(page=old).update(created_at=paris(2026, 2, 28, 23, 59))
    UsefulVote.objects.exclude(page=old).update(created_at=paris(2026, 3, 31, 23, 59))
    UsefulVote.objects.filter(page=loved, user=voters[2]).update(created_at=paris(2026, 4, 1, 0, 0))

    data = compute_useful(MARCH)
    assert figures(data)["Votes « utile » pendant la période"] == 3
    assert data.tables[0].rows == [["Très utile", 2, 3], ["Utile", 1, 1]]
    assert data.tables[0].links[0] == f"/admin/pages/{loved.pk}/edit/"
    assert [row[:2] for row in data.tables[1].rows] == [["Très utile", 3], ["Utile", 1], ["Utile autrefois", 1]]


def test_most_viewed_resources_count_only_people_viewing_published_pages(client, db):
    from comcep.animation import counters
    from comcep.animation.models import DailyViewCount
    from comcep.animation.periods import last_days

    popular, other = ResourcePageFactory(title="Populaire"), ResourcePageFactory(title="Moins vue")
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 Firefox/140"}
    for _ in range(3):
        assert client.get(popular.url, **browser).status_code == 200
    client.get(other.url, **browser)
    client.get(other.url, HTTP_USER_AGENT="Googlebot/2.1")     # robots are not counted
    client.head(other.url, **browser)
    assert DailyViewCount.objects.count() == 0                  # nothing written on a view
    assert counters.flush() == 2
    assert counters.flush() == 0
    client.get(popular.url, **browser)
    counters.flush()                                            # adds to today's row
    data = compute_viewed(last_days(30))
    assert figures(data)["Pages de ressources vues"] == 5
    assert data.tables[0].rows == [["Populaire", 4], ["Moins vue", 1]]
    assert data.chart.series[0].values == [4, 1]
    assert DailyViewCount.objects.get(object_id=popular.pk).count == 4


def test_views_are_written_by_the_process_once_the_interval_is_over(client, db, settings):
    from comcep.animation.models import DailyViewCount

    settings.ANIMATION_VIEWS_FLUSH_SECONDS = 0
    page = ResourcePageFactory()
    client.get(page.url, HTTP_USER_AGENT="Mozilla/5.0")
    assert DailyViewCount.objects.get(object_id=page.pk).count == 1


def test_resources_to_review_after_twelve_months(db):
    from comcep.animation.periods import local_today

    today = local_today()
    stale = ResourcePageFactory(title="Relue il y a 13 mois", last_reviewed_on=today - timedelta(days=400))
    ResourcePageFactory(title="Relue il y a 11 mois", last_reviewed_on=today - timedelta(days=330))
    never = ResourcePageFactory(title="Jamais relue, publiée il y a deux ans")
    type(never).objects.filter(pk=never.pk).update(first_published_at=timezone.now() - timedelta(days=730))
    fresh_but_old_review = ResourcePageFactory(title="Publiée récemment")
    ResourcePageFactory(title="Brouillon ancien", live=False, last_reviewed_on=today - timedelta(days=900))

    data = compute_to_review(MARCH)
    assert figures(data)["Ressources à relire"] == 2
    assert [row[0] for row in data.tables[0].rows] == ["Jamais relue, publiée il y a deux ans",
                                                       "Relue il y a 13 mois"]
    assert data.tables[0].rows[1][1] == stale.last_reviewed_on
    assert data.tables[0].rows[0][2] == "première publication"
    assert data.tables[0].links == [f"/admin/pages/{never.pk}/edit/", f"/admin/pages/{stale.pk}/edit/"]
    assert fresh_but_old_review.title not in str(data.tables[0].rows)


def test_the_migration_backfills_first_reply_at_from_the_rows(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("forums.migrations.0003_thread_first_reply_at")
    space, author, other = SpaceFactory(), UserFactory(), UserFactory()
    answered = forum_services.create_thread(space=space, author=author, title="Sujet répondu", body="?",
                                            created_at=paris(2026, 3, 2, 9, 0))
    forum_services.add_reply(thread=answered, author=author, body="Relance", created_at=paris(2026, 3, 2, 9, 30))
    forum_services.add_reply(thread=answered, author=other, body="Réponse", created_at=paris(2026, 3, 2, 10, 0))
    alone = forum_services.create_thread(space=space, author=author, title="Sujet seul", body="?")
    Thread.objects.update(first_reply_at=None)
    migration.backfill_first_reply_at(apps, None)
    assert Thread.objects.get(pk=answered.pk).first_reply_at == paris(2026, 3, 2, 10, 0)
    assert Thread.objects.get(pk=alone.pk).first_reply_at is None


# --- Search (content gaps) -------------------------------------------------------------------


def test_content_gaps_of_the_period(db):
    from search.animation import compute_gaps
    from search.enums import GapStatus
    from search.models import SearchGap, SearchQueryLog

    missing = SearchGap.objects.create(key="financ permis", label="financement permis")
    handled = SearchGap.objects.create(key="vae", label="vae", status=GapStatus.HANDLED)
    for when, count, clicks in ((paris(2026, 3, 1, 0, 5), 0, 0), (paris(2026, 3, 31, 23, 55), 3, 0),
                                (paris(2026, 4, 1, 0, 5), 0, 0)):
        SearchQueryLog.objects.create(query="financement permis", gap=missing, result_count=count, clicks=clicks,
                                      created_at=when)
    SearchQueryLog.objects.create(query="vae", gap=handled, result_count=0, created_at=paris(2026, 3, 10, 9, 0))

    data = compute_gaps(MARCH)
    assert data.tables[0].rows == [["financement permis", 2, 1, 1, paris(2026, 3, 31, 23, 55)]]
    assert figures(data)["Recherches en échec (les 10 plus fréquentes)"] == 2
    assert data.links[0].url == "/admin/recherche/lacunes/?start=2026-03-01&end=2026-03-31"
