"""Shared steps of the accounts tests: they go through the real URLs and read real e-mails."""

import re

from django.core import mail

SIGNUP_PASSWORD = "Orientation-2026-solide"
LINK_RE = re.compile(r"https?://[^/\s]+(/comptes/confirm-email/[^\s]+/)")


def signup(client, email, *, display_name="Awa Diallo", organisation="Mission locale de Lyon",
           operator="mission-locale", region="auvergne-rhone-alpes", password=SIGNUP_PASSWORD):
    return client.post(
        "/comptes/signup/",
        {
            "email": email, "display_name": display_name, "organisation": organisation,
            "operator": operator, "region": region, "password1": password, "password2": password,
        },
    )


def confirmation_link(email) -> str:
    """The confirmation path from the last verification e-mail sent to ``email``."""
    for message in reversed(mail.outbox):
        if email in message.to:
            match = LINK_RE.search(message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no confirmation e-mail to {email} in {[m.subject for m in mail.outbox]}")


def confirm(client, email, *, clear_outbox=False):
    """Follow the link of the verification e-mail (GET shows the page, POST confirms);
    ``clear_outbox`` empties the outbox once the link is read, to look at what follows."""
    link = confirmation_link(email)
    if clear_outbox:
        mail.outbox.clear()
    page = client.get(link)
    assert page.status_code == 200
    return client.post(link)


def mails_to(email):
    return [m for m in mail.outbox if email in m.to]
