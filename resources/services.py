"""Every side effect of the library's actions, one function per action (EXAMPLES.md)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comcep.core.markdown import render_markdown
from search import services as search_services

from .enums import ProposalStatus, Visibility
from .models import (
    Bookmark,
    ResourceDocument,
    ResourceIndexPage,
    ResourcePage,
    ResourcePageDocument,
    ResourceProposal,
    ResourceStats,
    UsefulVote,
)

logger = logging.getLogger(__name__)

PROPOSALS_PER_DAY = 5


class AlreadyDone(Exception):
    """The action was already done (second vote, second bookmark): nothing changed."""


def _ensure_member(user) -> None:
    if not (user.is_authenticated and user.is_approved):
        raise PermissionDenied(_("Réservé aux membres dont l'adhésion est validée."))


def _ensure_stats(page_id: int) -> None:
    ResourceStats.objects.get_or_create(page_id=page_id)


def _can_act_on(user, page: ResourcePage) -> bool:
    return ResourcePage.objects.visible_to(user).filter(pk=page.pk).exists()


# --- Bookmarks and votes --------------------------------------------------------------------------


@transaction.atomic
def add_bookmark(*, user, page: ResourcePage) -> Bookmark:
    _ensure_member(user)
    if not _can_act_on(user, page):
        raise PermissionDenied
    try:
        with transaction.atomic():
            bookmark = Bookmark.objects.create(user=user, page=page)
    except IntegrityError:
        raise AlreadyDone from None
    _ensure_stats(page.pk)
    ResourceStats.objects.filter(page_id=page.pk).update(bookmark_count=F("bookmark_count") + 1)
    return bookmark


@transaction.atomic
def remove_bookmark(*, user, page_id: int) -> bool:
    deleted, _unused = Bookmark.objects.filter(user=user, page_id=page_id).delete()
    if deleted:
        ResourceStats.objects.filter(page_id=page_id).update(bookmark_count=Greatest(F("bookmark_count") - 1, 0))
    return bool(deleted)


@transaction.atomic
def vote_useful(*, user, page: ResourcePage) -> UsefulVote:
    """One "utile" vote per member and resource; a second vote raises AlreadyDone."""
    _ensure_member(user)
    if not _can_act_on(user, page):
        raise PermissionDenied
    try:
        with transaction.atomic():
            vote = UsefulVote.objects.create(user=user, page=page)
    except IntegrityError:
        raise AlreadyDone from None
    _ensure_stats(page.pk)
    ResourceStats.objects.filter(page_id=page.pk).update(useful_count=F("useful_count") + 1)
    search_services.reindex_later(page)  # the search ranking boosts useful resources
    return vote


@transaction.atomic
def remove_useful_vote(*, user, page_id: int) -> bool:
    deleted, _unused = UsefulVote.objects.filter(user=user, page_id=page_id).delete()
    if deleted:
        ResourceStats.objects.filter(page_id=page_id).update(useful_count=Greatest(F("useful_count") - 1, 0))
        page = ResourcePage.objects.filter(pk=page_id).first()
        if page is not None:
            search_services.reindex_later(page)
    return bool(deleted)


# --- Proposals ------------------------------------------------------------------------------------


def proposals_left_today(user) -> int:
    since = timezone.now() - timedelta(days=1)
    done = ResourceProposal.objects.filter(member=user, created_at__gte=since).count()
    return max(0, PROPOSALS_PER_DAY - done)


def _unique_slug(parent: ResourceIndexPage, title: str) -> str:
    base = slugify(title)[:70] or "ressource"
    taken = set(
        parent.get_children().filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


class ProposalRefused(Exception):
    def __init__(self, message):
        self.message = message
        super().__init__(message)


@transaction.atomic
def propose_resource(*, user, title: str, kind: str, summary: str, body_markdown: str, themes,
                     upload=None) -> ResourceProposal:
    """A member's proposal becomes a DRAFT ResourcePage owned by the member, with a revision,
    submitted to the index page's moderation workflow. Moderators are e-mailed."""
    _ensure_member(user)
    if proposals_left_today(user) <= 0:
        raise ProposalRefused(
            _("Vous avez déjà proposé %(n)d ressources ces dernières 24 heures. Merci de réessayer demain : "
              "votre texte vous est rendu ci-dessous.") % {"n": PROPOSALS_PER_DAY}
        )
    index = ResourceIndexPage.objects.first()
    if index is None:
        raise ProposalRefused(_("La bibliothèque de ressources n'est pas encore ouverte."))
    page = ResourcePage(
        title=title,
        slug=_unique_slug(index, title),
        kind=kind,
        summary=summary,
        body=[("rich_text", render_markdown(body_markdown, headings=True))],
        body_markdown=body_markdown,
        visibility=Visibility.MEMBERS,
        author=user,
        organisation=user.organisation,
        owner=user,
        live=False,
    )
    page.themes.set(list(themes))
    if upload is not None:
        document = ResourceDocument(title=title[:255], file=upload, uploaded_by_user=user)
        document.file_size = upload.size
        document.save()
        page.attached_documents.add(ResourcePageDocument(document=document))
    index.add_child(instance=page)
    revision = page.save_revision(user=user, log_action=True)
    proposal = ResourceProposal.objects.create(member=user, page=page, title=title)
    _use_front_end_notifications(user)
    workflow = index.get_workflow()
    if workflow is not None:
        # Wagtail e-mails the task's group (the moderators) on submission.
        workflow.start(page, user)
    else:  # no workflow configured: still tell the moderators
        logger.warning("resource proposal without a moderation workflow", extra={"page_id": page.pk})
        transaction.on_commit(lambda: notify_moderators_of_proposal(proposal.pk, revision.pk))
    return proposal


def _use_front_end_notifications(user) -> None:
    """A member without admin access is told about the outcome by our French e-mails, which
    link to the public site; Wagtail's own approval/rejection e-mails link to the admin they
    cannot open, so they are switched off for such members."""
    if user.has_perm("wagtailadmin.access_admin"):
        return
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    if profile.approved_notifications or profile.rejected_notifications:
        profile.approved_notifications = False
        profile.rejected_notifications = False
        profile.save(update_fields=["approved_notifications", "rejected_notifications"])


def _moderator_emails() -> list[str]:
    from comcep.accounts.enums import MODERATORS_GROUP

    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True))
        .exclude(email="").values_list("email", flat=True).distinct()
    )


def notify_moderators_of_proposal(proposal_id: int, revision_id: int | None = None) -> None:
    proposal = ResourceProposal.objects.select_related("member", "page").filter(pk=proposal_id).first()
    if proposal is None or proposal.page is None:
        return
    recipients = _moderator_emails()
    if not recipients:
        return
    context = {
        "proposal": proposal,
        "admin_url": f"{settings.WAGTAILADMIN_BASE_URL}/admin/pages/{proposal.page.pk}/edit/",
    }
    send_mail(
        subject=_("[Comcep] Nouvelle proposition de ressource : %(title)s") % {"title": proposal.title},
        message=render_to_string("resources/email/proposal_submitted.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


PROPOSAL_NOTIFICATION_KIND = "resource-proposal"


def _notify_member(proposal: ResourceProposal, *, title: str, url: str, excerpt: str = "", actor=None,
                   key: str) -> None:
    """In-app notification + e-mail (according to the member's preferences) through
    comcep.notifications; the e-mail leaves when the transaction commits."""
    from comcep.notifications.services import notify

    notify(PROPOSAL_NOTIFICATION_KIND, [proposal.member_id], title=title, url=url, excerpt=excerpt, actor=actor,
           target=proposal, dedupe_key=f"resource-proposal:{proposal.pk}:{key}")


def mark_proposal_published(page: ResourcePage) -> None:
    proposal = ResourceProposal.objects.filter(page_id=page.pk).first()
    if proposal is None or proposal.status == ProposalStatus.PUBLISHED:
        return
    proposal.status = ProposalStatus.PUBLISHED
    proposal.reviewed_at = timezone.now()
    proposal.title = page.title
    proposal.save(update_fields=["status", "reviewed_at", "title"])
    _notify_member(
        proposal, key="published", url=page.url or "/ressources/",
        title=_("Votre ressource « %(title)s » est publiée") % {"title": proposal.title},
        excerpt=_("Elle a été relue par l'équipe de modération. Merci pour votre contribution !"),
    )


def mark_proposal_rejected(page, *, reviewer=None, comment: str = "") -> None:
    proposal = ResourceProposal.objects.filter(page_id=page.pk).first()
    if proposal is None:
        return
    proposal.status = ProposalStatus.REJECTED
    proposal.reviewer_comment = comment or ""
    proposal.reviewed_by = reviewer
    proposal.reviewed_at = timezone.now()
    proposal.save(update_fields=["status", "reviewer_comment", "reviewed_by", "reviewed_at"])
    _notify_member(
        proposal, key=f"rejected:{proposal.reviewed_at.timestamp()}", actor=reviewer,
        url="/ressources-actions/mes-propositions/",
        title=_("Votre proposition « %(title)s » n'a pas été retenue") % {"title": proposal.title},
        excerpt=(_("Commentaire de la modération : %(comment)s") % {"comment": comment}) if comment else "",
    )


def mark_proposal_pending(page) -> None:
    ResourceProposal.objects.filter(page_id=page.pk, status=ProposalStatus.REJECTED).update(
        status=ProposalStatus.PENDING, reviewer_comment="", reviewed_at=None, reviewed_by=None)


def mark_proposal_deleted(page) -> None:
    """A pending proposal whose draft the moderators deleted is shown as refused."""
    ResourceProposal.objects.filter(page_id=page.pk, status=ProposalStatus.PENDING).update(
        status=ProposalStatus.REJECTED, reviewed_at=timezone.now(),
        reviewer_comment=_("La proposition a été retirée par l'équipe de modération."))
