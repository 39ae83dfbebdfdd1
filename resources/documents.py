"""Who may download a document.

Every page that uses a document is found (attached, in a body block or in rich text:
Wagtail's reference index), then:

- **public**: at least one page uses it and every such page is live, without view
  restriction and, for resources, public → everybody;
- **members**: used by at least one live page (e.g. a members-only resource) → approved
  members, moderators, admin users;
- **staff**: used only by drafts (a member's proposal under review) or by nothing → admin
  users (moderators, animateurs) and the member who uploaded it.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.template.response import TemplateResponse
from wagtail.models import Page, PageViewRestriction, ReferenceIndex

from .enums import Visibility
from .models import ResourcePage, ResourcePageDocument, can_read_members_only

PUBLIC, MEMBERS, STAFF = "public", "members", "staff"


def pages_using(document) -> list[int]:
    doc_ct = ContentType.objects.get_for_model(type(document))
    page_ct = ContentType.objects.get_for_model(Page)
    ids = ReferenceIndex.objects.filter(
        to_content_type=doc_ct, to_object_id=str(document.pk), base_content_type=page_ct
    ).values_list("object_id", flat=True)
    page_ids = {int(i) for i in ids if str(i).isdigit()}
    page_ids |= set(ResourcePageDocument.objects.filter(document_id=document.pk).values_list("page_id", flat=True))
    return sorted(page_ids)


def document_audience(document) -> str:
    page_ids = pages_using(document)
    pages = list(Page.objects.filter(pk__in=page_ids).only("id", "live", "path", "depth"))
    restricted_paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    readable = [p for p in pages if p.live and not any(p.path.startswith(r) for r in restricted_paths)]
    if not readable:
        return STAFF
    if len(readable) == len(page_ids) and not ResourcePage.objects.filter(pk__in=page_ids).exclude(
        visibility=Visibility.PUBLIC
    ).exists():
        return PUBLIC
    return MEMBERS


def _is_staff_reader(user, document) -> bool:
    return bool(
        user.is_authenticated
        and (user.has_perm("wagtailadmin.access_admin") or user.is_moderator
             or (document.uploaded_by_user_id and document.uploaded_by_user_id == user.pk))
    )


def check_document_access(document, request):
    """``before_serve_document`` hook: None to serve, else a redirect to login or a 403."""
    user = request.user
    audience = document_audience(document)
    if audience == PUBLIC or _is_staff_reader(user, document):
        return None
    if audience == MEMBERS and can_read_members_only(user):
        return None
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return TemplateResponse(request, "resources/members_only.html", {"page": None}, status=403)
