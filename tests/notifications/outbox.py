"""What the e-mails sent say about the notifications: since a recipient gets one e-mail per batch of
notifications (one message, or one listing several), count the notifications' links, not the messages."""

import re
from collections import Counter

from comcep.notifications.tokens import read_unsubscribe_token

OPEN_LINK = re.compile(r"/mon-espace/notifications/(\d+)/")
#: A signed unsubscribe token (``django.core.signing.dumps``): payload, timestamp, signature.
SIGNED_TOKEN = re.compile(r"[\w.-]+:[\w-]+:[\w-]{20,}")


def linked(message) -> list[int]:
    """The notifications a message links to (``notifications:open``), in the order of its text part."""
    return [int(pk) for pk in OPEN_LINK.findall(message.body)]


def mailed(outbox) -> Counter:
    """{(address, notification id): how many e-mails to that address link to that notification}."""
    return Counter((to, pk) for message in outbox for to in message.to for pk in linked(message))


def tokens_read(text: str) -> str:
    """``text`` with each signed unsubscribe token replaced by what it carries (``unsubscribe-<user id>-<kind>``;
    a tampered one raises). The token also holds the second it was signed, so two renderings of the same
    message a second apart differ there and only there; their links unsubscribe alike (tokens do not expire)."""

    def read(match) -> str:
        user_id, kind = read_unsubscribe_token(match[0])
        return f"unsubscribe-{user_id}-{kind}"

    return SIGNED_TOKEN.sub(read, text)
