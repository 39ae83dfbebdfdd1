"""The fixed-shape queries of a conversation page, compiled once per process (comcep.core.prepared).

The conversation is looked up through ``Conversation.objects.visible_to`` built for a sentinel
member: the shape key is ``can_use_conversations(user)``, the only thing ``visible_to`` branches
on; the reader's id travels as a query parameter only."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from comcep.core.access import sentinel_member
from comcep.core.prepared import PreparedQuery

from .models import Block, Conversation, Message, Participant, can_use_conversations

__all__ = ["CONVERSATION", "MESSAGES", "PARTICIPANTS", "reader_shape"]


def reader_shape(user) -> bool:
    return can_use_conversations(user)


def _sentinel_reader(allowed: bool, pk: int):
    user = sentinel_member(pk=pk, approved=allowed)
    if can_use_conversations(user) is not allowed:
        raise AssertionError("the sentinel reader must take the real reader's branch")
    return user


# The conversation of a page or an action, if ``user`` takes part and has not left.
CONVERSATION = PreparedQuery(
    "conversations.conversation",
    lambda allowed, *, user, conversation: (
        Conversation.objects.visible_to(_sentinel_reader(allowed, user)).filter(pk=conversation)
    ),
    params={"user": int, "conversation": int},
)

#: The author's columns ``User.public_name`` reads.
AUTHOR_NAME_FIELDS = ("author__display_name", "author__first_name", "author__last_name", "author__email",
                      "author__deleted_at")

# Its messages as ``user`` sees them (``MessageQuerySet.for_conversation_page``), for the paginator:
# only the columns conversations/includes/message.html reads.
MESSAGES = PreparedQuery(
    "conversations.messages",
    lambda *, user, conversation: (
        Message.objects.filter(conversation_id=conversation).for_conversation_page(user)
        .only("conversation_id", "author_id", "html", "created_at", "is_removed", *AUTHOR_NAME_FIELDS)
    ),
    params={"user": int, "conversation": int},
)

# Its participants, with their accounts.
PARTICIPANTS = PreparedQuery(
    "conversations.participants",
    lambda *, conversation: (
        Participant.objects.filter(conversation_id=conversation).select_related("user").order_by("joined_at", "pk")
    ),
    params={"conversation": int},
)


# The members a member has blocked (``services.blocked_ids``: every conversation page).
BLOCKED_IDS = PreparedQuery(
    "conversations.blocked_ids",
    lambda *, user: Block.objects.filter(blocker_id=user).values_list("blocked_id", flat=True),
    params={"user": int},
)

# The members a member has blocked and since when (the inbox: what they wrote after the block is hidden).
BLOCKED_SINCE = PreparedQuery(
    "conversations.blocked_since",
    lambda *, user: Block.objects.filter(blocker_id=user).values_list("blocked_id", "created_at"),
    params={"user": int},
)

#: Conversations per inbox page (views.CONVERSATIONS_PER_PAGE).
INBOX_PAGE_SIZE = 20
_INBOX_IDS = [f"conversation{i}" for i in range(INBOX_PAGE_SIZE)]

# The member's inbox rows (``ParticipantQuerySet.for_inbox``), for the paginator.
INBOX = PreparedQuery(
    "conversations.inbox",
    lambda *, user: Participant.objects.for_inbox(user),
    params={"user": int},
)

# The other participants of the conversations of one inbox page, with their accounts (missing ids
# are padded with 0, which no conversation has).
INBOX_OTHERS = PreparedQuery(
    "conversations.inbox_others",
    lambda *, user, **ids: (
        Participant.objects.filter(conversation_id__in=[ids[name] for name in _INBOX_IDS]).exclude(user_id=user)
        .select_related("user").order_by("joined_at", "pk")
    ),
    params={"user": int, **dict.fromkeys(_INBOX_IDS, int)},
)


def inbox_others(user_id: int, conversation_ids: list[int]) -> list:
    if not conversation_ids:
        return []
    if len(conversation_ids) > INBOX_PAGE_SIZE:
        raise ValueError("one inbox page at a time")
    padded = [*conversation_ids, *[0] * (INBOX_PAGE_SIZE - len(conversation_ids))]
    return INBOX_OTHERS.objects(user=user_id, **dict(zip(_INBOX_IDS, padded, strict=True)))


# How many messages of each conversation of one inbox page the member does not see: written, after the block,
# by a member they blocked (``MessageQuerySet.for_conversation_page``). The inbox's "N messages" is the
# conversation's counter minus these; run only for a member who blocked someone (``BLOCKED_SINCE``).
INBOX_HIDDEN = PreparedQuery(
    "conversations.inbox_hidden",
    lambda *, user, **ids: (
        Message.objects.filter(conversation_id__in=[ids[name] for name in _INBOX_IDS])
        .filter(Exists(Block.objects.filter(blocker_id=user, blocked=OuterRef("author_id"),
                                            created_at__lte=OuterRef("created_at"))))
        .order_by().values("conversation_id").annotate(n=Count("pk")).values_list("conversation_id", "n")
    ),
    params={"user": int, **dict.fromkeys(_INBOX_IDS, int)},
)


def inbox_hidden(user_id: int, conversation_ids: list[int]) -> dict[int, int]:
    """``{conversation id: messages hidden from the member}`` for one inbox page (absent: none)."""
    if not conversation_ids:
        return {}
    if len(conversation_ids) > INBOX_PAGE_SIZE:
        raise ValueError("one inbox page at a time")
    padded = [*conversation_ids, *[0] * (INBOX_PAGE_SIZE - len(conversation_ids))]
    return dict(INBOX_HIDDEN.rows(user=user_id, **dict(zip(_INBOX_IDS, padded, strict=True))))


# How many of the member's conversations have a message they have not read (``services.unread_count``).
UNREAD_CONVERSATIONS = PreparedQuery(
    "conversations.unread_count",
    lambda *, user: Participant.objects.active().filter(user_id=user).unread(),
    params={"user": int},
)
