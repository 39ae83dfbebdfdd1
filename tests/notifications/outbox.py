"""What the e-mails sent say about the notifications: since a recipient gets one e-mail per batch of
notifications (one message, or one listing several), count the notifications' links, not the messages."""

import re
from collections import Counter

OPEN_LINK = re.compile(r"/mon-espace/notifications/(\d+)/")


def linked(message) -> list[int]:
    """The notifications a message links to (``notifications:open``), in the order of its text part."""
    return [int(pk) for pk in OPEN_LINK.findall(message.body)]


def mailed(outbox) -> Counter:
    """{(address, notification id): how many e-mails to that address link to that notification}."""
    return Counter((to, pk) for message in outbox for to in message.to for pk in linked(message))
