"""What conversations hold about a member: GDPR export and anonymisation on account deletion."""

from __future__ import annotations

from django.utils import timezone

from comcep.core.links import public_url

from .models import Block, Message, Participant, Report


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_member_data(user) -> dict:
    """My conversations (subject, the other participants' public names, dates), the messages I
    wrote (others' messages are their personal data, not mine), my blocks and my reports."""
    participations = list(Participant.objects.filter(user=user).select_related("conversation")
                          .order_by("joined_at", "pk"))
    ids = [p.conversation_id for p in participations]
    names: dict[int, list[str]] = {}
    for p in (Participant.objects.filter(conversation_id__in=ids).exclude(user=user).select_related("user")
              .order_by("joined_at", "pk")):
        names.setdefault(p.conversation_id, []).append(p.user.public_name)
    messages = Message.objects.filter(author=user).select_related("conversation").order_by("created_at", "pk")
    return {
        "conversations": [
            {"subject": p.conversation.subject, "with": names.get(p.conversation_id, []),
             "joined_at": _iso(p.joined_at), "left_at": _iso(p.left_at),
             "url": public_url(p.conversation.get_absolute_url())}
            for p in participations
        ],
        "messages": [
            {"conversation": m.conversation.subject, "body": m.body, "created_at": _iso(m.created_at),
             "removed_by_moderation": m.is_removed}
            for m in messages
        ],
        "blocked_members": [
            {"member": b.blocked.public_name, "created_at": _iso(b.created_at)}
            for b in Block.objects.filter(blocker=user).select_related("blocked").order_by("created_at")
        ],
        "reports": [
            {"reason": r.reason, "comment": r.comment, "status": r.status, "created_at": _iso(r.created_at)}
            for r in Report.objects.filter(reporter=user).order_by("created_at")
        ],
    }


def anonymise_member(user) -> None:
    """As for forum posts: messages keep their text so the other participants' conversations stay
    readable, and the author shows "Membre supprimé" (``User.public_name``). The member leaves
    every conversation (no more notifications), blocks in both directions are deleted, and
    reports stay for the moderators, detached from the reporter."""
    from . import search

    active = list(Participant.objects.filter(user=user, left_at__isnull=True)
                  .values_list("conversation_id", flat=True))
    Participant.objects.filter(user=user, left_at__isnull=True).update(left_at=timezone.now())
    for conversation_id in active:  # their search entries go
        search.reindex_later(conversation_id, [user.pk])
    Block.objects.filter(blocker=user).delete()
    Block.objects.filter(blocked=user).delete()
    Report.objects.filter(reporter=user).update(reporter=None)
