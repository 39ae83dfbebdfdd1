"""The address members write to the moderation team at (``COMCEP_CONTACT_EMAIL``, from ``CONTACT_EMAIL``).

E-mails go out from ``DEFAULT_FROM_EMAIL``, usually a no-reply address: the membership e-mails carry this
address as their Reply-To, and the pages and e-mails that invite a member to write say so only when it is set
(docs/accounts.md, "Contact address")."""

from email.utils import parseaddr

from django.conf import settings

#: Where the publisher's details are when no contact address is set (the legal notice, as in the footer: a
#: French site must give them there).
LEGAL_NOTICE_URL = "/mentions-legales/"


def contact_email() -> str:
    """The setting as the operator wrote it (``Équipe d'animation <animation@example.fr>`` or a bare address),
    for mail headers; empty when unset."""
    return getattr(settings, "COMCEP_CONTACT_EMAIL", "") or ""


def contact_address() -> str:
    """The bare address (``animation@example.fr``), for a ``mailto:`` link and a text; empty when unset."""
    return parseaddr(contact_email())[1]


def reply_to() -> list[str]:
    """The Reply-To of an e-mail that invites a member to answer: the contact address, or none."""
    value = contact_email()
    return [value] if value else []
