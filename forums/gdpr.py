"""What the forums hold about a member: GDPR export and anonymisation on account deletion."""

from __future__ import annotations

from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from comcep.core.links import public_url
from comcep.core.markdown import MENTION_LINK_START, unlink_mentions
from search import services as search_services

from .mentions import profile_url
from .models import (
    Flag,
    MemberSanction,
    ModerationLog,
    Post,
    PostRevision,
    Reaction,
    ReadMarker,
    Subscription,
    Thread,
)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _role(actor, user) -> str | None:
    """Who acted, as a role: the member themself, or the team (never another member's name: the member is
    told of moderation by « l'équipe d'animation », as in the notifications)."""
    if actor is None:
        return None
    if actor.pk == user.pk:
        return "author"
    return "administrator" if actor.is_superuser else "moderator"


def export_member_data(user) -> dict:
    """My threads and posts (with dates and URLs), the earlier versions of my posts, my "merci / utile",
    subscriptions, reports and the suspensions that concerned me. One query per list."""
    threads = Thread.objects.filter(author=user).select_related("space").order_by("created_at")
    posts = Post.objects.filter(author=user).select_related("thread__space").order_by("created_at")
    revisions = (PostRevision.objects.filter(post__author=user).select_related("post__thread__space", "editor")
                 .order_by("created_at", "pk"))
    sanctions = (MemberSanction.objects.filter(user=user).select_related("created_by", "lifted_by")
                 .order_by("created_at", "pk"))
    reactions = Reaction.objects.filter(user=user).select_related("post__thread__space").order_by("created_at")
    subscriptions = Subscription.objects.filter(user=user).select_related("thread__space", "space")
    flags = Flag.objects.filter(reporter=user).select_related("post__thread__space").order_by("created_at")
    return {
        "threads": [
            {"title": t.title, "space": t.space.slug, "created_at": _iso(t.created_at),
             "url": public_url(t.get_absolute_url())}
            for t in threads
        ],
        "posts": [
            {"thread": p.thread.title, "body": p.body, "created_at": _iso(p.created_at),
             "edited_at": _iso(p.edited_at), "deleted": p.is_deleted, "hidden": p.is_hidden,
             "url": public_url(p.thread.get_absolute_url()) + f"#message-{p.pk}"}
            for p in posts
        ],
        "post_revisions": [  # the text of a post before each edit (by its author or by the team)
            {"thread": v.post.thread.title, "body": v.body, "replaced_at": _iso(v.created_at),
             "edited_by": _role(v.editor, user),
             "url": public_url(v.post.thread.get_absolute_url()) + f"#message-{v.post_id}"}
            for v in revisions
        ],
        "sanctions": [
            {"reason": m.reason, "created_at": _iso(m.created_at), "suspended_until": _iso(m.suspended_until),
             "lifted_at": _iso(m.lifted_at), "by": _role(m.created_by, user), "lifted_by": _role(m.lifted_by, user)}
            for m in sanctions
        ],
        "reactions": [
            {"thread": r.post.thread.title, "created_at": _iso(r.created_at),
             "url": public_url(r.post.thread.get_absolute_url()) + f"#message-{r.post_id}"}
            for r in reactions
        ],
        "subscriptions": [
            {"thread": s.thread.title, "url": public_url(s.thread.get_absolute_url())} if s.thread_id else
            {"space": s.space.title, "url": public_url(s.space.get_absolute_url())}
            for s in subscriptions
        ],
        "flags": [
            {"thread": f.post.thread.title, "reason": f.reason, "comment": f.comment, "status": f.status,
             "created_at": _iso(f.created_at)}
            for f in flags
        ],
    }


def anonymise_member(user) -> None:
    """Posts and threads keep their content so discussions stay readable; the author FK is kept
    and shows "Membre supprimé" (``User.public_name`` once ``deleted_at`` is set). Reactions are
    removed with their counts decremented; subscriptions, read markers and the moderation of spaces
    (``Space.moderators``) are deleted; the member's reports stay for the moderators, detached from
    the reporter; the moderation log stops naming them. Mentions of the member in others' posts lose
    their link to the (deleted) directory profile and stay as the text typed."""
    # One reaction per member and post: every post they reacted to loses one, in one statement; the
    # threads' search entries sum their posts' reactions (the ranking boosts useful discussions).
    reacted = Post.objects.filter(reactions__user=user)
    thread_ids = set(reacted.values_list("thread_id", flat=True))
    Post.objects.filter(pk__in=reacted.values("pk"), useful_count__gt=0).update(useful_count=F("useful_count") - 1)
    Reaction.objects.filter(user=user).delete()
    search_services.reindex_many_later(Thread, thread_ids)
    Subscription.objects.filter(user=user).delete()
    ReadMarker.objects.filter(user=user).delete()
    Flag.objects.filter(reporter=user).update(reporter=None)
    user.moderated_spaces.clear()  # « animateurs de l'espace » (m2m_changed: cached search readers follow)
    _unlink_mentions_of(user)
    _scrub_moderation_log(user)


def _scrub_moderation_log(user) -> None:
    """The moderation log keeps its entries (who moderated what, when and why), but its "cible" text,
    written at the time, named the member ("Awa D. <awa@…>", "Message de Awa D. dans « … »"): the name
    and address become "Membre supprimé", as in the notifications others received. Runs before the
    account is scrubbed, so the names are still there."""
    ModerationLog.objects.filter(Q(member=user) | Q(post__author=user)).update(
        target=_without_names(F("target"), user))
    # Wagtail's audit log of the suspensions edited in the admin (« Suspensions »): each entry's label is
    # the suspension's name at the time, « Awa Diallo – 12/03/2027 »; the entries stay, the name goes.
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    sanctions = [str(pk) for pk in MemberSanction.objects.filter(user=user).values_list("pk", flat=True)]
    if sanctions:
        ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(MemberSanction),
                                     object_id__in=sanctions).update(label=_without_names(F("label"), user))


def _without_names(text, user):
    """``text`` (an expression) with the member's names and address replaced by « Membre supprimé »."""
    names = {user.email, f"{user.public_name} <{user.email}>", user.display_name, user.get_full_name(),
             user.public_name}
    for name in sorted((n for n in names if len(n or "") >= 3), key=len, reverse=True):
        text = Replace(text, Value(name), Value(_("Membre supprimé")))
    return text


def _unlink_mentions_of(user) -> None:
    """Posts keep "@Name" as their authors typed it, but not a link to the member's former profile (a
    404 whose address still carries the account's id): the HTML a new rendering would give, since a
    deleted member is no mention. One scan of the posts' HTML, a rare action."""
    url = profile_url(user)
    mentioning = Post.objects.filter(html__contains=f'{MENTION_LINK_START}{url}"').only("pk", "html")
    for post in mentioning.iterator(chunk_size=200):
        Post.objects.filter(pk=post.pk).update(html=unlink_mentions(post.html, url))
