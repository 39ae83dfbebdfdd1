"""Who may enter a space changed: the notifications of the members left outside go.

A notification carries the title and an excerpt of what it announces (bell, list, e-mails, digests). The
access to a restricted space (``models.space_access_q``) follows four sets of rows: the space's
``visibility``, its Django groups (``Space.groups``), its moderators (``Space.moderators``) and each
member's Django groups (``User.groups``: the regional groups' memberships are mirrored there by
``comcep.groups``, and the "Modérateurs" group opens every space). Each can change from the Wagtail admin
(the space's form, the users' and groups' pages), an import, a command or a service; the one place they
all go through is the rows themselves, so the receivers are on the models' signals:

- a restricted space saved (its visibility may have become ``groups``), a group taken off a space, a
  space's moderators cleared: ``services.forget_space_outsiders(space)`` (two statements for the space,
  whatever the number of its threads and posts);
- members taken out of a Django group (or the group deleted, whose rows go by cascade without
  ``m2m_changed``), members taken off a space's moderators (either side of the relation):
  ``services.forget_inaccessible_notifications(members)`` (two statements per member).

They run once the change is committed (``transaction.on_commit``): a form saves the space then sets its
groups (``set()`` removes, then adds), so the access is read when it is final, never in between (a member
moved from one group to another that opens the same space keeps their notifications). ``robust``: a
failure is logged, never turned into an error page after the change was saved.
"""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .enums import SpaceVisibility
from .models import Space

#: Set by ``pre_clear`` / ``pre_delete`` on the instance: what the clear or the deletion is about to take.
_TAKEN = "_forums_access_taken"


def _later(func, *args, using=None) -> None:
    transaction.on_commit(partial(func, *args), using=using, robust=True)


def _forget_space_outsiders(space_ids) -> None:
    from .services import forget_space_outsiders

    for space_id in sorted(set(space_ids)):
        forget_space_outsiders(space_id)


def _forget_inaccessible(user_ids) -> None:
    from .services import forget_inaccessible_notifications

    forget_inaccessible_notifications(user_ids)


def _space_saved(sender, instance, created, update_fields=None, using=None, **kwargs) -> None:
    if created or instance.visibility != SpaceVisibility.GROUPS:
        return  # a new space has no threads; every member enters an open space
    if update_fields is not None and "visibility" not in update_fields:
        return
    _later(_forget_space_outsiders, [instance.pk], using=using)


def _taken(action, instance, pk_set, related) -> list[int] | None:
    """The ids on the other side of the relation that the change takes away, or None when it takes none."""
    if action == "pre_clear":
        setattr(instance, _TAKEN, list(related(instance).values_list("pk", flat=True)))
        return None
    if action == "post_remove":
        return list(pk_set or ())
    if action == "post_clear":
        return getattr(instance, _TAKEN, [])
    return None


def _space_groups_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs) -> None:
    if not reverse:  # space.groups.remove(group) / clear()
        if action in ("post_remove", "post_clear"):
            _later(_forget_space_outsiders, [instance.pk], using=using)
        return
    spaces = _taken(action, instance, pk_set, lambda group: group.forum_spaces.all())  # group.forum_spaces...
    if spaces:
        _later(_forget_space_outsiders, spaces, using=using)


def _space_moderators_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs) -> None:
    if not reverse:
        if action == "post_remove":  # space.moderators.remove(user): those members only
            _later(_forget_inaccessible, sorted(pk_set or ()), using=using)
        elif action == "post_clear":
            _later(_forget_space_outsiders, [instance.pk], using=using)
        return
    if action in ("post_remove", "post_clear"):  # user.moderated_spaces.remove(space) / clear()
        _later(_forget_inaccessible, [instance.pk], using=using)


def _user_groups_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs) -> None:
    if not reverse:  # user.groups.remove(group) / clear()
        if action in ("post_remove", "post_clear"):
            _later(_forget_inaccessible, [instance.pk], using=using)
        return
    users = _taken(action, instance, pk_set, lambda group: group.user_set.all())  # group.user_set...
    if users:
        _later(_forget_inaccessible, users, using=using)


def _group_deleting(sender, instance, using=None, **kwargs) -> None:
    # Its members' rows go by cascade, without m2m_changed: read them before they go.
    setattr(instance, _TAKEN, list(instance.user_set.values_list("pk", flat=True)))


def _group_deleted(sender, instance, using=None, **kwargs) -> None:
    users = getattr(instance, _TAKEN, [])
    if users:
        _later(_forget_inaccessible, users, using=using)


def connect() -> None:
    post_save.connect(_space_saved, sender=Space, dispatch_uid="forums.access.space_saved")
    m2m_changed.connect(_space_groups_changed, sender=Space.groups.through, dispatch_uid="forums.access.space_groups")
    m2m_changed.connect(_space_moderators_changed, sender=Space.moderators.through,
                        dispatch_uid="forums.access.space_moderators")
    m2m_changed.connect(_user_groups_changed, sender=get_user_model().groups.through,
                        dispatch_uid="forums.access.user_groups")
    pre_delete.connect(_group_deleting, sender=Group, dispatch_uid="forums.access.group_deleting")
    post_delete.connect(_group_deleted, sender=Group, dispatch_uid="forums.access.group_deleted")
