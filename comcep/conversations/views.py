"""Private conversations: /messages/ (inbox), /messages/nouveau/, /messages/<id>/ and their actions.
Views stay thin: who may open a conversation is ``Conversation.objects.visible_to``; every side
effect is in ``services``. A conversation the reader may not open is a 404, whoever they are."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from comcep.core import access
from comcep.core.fragments import fragment_key
from comcep.core.markdown import html_to_text

from . import queries, restrictions, services
from .forms import NewConversationForm, ReplyForm, ReportForm
from .models import Block, Conversation, Message, Participant, can_use_conversations

CONVERSATIONS_PER_PAGE = queries.INBOX_PAGE_SIZE
MESSAGES_PER_PAGE = 30
SEARCH_RESULTS = 20


members_only = access.members_only("conversations/members_only.html", allowed=can_use_conversations)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Action impossible.")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _visible_conversation(request, pk) -> Conversation:
    user = request.user
    # Conversation.objects.visible_to(user), compiled once per process (queries.py).
    conversation = queries.CONVERSATION.first(queries.reader_shape(user), user=user.pk, conversation=pk)
    if conversation is None:
        raise Http404
    return conversation


# --- Inbox ------------------------------------------------------------------------------


@require_GET
@members_only
def inbox(request):
    user = request.user
    # Participant.objects.for_inbox(user), compiled once (queries.py).
    page = Paginator(queries.INBOX.sequence(user=user.pk), CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [row.conversation_id for row in rows]
    # The other participants of the conversations on this page, in one query.
    others: dict[int, list] = {}
    for p in queries.inbox_others(user.pk, ids):
        others.setdefault(p.conversation_id, []).append(p)
    # The members I blocked, and since when: what they wrote after the block is hidden from me
    # (MessageQuerySet.for_conversation_page), what they wrote before stays readable.
    blocked_since = dict(queries.BLOCKED_SINCE.rows(user=user.pk))
    # How many of those messages each conversation holds (one query, only for a member who blocked someone):
    # "N messages" counts what the member sees.
    hidden = queries.inbox_hidden(user.pk, ids) if blocked_since else {}
    for row in rows:
        row.others = others.get(row.conversation_id, [])
        row.message_count = row.conversation.message_count - hidden.get(row.conversation_id, 0)
        last = row.conversation.last_message
        since = blocked_since.get(last.author_id) if last is not None and last.author_id != user.pk else None
        row.last_hidden = since is not None and since <= last.created_at
        row.excerpt = html_to_text(last.html) if last is not None else ""
    return render(request, "conversations/inbox.html", {
        "page_obj": page, "rows": rows, "unread_count": services.unread_count(user),
    })


# --- New conversation -------------------------------------------------------------------


def _search_members(user, query: str):
    query = " ".join(query.replace("\x00", "").split())[:80]
    if len(query) < 2:
        return []
    return list(services.eligible_recipients(user)
                .filter(Q(display_name__icontains=query) | Q(organisation__icontains=query))
                .order_by("display_name", "pk")
                [:SEARCH_RESULTS])


def _ids(values) -> list[int]:
    """Ids from a form or a link: ASCII digits only (``isdigit()`` also accepts "²", which ``int()``
    refuses) and short enough for a database integer (an ``IN`` list does not bound them)."""
    return [int(v) for v in map(str, values) if v.isascii() and v.isdigit() and len(v) <= 18][:100]


@require_http_methods(["GET", "POST"])
@members_only
def new_conversation(request):
    user = request.user
    eligible = services.eligible_recipients(user)
    write_refused = restrictions.write_refusal(user)  # e.g. suspended from the forums: says why and until when
    if request.method == "POST":
        form = NewConversationForm(request.POST, author=user)
        chosen = list(eligible.filter(pk__in=_ids(request.POST.getlist("recipients"))))
        results = _search_members(user, request.POST.get("q", ""))
        searching = "chercher" in request.POST
        if write_refused:  # the page shows why; what was typed is shown again, not sent
            searching = False
        elif not searching and form.is_valid():
            data = form.cleaned_data
            try:
                conversation = services.start_conversation(author=user, recipients=data["recipients"],
                                                           subject=data["subject"], body=data["body"])
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Votre message est envoyé."))
                return redirect(conversation.get_absolute_url())
        status = 403 if write_refused else 200 if searching else 400
    else:
        chosen = list(eligible.filter(pk__in=_ids(request.GET.getlist("a"))))
        form = NewConversationForm(author=user, initial={"recipients": [u.pk for u in chosen]})
        results, searching, status = [], False, 200
    chosen_ids = {u.pk for u in chosen}
    form.set_shown(chosen + [u for u in results if u.pk not in chosen_ids])
    return render(request, "conversations/new.html", {
        "form": form, "searching": searching, "results": results, "query": request.POST.get("q", ""),
        "write_refused": write_refused,
    }, status=status)


# --- Conversation page ------------------------------------------------------------------


def _message_fragment_key(message: Message, user) -> str:
    """The cache key of one message as conversations/includes/message.html renders it for this
    reader: every value that template reads (keep them in step; see comcep/core/fragments.py)."""
    mine = message.author_id == user.pk
    return fragment_key(
        "conversation-message", message.pk, mine, None if mine else message.author.public_name,
        message.created_at, message.is_unread, message.is_removed, None if message.is_removed else message.html,
    )


def _conversation_context(request, conversation: Conversation, *, reply_form=None, write_refused=None) -> dict:
    user = request.user
    if write_refused is None:
        write_refused = restrictions.write_refusal(user)
    qs = queries.MESSAGES.sequence(user=user.pk, conversation=conversation.pk)  # for_conversation_page(user)
    paginator = Paginator(qs, MESSAGES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    message_list = list(page.object_list)
    participants = queries.PARTICIPANTS.objects(conversation=conversation.pk)
    me = next((p for p in participants if p.user_id == user.pk), None)
    read_at = me.last_read_at if me else None
    for message in message_list:
        message.is_unread = (read_at is None or message.created_at > read_at) and message.author_id != user.pk
        message.fragment_key = _message_fragment_key(message, user)
    blocked = services.blocked_ids(user)
    others = [p for p in participants if p.user_id != user.pk]
    for p in others:
        p.is_blocked = p.user_id in blocked
    if message_list:
        until = (max(conversation.last_message_at, message_list[-1].created_at)
                 if page.number == paginator.num_pages else message_list[-1].created_at)
        # The marker only moves forward: when it is already there (read_at, loaded with the
        # participants), the UPDATE would change nothing.
        if (read_at is None or read_at < until) and services.mark_read(user, conversation, until):
            services.mark_notifications_read(user, conversation, timezone.now())
    return {
        "conversation": conversation,
        "page_obj": page,
        "conversation_messages": message_list,
        "others": others,
        "active_others": [p for p in others if p.left_at is None and not p.user.deleted_at],
        "reply_form": reply_form or ReplyForm(),
        "write_refused": write_refused,  # e.g. suspended from the forums: why and until when, instead of the form
        # forums/thread.html's rule: an empty form is cached per conversation (its URL), a submitted
        # one (errors, text) is rendered live.
        "reply_form_key": (None if reply_form is not None and reply_form.is_bound
                           else fragment_key("conversation-reply-form", conversation.pk)),
    }


@require_GET
@members_only
def conversation_detail(request, pk):
    conversation = _visible_conversation(request, pk)
    return render(request, "conversations/detail.html", _conversation_context(request, conversation))


@require_POST
@members_only
def reply(request, pk):
    conversation = _visible_conversation(request, pk)
    form = ReplyForm(request.POST)
    write_refused = restrictions.write_refusal(request.user)
    if write_refused:  # the page says why; what was typed is shown again, not sent
        context = _conversation_context(request, conversation, reply_form=form, write_refused=write_refused)
        return render(request, "conversations/detail.html", context, status=403)
    if form.is_valid():
        try:
            message = services.add_message(conversation=conversation, author=request.user,
                                           body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error("body" if hasattr(exc, "error_dict") and "body" in exc.error_dict else None,
                           exc.error_dict["body"] if hasattr(exc, "error_dict") and "body" in exc.error_dict
                           else exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Votre message est envoyé."))
            return redirect(message.get_absolute_url())
    context = _conversation_context(request, conversation, reply_form=form)
    return render(request, "conversations/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
@members_only
def leave(request, pk):
    conversation = _visible_conversation(request, pk)
    if request.method == "POST":
        services.leave(conversation=conversation, user=request.user)
        messages.success(request, _("Vous avez quitté la conversation « %(subject)s ».")
                         % {"subject": conversation.subject})
        return redirect("conversations:inbox")
    return render(request, "conversations/leave.html", {"conversation": conversation})


@require_http_methods(["GET", "POST"])
@members_only
def report_message(request, pk):
    message = get_object_or_404(
        Message.objects.filter(conversation__in=Conversation.objects.visible_to(request.user))
        .for_conversation_page(request.user).select_related("conversation"), pk=pk)
    if message.author_id == request.user.pk or message.is_removed:
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce message."))
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            services.report(message=message, reporter=request.user, reason=form.cleaned_data["reason"],
                            comment=form.cleaned_data["comment"])
            messages.success(request, _("Merci, votre signalement a été transmis à l'équipe d'animation, "
                                        "qui ne verra que ce message."))
            return redirect(message.get_absolute_url())
        status = 400
    else:
        form, status = ReportForm(), 200
    return render(request, "conversations/report.html", {"message": message, "form": form}, status=status)


def _blockable(request, user_id):
    """A member the reader shares a conversation with (otherwise 404: no hint that an account exists)."""
    shared = Participant.objects.filter(conversation__in=Conversation.objects.visible_to(request.user))
    return get_object_or_404(get_user_model().objects.filter(pk__in=shared.values("user_id"))
                             .exclude(pk=request.user.pk), pk=user_id)


@require_http_methods(["GET", "POST"])
@members_only
def block_member(request, user_id):
    member = _blockable(request, user_id)
    back = request.POST.get("retour") or request.GET.get("retour") or ""
    back_conversation = Conversation.objects.visible_to(request.user).filter(pk=int(back)).first() \
        if back.isascii() and back.isdigit() else None
    if request.method == "POST":
        services.block(blocker=request.user, blocked=member)
        messages.success(request, _("Vous avez bloqué %(name)s : ce membre ne peut plus vous écrire. Vous pouvez "
                                    "le débloquer depuis Mon espace.") % {"name": member.public_name})
        return redirect(back_conversation.get_absolute_url() if back_conversation else "conversations:inbox")
    return render(request, "conversations/block.html", {"member": member, "back_conversation": back_conversation})


@require_POST
@members_only
def unblock_member(request, user_id):
    block = get_object_or_404(Block.objects.filter(blocker=request.user).select_related("blocked"),
                              blocked_id=user_id)
    services.unblock(blocker=request.user, blocked_id=block.blocked_id)
    messages.success(request, _("%(name)s est débloqué(e).") % {"name": block.blocked.public_name})
    return redirect(request.POST.get("suivant") == "messages" and "conversations:inbox" or "accounts:dashboard")


PANEL_BLOCK_FIELDS = ("display_name", "first_name", "last_name", "email", "deleted_at")


def panel_context(request) -> dict:
    """The "Messages privés" panel of Mon espace: unread count and blocked members, in ONE query
    (the member's row, the unread count as a subquery, LEFT JOINed to their blocks)."""
    user = request.user
    if not can_use_conversations(user):
        return {"allowed": False}
    unread = (Participant.objects.active().filter(user=OuterRef("pk")).unread()
              .values("user").annotate(n=Count("pk")).values("n")[:1])
    block_fields = [f"conversation_blocks__blocked__{name}" for name in PANEL_BLOCK_FIELDS]
    rows = list(get_user_model().objects.filter(pk=user.pk)
                .annotate(unread=Coalesce(Subquery(unread), 0))
                .values("unread", "conversation_blocks__blocked_id", "conversation_blocks__created_at", *block_fields)
                .order_by("conversation_blocks__created_at", "conversation_blocks__pk"))
    User = get_user_model()
    blocks = [
        SimpleNamespace(
            blocked_id=row["conversation_blocks__blocked_id"], created_at=row["conversation_blocks__created_at"],
            blocked=User(pk=row["conversation_blocks__blocked_id"],
                         **{name: row[f"conversation_blocks__blocked__{name}"] for name in PANEL_BLOCK_FIELDS}),
        )
        for row in rows if row["conversation_blocks__blocked_id"] is not None
    ]
    return {"allowed": True, "unread_count": rows[0]["unread"] if rows else 0, "blocks": blocks}
