"""Who may moderate where.

Two levels: the global moderators ("Modérateurs" group, superusers: ``user.is_moderator``) act
everywhere, including the global actions (move a thread to another space, suspend a member,
manage spaces, the Wagtail admin queue); the moderators of ONE space (``Space.moderators``,
e.g. the coordinators of a regional group, kept in sync by the app that owns them) act only
inside that space: pin, lock, hide/restore, approve/reject, certify, edit or delete others'
posts, handle the reports about its posts (front-end queue ``/echanges/<space>/moderation/``).
"""

from .models import can_moderate, moderated_spaces_subquery

__all__ = ["can_moderate", "moderated_spaces_subquery"]
