"""The directory's fixed-shape statements, compiled once per process (comcep.core.prepared).

The list (``Listing``) is two statements, whatever the filters: the count, and one window of cards. Both are
walked in the profile table's partial indexes (models.py); the accounts, operators, regions and themes are joined
for the window's rows only. Building them with the ORM on every request cost ~1.7 ms of CPU (docs/performance.md,
"Session 17: the directory's list prepared")."""

from comcep.core.prepared import PreparedQuery

from .models import DIRECTORY_ORDER, MAX_SEARCH_WORDS, DirectoryCard, DirectoryProfile

#: Whether the reader appears in the directory (their own choice), for the list's header.
OWN_LISTED = PreparedQuery(
    "directory.own_listed",
    lambda *, user: DirectoryProfile.objects.filter(user_id=user).values_list("listed", flat=True),
    params={"user": int},
)

_WORDS = tuple(f"word{index}" for index in range(MAX_SEARCH_WORDS))
_FILTERS = {"region": int, "operator": int, "theme": int, **dict.fromkeys(_WORDS, str)}


def _listed(words: int, region: bool, operator: bool, theme: bool, values: dict):
    """The listed profiles the filters keep. Shape: how many words, which filters; ``values``: the sentinels."""
    return DirectoryProfile.objects.listed().filtered(
        words=[values[name] for name in _WORDS[:words]],
        region=values["region"] if region else None,
        operator=values["operator"] if operator else None,
        theme=values["theme"] if theme else None,
    )


#: The profiles the filters keep (the paginator's count: ``SELECT COUNT(*)`` of this, the profile table alone).
LISTED = PreparedQuery(
    "directory.listed",
    lambda *shape, **values: _listed(*shape, values).values_list("user_id", flat=True),
    params=_FILTERS,
)

#: One window of cards (``DirectoryCard.from_rows``): the window's profiles picked in the profile table
#: (``offset``/``limit`` of the filtered list, in the shape: SQL cannot take them as parameters), then their
#: rows read for them alone. The window's subquery is built apart so that the cards' joins stay out of it, and
#: selects ``user_id`` (unique), which the partial indexes hold: PostgreSQL walks a deep page's skipped rows in
#: an index-only scan (selecting ``pk`` made it sort every shown profile: docs/performance.md, "Session 17: the
#: directory's list prepared").
CARD_ROWS = PreparedQuery(
    "directory.card_rows",
    lambda *shape, **values: DirectoryProfile.objects.filter(
        user_id__in=_listed(*shape[:4], values).order_by(*DIRECTORY_ORDER).values("user_id")[
            shape[4]:shape[4] + shape[5]],
    ).card_rows(),
    params=_FILTERS,
)


class Listing:
    """The directory's list, filtered, as ``Paginator`` reads it: ``count()`` and slices of ``DirectoryCard``s,
    one prepared statement each."""

    def __init__(self, *, words=(), region: int | None = None, operator: int | None = None,
                 theme: int | None = None):
        words = list(words)[:MAX_SEARCH_WORDS]
        self.shape = (len(words), region is not None, operator is not None, theme is not None)
        # Every parameter has a value; those the shape leaves out are not in the statement.
        self.values = {"region": region or 0, "operator": operator or 0, "theme": theme or 0,
                       **dict(zip(_WORDS, [*words, *[""] * (MAX_SEARCH_WORDS - len(words))], strict=True))}

    def count(self) -> int:
        return LISTED.count(*self.shape, **self.values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[DirectoryCard]:
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("a Listing only supports slices with a stop and without a step")
        start = window.start or 0
        if start < 0 or window.stop < 0:
            raise ValueError("negative slices are not supported")
        if window.stop <= start:
            return []
        return DirectoryCard.from_rows(CARD_ROWS.rows(*self.shape, start, window.stop - start, **self.values))
