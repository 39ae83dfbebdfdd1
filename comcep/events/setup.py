"""Moderators publish events and news: after every migrate, give the "Modérateurs" group
page permissions on /agenda/ and /actualites/, document permissions on the root collection
(for event documents) and the view permission on registrations. Idempotent."""

PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
DOCUMENT_PERMISSIONS = ("add_document", "change_document", "choose_document")


def grant_moderator_permissions(sender, **kwargs):
    if sender.label != "news":  # news migrates after events: both index pages exist by then
        return
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

    from comcep.accounts.enums import MODERATORS_GROUP
    from comcep.news.models import NewsIndexPage

    from .models import EventIndexPage

    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group is None:
        return
    page_perms = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS)
    for index in (EventIndexPage.objects.first(), NewsIndexPage.objects.first()):
        if index is None:
            continue
        for perm in page_perms:
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=perm)
    root = Collection.get_first_root_node()
    if root is not None:
        for perm in Permission.objects.filter(content_type__app_label="wagtaildocs",
                                              codename__in=DOCUMENT_PERMISSIONS):
            GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=perm)
    view = Permission.objects.filter(content_type__app_label="events", codename="view_registration").first()
    if view is not None:
        group.permissions.add(view)
