"""Bulk spaces, threads and posts for ``seed_bulk`` (benchmarks).

Counters are computed in Python while generating, then written once (Thread.post_count,
last_post, last_post_at; Space.thread_count, post_count, last_post...), so they match what
``services.recount_thread`` / ``recount_space`` would compute. Post HTML comes from
``comcep.core.markdown.render_markdown`` (the one sanitising renderer); bodies are drawn from a
pool rendered once, which keeps 100k posts to seconds. The first thread gets exactly 50 posts
(the benchmark's "thread page with 50 posts") when the sizes allow it.
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from comcep.core.markdown import html_to_text, render_markdown
from comcep.core.seeding import SeedContext, Seeder, batched, markdown_document, paragraph, question
from comcep.notifications.models import Notification
from comcep.taxonomy.models import Theme

from .enums import SpaceVisibility
from .models import Post, Reaction, ReadMarker, Space, Subscription, Thread

SPACES = [
    ("vae", "Validation des acquis de l'expérience"), ("financement", "Financer une formation"),
    ("transitions-pro", "Projets de transition professionnelle"), ("outils", "Outils et méthodes d'entretien"),
    ("handicap", "Accompagner les personnes en situation de handicap"), ("jeunes", "Jeunes et missions locales"),
    ("creation", "Création et reprise d'entreprise"), ("territoires", "Emploi et territoires"),
    ("cadres", "Accompagnement des cadres"), ("pratiques", "Échanges de pratiques"),
    ("reglementation", "Réglementation et textes"), ("bienvenue", "Bienvenue et entraide"),
]
BIG_THREAD_POSTS = 50


def _reply_body(rng) -> str:
    roll = rng.random()
    if roll < 0.6:
        return paragraph(rng, (1, 4))
    if roll < 0.9:
        return paragraph(rng, (2, 4)) + "\n\n" + paragraph(rng, (2, 5))
    return markdown_document(rng, (1, 2))


class ForumSeeder(Seeder):
    key = "forums"
    order = 30

    def seed(self, ctx: SeedContext) -> None:
        rng = ctx.rng
        n_spaces, n_threads, n_posts = ctx.sizes["spaces"], ctx.sizes["threads"], ctx.sizes["posts"]
        member_ids = ctx.shared.get("member_ids") or []
        if not n_spaces or not member_ids:
            ctx.progress("forums: no spaces or no members to write with")
            return
        now = timezone.now()
        themes = list(Theme.objects.values_list("pk", flat=True))
        existing = set(Space.objects.values_list("slug", flat=True))
        spaces = []
        for n in range(n_spaces):
            slug, title = SPACES[n % len(SPACES)]
            if n >= len(SPACES):
                slug, title = f"{slug}-{n // len(SPACES) + 1}", f"{title} ({n // len(SPACES) + 1})"
            while slug in existing:
                slug = f"{slug}-bis"
            existing.add(slug)
            spaces.append(Space(slug=slug, title=title, description=paragraph(rng, (1, 2)),
                                visibility=SpaceVisibility.MEMBERS, sort_order=100 + n,
                                created_at=now - datetime.timedelta(days=800)))
        spaces = Space.objects.bulk_create(spaces)
        Space.themes.through.objects.bulk_create([
            Space.themes.through(space_id=s.pk, theme_id=t)
            for s in spaces for t in rng.sample(themes, k=min(len(themes), 2))
        ])

        # Pools of rendered bodies: rendering is the costly part.
        pool_size = max(1, min(n_posts, 3000))
        pool = []
        for _ in range(pool_size):
            body = _reply_body(rng)
            pool.append((body, render_markdown(body)))
        ctx.progress(f"forums: {len(spaces)} spaces, {pool_size} bodies rendered")

        # How many posts each thread gets: one each, the first thread 50, the rest heavy-tailed.
        sizes = [1] * n_threads
        extra = n_posts - n_threads
        if n_threads and extra > 0:
            big = min(BIG_THREAD_POSTS - 1, extra)
            sizes[0] += big
            extra -= big
            weights = [rng.paretovariate(1.2) for _ in range(n_threads)]
            weights[0] = 0
            if n_threads > 1:
                for index in rng.choices(range(n_threads), weights=weights, k=extra):
                    sizes[index] += 1
            else:
                sizes[0] += extra

        threads, plans = [], []
        for n in range(n_threads):
            space = spaces[0] if n == 0 else rng.choice(spaces)
            created = now - datetime.timedelta(minutes=rng.randint(60 * 24, 60 * 24 * 720))
            thread_title = question(rng)[:160]
            threads.append(Thread(space=space, author_id=rng.choice(member_ids), title=thread_title,
                                  slug=slugify(thread_title)[:80].strip("-") or "sujet", created_at=created,
                                  last_post_at=created))
            plans.append(created)
        for batch in batched(threads, 1000):
            Thread.objects.bulk_create(batch)
        ctx.progress(f"forums: {len(threads)} threads")

        posts_total, reactions, markers, subscriptions, notifications = 0, [], [], [], []
        post_ct = ContentType.objects.get_for_model(Post)
        space_totals = {s.pk: [0, 0, None] for s in spaces}  # threads, posts, last post
        posts_buffer: list[Post] = []
        thread_by_first = []

        def flush():
            nonlocal posts_buffer
            if posts_buffer:
                Post.objects.bulk_create(posts_buffer, batch_size=1000)
                posts_buffer = []

        per_thread_posts: list[list[Post]] = []
        for thread, created, count in zip(threads, plans, sizes, strict=True):
            when = created
            posts = []
            for k in range(count):
                if k:
                    when = min(when + datetime.timedelta(minutes=rng.randint(5, 60 * 48)), now)
                body, html = (question(rng) + "\n\n" + pool[rng.randrange(pool_size)][0], None) if k == 0 else \
                    pool[rng.randrange(pool_size)]
                if html is None:
                    html = render_markdown(body)
                likers = rng.sample(member_ids, k=min(len(member_ids), rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 2, 4))))
                post = Post(thread=thread, author_id=thread.author_id if k == 0 else rng.choice(member_ids),
                            body=body, html=html, created_at=when, useful_count=len(likers))
                post._seed_likers = likers
                posts.append(post)
            posts_buffer.extend(posts)
            per_thread_posts.append(posts)
            thread_by_first.append(thread)
            posts_total += count
            if len(posts_buffer) >= 5000:
                flush()
                ctx.progress(f"forums: {posts_total}/{n_posts} posts")
        flush()
        ctx.progress(f"forums: {posts_total} posts")

        for thread, posts in zip(threads, per_thread_posts, strict=True):
            last = posts[-1]
            thread.post_count, thread.last_post_id, thread.last_post_at = len(posts), last.pk, last.created_at
            thread.first_reply_at = next((p.created_at for p in posts if p.author_id != thread.author_id), None)
            totals = space_totals[thread.space_id]
            totals[0] += 1
            totals[1] += len(posts)
            if totals[2] is None or last.created_at > totals[2].created_at:
                totals[2] = last
            subscriptions.append(Subscription(user_id=thread.author_id, thread_id=thread.pk,
                                              created_at=thread.created_at))
            for post in posts:
                reactions.extend(Reaction(post_id=post.pk, user_id=u, created_at=post.created_at)
                                 for u in post._seed_likers)
            # Some readers and a notification to the author for the last reply.
            for reader in set(rng.sample(member_ids, k=min(len(member_ids), rng.randint(0, 4)))):
                read_post = posts[rng.randrange(len(posts))]
                markers.append(ReadMarker(user_id=reader, thread_id=thread.pk, last_read_post_id=read_post.pk,
                                          last_read_at=read_post.created_at))
            if len(posts) > 1 and last.author_id != thread.author_id:
                notifications.append(Notification(
                    recipient_id=thread.author_id, kind="reply", actor_id=last.author_id,
                    title=f"Nouvelle réponse dans « {thread.title} »"[:255],
                    url=reverse("forums:post", kwargs={"pk": last.pk}), excerpt=html_to_text(last.html)[:240],
                    target_type=post_ct, target_id=str(last.pk), dedupe_key=f"forums.post.{last.pk}",
                    created_at=last.created_at, read_at=last.created_at if rng.random() < 0.6 else None))
        for batch in batched(threads, 1000):
            Thread.objects.bulk_update(batch, ["post_count", "last_post", "last_post_at", "first_reply_at"])
        for space in spaces:
            n_t, n_p, last = space_totals[space.pk]
            Space.objects.filter(pk=space.pk).update(thread_count=n_t, post_count=n_p, last_post=last,
                                                     last_post_at=last.created_at if last else None)
        for model, rows in ((Reaction, reactions), (ReadMarker, markers), (Subscription, subscriptions),
                            (Notification, notifications)):
            for batch in batched(rows, 2000):
                model.objects.bulk_create(batch, ignore_conflicts=True)
        ctx.progress(f"forums: {len(reactions)} reactions, {len(markers)} read markers, "
                     f"{len(notifications)} notifications")
        ctx.shared["big_thread_id"] = threads[0].pk if threads else None
        ctx.shared.setdefault("summary", {}).update(spaces=len(spaces), threads=len(threads), posts=posts_total,
                                                    reactions=len(reactions), notifications=len(notifications))
