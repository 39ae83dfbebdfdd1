"""Private conversations in the unified search (search/registry.py): one entry per
participant, readable by that member alone (the personal token "user:<pk>", which
moderators never get for someone else).

One entry per participant rather than per conversation because what a participant may
read differs: a member who left gets nothing, and a member who blocked someone does not
see that member's messages written after the block. Messages removed by the moderation
are left out for everyone. The entry is rewritten (in the task queue, after commit) on
every message, removal, departure, block and unblock (see services.py).
"""

from __future__ import annotations

from django.db import transaction

from comcep.core.markdown import html_to_text
from search.permissions import personal_token
from search.registry import EntryData, Indexer

from .models import Message, Participant

BODY_LIMIT = 60_000
SUMMARY_LIMIT = 500


def _visible_messages(participant: Participant) -> list[Message]:
    return list(Message.objects.filter(conversation_id=participant.conversation_id, is_removed=False)
                .for_conversation_page(participant.user))


class ParticipantIndexer(Indexer):
    model = Participant

    def entry(self, obj: Participant) -> EntryData | None:
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
    indexer = ParticipantIndexer()
    content_type = ContentType.objects.get_for_model(Participant)
    items = []
    for participant in participants:
        data = indexer.entry(participant)
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


def reindex_shared_with(user_id: int, other_id: int) -> None:
    """After ``user_id`` blocked or unblocked ``other_id``: their entries of every conversation
    they share."""
    shared = (Participant.objects.filter(user_id=user_id, conversation__participants__user_id=other_id)
              .values_list("conversation_id", flat=True).distinct())
    for conversation_id in shared:
        reindex_later(conversation_id, [user_id])
