"""Who may download a document.

A document is public only when every page that uses it (attached, in a body block or in
rich text: Wagtail's reference index) is live, has no view restriction and, for resources,
is public; and at least one such page exists. Otherwise (members-only resource, draft,
proposal, unused upload) it is served to approved members and moderators only.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.template.response import TemplateResponse
from wagtail.models import Page, PageViewRestriction, ReferenceIndex

from .enums import Visibility
from .models import ResourcePage, ResourcePageDocument, can_read_members_only


def pages_using(document) -> list[int]:
    doc_ct = ContentType.objects.get_for_model(type(document))
    page_ct = ContentType.objects.get_for_model(Page)
    ids = set(
        ReferenceIndex.objects.filter(
            to_content_type=doc_ct, to_object_id=str(document.pk), base_content_type=page_ct
        ).values_list("object_id", flat=True)
    )
    page_ids = {int(i) for i in ids if str(i).isdigit()}
    page_ids |= set(ResourcePageDocument.objects.filter(document_id=document.pk).values_list("page_id", flat=True))
    return sorted(page_ids)


def is_public_document(document) -> bool:
    page_ids = pages_using(document)
    if not page_ids:
        return False
    pages = list(Page.objects.filter(pk__in=page_ids).only("id", "live", "path", "depth"))
    if len(pages) != len(page_ids) or not all(p.live for p in pages):
        return False
    if ResourcePage.objects.filter(pk__in=page_ids).exclude(visibility=Visibility.PUBLIC).exists():
        return False
    restricted_paths = list(PageViewRestriction.objects.values_list("page__path", flat=True))
    return not any(p.path.startswith(r) for p in pages for r in restricted_paths)


def check_document_access(document, request):
    """``before_serve_document`` hook: None to serve, else a redirect to login or a 403."""
    if can_read_members_only(request.user) or is_public_document(document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return TemplateResponse(request, "resources/members_only.html", {"page": None}, status=403)
