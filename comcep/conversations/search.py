"""Private conversations in the unified search (search/registry.py): one entry per
participant, readable by that member alone (the personal token "user:<pk>", which
moderators never get for someone else).

One entry per participant rather than per conversation because what a participant may
read differs: a member who left gets nothing, and a member who blocked someone does not
see that member's messages written after the block. Messages removed by the moderation
are left out for everyone. The entry also names the other participants ("Avec : Awa Diallo, Bruno Leroy"), so that
a member finds a conversation by whom it is with. The entry is rewritten (in the task queue,
after commit) on every message, removal, departure, block and unblock (see services.py), and
the entries of a member's partners when the member's name changes (signals in apps.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, override

from comcep.core.markdown import html_to_text
from search.permissions import personal_token
from search.registry import EntryData, Indexer

from .models import Message, Participant

BODY_LIMIT = 60_000
SUMMARY_LIMIT = 500


#: The user fields a participant's public name is made of (accounts.User.public_name).
NAME_FIELDS = frozenset({"display_name", "first_name", "last_name", "email", "deleted_at"})


def _partners_line(participant: Participant, participants: list[Participant] | None) -> str:
    """"Avec : …" and the public names of the conversation's other participants (those who left
    too: the conversation page names them), in the site's language."""
    if participants is None:
        participants = list(Participant.objects.filter(conversation_id=participant.conversation_id)
                            .select_related("user").order_by("joined_at", "pk"))
    names = [p.user.public_name for p in participants if p.user_id != participant.user_id]
    if not names:
        return ""
    with override(settings.LANGUAGE_CODE):
        return gettext("Avec : %(names)s") % {"names": ", ".join(names)}


def _visible_messages(participant: Participant) -> list[Message]:
    return list(Message.objects.filter(conversation_id=participant.conversation_id, is_removed=False)
                .for_conversation_page(participant.user))


class ParticipantIndexer(Indexer):
    model = Participant

    def entry(self, obj: Participant, participants: list[Participant] | None = None) -> EntryData | None:
        """``participants``: the conversation's participants with their users, when the caller
        has them (one query fewer per entry)."""
        participant = obj
        user = participant.user
        if participant.left_at is not None or user.deleted_at is not None:
            return None
        texts = [html_to_text(m.html) for m in _visible_messages(participant)]
        if not texts:
            return None
        conversation = participant.conversation
        body = "\n".join(texts[1:])
        if len(body) > BODY_LIMIT:  # a long conversation: its most recent messages
            body = body[-BODY_LIMIT:]
        body = "\n".join(filter(None, [_partners_line(participant, participants), body]))
        return EntryData(
            kind="conversation",
            title=conversation.subject,
            url=conversation.get_absolute_url(),
            access=personal_token(participant.user_id),
            summary=texts[0][:SUMMARY_LIMIT],
            body=body,
            published_at=conversation.created_at,
            updated_at=conversation.last_message_at,
        )

    def all_objects(self):
        return (Participant.objects.active().select_related("conversation", "user")
                .order_by("pk").iterator(chunk_size=200))


def reindex_now(conversation_id: int, user_ids: list[int] | None = None) -> None:
    """Rewrite the entries of a conversation's participants (or of ``user_ids`` among them):
    written for those who may read it, removed for the others."""
    from django.contrib.contenttypes.models import ContentType

    from search import services

    participants = Participant.objects.filter(conversation_id=conversation_id).select_related("conversation", "user")
    if user_ids is not None:
        participants = participants.filter(user_id__in=user_ids)
    everyone = list(Participant.objects.filter(conversation_id=conversation_id).select_related("user")
                    .order_by("joined_at", "pk"))
    indexer = ParticipantIndexer()
    content_type = ContentType.objects.get_for_model(Participant)
    items = []
    for participant in participants:
        data = indexer.entry(participant, everyone)
        if data is None:
            services.remove_source(content_type, participant.pk)
        else:
            items.append((data, content_type, participant.pk))
    services.bulk_upsert(items)


def reindex_later(conversation_id: int, user_ids: list[int] | None = None) -> None:
    """Queue :func:`reindex_now` once the current transaction commits."""

    def enqueue():
        from .tasks import reindex_conversation

        reindex_conversation.enqueue(conversation_id, sorted(user_ids) if user_ids is not None else None)

    transaction.on_commit(enqueue, robust=True)


def reindex_partners_of(user_id: int) -> None:
    """After a member's public name changed: their partners' entries of every conversation of
    theirs (each entry names the other participants)."""
    rows = (Participant.objects.filter(conversation__participants__user_id=user_id).exclude(user_id=user_id)
            .values_list("conversation_id", "user_id"))
    partners: dict[int, list[int]] = {}
    for conversation_id, partner_id in rows:
        partners.setdefault(conversation_id, []).append(partner_id)
    for conversation_id, partner_ids in partners.items():
        reindex_now(conversation_id, partner_ids)


def reindex_shared_with(user_id: int, other_id: int) -> None:
    """After ``user_id`` blocked or unblocked ``other_id``: their entries of every conversation
    they share."""
    shared = (Participant.objects.filter(user_id=user_id, conversation__participants__user_id=other_id)
              .values_list("conversation_id", flat=True).distinct())
    for conversation_id in shared:
        reindex_later(conversation_id, [user_id])
