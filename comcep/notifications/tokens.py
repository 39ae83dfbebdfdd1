"""Signed unsubscribe tokens: they work without logging in and do not expire (an old mail's
link must still work). The salt is specific to this purpose, so no other signed value of the
site can be replayed here."""

from django.core import signing

from .enums import ALL_KINDS

UNSUBSCRIBE_SALT = "comcep.notifications.unsubscribe.v1"


def make_unsubscribe_token(user, kind: str = ALL_KINDS) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """Return (user id, kind); raise ``signing.BadSignature`` for anything tampered or malformed."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        raise signing.BadSignature("Malformed unsubscribe token")
    return data["u"], data["k"]
