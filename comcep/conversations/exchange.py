"""``conversations`` in the content exchange format (comcep-content/1), import only.

conversations: {"subject", "participants": [e-mails, the first one opens it],
                "messages": [{"author" (a participant's e-mail), "body" (Markdown),
                              "created_at" (ISO 8601 with offset)}, ...]}

Private correspondence is personal data, not content: ``export_content`` never contains
conversations (the section exports an empty list); the section exists so that demo and test
files can hold French example conversations. Keys: a conversation is identified by a hash of
(subject, participant e-mails, created_at of its first message) stored in
``Conversation.import_key``; a message by (author, created_at) inside its conversation.
Nothing is ever deleted; imports bypass rate limits, blocks and notifications; the counters
of every touched conversation are recomputed from the rows.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from comcep.core.exchange import ImportContext, Section, require_str
from comcep.core.markdown import render_markdown

from . import search
from .models import Conversation, Message, Participant, conversation_key
from .services import SUBJECT_MAX_LENGTH, max_message_length


def parse_datetime(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


class ConversationSection(Section):
    key = "conversations"
    order = 80

    def validate(self, items: list, ctx: ImportContext) -> None:
        members = {e.lower() for e in get_user_model().objects.values_list("email", flat=True)}
        members |= {str(e).lower() for e in ctx.known.get("members", set())}
        for i, item in enumerate(items):
            path = f"conversations[{i}]"
            require_str(item, "subject", path, ctx, max_length=SUBJECT_MAX_LENGTH)
            for key in sorted(set(item) - {"subject", "participants", "messages"}):
                ctx.error(f"{path}.{key}", "unknown field (known: subject, participants, messages)")
            participants = item.get("participants")
            if not isinstance(participants, list) or len(participants) < 2:
                ctx.error(f"{path}.participants", "must be a list of at least two e-mails")
                participants = []
            emails = []
            for j, email in enumerate(participants):
                if not isinstance(email, str) or email.strip().lower() not in members:
                    ctx.error(f"{path}.participants[{j}]", f"no member with e-mail {email!r}")
                elif email.strip().lower() in emails:
                    ctx.error(f"{path}.participants[{j}]", f'duplicate participant "{email}"')
                else:
                    emails.append(email.strip().lower())
            messages = item.get("messages")
            if not isinstance(messages, list) or not messages:
                ctx.error(f"{path}.messages", "must be a non-empty list")
                continue
            for j, message in enumerate(messages):
                mpath = f"{path}.messages[{j}]"
                if not isinstance(message, dict):
                    ctx.error(mpath, "must be an object")
                    continue
                author = require_str(message, "author", mpath, ctx)
                if author is not None and author.strip().lower() not in emails:
                    ctx.error(f"{mpath}.author", f'"{author}" is not a participant of this conversation')
                require_str(message, "body", mpath, ctx, max_length=max_message_length())
                if parse_datetime(message.get("created_at")) is None:
                    ctx.error(f"{mpath}.created_at", "must be an ISO 8601 date-time with an offset")
                for key in sorted(set(message) - {"author", "body", "created_at"}):
                    ctx.error(f"{mpath}.{key}", "unknown field (known: author, body, created_at)")

    def apply(self, items: list, ctx: ImportContext) -> None:
        users = {u.email.lower(): u for u in get_user_model().objects.all()}
        for item in items:
            emails = [e.strip().lower() for e in item["participants"]]
            messages = sorted(item["messages"], key=lambda m: parse_datetime(m["created_at"]))
            first_at = parse_datetime(messages[0]["created_at"])
            key = conversation_key(item["subject"], emails, first_at)
            conversation = Conversation.objects.filter(import_key=key).first()
            changed = False
            if conversation is None:
                conversation = Conversation.objects.create(
                    subject=" ".join(item["subject"].split()), created_by=users[emails[0]], created_at=first_at,
                    last_message_at=first_at, import_key=key)
                changed = True
            existing = {p.user_id for p in Participant.objects.filter(conversation=conversation)}
            new = [Participant(conversation=conversation, user=users[e], joined_at=first_at)
                   for e in emails if users[e].pk not in existing]
            if new:
                Participant.objects.bulk_create(new)
                changed = True
            known = {(m.author_id, m.created_at): m for m in Message.objects.filter(conversation=conversation)}
            for message in messages:
                author, at = users[message["author"].strip().lower()], parse_datetime(message["created_at"])
                row = known.get((author.pk, at))
                if row is None:
                    Message.objects.create(conversation=conversation, author=author, body=message["body"],
                                           html=render_markdown(message["body"]), created_at=at)
                    changed = True
                elif row.body != message["body"]:
                    row.body, row.html = message["body"], render_markdown(message["body"])
                    row.save(update_fields=["body", "html"])
                    changed = True
            if changed:
                recount(conversation)
                search.reindex_later(conversation.pk)
            ctx.count(self.key, "created" if not known and changed else "updated" if changed else "unchanged")

    def export(self) -> list:
        return []  # private correspondence is never exported as content (module docstring)


def recount(conversation: Conversation) -> None:
    """Exact counters from the rows; the authors of the messages have read up to their last one."""
    messages = Message.objects.filter(conversation=conversation)
    last = messages.order_by("-created_at", "-pk").first()
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=messages.count(), last_message=last,
        last_message_at=last.created_at if last else conversation.created_at)
    for participant in Participant.objects.filter(conversation=conversation):
        mine = messages.filter(author_id=participant.user_id).order_by("-created_at").first()
        if mine is not None and (participant.last_read_at is None or participant.last_read_at < mine.created_at):
            Participant.objects.filter(pk=participant.pk).update(last_read_at=mine.created_at)
