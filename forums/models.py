"""Discussion spaces: spaces, threads, posts and what members do with them.

Plain Django models (DESIGN.md decision 3). Counters are denormalised and kept exact by
``forums.services`` (never by ``save()``). Who sees what is decided in ONE place: the
``visible_to(user)`` queryset methods below.

Counting rule: a post *counts* (thread/space ``post_count``, ``last_post``) when it is
public, i.e. not deleted, not hidden and not awaiting approval. A thread counts in its
space's ``thread_count`` when it is neither hidden nor awaiting approval.
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, TextField
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .enums import RESERVED_SPACE_SLUGS, FlagReason, FlagStatus, ModerationAction, SpaceVisibility


def _reader_kind(user) -> str:
    """"none" (visitor, pending, rejected, suspended accounts still read), "member" or "moderator"."""
    if user is None or not user.is_authenticated or not getattr(user, "is_approved", False):
        return "none"
    if user.is_moderator:
        return "moderator"
    return "member"


def can_use_forums(user) -> bool:
    return _reader_kind(user) != "none"


def moderated_spaces_subquery(user):
    """Ids of the spaces ``user`` moderates as a space moderator (``Space.moderators``), as a subquery."""
    return Space.moderators.through.objects.filter(user_id=user.pk).values("space_id")


def can_moderate(user, space) -> bool:
    """May ``user`` moderate INSIDE ``space`` (a Space or its pk)? Global moderators everywhere;
    the space's own moderators (``Space.moderators``, e.g. the coordinators of a regional
    group) only there, and only while they are approved members. At most one query."""
    kind = _reader_kind(user)
    if kind == "none":
        return False
    if kind == "moderator":
        return True
    space_id = getattr(space, "pk", space)
    if space_id is None:
        return False
    from .queries import SPACE_MODERATOR  # compiled once: this runs on every forum page

    return SPACE_MODERATOR.exists(user=user.pk, space=int(space_id))


def space_access_q(user, prefix: str = "") -> Q:
    """The condition on a space (reached through ``prefix``, e.g. "space__") that ``user`` may enter.
    Callers have already excluded readers who see nothing."""
    through = Space.groups.through
    in_my_groups = Exists(
        through.objects.filter(space_id=OuterRef(f"{prefix}pk"), group__user=user)
    )
    moderated = Exists(Space.moderators.through.objects.filter(space_id=OuterRef(f"{prefix}pk"), user_id=user.pk))
    # A space's own moderators always enter it (even a restricted space outside their groups).
    return Q(**{f"{prefix}visibility": SpaceVisibility.MEMBERS}) | Q(in_my_groups) | Q(moderated)


def space_moderators_q(space_id: int) -> Q:
    """The condition on a user who moderates the space: a global moderator or one of the space's own."""
    from django.contrib.auth.models import Group

    from comcep.accounts.enums import MODERATORS_GROUP

    return (Q(is_superuser=True) | Exists(Group.objects.filter(user=OuterRef("pk"), name=MODERATORS_GROUP))
            | Exists(Space.moderators.through.objects.filter(space_id=space_id, user_id=OuterRef("pk"))))


def space_entrants_q(space: Space) -> Q:
    """The condition on a user (an approved account: the caller checks) who may enter ``space``:
    ``space_access_q`` read from the users' side (its moderators, and every member unless the space is
    restricted to groups, then its groups' members). The announcements' readers and the members who keep a
    moved thread's notifications."""
    if space.visibility == SpaceVisibility.MEMBERS:
        return Q()
    return space_moderators_q(space.pk) | Exists(
        Space.groups.through.objects.filter(space_id=space.pk, group__user=OuterRef("pk")))


def thread_key(title: str, author_email: str, created_at) -> str:
    """The stable exchange key of a thread (see forums/exchange.py)."""
    raw = "\x1f".join([title.strip(), author_email.strip().lower(), created_at.astimezone(UTC).isoformat()])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


# --- Spaces -----------------------------------------------------------------------------


class SpaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        kind = _reader_kind(user)
        if kind == "none":
            return self.none()
        if kind == "moderator":
            return self
        return self.filter(space_access_q(user))

    def for_index(self, user):
        return self.visible_to(user).select_related("last_post__author", "last_post__thread").order_by(
            "is_archived", "sort_order", "title"
        )


class Space(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True,
                            help_text=_("Utilisé dans l'adresse : /echanges/<identifiant>/"))
    title = models.CharField(_("titre"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    themes = models.ManyToManyField("taxonomy.Theme", verbose_name=_("thèmes"), blank=True, related_name="spaces")
    visibility = models.CharField(_("visibilité"), max_length=16, choices=SpaceVisibility.choices,
                                  default=SpaceVisibility.MEMBERS)
    groups = models.ManyToManyField(
        "auth.Group", verbose_name=_("groupes autorisés"), blank=True, related_name="forum_spaces",
        help_text=_("Pour un espace réservé : seuls les membres de ces groupes (et l'équipe d'animation) le voient."),
    )
    moderators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("animateurs de l'espace"), blank=True,
        related_name="moderated_spaces",
        help_text=_("Membres qui modèrent cet espace seulement (épingler, verrouiller, masquer, valider, "
                    "traiter les signalements), par exemple les coordinateurs d'un groupe régional."),
    )
    is_archived = models.BooleanField(_("archivé"), default=False,
                                      help_text=_("Un espace archivé reste lisible mais n'accepte plus de messages."))
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    thread_count = models.PositiveIntegerField(_("nombre de sujets"), default=0, editable=False)
    post_count = models.PositiveIntegerField(_("nombre de messages"), default=0, editable=False)
    last_post_at = models.DateTimeField(_("dernier message le"), null=True, blank=True, editable=False)
    last_post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  editable=False)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("espace d'échanges")
        verbose_name_plural = _("espaces d'échanges")
        ordering = ["sort_order", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.slug in RESERVED_SPACE_SLUGS:
            raise ValidationError({"slug": _("Cet identifiant est réservé, choisissez-en un autre.")})

    def get_absolute_url(self):  # noqa: DJ012
        return reverse("forums:space", kwargs={"space": self.slug})

    @property
    def is_restricted(self) -> bool:
        return self.visibility == SpaceVisibility.GROUPS


# --- Threads ----------------------------------------------------------------------------


def member_listed_threads_q(user_id) -> Q:
    """The threads of a space a member who does not moderate it is listed: neither hidden nor awaiting
    approval, and their own awaiting approval (the one rule of ``visible_to``, ``for_space_page`` and the
    space page's count, queries.SPACE_PAGE)."""
    return Q(is_hidden=False, needs_approval=False) | Q(is_hidden=False, author_id=user_id)


def member_listed_posts_q(user_id) -> Q:
    """The posts of a thread a member who does not moderate its space is listed: those not awaiting
    approval, and their own (the one rule of ``visible_to``, ``for_thread_page`` and the thread page's
    count, queries.THREAD_PAGE). Hidden and deleted posts are listed (placeholders)."""
    return Q(needs_approval=False) | Q(author_id=user_id)


# The complements of the two rules above, for the page counts (queries.THREAD_PAGE, SPACE_PAGE): a page
# counts all the rows (an index of the thread's posts or of the space's threads, without reading the
# rows) minus the few rows the member is not listed, which a partial index finds. Each is written so
# that both databases prove the partial index's condition from it (SQLite only matches a condition
# term for term): posts awaiting approval are in ``forums_post_not_public``; the threads' condition
# repeats ``forums_thread_not_listed``'s. tests/core/test_prepared.py holds listed + unlisted = all.
def member_unlisted_threads_q(user_id) -> Q:
    """The threads of a space that ``member_listed_threads_q`` leaves out: hidden ones, and the others'
    threads awaiting approval."""
    return (Q(is_hidden=True) | Q(needs_approval=True)) & (Q(is_hidden=True) | ~Q(author_id=user_id))


def member_unlisted_posts_q(user_id) -> Q:
    """The posts of a thread that ``member_listed_posts_q`` leaves out: the others' posts awaiting
    approval."""
    return Q(needs_approval=True) & ~Q(author_id=user_id)


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Threads ``user`` may open: in a space they may enter; hidden threads and threads
        awaiting approval only for moderators (global, or of that space) and, for the latter,
        their author."""
        kind = _reader_kind(user)
        if kind == "none":
            return self.none()
        if kind == "moderator":
            return self
        return self.filter(space_access_q(user, "space__")).filter(
            member_listed_threads_q(user.pk) | Q(space_id__in=moderated_spaces_subquery(user))
        )

    def for_space_page(self, user, *, moderates_space: bool | None = None):
        """The rows of a space page. ``moderates_space`` (True/False) says that the caller loaded the
        space through ``Space.objects.visible_to(user)`` and knows whether ``user`` moderates it: the
        threads are then filtered on their own columns, as ``visible_to`` would, without the space
        subqueries, and the caller sets ``thread.space`` itself (no join on the space)."""
        if moderates_space is None:
            qs = self.visible_to(user).select_related("space")
        elif moderates_space:
            qs = self
        else:
            qs = self.filter(member_listed_threads_q(user.pk))
        qs = qs.select_related("author", "last_post__author")
        if user.is_authenticated:
            marker = ReadMarker.objects.filter(user=user, thread=OuterRef("pk"))
            qs = qs.annotate(
                read_at=models.Subquery(marker.values("last_read_at")[:1]),
                is_followed=Exists(Subscription.objects.filter(user=user, thread=OuterRef("pk"))),
            )
        return qs.order_by("-is_pinned", "-last_post_at", "-pk")


class Thread(models.Model):
    space = models.ForeignKey(Space, verbose_name=_("espace"), on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT,
                               related_name="forum_threads")
    title = models.CharField(_("titre"), max_length=160)
    slug = models.SlugField(_("identifiant"), max_length=80, allow_unicode=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    is_pinned = models.BooleanField(_("épinglé"), default=False)
    is_locked = models.BooleanField(_("verrouillé"), default=False)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    needs_approval = models.BooleanField(_("en attente de validation"), default=False)
    solved_post = models.ForeignKey("Post", verbose_name=_("réponse qui a résolu"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    about_page = models.ForeignKey("wagtailcore.Page", verbose_name=_("ressource discutée"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="forum_threads")
    cited_pages = models.ManyToManyField("wagtailcore.Page", verbose_name=_("ressources citées"), blank=True,
                                         related_name="citing_threads")
    # Stable exchange key: thread_key(title, author e-mail, created_at) (see forums/exchange.py).
    import_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    post_count = models.PositiveIntegerField(_("nombre de messages"), default=0, editable=False)
    last_post_at = models.DateTimeField(_("dernier message le"), null=True, blank=True, editable=False)
    last_post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  editable=False)
    # Date of the first public post written by someone other than the thread's author (the first
    # answer); empty = unanswered. Kept by services.add_reply and recount_thread (animation dashboard).
    first_reply_at = models.DateTimeField(_("première réponse le"), null=True, blank=True, editable=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")
        ordering = ["-is_pinned", "-last_post_at"]
        indexes = [
            models.Index(fields=["space", "is_pinned", "last_post_at"], name="forums_thread_space_pin_last"),
            models.Index(fields=["space", "-is_pinned", "-last_post_at", "-id"], name="forums_thread_space_order"),
            models.Index(fields=["author", "-created_at"], name="forums_thread_author"),
            models.Index(fields=["-last_post_at"], name="forums_thread_last_post"),
            models.Index(fields=["created_at"], name="forums_thread_unanswered",
                         condition=Q(first_reply_at__isnull=True, is_hidden=False, needs_approval=False)),
            # The few threads a space page may leave out, by space (member_unlisted_threads_q: the page's
            # count is the space's threads minus these).
            models.Index(fields=["space"], condition=Q(is_hidden=True) | Q(needs_approval=True),
                         name="forums_thread_not_listed"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = (slugify(self.title)[:80].strip("-")) or "sujet"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("forums:thread", kwargs={"space": self.space.slug, "pk": self.pk, "slug": self.slug})

    @property
    def is_solved(self) -> bool:
        return self.solved_post_id is not None

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)


# --- Posts ------------------------------------------------------------------------------


class PostQuerySet(models.QuerySet):
    def visible_to(self, user, *, thread_checked: bool = False):
        """Posts ``user`` may see *as rows of the thread*. Hidden and deleted posts are included
        for everyone (templates show a placeholder instead of their text to non-moderators);
        posts awaiting approval only for moderators (global, or of the space) and their author.
        ``thread_checked``: the caller filters on one thread it loaded through
        ``Thread.objects.visible_to(user)``, so the thread condition is left out."""
        kind = _reader_kind(user)
        if kind == "none":
            return self.none()
        # The post's own thread, looked up by its key (EXISTS): an ``IN`` of every visible thread made SQLite
        # list all the threads (5 000 rows on the large bench database) to check one post.
        own_thread = Thread.objects.visible_to(user).filter(pk=OuterRef("thread_id"))
        qs = self if thread_checked else self.filter(Exists(own_thread))
        if kind == "moderator":
            return qs
        return qs.filter(member_listed_posts_q(user.pk) | Q(thread__space_id__in=moderated_spaces_subquery(user)))

    def public(self):
        """Posts that count: shown with their text to every reader of the thread."""
        return self.filter(is_deleted=False, is_hidden=False, needs_approval=False)

    def for_thread_page(self, user, *, moderates_space: bool | None = None):
        """The rows of a thread page. ``moderates_space`` (True/False) says that the caller loaded the
        thread through ``Thread.objects.visible_to(user)`` and knows whether ``user`` moderates its
        space: the posts are then filtered on their own columns, as ``visible_to`` would, without the
        thread and space subqueries (cheaper to build and to run, for the count and the page)."""
        if moderates_space is None:
            qs = self.visible_to(user)
        elif moderates_space:
            qs = self
        else:
            qs = self.filter(member_listed_posts_q(user.pk))
        qs = qs.select_related("author").order_by("created_at", "pk")
        if user.is_authenticated:
            qs = qs.annotate(i_reacted=Exists(Reaction.objects.filter(user=user, post=OuterRef("pk"))))
        return qs


class BodyTail(Func):
    """The last ``TAIL`` characters of a text (SQLite ``substr(x, -64)``, PostgreSQL ``right(x, 64)``), with
    the length written into the SQL: an index on the expression is used only by a query whose expression
    has the same text, so it cannot travel as a parameter. Two equal texts have equal tails: the posts
    whose tail equals a text's tail include every post equal to it, and the index
    ``forums_post_reply_tail`` finds them (the duplicate check of a reply, ``queries.DUPLICATE_REPLY``)."""

    TAIL = 64
    arity = 1
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template=f"RIGHT(%(expressions)s, {self.TAIL})", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template=f"SUBSTR(%(expressions)s, -{self.TAIL})",
                              **extra_context)


class Post(models.Model):
    # No index of its own: forums_post_thread_created (thread, created_at) serves every lookup by thread.
    # The single-column index was redundant, and PostgreSQL's generic plans preferred it (smaller) to
    # scan all of a long thread where the date bounds the range (migration 0005, docs/performance.md,
    # "Session 8: posting a reply").
    thread = models.ForeignKey(Thread, verbose_name=_("sujet"), on_delete=models.CASCADE, related_name="posts",
                               db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auteur"), on_delete=models.PROTECT,
                               related_name="forum_posts")
    body = models.TextField(_("message (Markdown)"))
    html = models.TextField(_("message (HTML nettoyé)"), editable=False)
    created_at = models.DateTimeField(_("publié le"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.CharField(_("motif du masquage"), max_length=300, blank=True)
    is_deleted = models.BooleanField(_("supprimé"), default=False)
    needs_approval = models.BooleanField(_("en attente de validation"), default=False)
    is_certified = models.BooleanField(_("réponse certifiée"), default=False)
    useful_count = models.PositiveIntegerField(_("« merci / utile »"), default=0, editable=False)
    # True while the post waits for its announcement (notifications to the mentioned members and the
    # followers): set when it becomes public (posted, approved) or is edited. False while the thread's
    # announce task announces it (services._announce_thread), NULL once that is done (and for every post
    # written before the column existed): the index below holds only the few waiting or claimed posts,
    # and adding the column wrote nothing to the existing rows (migration 0007).
    announce_pending = models.BooleanField(null=True, default=None, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="forums_post_thread_created"),
            models.Index(fields=["author", "-created_at"], name="forums_post_author"),
            models.Index(fields=["needs_approval"], condition=Q(needs_approval=True), name="forums_post_pending"),
            # The few posts that do not count, by thread and date (queries.NEW_POST_PLACE: where a new
            # reply lands without counting the thread's posts). Same condition as queries.NOT_PUBLIC.
            models.Index(fields=["thread", "created_at"], name="forums_post_not_public",
                         condition=Q(is_hidden=True) | Q(is_deleted=True) | Q(needs_approval=True)),
            # A reply's duplicate check (queries.DUPLICATE_REPLY): the member's recent posts in the thread
            # whose text ends like the new one, instead of every post of the thread in the last 10 minutes
            # (docs/performance.md, "Session 10: the posting request").
            models.Index(F("thread"), F("author"), BodyTail("body"), F("created_at"), name="forums_post_reply_tail"),
            # The posts waiting for their announcement, by thread (queries.ANNOUNCE_PENDING_POSTS).
            models.Index(fields=["thread", "id"], condition=Q(announce_pending__isnull=False),
                         name="forums_post_announce"),
            # Does the thread have certified answers (queries.THREAD_PAGE's has_certified_posts)? Without
            # it, every view of a long thread read all of its posts' rows to find none.
            models.Index(fields=["thread"], condition=Q(is_certified=True), name="forums_post_certified"),
        ]

    def __str__(self):
        return f"{self.thread} – {self.author} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def is_public(self) -> bool:
        return not (self.is_deleted or self.is_hidden or self.needs_approval)

    @property
    def anchor(self) -> str:
        return f"message-{self.pk}"

    def get_absolute_url(self):  # noqa: DJ012
        return reverse("forums:post", kwargs={"pk": self.pk})


class PostRevision(models.Model):
    """The text of a post before an edit (moderators read the history)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("texte précédent"))
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("modifié par"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        verbose_name = _("version précédente")
        verbose_name_plural = _("versions précédentes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.post_id} – {self.created_at}"


class Reaction(models.Model):
    """"Merci / utile" on a post, one per member."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reactions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("« merci / utile »")
        verbose_name_plural = _("« merci / utile »")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="forums_reaction_unique")]

    def __str__(self):
        return f"{self.user} → {self.post_id}"


class Subscription(models.Model):
    """A member follows a thread or a whole space (exactly one of the two)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_subscriptions")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    space = models.ForeignKey(Space, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], condition=Q(thread__isnull=False),
                                    name="forums_subscription_thread_unique"),
            models.UniqueConstraint(fields=["user", "space"], condition=Q(space__isnull=False),
                                    name="forums_subscription_space_unique"),
            models.CheckConstraint(
                condition=(Q(thread__isnull=False, space__isnull=True) | Q(thread__isnull=True, space__isnull=False)),
                name="forums_subscription_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.thread or self.space}"


class ReadMarker(models.Model):
    """How far a member has read a thread: everything posted after ``last_read_at`` is unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_markers")
    last_read_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forums_readmarker_unique")]

    def __str__(self):
        return f"{self.user} – {self.thread_id} – {self.last_read_at}"


class Flag(models.Model):
    """A member reports a post ("Signaler")."""

    post = models.ForeignKey(Post, verbose_name=_("message"), on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signalé par"), null=True,
                                 on_delete=models.SET_NULL, related_name="forum_flags")
    reason = models.CharField(_("motif"), max_length=20, choices=FlagReason.choices)
    comment = models.CharField(_("précisions"), max_length=500, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("traité par"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolution = models.CharField(_("suite donnée"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], condition=Q(status="open"),
                                    name="forums_flag_one_open_per_reporter"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} – {self.post.thread}"


class ModerationLog(models.Model):
    """Who did what, when and why. Written by every moderation service, never edited."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=24, choices=ModerationAction.choices)
    thread = models.ForeignKey(Thread, verbose_name=_("sujet"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    post = models.ForeignKey(Post, verbose_name=_("message"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre concerné"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(_("cible"), max_length=255, blank=True)
    reason = models.TextField(_("motif"), blank=True)

    class Meta:
        verbose_name = _("action de modération")
        verbose_name_plural = _("journal de modération")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} – {self.target}"


class MemberSanctionQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(suspended_until__isnull=True) | Q(suspended_until__gt=at))


class MemberSanction(models.Model):
    """A member may not post until ``suspended_until`` (empty: until lifted)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("membre"), on_delete=models.CASCADE,
                             related_name="forum_sanctions")
    suspended_until = models.DateTimeField(_("suspendu jusqu'au"), null=True, blank=True,
                                           help_text=_("Laisser vide pour une suspension sans date de fin."))
    reason = models.TextField(_("motif"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    lifted_at = models.DateTimeField(_("levée le"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("levée par"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    objects = MemberSanctionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} – {self.suspended_until or _('sans date de fin')}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None and (self.suspended_until is None or self.suspended_until > timezone.now())


__all__ = [
    "Flag", "FlagReason", "FlagStatus", "MemberSanction", "ModerationAction", "ModerationLog", "Post",
    "PostRevision", "ReadMarker", "Reaction", "Space", "Subscription", "Thread",
]
