"""The directory's fixed-shape statements, compiled once per process (comcep.core.prepared)."""

from comcep.core.prepared import PreparedQuery

from .models import DirectoryProfile

#: Whether the reader appears in the directory (their own choice), for the list's header.
OWN_LISTED = PreparedQuery(
    "directory.own_listed",
    lambda *, user: DirectoryProfile.objects.filter(user_id=user).values_list("listed", flat=True),
    params={"user": int},
)
