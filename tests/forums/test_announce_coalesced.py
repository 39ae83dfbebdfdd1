"""A thread's posts are announced by one coalesced task (``forums.tasks.announce_thread``), with the
database queue as in production: a burst of replies gives exactly the notifications that one task per post
gave (same recipients, texts, dedupe keys, order per post) and e-mails each of them once, one e-mail per
recipient for the burst (docs/notifications.md, "E-mail life cycle"), no post is announced twice,
a post committed after a task ran is still announced, a moderated post only once approved, and tasks
``announce_post(id)`` queued before the upgrade still announce their post."""

import functools
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from comcep.notifications.models import Notification
from forums import services
from forums.models import Post, Thread
from forums.tasks import announce_post
from tests.factories import UserFactory
from tests.factories.forums import SpaceFactory, make_thread
from tests.notifications.outbox import linked, mailed, tokens_read

# Transactional: the worker runs tasks in autocommit, where a commit runs its on_commit callbacks at once.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("restore_migrated_data")]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _announce_tasks() -> list[DBTaskResult]:
    """The announce tasks ready to run, in queue order (tasks queued in the same microsecond: by argument)."""
    tasks = [t for t in DBTaskResult.objects.ready() if ".announce_" in t.task_path]
    return sorted(tasks, key=lambda t: (t.enqueued_at, t.task_result.args))


def _run(task: DBTaskResult) -> None:
    """What db_worker does with a task: claim, run, mark successful."""
    task.claim("test")
    result = task.task_result
    task.task.call(*result.args, **result.kwargs)
    task.set_successful(None)


def _run_announcements() -> int:
    tasks = _announce_tasks()
    for task in tasks:
        _run(task)
    return len(tasks)


class Cast:
    """The members of the scenario: the thread's author, its followers (one deleted), a follower of the
    space, two repliers, a member mentioned who follows nothing, a new member whose post is moderated."""

    def __init__(self):
        self.author = UserFactory(display_name="Alice Auteur")
        self.follower = UserFactory(display_name="Fanny Suiveuse")
        self.gone = UserFactory()
        self.space_follower = UserFactory()
        self.replier = UserFactory(display_name="Rémi Répond")
        self.other = UserFactory()
        self.mentioned = UserFactory(display_name="Mona Mention")
        self.newcomer = UserFactory()


def _scenario(cast: Cast, space, *, between=lambda: None) -> Thread:
    """The thread and its replies; ``between`` runs after each action."""
    thread = make_thread(space=space, author=cast.author, title="Financement d'une VAE",
                         body="Bonjour, qui finance une VAE ?")
    between()
    services.follow(cast.follower, thread=thread)
    services.follow(cast.gone, thread=thread)
    for body, who in [("Le CPF, en général.", cast.replier),
                      ("Voir @Fanny Suiveuse et @Mona Mention, qui connaissent.", cast.other),
                      ("Merci @Alice Auteur, je complète : la région aussi.", cast.replier)]:
        services.add_reply(thread=thread, author=who, body=body)
        between()
    # A post awaiting approval (a new member's): not announced until approved.
    Post.objects.create(thread=thread, author=cast.newcomer, body="Et Pôle emploi ?", html="<p>Et Pôle emploi ?</p>",
                        needs_approval=True)
    services.add_reply(thread=thread, author=cast.other, body="Dernière précision.")
    between()
    return thread


def _normalised(thread: Thread) -> tuple[list, list, dict]:
    """The thread's notifications (in creation order), the e-mails sent, and per recipient's address the
    notifications their e-mails list (one list per e-mail, each notification by its rank in the first
    list), with the thread's and posts' ids replaced by their rank, so that two threads built alike
    compare equal."""
    posts = list(Post.objects.filter(thread=thread).order_by("pk"))
    ranks = {p.pk: f"post{chr(65 + i)}" for i, p in enumerate(posts)}  # postA, postB…
    urls = {p.get_absolute_url(): f"/{ranks[p.pk]}/" for p in posts}
    urls[thread.get_absolute_url()] = "/thread/"

    def norm(text: str) -> str:
        for url, rank in sorted(urls.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(url, rank)
        text = re.sub(r"forums\.post\.(\d+)", lambda m: f"forums.post.{ranks.get(int(m[1]), '?')}", text)
        text = re.sub(r"forums\.thread\.\d+", "forums.thread.T", text)
        # The unsubscribe links' signed tokens hold the second they were made: compared by what they carry.
        text = tokens_read(text)
        return re.sub(r"\d+", "#", text)  # notification ids in links, dates

    rows, rank_of = [], {}
    for n in Notification.objects.order_by("pk"):
        rank_of[n.pk] = len(rows)
        target = ranks.get(int(n.target_id)) if n.target_type.model == "post" else n.target_type.model
        rows.append((n.recipient_id, n.kind, n.title, norm(n.url), n.excerpt, norm(n.dedupe_key or ""), n.actor_id,
                     target, n.delivery, n.email_status))
    mails = [(m.to, m.subject, norm(m.body), [norm(html) for html, _type in getattr(m, "alternatives", [])])
             for m in mail.outbox]
    listed = {}
    for m in mail.outbox:
        listed.setdefault(m.to[0], []).append([rank_of[pk] for pk in linked(m)])
    return rows, mails, listed


def test_a_burst_of_replies_gives_the_notifications_of_one_task_per_post_and_one_email_per_recipient(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    cast = Cast()
    space = SpaceFactory()
    services.follow(cast.space_follower, space=space)
    type(cast.gone).objects.filter(pk=cast.gone.pk).update(deleted_at=timezone.now())
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0

    # The old queue: one announce_post(id) task per public post, in the order they were posted, run by the
    # worker after the burst (as under load: each task reads the followers when it runs).
    one_by_one = _scenario(cast, space)
    DBTaskResult.objects.filter(task_path__endswith=".announce_thread").delete()
    public = list(Post.objects.filter(thread=one_by_one, announce_pending=True).order_by("pk"))
    Post.objects.filter(thread=one_by_one).update(announce_pending=None)
    for post in public:
        announce_post.enqueue(post.pk)
    assert _run_announcements() == len(public) == 5
    expected = _normalised(one_by_one)
    Notification.objects.all().delete()
    mail.outbox.clear()

    # The same actions on a second thread, then the worker: one task announces the five posts.
    # (The first thread dated back: the same question at once would be taken for a resubmission.)
    Thread.objects.filter(pk=one_by_one.pk).update(created_at=timezone.now() - timedelta(hours=1))
    burst = _scenario(cast, space)
    assert [t.task_result.args for t in _announce_tasks()] == [[burst.pk]]
    assert _run_announcements() == 1
    rows, mails, listed = _normalised(burst)
    expected_rows, expected_mails, expected_listed = expected
    assert rows == expected_rows
    # One task per post sent one e-mail per notification; the burst's task sends each recipient one e-mail
    # listing the same notifications, in the same order (a single one: the same message as per post).
    assert all(len(per_mail) == 1 for lists in expected_listed.values() for per_mail in lists)
    by_address = {to: (subject, body, html) for (to,), subject, body, (html,) in mails}
    assert len(by_address) == len(mails) == len(expected_listed)
    for to, lists in expected_listed.items():
        ranks = [rank for (rank,) in lists]
        assert listed[to] == [ranks]
        subject, body, html = by_address[to]
        if len(ranks) == 1:  # the very message one task per post sent
            assert ([to], subject, body, [html]) == next(m for m in expected_mails if m[0] == [to])
        else:
            assert subject == f"[Comcep] {len(ranks)} nouvelles notifications"
            titles = [expected_rows[rank][2] for rank in ranks]
            digits = functools.partial(re.sub, r"\d+", "#")  # as in the normalised texts
            assert all(digits(title) in body and digits(escape(title)) in html for title in titles)
    # Mailed (the new thread goes to the space follower's digest by default): the author 4, the follower 4,
    # the other replier 2, the first replier 2, the mentioned member 1.
    assert sorted(len(lists) for lists in expected_listed.values()) == [1, 2, 2, 4, 4]

    # What that is, explicitly: per post, mentions first, then the followers by id (those following when
    # the task ran: the repliers follow from their first reply); nobody twice per post, nothing for the
    # deleted follower, the moderated post, or the authors themselves.
    rows, mails = expected_rows, expected_mails
    by_post = {}
    for recipient, kind, _title, _url, _excerpt, key, *_rest in rows:
        by_post.setdefault(key, []).append((kind, recipient))
    c = cast
    assert by_post == {
        "forums.thread.T": [("new_thread", c.space_follower.pk)],
        "forums.post.postB": [("reply", c.author.pk), ("reply", c.follower.pk), ("reply", c.other.pk)],
        "forums.post.postC": [("mention", c.follower.pk), ("mention", c.mentioned.pk),
                              ("reply", c.author.pk), ("reply", c.replier.pk)],
        "forums.post.postD": [("mention", c.author.pk), ("reply", c.follower.pk), ("reply", c.other.pk)],
        "forums.post.postF": [("reply", c.author.pk), ("reply", c.follower.pk), ("reply", c.replier.pk)],
    }
    assert len(mails) >= len(by_post)  # the immediate ones (the default for replies and mentions)
    assert all("unsubscribe-" in body for _to, _subject, body, _html in mails)
    assert not Post.objects.filter(announce_pending=True).exists()
    assert not [t for t in DBTaskResult.objects.ready() if t.task_path.endswith("send_immediate_emails")]


def _thread_with_follower(settings):
    settings.FORUMS_NEW_MEMBER_DAYS = 0
    author, follower, replier = UserFactory(), UserFactory(), UserFactory()
    thread = make_thread(space=SpaceFactory(), author=author)
    services.follow(follower, thread=thread)
    settings.TASKS = DATABASE_QUEUE
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 0
    return thread, author, follower, replier


def _replies_per_recipient(thread) -> dict[tuple[int, str], int]:
    counts = {}
    for recipient, key in Notification.objects.filter(kind="reply").values_list("recipient_id", "dedupe_key"):
        counts[recipient, key] = counts.get((recipient, key), 0) + 1
    return counts


def test_two_tasks_of_a_thread_never_announce_a_post_twice(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    posts = [services.add_reply(thread=thread, author=replier, body=f"Réponse {i}.") for i in range(3)]
    # Two workers each holding a task of the thread (a second one queued by hand, as a task claimed
    # meanwhile would have let a reply queue).
    from forums.tasks import announce_thread

    announce_thread.enqueue(thread.pk)
    first, second = _announce_tasks()
    _run(first)
    sent = len(mail.outbox)
    _run(second)
    # One e-mail per recipient (author, follower) listing the three posts' notifications, each once.
    assert len(mail.outbox) == sent == 2
    assert set(mailed(mail.outbox).values()) == {1} and len(mailed(mail.outbox)) == 2 * len(posts)
    assert set(_replies_per_recipient(thread).values()) == {1}

    # A post another worker finished between this task's read and its claim is not announced again.
    later = services.add_reply(thread=thread, author=replier, body="Encore une.")
    (task,) = _announce_tasks()
    real_claim = services._claim_announcements

    def claimed_elsewhere(thread_id, post_ids):
        Post.objects.filter(pk__in=post_ids).update(announce_pending=None)  # the other worker's finished posts
        return real_claim(thread_id, post_ids)

    with mock.patch.object(services, "_claim_announcements", claimed_elsewhere):
        _run(task)
    assert not Notification.objects.filter(dedupe_key=f"forums.post.{later.pk}").exists()
    assert len(mail.outbox) == sent


def test_a_reply_committed_after_the_task_started_is_announced_by_the_next_one(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    services.add_reply(thread=thread, author=replier, body="Avant.")
    (running,) = _announce_tasks()
    running.claim("test")  # the worker has started it: it may have read the thread already
    late = services.add_reply(thread=thread, author=replier, body="Pendant.")
    (queued,) = _announce_tasks()  # a started task does not count as waiting: the reply queued another
    assert queued.pk != running.pk
    running.task.call(thread.pk)
    running.set_successful(None)
    _run(queued)
    keys = _replies_per_recipient(thread)
    assert keys[follower.pk, f"forums.post.{late.pk}"] == 1
    assert set(keys.values()) == {1} and len(keys) == 4  # two posts, author and follower each
    # A reply after every task finished queues a new one.
    last = services.add_reply(thread=thread, author=replier, body="Après.")
    assert _run_announcements() == 1
    assert Notification.objects.filter(dedupe_key=f"forums.post.{last.pk}").count() == 2


def test_a_moderated_post_is_announced_on_approval_and_not_before(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    moderator = UserFactory(is_superuser=True)
    pending = Post.objects.create(thread=thread, author=replier, body="Voir @x", html="<p>Voir @x</p>",
                                  needs_approval=True)
    services.add_reply(thread=thread, author=replier, body="Une réponse publique.")
    assert _run_announcements() == 1
    assert not Notification.objects.filter(dedupe_key=f"forums.post.{pending.pk}").exists()
    assert Post.objects.get(pk=pending.pk).announce_pending is None

    services.approve_post(post=pending, moderator=moderator)
    assert _run_announcements() == 1
    announced = Notification.objects.filter(dedupe_key=f"forums.post.{pending.pk}")
    assert sorted(announced.values_list("recipient_id", flat=True)) == sorted([author.pk, follower.pk])
    assert Notification.objects.filter(recipient=replier, kind="moderation").exists()


def test_a_post_hidden_before_its_task_is_not_announced_even_once_restored(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    moderator = UserFactory(is_superuser=True)
    post = services.add_reply(thread=thread, author=replier, body="Un message masqué ensuite.")
    services.hide_post(post=post, moderator=moderator, reason="Hors sujet")
    _run_announcements()
    services.restore_post(post=post, moderator=moderator)
    services.add_reply(thread=thread, author=replier, body="Une autre réponse.")
    _run_announcements()
    assert not Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}").exists()  # as one task per post


def test_a_failed_announcement_is_retried_by_the_next_task_of_the_thread(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    post = services.add_reply(thread=thread, author=replier, body="Réponse.")
    (task,) = _announce_tasks()
    task.claim("test")
    with (mock.patch("comcep.notifications.services.effective_frequencies_by_kind", side_effect=RuntimeError("down")),
          pytest.raises(RuntimeError)):
        task.task.call(thread.pk)
    # Left claimed (not finished): still to announce, nothing sent.
    assert Post.objects.get(pk=post.pk).announce_pending is False
    assert not Notification.objects.exists() and mail.outbox == []
    services.add_reply(thread=thread, author=replier, body="Réponse suivante.")
    assert _run_announcements() == 1
    assert Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}").count() == 2


def test_posts_claimed_by_a_killed_worker_are_announced_by_the_requeued_task(settings):
    """A worker killed after its claim (the task left RUNNING, then made READY again by
    requeue_stale_tasks) did not lose the posts: the task run again announces them, once."""
    thread, author, follower, replier = _thread_with_follower(settings)
    posts = [services.add_reply(thread=thread, author=replier, body=f"Réponse {i}.") for i in range(2)]
    (task,) = _announce_tasks()
    task.claim("test")
    assert services._claim_announcements(thread.pk, [post.pk for post in posts]) == {post.pk for post in posts}
    # ... killed here: nothing announced, the posts claimed.
    assert not Notification.objects.exists()
    task.task.call(thread.pk)  # the requeued task
    assert _replies_per_recipient(thread) == {(who.pk, f"forums.post.{post.pk}"): 1
                                              for post in posts for who in (author, follower)}
    assert len(mail.outbox) == 2 and len(mailed(mail.outbox)) == 4  # one e-mail each, both posts listed
    task.task.call(thread.pk)  # run once more (two workers, or a second requeue): nothing new
    assert len(mail.outbox) == 2 and set(_replies_per_recipient(thread).values()) == {1}
    assert not Post.objects.filter(announce_pending__isnull=False).exists()


def test_a_post_edited_while_its_task_runs_is_announced_again(settings):
    """The task finishing a post does not clear the mark an edit wrote meanwhile: the edit's new mention
    is announced by the thread's next task."""
    thread, author, follower, replier = _thread_with_follower(settings)
    mentioned = UserFactory(display_name="Nina Nouvelle")
    post = services.add_reply(thread=thread, author=replier, body="Première version.")
    (task,) = _announce_tasks()
    task.claim("test")
    real_announce = services._announce_events

    def edited_meanwhile(announced, audience):
        events = real_announce(announced, audience)
        services.edit_post(post=Post.objects.get(pk=announced.pk), editor=replier,
                           body="Seconde version, pour @Nina Nouvelle.")
        return events

    with mock.patch.object(services, "_announce_events", edited_meanwhile):
        task.task.call(thread.pk)
    task.set_successful(None)
    assert Post.objects.get(pk=post.pk).announce_pending is True  # the edit's mark, left alone
    assert not Notification.objects.filter(recipient=mentioned).exists()
    assert _run_announcements() == 1
    assert Notification.objects.filter(recipient=mentioned, kind="mention").count() == 1
    assert set(_replies_per_recipient(thread).values()) == {1}


def test_a_task_queued_before_the_upgrade_still_announces_its_post(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    post = services.add_reply(thread=thread, author=replier, body="Réponse d'avant la mise à jour.")
    # As the migration leaves a post queued by the old code: no mark, one announce_post(id) task.
    DBTaskResult.objects.all().delete()
    Post.objects.filter(pk=post.pk).update(announce_pending=None)
    announce_post.enqueue(post.pk)
    assert _run_announcements() == 1
    recipients = Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}").values_list("recipient_id", flat=True)
    assert sorted(recipients) == sorted([author.pk, follower.pk])
    assert Post.objects.get(pk=post.pk).announce_pending is None
    announce_post.enqueue(post.pk)  # queued twice (an edit): announced once
    _run_announcements()
    assert Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}").count() == 2


def test_an_edit_announces_new_mentions_only(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    mentioned = UserFactory(display_name="Nina Nouvelle")
    post = services.add_reply(thread=thread, author=replier, body="Première version.")
    _run_announcements()
    services.edit_post(post=post, editor=replier, body="Première version, voir @Nina Nouvelle.")
    assert _run_announcements() == 1
    rows = Notification.objects.filter(dedupe_key=f"forums.post.{post.pk}")
    assert sorted(rows.values_list("kind", "recipient_id")) == sorted(
        [("reply", author.pk), ("reply", follower.pk), ("mention", mentioned.pk)])


def test_the_announce_task_waits_a_little_so_that_a_burst_shares_it(settings):
    thread, author, follower, replier = _thread_with_follower(settings)
    settings.FORUMS_ANNOUNCE_DELAY_SECONDS = 2
    before = timezone.now()
    for i in range(3):
        services.add_reply(thread=thread, author=replier, body=f"Réponse {i}.")
    (task,) = [t for t in DBTaskResult.objects.filter(status="READY") if t.task_path.endswith(".announce_thread")]
    assert before + timedelta(seconds=2) <= task.run_after <= timezone.now() + timedelta(seconds=2)
    assert _announce_tasks() == []  # not before its time
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())
    assert _run_announcements() == 1
    assert Notification.objects.filter(kind="reply").count() == 6


def test_a_backlog_is_claimed_by_batches_and_announced_whole(settings, monkeypatch):
    thread, author, follower, replier = _thread_with_follower(settings)
    monkeypatch.setattr(services, "ANNOUNCE_CLAIM_BATCH", 2)
    monkeypatch.setattr(services, "ANNOUNCE_EMAIL_GROUP", 2)
    posts = [services.add_reply(thread=thread, author=replier, body=f"Réponse {i}.") for i in range(5)]
    assert _run_announcements() == 1
    assert _replies_per_recipient(thread) == {(who.pk, f"forums.post.{post.pk}"): 1
                                              for post in posts for who in (author, follower)}
    # One e-mail per recipient and group of posts (2, 2, 1), each notification in one of them.
    assert len(mail.outbox) == 6
    assert mailed(mail.outbox) == {(n.recipient.email, n.pk): 1
                                   for n in Notification.objects.filter(kind="reply").select_related("recipient")}
    assert not Post.objects.filter(announce_pending=True).exists()
