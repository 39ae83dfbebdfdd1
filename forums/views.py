"""Pages and actions of the discussion spaces. Views stay thin: permissions come from the
``visible_to`` querysets and the service functions, which own every side effect."""

from __future__ import annotations

from functools import partial, wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail.models import Page

from comcep.core import access
from comcep.core.fragments import fragment_key, keyer
from comcep.core.markdown import quote_markdown
from comcep.core.mdescape import escape_text

from . import queries, services
from .enums import FlagStatus, ThreadFilter
from .forms import (
    DiscussForm,
    FlagForm,
    MoveForm,
    ReasonForm,
    ReplyForm,
    RequiredReasonForm,
    SuspendForm,
    ThreadForm,
    inline_reason,
    queue_row,
)
from .mentions import render_post
from .models import (
    Flag,
    MemberSanction,
    ModerationLog,
    Post,
    PostRevision,
    ReadMarker,
    Space,
    Subscription,
    Thread,
    can_moderate,
    can_use_forums,
)
from .pages import page_is_discussable

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 20


# --- Access -----------------------------------------------------------------------------


members_only = access.members_only("forums/members_only.html", allowed=can_use_forums)


def moderators_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (can_use_forums(request.user) and request.user.is_moderator):
            raise PermissionDenied(_("Action réservée à l'équipe d'animation."))
        return view(request, *args, **kwargs)

    return wrapper


def ensure_space_moderator(user, space) -> None:
    """Actions inside one space: global moderators and that space's moderators."""
    if not can_moderate(user, space):
        raise PermissionDenied(_("Action réservée à l'équipe d'animation de cet espace."))


def _visible_post(request, pk) -> Post:
    return get_object_or_404(Post.objects.visible_to(request.user).select_related("thread__space", "author"), pk=pk)


def _visible_thread(request, pk) -> Thread:
    return get_object_or_404(Thread.objects.visible_to(request.user).select_related("space"), pk=pk)


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Action impossible.")


def _form_status(form) -> int:
    """The project's rule for a page that shows a form: 400 when the submitted form has errors (shown next to
    its fields, with what was typed), 200 otherwise (the empty form, a preview)."""
    return 400 if form.is_bound and form.errors else 200


def post_url(post: Post, user, *, thread_checked: bool = False, earlier: int | None = None) -> str:
    """The thread page (right page number) and anchor where ``user`` sees ``post``.
    ``thread_checked``: the caller loaded ``post.thread`` through ``Thread.objects.visible_to(user)``
    and ``post`` was just written (a reply): its place comes from the thread's counter and the few
    posts that do not count (``queries.NEW_POST_PLACE``: one statement whose cost does not grow with
    the thread) instead of counting the posts before it. ``earlier``: the posts ``user`` is listed before
    it, when the caller has read them. Otherwise they are counted by ``queries.POST_PLACE`` (through
    indexes, one prepared statement); a post the reader can no longer see (changed meanwhile) is placed
    on the first page."""
    if earlier is None and thread_checked:
        ((post_count, public_from, others_before),) = queries.NEW_POST_PLACE.rows(
            queries.reader_kind(user), user=user.pk, thread=post.thread_id, at=post.created_at, post=post.pk)
        earlier = post_count - public_from + others_before
    elif earlier is None:
        placed = queries.POST_PLACE.first(queries.reader_kind(user), user=user.pk, post=post.pk)
        earlier = placed.reader_posts_before if placed is not None else 0
    page = earlier // POSTS_PER_PAGE + 1
    url = post.thread.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return f"{url}#message-{post.pk}"


# --- Spaces -----------------------------------------------------------------------------


@require_GET
def space_index(request):
    user = request.user
    if not can_use_forums(user):
        return render(request, "forums/members_only.html")
    spaces = list(queries.SPACE_INDEX.objects(queries.reader_kind(user), user=user.pk))
    key = keyer()
    for space in spaces:
        space.fragment_key = _space_row_fragment_key(space, key)
    return render(request, "forums/index.html", {"spaces": spaces})


def _space_row_fragment_key(space, key=fragment_key) -> str:
    """The cache key of one row of forums/index.html: every value the row reads."""
    last_post = space.last_post if space.last_post_id else None
    return key(
        "forum-space-row", space.pk, space.slug, space.title, space.description, space.visibility,
        space.is_archived, bool(space.is_followed), space.thread_count, space.post_count, space.last_post_at,
        last_post.pk if last_post is not None else None,
        last_post.thread.title if last_post is not None else None,
        last_post.author.public_name if last_post is not None else None,
    )


@require_GET
@members_only
def space_detail(request, space):
    user = request.user
    current = request.GET.get("filtre", "")
    if current not in ThreadFilter.values:
        current = ""
    space = queries.SPACE_PAGE.first(queries.reader_kind(user), current, user=user.pk, slug=space)
    if space is None:
        raise Http404
    # can_moderate(user, space), with the space moderators' row read with the space (SPACE_PAGE)
    can_moderate_space = can_use_forums(user) and (user.is_moderator or space.reader_moderates_space)
    # The space was loaded with Space.objects.visible_to(user): the threads need only their own conditions
    # (ThreadQuerySet.for_space_page and the list's filter, compiled once per process: queries.py).
    # SPACE_PAGE counted them (SPACE_THREADS' COUNT for this reader and filter) with the space: no COUNT here.
    threads = queries.SPACE_THREADS.sequence(can_moderate_space, current, user=user.pk, space=space.pk,
                                             count=space.reader_thread_count)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    key = keyer()
    for thread in page.object_list:
        thread.is_unread = thread.read_at is None or (thread.last_post_at and thread.last_post_at > thread.read_at)
        thread.space = space  # same space: its slug builds the thread's URL
        thread.fragment_key = _thread_row_fragment_key(thread, key)
    return render(request, "forums/space.html", {
        "space": space,
        "page_obj": page,
        "threads": page.object_list,
        "filters": ThreadFilter.choices,
        "current_filter": current,
        "filter_query": urlencode({"filtre": current}) if current else "",
        "is_following": space.reader_follows,  # SPACE_FOLLOWED, read with the space
        "can_post": not space.is_archived or user.is_moderator,
        "can_moderate_space": can_moderate_space,
    })


def _thread_row_fragment_key(thread, key=fragment_key) -> str:
    """The cache key of one row of forums/space.html's thread list: every value the row reads."""
    last_post = thread.last_post if thread.last_post_id else None
    return key(
        "forum-thread-row", thread.pk, thread.space.slug, thread.slug, thread.title, thread.created_at,
        thread.author.public_name, thread.is_pinned, thread.is_solved, thread.is_locked, thread.is_hidden,
        thread.needs_approval, bool(thread.is_unread), thread.read_at is not None, thread.post_count,
        thread.last_post_at, last_post.author.public_name if last_post is not None else None,
    )


@require_POST
@members_only
def space_follow(request, space):
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=space)
    if request.POST.get("action") == "ne-plus-suivre":
        services.unfollow(request.user, space=space)
        messages.success(request, _("Vous ne suivez plus l'espace « %(title)s ».") % {"title": space.title})
    else:
        services.follow(request.user, space=space)
        messages.success(request, _("Vous suivez l'espace « %(title)s » : vous serez averti(e) des nouveaux "
                                    "sujets.") % {"title": space.title})
    return redirect(space.get_absolute_url())


SPACE_QUEUE_ACTIONS = {
    "masquer": (services.hide_post, True, _("Le message est masqué.")),
    "retablir": (services.restore_post, False, _("Le message est rétabli.")),
    "valider": (services.approve_post, False, _("Le message est validé et publié.")),
    "refuser": (services.reject_post, True, _("Le message est refusé.")),
}


@require_http_methods(["GET", "POST"])
@members_only
def space_moderation(request, space):
    """The moderation queue of ONE space, on the public site: posts awaiting approval and open
    reports about its posts. For the space's moderators (e.g. regional coordinators, who have no
    Wagtail admin access) and the global moderators."""
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=space)
    ensure_space_moderator(request.user, space)
    if request.method == "POST":
        action = request.POST.get("action", "")
        prefix, row_pk = queue_row(request.POST)
        reason, reason_error = inline_reason(request.POST, prefix=prefix, pk=row_pk)
        if reason_error:  # too long: never cut, shown again next to its row's input
            return _space_moderation_page(request, space, reason_error=reason_error)
        try:
            if action == "classer":
                flag = get_object_or_404(Flag.objects.select_related("post__thread"),
                                         pk=_int_or_404(request.POST.get("flag")), post__thread__space=space)
                services.resolve_flag(flag=flag, moderator=request.user, resolution=reason)
                messages.success(request, _("Signalement classé."))
            elif action in SPACE_QUEUE_ACTIONS:
                fn, reason_required, done = SPACE_QUEUE_ACTIONS[action]
                if reason_required and not reason:
                    messages.error(request, _("Indiquez un motif pour cette action."))
                    return redirect("forums:space_moderation", space=space.slug)
                post = get_object_or_404(Post.objects.select_related("thread__space", "author"),
                                         pk=_int_or_404(request.POST.get("post")), thread__space=space)
                fn(post=post, moderator=request.user, reason=reason)
                messages.success(request, done)
            else:
                messages.error(request, _("Action inconnue."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_message(exc))
        return redirect("forums:space_moderation", space=space.slug)
    return _space_moderation_page(request, space)


def _space_moderation_page(request, space, *, reason_error=None):
    flags = (Flag.objects.filter(status=FlagStatus.OPEN, post__thread__space=space)
             .select_related("reporter", "post__author", "post__thread").order_by("created_at")[:100])
    pending = (Post.objects.filter(needs_approval=True, is_deleted=False, thread__space=space)
               .select_related("author", "thread").order_by("created_at")[:100])
    return render(request, "forums/space_moderation.html", {
        "space": space, "flags": flags, "pending_posts": pending, "reason_error": reason_error,
    }, status=400 if reason_error else 200)


def _int_or_404(value) -> int:
    if not ((value or "").isascii() and value.isdigit()):  # isdigit() alone accepts "²"
        raise Http404
    return int(value)


# --- New thread -------------------------------------------------------------------------


def _handle_thread_form(request, form, *, space_getter, about_page=None):
    """Shared by "Poser une question" and "Discuter de cette ressource". Returns (response, preview)."""
    preview = None
    if form.is_valid():
        if "apercu" in request.POST:
            return None, render_post(form.cleaned_data["body"])
        try:
            thread = services.create_thread(space=space_getter(form), author=request.user,
                                            title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                                            about_page=about_page)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_message(exc))
        else:
            if getattr(thread, "duplicate", False):
                messages.info(request, _("Cette question était déjà enregistrée : elle n'a pas été publiée une "
                                         "seconde fois."))
            elif thread.needs_approval:
                messages.info(request, _("Merci ! Votre question sera publiée après validation par l'équipe "
                                         "d'animation (nouveaux membres ou messages avec beaucoup de liens)."))
            else:
                messages.success(request, _("Votre question est publiée."))
            return redirect(thread.get_absolute_url()), None
    return None, preview


@require_http_methods(["GET", "POST"])
@members_only
def thread_create(request, space):
    space = get_object_or_404(Space.objects.visible_to(request.user), slug=space)
    if space.is_archived and not request.user.is_moderator:
        raise PermissionDenied(_("Cet espace est archivé : il n'accepte plus de messages."))
    preview = None
    if request.method == "POST":
        form = ThreadForm(request.POST)
        response, preview = _handle_thread_form(request, form, space_getter=lambda f: space)
        if response is not None:
            return response
    else:
        form = ThreadForm()
    return render(request, "forums/thread_form.html", {"space": space, "form": form, "preview": preview},
                  status=_form_status(form))


@require_http_methods(["GET", "POST"])
@members_only
def discuss_page(request, page_id):
    """"Discuter de cette ressource": open the page's thread, or start it."""
    page = get_object_or_404(Page.objects.all(), pk=page_id)
    if not page_is_discussable(page):
        raise Http404
    existing = Thread.objects.visible_to(request.user).filter(about_page=page).order_by("created_at").first()
    if existing is not None:
        return redirect(existing.get_absolute_url())
    spaces = Space.objects.visible_to(request.user).filter(is_archived=False).order_by("sort_order", "title")
    preview = None
    if request.method == "POST":
        form = DiscussForm(request.POST, spaces=spaces)
        response, preview = _handle_thread_form(request, form, space_getter=lambda f: f.cleaned_data["space"],
                                                about_page=page)
        if response is not None:
            return response
    else:
        page_url = page.get_full_url(request) or page.url
        form = DiscussForm(spaces=spaces, initial={
            "title": (_("À propos de « %(title)s »") % {"title": page.title})[:160],
            "body": f"[{escape_text(page.title)}]({page_url})\n\n",  # a title may hold "]" or "*"
        })
    return render(request, "forums/thread_form.html", {"form": form, "preview": preview, "about_page": page},
                  status=_form_status(form))


# --- Thread page ------------------------------------------------------------------------


def _post_fragment_key(post, thread, reader_pk, *, first_of_thread, can_reply, is_moderator, is_global_moderator,
                       is_thread_author, page_number=1, key=fragment_key) -> str:
    """The cache key of one post as forums/includes/post.html renders it for the reader whose pk is
    ``reader_pk`` (``user.pk`` in the template): every value that template reads (keep them in step;
    see comcep/core/fragments.py). ``first_of_thread`` is ``post.first_of_thread`` in the template,
    ``page_number`` ``post.page_number``."""
    author = post.author
    return key(
        "forum-post", post.pk, post.author_id, author.public_name, author.organisation, bool(author.deleted_at),
        post.created_at, post.edited_at, post.is_deleted, post.is_hidden, post.hidden_reason, post.needs_approval,
        post.is_certified, post.useful_count, post.html, post.is_unread, bool(getattr(post, "i_reacted", False)),
        post.author_id == reader_pk, thread.solved_post_id == post.pk, thread.is_locked, first_of_thread,
        can_reply, is_moderator, is_global_moderator, is_thread_author, page_number,
    )


def _thread_context(request, thread: Thread, *, reply_form=None, preview=None) -> dict:
    user = request.user
    reader_pk = user.pk  # request.user is a lazy object: read its pk once, not once or twice per post
    queries.attach_solved_post_and_page(thread)  # not joined by THREAD_PAGE / THREAD_FOR_REPLY
    is_global_moderator = user.is_moderator
    if hasattr(thread, "reader_moderates_space"):  # read with the thread (THREAD_PAGE): can_moderate's answer
        is_moderator = is_global_moderator or (can_use_forums(user) and thread.reader_moderates_space)
    else:
        is_moderator = is_global_moderator or can_moderate(user, thread.space_id)
    # Both callers load the thread with Thread.objects.visible_to(user): the posts' query of
    # PostQuerySet.for_thread_page(user, moderates_space=...), compiled once per process.
    # THREAD_PAGE counted the posts this reader is listed (THREAD_POSTS' COUNT) with the thread: no COUNT here.
    posts = queries.THREAD_POSTS.sequence(queries.reader_kind(user), is_moderator, user=user.pk, thread=thread.pk,
                                          count=getattr(thread, "reader_post_count", None))
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    post_list = list(page.object_list)
    if hasattr(thread, "reader_read_at"):  # annotated by thread_detail (no query)
        read_at = thread.reader_read_at
    else:
        marker = ReadMarker.objects.filter(user=user, thread=thread).only("last_read_at").first()
        read_at = marker.last_read_at if marker else None
    for post in post_list:
        post.is_unread = read_at is not None and post.created_at > read_at and post.author_id != reader_pk
    # THREAD_PAGE read whether there are any (most threads have none): no statement then.
    certified = (queries.CERTIFIED_POSTS.objects(thread=thread.pk) if getattr(thread, "has_certified_posts", True)
                 else [])
    try:
        # Both views load the thread with visible_to, and the reader's sanction with it (no query).
        sanction = queries.reader_sanction(thread, user) if hasattr(thread, "reader_sanctioned") else services.UNREAD
        services.ensure_can_post(user, thread=thread, visible=True, sanction=sanction, moderates=is_moderator)
        can_reply, reply_blocked = True, ""
    except PermissionDenied as exc:
        can_reply, reply_blocked = False, _error_message(exc)
    is_thread_author = thread.author_id == reader_pk
    key = keyer()
    for index, post in enumerate(post_list):
        post.first_of_thread = index == 0 and page.number == 1  # no "Mark as solution" on the question
        post.page_number = page.number  # "Citer" keeps the reader on this page
        post.fragment_key = _post_fragment_key(
            post, thread, reader_pk, first_of_thread=post.first_of_thread, can_reply=can_reply,
            is_moderator=is_moderator, is_global_moderator=is_global_moderator, is_thread_author=is_thread_author,
            page_number=page.number, key=key)
    if reply_form is None and can_reply:
        initial = {}
        quoted_id = request.GET.get("citer", "")
        if quoted_id.isascii() and quoted_id.isdigit():
            quoted = Post.objects.filter(thread=thread, pk=int(quoted_id)).public().select_related("author").first()
            if quoted is not None:
                initial["body"] = quote_markdown(quoted.body, quoted.author.public_name)
        # Built only if the template renders it: the empty form is a cached fragment (its key below).
        reply_form = SimpleLazyObject(partial(ReplyForm, initial=initial))
        reply_form_key = _reply_form_fragment_key(thread, reply_form, preview, initial=initial)
    else:
        reply_form_key = _reply_form_fragment_key(thread, reply_form, preview)
    # Move the reader's marker to the last post shown.
    public_on_page = [p for p in post_list if not p.needs_approval]
    if public_on_page and (read_at is None or public_on_page[-1].created_at > read_at):
        services.mark_read(user, thread, public_on_page[-1], has_marker=read_at is not None)
    return {
        "thread": thread,
        "space": thread.space,
        "page_obj": page,
        "posts": post_list,
        "certified_posts": certified,
        "cited_pages": (queries.CITED_PAGES.objects(thread=thread.pk)  # thread.cited_pages.live()
                        if getattr(thread, "has_cited_pages", True) else []),
        "is_following": (thread.reader_follows if hasattr(thread, "reader_follows")
                         else Subscription.objects.filter(user=user, thread=thread).exists()),
        "is_moderator": is_moderator,  # moderates THIS space (global moderators or the space's moderators)
        "is_global_moderator": is_global_moderator,  # move threads, suspend members
        "is_thread_author": is_thread_author,
        "can_reply": can_reply,
        "reply_blocked": reply_blocked,
        "reply_form": reply_form,
        "reply_form_key": reply_form_key,
        "preview": preview,
        "move_form": MoveForm(initial={"space": thread.space_id}) if is_global_moderator else None,
        "has_unread": read_at is not None and thread.last_post_at and thread.last_post_at > read_at,
    }


def _reply_form_fragment_key(thread: Thread, reply_form, preview, *, initial=None) -> str | None:
    """The cache key of forums/thread.html's reply form, or None (rendered live) for a submitted form
    (its errors and text) or a preview: every value the form reads — the thread (its URLs), the
    quoted text it starts with (``?citer=``), the form's class. ``initial``: the initial data of the
    empty ``ReplyForm`` not built yet (``reply_form`` is then a lazy object)."""
    if initial is not None:  # what ReplyForm(initial=initial)["body"].value() gives
        form_class, body = ReplyForm, initial.get("body", ReplyForm.base_fields["body"].initial)
    elif reply_form is None or reply_form.is_bound or preview is not None:
        return None
    else:
        form_class, body = type(reply_form), reply_form["body"].value()
    return fragment_key("forum-reply-form", thread.pk, form_class.__qualname__, body or "")


@require_GET
@members_only
def thread_detail(request, space, pk, slug):
    user = request.user
    # Thread.objects.visible_to(user) with its relations, the reader's marker and subscription
    # (two queries fewer), compiled once per process and kind of reader (forums/queries.py).
    thread = queries.THREAD_PAGE.first(queries.reader_kind(user), user=user.pk, thread=pk, at=timezone.now())
    if thread is None:
        raise Http404
    if thread.space.slug != space or thread.slug != slug:
        query = request.GET.urlencode()
        return HttpResponseRedirect(thread.get_absolute_url() + (f"?{query}" if query else ""))
    if "non-lu" in request.GET:
        return redirect(_first_unread_url(thread, user))
    return render(request, "forums/thread.html", _thread_context(request, thread))


def _first_unread_url(thread: Thread, user) -> str:
    marker = ReadMarker.objects.filter(user=user, thread=thread).first()
    posts = Post.objects.filter(thread=thread).visible_to(user).order_by("created_at", "pk")
    target = posts.filter(created_at__gt=marker.last_read_at).first() if marker else posts.first()
    if target is None:
        target = posts.last()
    if target is None:
        return thread.get_absolute_url()
    target.thread = thread
    return post_url(target, user)


@require_POST
@members_only
def thread_reply(request, pk):
    thread = queries.THREAD_FOR_REPLY.first(queries.reader_kind(request.user), user=request.user.pk, thread=pk,
                                            at=timezone.now())
    if thread is None:
        raise Http404
    form = ReplyForm(request.POST)
    preview = None
    if form.is_valid():
        if "apercu" in request.POST:
            preview = render_post(form.cleaned_data["body"])
        else:
            try:
                # THREAD_FOR_REPLY: Thread.objects.visible_to, and the member's sanction read with the thread.
                post = services.add_reply(thread=thread, author=request.user, body=form.cleaned_data["body"],
                                          visible=True, sanction=queries.reader_sanction(thread, request.user))
            except ValidationError as exc:
                form.add_error("body" if hasattr(exc, "error_dict") and "body" in exc.error_dict else None,
                               exc.error_dict["body"] if hasattr(exc, "error_dict") and "body" in exc.error_dict
                               else exc)
            except PermissionDenied as exc:
                form.add_error(None, _error_message(exc))
            else:
                if getattr(post, "duplicate", False):
                    messages.info(request, _("Cette réponse était déjà enregistrée : elle n'a pas été publiée une "
                                             "seconde fois."))
                elif post.needs_approval:
                    messages.info(request, _("Merci ! Votre réponse sera publiée après validation par l'équipe "
                                             "d'animation."))
                else:
                    messages.success(request, _("Votre réponse est publiée."))
                if post.thread_id == thread.pk:  # loaded above through Thread.objects.visible_to
                    post.thread = thread  # its URL needs the thread and its space
                    return redirect(post_url(post, request.user, thread_checked=True))
                return redirect(post_url(post, request.user))
    context = _thread_context(request, thread, reply_form=form, preview=preview)
    status = 200 if preview is not None else 400
    return render(request, "forums/thread.html", context, status=status)


@require_POST
@members_only
def thread_follow(request, pk):
    thread = _visible_thread(request, pk)
    if request.POST.get("action") == "ne-plus-suivre":
        services.unfollow(request.user, thread=thread)
        messages.success(request, _("Vous ne suivez plus ce sujet."))
    else:
        services.follow(request.user, thread=thread)
        messages.success(request, _("Vous suivez ce sujet : vous serez averti(e) des nouvelles réponses."))
    return redirect(thread.get_absolute_url())


THREAD_ACTIONS = {
    "verrouiller": (services.lock_thread, {"locked": True}, _("Le sujet est verrouillé.")),
    "deverrouiller": (services.lock_thread, {"locked": False}, _("Le sujet est déverrouillé.")),
    "epingler": (services.pin_thread, {"pinned": True}, _("Le sujet est épinglé.")),
    "desepingler": (services.pin_thread, {"pinned": False}, _("Le sujet n'est plus épinglé.")),
    "masquer": (services.hide_thread, {"hidden": True}, _("Le sujet est masqué.")),
    "retablir": (services.hide_thread, {"hidden": False}, _("Le sujet est rétabli.")),
}


@require_POST
@members_only
def thread_moderate(request, pk):
    thread = _visible_thread(request, pk)
    action = request.POST.get("action", "")
    ensure_space_moderator(request.user, thread.space_id)
    if action == "deplacer":
        if not request.user.is_moderator:  # moving out of a space is a global action
            raise PermissionDenied(_("Action réservée à l'équipe d'animation."))
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choisissez un espace valide."))
            return redirect(thread.get_absolute_url())
        services.move_thread(thread=thread, space=form.cleaned_data["space"], moderator=request.user,
                             reason=form.cleaned_data["reason"])
        messages.success(request, _("Le sujet est déplacé dans « %(title)s ».") % {"title": thread.space.title})
        return redirect(thread.get_absolute_url())
    if action not in THREAD_ACTIONS:
        messages.error(request, _("Action inconnue."))
        return redirect(thread.get_absolute_url())
    fn, kwargs, message = THREAD_ACTIONS[action]
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    fn(thread=thread, moderator=request.user, reason=reason, **kwargs)
    messages.success(request, message)
    return redirect(thread.get_absolute_url())


# --- Posts ------------------------------------------------------------------------------


@require_GET
@members_only
def post_detail(request, pk):
    """A post's permalink (notifications lead here): a redirect to its thread page and anchor."""
    user = request.user
    post = queries.POST_PLACE.first(queries.reader_kind(user), user=user.pk, post=pk)
    if post is None:
        raise Http404
    return redirect(post_url(post, user, earlier=post.reader_posts_before))


@require_http_methods(["GET", "POST"])
@members_only
def post_edit(request, pk):
    post = _visible_post(request, pk)
    if not services.can_edit(request.user, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
    preview = None
    form = ReplyForm(request.POST) if request.method == "POST" else ReplyForm(initial={"body": post.body})
    # Before validation: a bound field, cached by is_valid(), keeps the label it was created with.
    form.fields["body"].label = _("Message")
    if request.method == "POST" and form.is_valid():
        if "apercu" in request.POST:
            preview = render_post(form.cleaned_data["body"])
        else:
            try:
                services.edit_post(post=post, editor=request.user, body=form.cleaned_data["body"])
            except ValidationError as exc:
                form.add_error("body", exc.error_dict["body"] if hasattr(exc, "error_dict") else exc)
            except PermissionDenied as exc:
                form.add_error(None, _error_message(exc))
            else:
                messages.success(request, _("Votre message est modifié."))
                return redirect(post_url(post, request.user))
    return render(request, "forums/post_edit.html", {"post": post, "thread": post.thread, "form": form,
                                                     "preview": preview}, status=_form_status(form))


@require_http_methods(["GET", "POST"])
@members_only
def post_delete(request, pk):
    post = _visible_post(request, pk)
    if not (post.author_id == request.user.pk or can_moderate(request.user, post.thread.space_id)) or post.is_deleted:
        raise PermissionDenied(_("Vous ne pouvez pas supprimer ce message."))
    if request.method == "POST":
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.delete_post(post=post, user=request.user, reason=reason)
        messages.success(request, _("Le message est supprimé."))
        return redirect(post_url(post, request.user))
    return render(request, "forums/confirm.html", {
        "post": post, "thread": post.thread, "form": ReasonForm() if post.author_id != request.user.pk else None,
        "title": _("Supprimer ce message ?"),
        "explanation": _("Le message ne sera plus affiché ; la discussion garde sa place (« message supprimé »)."),
        "submit": _("Supprimer le message"), "action": reverse("forums:post_delete", args=[post.pk]),
    })


@require_POST
@members_only
def post_react(request, pk):
    post = _visible_post(request, pk)
    try:
        reacted = services.react(post=post, user=request.user)
    except PermissionDenied as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("Merci enregistré.") if reacted else _("Merci retiré."))
    return redirect(post_url(post, request.user))


@require_POST
@members_only
def post_solve(request, pk):
    post = _visible_post(request, pk)
    try:
        solved = services.mark_solved(post=post, user=request.user)
    except ValidationError as exc:  # the thread's question (a hand-made request: the page never offers it)
        return render(request, "forums/action_refused.html", {
            "post": post, "thread": post.thread, "title": _("Ce message ne peut pas être la solution"),
            "message": _error_message(exc)}, status=400)
    messages.success(request, _("Sujet marqué comme résolu par ce message.") if solved
                     else _("Le sujet n'est plus marqué comme résolu."))
    return redirect(post_url(post, request.user))


@require_POST
@members_only
def post_certify(request, pk):
    post = _visible_post(request, pk)
    ensure_space_moderator(request.user, post.thread.space_id)
    certified = request.POST.get("action") != "retirer"
    try:
        services.certify(post=post, moderator=request.user, certified=certified)
    except ValidationError as exc:
        messages.error(request, _error_message(exc))
    else:
        messages.success(request, _("Réponse certifiée.") if certified else _("Certification retirée."))
    return redirect(post_url(post, request.user))


@require_http_methods(["GET", "POST"])
@members_only
def post_flag(request, pk):
    post = _visible_post(request, pk)
    if request.method == "POST":
        form = FlagForm(request.POST)
        if form.is_valid():
            services.flag(post=post, reporter=request.user, reason=form.cleaned_data["reason"],
                          comment=form.cleaned_data["comment"])
            messages.success(request, _("Merci, votre signalement a été transmis à l'équipe d'animation."))
            return redirect(post_url(post, request.user))
    else:
        form = FlagForm()
    return render(request, "forums/flag_form.html", {"post": post, "thread": post.thread, "form": form},
                  status=_form_status(form))


POST_ACTIONS = {
    "masquer": (services.hide_post, True, _("Masquer ce message"), _("Le message est masqué.")),
    "retablir": (services.restore_post, False, _("Rétablir ce message"), _("Le message est rétabli.")),
    "valider": (services.approve_post, False, _("Valider ce message"), _("Le message est validé et publié.")),
    "refuser": (services.reject_post, True, _("Refuser ce message"), _("Le message est refusé.")),
}


@require_http_methods(["GET", "POST"])
@members_only
def post_moderate(request, pk, action):
    post = _visible_post(request, pk)
    ensure_space_moderator(request.user, post.thread.space_id)
    if action not in POST_ACTIONS:
        raise Http404
    fn, reason_required, title, done = POST_ACTIONS[action]
    form_class = RequiredReasonForm if reason_required else ReasonForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            fn(post=post, moderator=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, done)
            return redirect(post_url(post, request.user))
    else:
        form = form_class()
    return render(request, "forums/confirm.html", {
        "post": post, "thread": post.thread, "form": form, "title": title, "submit": title,
        "action": reverse("forums:post_moderate", args=[post.pk, action]),
    }, status=_form_status(form))


@require_GET
@members_only
def post_history(request, pk):
    post = _visible_post(request, pk)
    ensure_space_moderator(request.user, post.thread.space_id)
    revisions = PostRevision.objects.filter(post=post).select_related("editor")
    log = ModerationLog.objects.filter(post=post).select_related("actor")
    return render(request, "forums/post_history.html", {"post": post, "thread": post.thread,
                                                        "revisions": revisions, "log": log})


@require_http_methods(["GET", "POST"])
@moderators_only
def member_suspend(request, user_id):
    member = get_object_or_404(get_user_model().objects.filter(deleted_at__isnull=True), pk=user_id)
    sanctions = MemberSanction.objects.filter(user=member).select_related("created_by", "lifted_by")
    reason_error = None
    if request.method == "POST" and request.POST.get("action") == "lever":
        reason, reason_error = inline_reason(request.POST, prefix="motif-levee", pk="")
        if reason_error is None:
            services.unsuspend_member(member=member, moderator=request.user, reason=reason)
            messages.success(request, _("La suspension de %(name)s est levée.") % {"name": member.public_name})
            return redirect("forums:member_suspend", user_id=member.pk)
    if request.method == "POST" and reason_error is None:
        form = SuspendForm(request.POST)
        if form.is_valid():
            try:
                services.suspend_member(member=member, moderator=request.user, reason=form.cleaned_data["reason"],
                                        until=form.cleaned_data["suspended_until"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, _("%(name)s est suspendu(e).") % {"name": member.public_name})
                return redirect("forums:member_suspend", user_id=member.pk)
    else:
        form = SuspendForm()
    return render(request, "forums/member_suspend.html", {
        "member": member, "form": form, "sanctions": sanctions, "reason_error": reason_error,
        "active": any(s.is_active for s in sanctions),
    }, status=400 if reason_error else _form_status(form))


# --- JSON helpers for the editor --------------------------------------------------------


@require_GET
def mention_suggestions(request):
    """Approved members whose display name starts with ``q`` — only when the reader may use the
    forums and, with ``sujet``, may read that thread; at most 8 names, no e-mail addresses."""
    user = request.user
    if not can_use_forums(user):
        return JsonResponse({"results": []}, status=403)
    thread_id = request.GET.get("sujet", "")
    thread = None
    if thread_id:
        if not (thread_id.isascii() and thread_id.isdigit()):
            return JsonResponse({"results": []}, status=400)
        thread = Thread.objects.visible_to(user).select_related("space").filter(pk=int(thread_id)).first()
        if thread is None:  # unknown or not visible: the same answer, in JSON like every answer here
            return JsonResponse({"results": []}, status=404)
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:80]
    if len(query) < 1:
        return JsonResponse({"results": []})
    candidates = (get_user_model().objects.approved().filter(deleted_at__isnull=True)
                  .filter(display_name__istartswith=query).exclude(pk=user.pk).order_by("display_name"))
    if thread is not None:
        allowed = services.readers_among(thread, candidates.values_list("pk", flat=True)[:50])
        candidates = candidates.filter(pk__in=allowed)
    names = [{"name": u.display_name, "organisation": u.organisation}
             for u in candidates.only("display_name", "organisation")[:8]]
    return JsonResponse({"results": names})


@require_POST
def markdown_preview(request):
    if not can_use_forums(request.user):
        return JsonResponse({"html": ""}, status=403)
    body = request.POST.get("body", "")[: services.max_post_length()]
    return JsonResponse({"html": render_post(body)})  # as it will be stored: mentions too


# --- Animation --------------------------------------------------------------------------


@require_GET
@moderators_only
def unanswered(request):
    """Threads waiting for a first answer from another member, oldest first (animation team)."""
    from comcep.animation.views import can_view_dashboard

    from .animation import unanswered_threads

    threads = unanswered_threads().select_related("space", "author")
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "forums/unanswered.html", {
        "page": page, "threads": page.object_list, "can_view_dashboard": can_view_dashboard(request.user)})
