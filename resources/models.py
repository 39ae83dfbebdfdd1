"""The resource library: ``ResourceIndexPage`` (the listing at /ressources/) and
``ResourcePage`` (one practice sheet, tool, guide...), documents with checked uploads,
and the members' activity (bookmarks, "utile" votes, proposals).

Counters live in :class:`ResourceStats`, never in page fields: a page's fields are
rewritten from its revision on every publish, which would lose concurrent votes.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Value
from django.db.models.functions import Cast
from django.forms import CheckboxSelectMultiple
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.documents.models import AbstractDocument
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from comcep.core import routecache
from comcep.core.access import sentinel_reader
from comcep.core.fragments import fragment_key
from comcep.core.prepared import PreparedQuery
from comcep.core.routing import OneQueryViewRestrictionsMixin

from .blocks import body_blocks
from .enums import ProposalStatus, ResourceKind, Visibility, kind_label
from .uploads import format_label, human_size, validate_document_file

RELATED_LIMIT = 4


def can_read_members_only(user) -> bool:
    """Approved members and moderators read members-only resources; nobody else."""
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_approved", False) or getattr(user, "is_moderator", False))


# --- Documents ----------------------------------------------------------------------------------


class ResourceDocument(AbstractDocument):
    """Wagtail's document with content-checked uploads and always-downloaded responses."""

    file = models.FileField(upload_to="documents", verbose_name=_("fichier"), validators=[validate_document_file])

    admin_form_fields = ("title", "file", "collection", "tags")

    class Meta(AbstractDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [("choose_document", "Can choose document")]

    @property
    def content_disposition(self):
        # Never "inline": a document opens in the reader's application, not in our origin.
        quoted = urllib.parse.quote(self.filename)
        return f"attachment; filename={quoted}; filename*=UTF-8''{quoted}"

    @property
    def format_label(self) -> str:
        return format_label(self.filename)

    @property
    def size_label(self) -> str:
        return human_size(self.file_size)


# --- Pages --------------------------------------------------------------------------------------


class ResourceIndexPage(OneQueryViewRestrictionsMixin, Page):
    """The library ("Ressources"): filters, counts, sorting and pagination live in
    :mod:`resources.library`."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["core.HomePage"]
    subpage_types = ["resources.ResourcePage"]
    max_count = 1

    class Meta:
        verbose_name = _("bibliothèque de ressources")
        verbose_name_plural = _("bibliothèques de ressources")

    def get_context(self, request, *args, **kwargs):
        from .library import build_library

        context = super().get_context(request, *args, **kwargs)
        library = context["library"] = build_library(request, self)
        context["page_url"] = self.get_url(request)  # {% pageurl page %}, once instead of in every link
        # Content-addressed fragment keys (comcep/core/fragments.py): every value the fragment reads.
        # The cards' keys are their own (resources.library.ResourceCard.fragment_key).
        library["facets_fragment_key"] = fragment_key("library-facets", [
            (facet.param, str(facet.label), [(o.value, str(o.label), o.count, o.selected) for o in facet.options])
            for facet in library["facets"]
        ])
        return context


class ResourcePageQuerySet(PageQuerySet):
    def visible_to(self, user):
        """Live resources the reader may open: members-only ones for approved members and moderators."""
        qs = self.live()
        if not can_read_members_only(user):
            qs = qs.filter(visibility=Visibility.PUBLIC)
        return qs

    def public_resources(self):
        """Live, public resources without a Wagtail view restriction (feeds, sitemap)."""
        return self.live().public().filter(visibility=Visibility.PUBLIC)

    def for_listing(self):
        return self.select_related("stats", "region").prefetch_related("themes")

    def newest(self, limit: int) -> list:
        """The ``limit`` most recently first-published resources, newest first, then those never
        published through a revision (no ``first_published_at``: imports, code), newest id first.

        ``ORDER BY first_published_at DESC NULLS LAST`` cannot walk the column's index on
        PostgreSQL (the index keeps NULLs at the other end), so it sorted every live resource
        on each request (14 ms at 10 000 resources); the dated ones are read through the index
        and the undated ones only when the dated ones do not fill the list."""
        dated = list(self.filter(first_published_at__isnull=False).order_by("-first_published_at", "-pk")[:limit])
        if len(dated) < limit:
            dated += self.filter(first_published_at__isnull=True).order_by("-pk")[:limit - len(dated)]
        return dated


ResourcePageManager = PageManager.from_queryset(ResourcePageQuerySet)


def url_below(ancestor: tuple[str, str], url_path: str) -> str:
    """The URL of a page under ``ancestor`` ((url_path, URL) of that page, as ``get_url`` gives it) from
    the page's url_path, without loading the page: the ancestor's URL followed by the rest of the path
    (Wagtail's routing; resources are children of the library)."""
    base_path, base_url = ancestor
    return base_url + url_path[len(base_path):]


@dataclass(frozen=True)
class RelatedResource:
    """A "Ressources proches" link (what resource_page.html shows of it)."""

    pk: int
    title: str
    url: str
    kind: str
    visibility: str

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def is_members_only(self) -> bool:
        return self.visibility == Visibility.MEMBERS


_RELATED_IDS = [f"id{i}" for i in range(RELATED_LIMIT)]
# The related resources found in the facet index, among what the reader may see (compiled once per
# kind of reader; missing ids are padded with 0, which no page has).
_RELATED = PreparedQuery(
    "resources.related",
    lambda members, **ids: (
        ResourcePage.objects.filter(pk__in=[ids[name] for name in _RELATED_IDS])
        .visible_to(sentinel_reader(members, can_read_members_only))
        .order_by().values_list("pk", "title", "url_path", "kind", "visibility")
    ),
    params=dict.fromkeys(_RELATED_IDS, int),
)
# A resource page's documents with their files, in the editor's order.
_PAGE_DOCUMENTS = PreparedQuery(
    "resources.page_documents",
    lambda *, page: ResourcePageDocument.objects.filter(page_id=page).select_related("document"),
    params={"page": int},
)


#: page_facts' columns: a row's kind, then five values whose meaning depends on the kind.
_FACT_COLUMNS = ("key", "pk", "slug", "name", "sort_order", "first_name", "last_name", "deleted_at")


def _page_facts_queryset(*, page, user=None):
    """ResourcePage.page_facts' UNION ALL: the page's themes, audiences, service levels, operators and
    region, its author's name columns, its "utile" count, and (with ``user``) whether the reader
    bookmarked / voted for it."""
    from django.contrib.auth import get_user_model

    from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

    label = lambda value: Value(value, output_field=models.CharField())  # noqa: E731
    number = lambda value: Value(value, output_field=models.IntegerField())  # noqa: E731
    no_person = {"first_name": label(""), "last_name": label(""),
                 "deleted_at": Cast(Value(None), output_field=models.DateTimeField())}  # typed NULL (PostgreSQL)

    def part(queryset, key, **columns):
        columns = {"key": label(key), **no_person, **columns}
        return queryset.annotate(**{name: value for name, value in columns.items() if name not in ("pk",)}) \
            .values_list(*_FACT_COLUMNS).order_by()

    parts = [
        part(model.objects.filter(resources=page), name)
        for name, model in (("themes", Theme), ("audiences", Audience), ("service_levels", ServiceLevel),
                            ("operators", Operator), ("region", Region))
    ]
    # The author's columns (User.public_name's), by the author's row: email as slug, display_name as name.
    parts.append(
        get_user_model().objects.filter(authored_resources=page)
        .annotate(key=label("author"), slug=F("email"), name=F("display_name"), sort_order=number(0),
                  author_first_name=F("first_name"), author_last_name=F("last_name"),
                  author_deleted_at=F("deleted_at"))
        .values_list("key", "pk", "slug", "name", "sort_order", "author_first_name", "author_last_name",
                     "author_deleted_at").order_by()
    )
    parts.append(part(ResourceStats.objects.filter(page_id=page), "useful", slug=label(""), name=label(""),
                      sort_order=F("useful_count")))
    if user is not None:
        for name, model in (("bookmarked", Bookmark), ("voted", UsefulVote)):
            parts.append(part(model.objects.filter(user=user, page_id=page), name, slug=label(""),
                              name=label(""), sort_order=number(0)))
    return parts[0].union(*parts[1:], all=True)


def _partial(model, db, **values):
    """An instance of ``model`` as the database gives it with only these columns (``Model.from_db``:
    the others are deferred and load on access)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


# Compiled once per process (comcep.core.prepared): building the six-part union cost 1.65 ms of CPU.
_PAGE_FACTS = PreparedQuery("resources.page_facts", _page_facts_queryset, params={"page": int})
_PAGE_FACTS_FOR_MEMBER = PreparedQuery("resources.page_facts_for_member", _page_facts_queryset,
                                       params={"page": int, "user": int})


class ResourcePage(OneQueryViewRestrictionsMixin, Page):
    kind = models.CharField(_("type de ressource"), max_length=32, choices=ResourceKind.choices, db_index=True)
    summary = models.TextField(_("résumé"), max_length=600,
                               help_text=_("Deux ou trois phrases affichées dans la liste et les flux."))
    body = StreamField(body_blocks(), verbose_name=_("contenu"), blank=True)
    # The Markdown an import or a member's proposal was written in (kept for export round trips).
    body_markdown = models.TextField(editable=False, blank=True)

    themes = ParentalManyToManyField("taxonomy.Theme", verbose_name=_("thèmes"), blank=True, related_name="resources")
    audiences = ParentalManyToManyField("taxonomy.Audience", verbose_name=_("publics"), blank=True,
                                        related_name="resources")
    service_levels = ParentalManyToManyField("taxonomy.ServiceLevel", verbose_name=_("niveaux de service"),
                                             blank=True, related_name="resources")
    operators = ParentalManyToManyField("taxonomy.Operator", verbose_name=_("opérateurs"), blank=True,
                                        related_name="resources")
    region = models.ForeignKey("taxonomy.Region", verbose_name=_("région"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="resources",
                               help_text=_("Laisser vide pour une ressource nationale."))
    visibility = models.CharField(_("visibilité"), max_length=16, choices=Visibility.choices,
                                  default=Visibility.PUBLIC, db_index=True)

    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("auteur ou autrice (membre)"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="authored_resources")
    author_name = models.CharField(_("nom de l'auteur ou de l'autrice"), max_length=150, blank=True,
                                   help_text=_("Affiché à la place du nom du membre, ou pour un auteur extérieur."))
    organisation = models.CharField(_("structure contributrice"), max_length=200, blank=True)
    last_reviewed_on = models.DateField(_("dernière relecture le"), null=True, blank=True)

    objects = ResourcePageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attached_documents", label=_("Documents joints"), heading=_("Documents joints")),
    ]
    classification_panels = [
        MultiFieldPanel([
            FieldPanel("themes", widget=CheckboxSelectMultiple),
            FieldPanel("audiences", widget=CheckboxSelectMultiple),
            FieldPanel("service_levels", widget=CheckboxSelectMultiple),
            FieldPanel("operators", widget=CheckboxSelectMultiple),
            FieldPanel("region"),
            FieldPanel("visibility"),
        ], heading=_("Classement et visibilité")),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("author"), FieldPanel("author_name")]),
            FieldPanel("organisation"),
            FieldPanel("last_reviewed_on"),
        ], heading=_("Crédits et relecture")),
    ]
    edit_handler = TabbedInterface([
        ObjectList(content_panels, heading=_("Contenu")),
        ObjectList(classification_panels, heading=_("Classement")),
        ObjectList(Page.promote_panels, heading=_("Référencement")),
        ObjectList(Page.settings_panels, heading=_("Publication")),
    ])

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("visibility"),
    ]

    parent_page_types = ["resources.ResourceIndexPage"]
    subpage_types: list[str] = []
    # comcep.core.routing.fast_route keeps the page's own row per process (no relation with it: the
    # region, the author and the counters come with page_facts on every request).
    serve_select_related = ()
    serve_cacheable = True

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")

    def __str__(self):
        return self.title

    @property
    def is_members_only(self) -> bool:
        return self.visibility == Visibility.MEMBERS

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def useful_count(self) -> int:
        """From ``select_related("stats")`` in listings (no query); 0 without stats."""
        try:
            return self.stats.useful_count
        except ResourceStats.DoesNotExist:
            return 0

    @property
    def credit_name(self) -> str:
        if self.author_name:
            return self.author_name
        return self.author.public_name if self.author_id and self.author else ""

    # --- access ---------------------------------------------------------------------------------

    def access_denied_response(self, request):
        """None if the reader may read this resource, else the response to send instead."""
        if not self.is_members_only or can_read_members_only(request.user):
            return None
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return TemplateResponse(request, "resources/members_only.html", {"page": self}, status=403)

    def serve(self, request, *args, **kwargs):
        denied = self.access_denied_response(request)
        if denied is not None:
            return denied
        response = super().serve(request, *args, **kwargs)
        if self.is_members_only:
            patch_cache_control(response, private=True)
        if response.status_code == 200 and not getattr(request, "is_preview", False):
            from comcep.animation.counters import record_view

            record_view("resource", self.pk, request)  # buffered: no database write per view
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        if getattr(request, "is_preview", False) or not self.pk:  # in-memory documents (modelcluster)
            context["documents"] = list(self.attached_documents.select_related("document"))
        else:
            context["documents"] = self.published_documents()
        context["can_interact"] = bool(user.is_authenticated and user.is_approved)
        if getattr(request, "is_preview", False):  # the M2M being edited live in memory (modelcluster)
            context.update(themes=list(self.themes.all()), audiences=list(self.audiences.all()),
                           service_levels=list(self.service_levels.all()), operators=list(self.operators.all()),
                           bookmarked=False, voted=False)
            context["useful_total"] = self.useful_count
        else:
            context.update(self.page_facts(user if context["can_interact"] else None))
        context["related_resources"] = self.related_resources(user, [t.pk for t in context["themes"]],
                                                              theme_slugs=[t.slug for t in context["themes"]],
                                                              request=request)
        context["library_url"] = self.get_parent().get_url(request) if self.pk else "/ressources/"
        return context

    def published_documents(self) -> list:
        """The attached documents with their files, in the editor's order. Kept per process under the
        routing version (comcep.core.routecache), which every page save or publish and every document
        save or deletion changes: the attached documents change only with the page, their files and
        titles only with the document. Each request gets its own copies."""
        kept = routecache.get_page("documents", (self.pk,), lambda: tuple(_PAGE_DOCUMENTS.objects(page=self.pk)))
        documents = []
        for item in kept:
            item = routecache.fresh(item)
            item._state.fields_cache["document"] = routecache.fresh(item._state.fields_cache["document"])
            documents.append(item)
        return documents

    def page_facts(self, user) -> dict:
        """Themes, audiences, service levels, operators, region, author, "utile" count, and whether
        ``user`` bookmarked / voted for this resource: one UNION ALL query. Its SQL is compiled by the
        ORM once per process and database (``_PAGE_FACTS``): building the union cost 1.5 ms of CPU on
        every resource page, ten times running it.

        The region and the author are read here on every request, not with the page (the routing keeps
        the page's own row per process: ``serve_cacheable``), so a renamed region or member shows at
        once; they are set on the page as ``select_related`` would (``page.region``, ``page.author``),
        with only the columns the page shows (others load on access)."""
        from django.contrib.auth import get_user_model

        from comcep.taxonomy.models import Audience, Operator, Region, ServiceLevel, Theme

        facts = {"themes": [], "audiences": [], "service_levels": [], "operators": [],
                 "bookmarked": False, "voted": False, "useful_total": 0}
        if not self.pk:
            return facts
        models_by_key = {"themes": Theme, "audiences": Audience, "service_levels": ServiceLevel,
                         "operators": Operator}
        if user is None:
            rows = _PAGE_FACTS.rows(page=self.pk)
        else:
            rows = _PAGE_FACTS_FOR_MEMBER.rows(page=self.pk, user=user.pk)
        region = author = None
        for key, pk, slug, name, sort_order, first_name, last_name, deleted_at in rows:
            if key in ("bookmarked", "voted"):
                facts[key] = True
            elif key == "useful":
                facts["useful_total"] = sort_order
            elif key == "region":
                region = _partial(Region, self._state.db, id=pk, slug=slug, name=name, sort_order=sort_order)
            elif key == "author":
                author = _partial(get_user_model(), self._state.db, id=pk, email=slug, display_name=name,
                                  first_name=first_name, last_name=last_name, deleted_at=deleted_at)
            else:
                facts[key].append(models_by_key[key](pk=pk, slug=slug, name=name, sort_order=sort_order))
        for key in models_by_key:
            facts[key].sort(key=lambda term: (term.sort_order, term.name))
        if region is None or region.pk == self.region_id:
            self._state.fields_cache["region"] = region
        if author is None or author.pk == self.author_id:
            self._state.fields_cache["author"] = author
        return facts

    def related_resources(self, user, theme_ids=None, *, theme_slugs=None, request=None) -> list[RelatedResource]:
        """Other resources the reader may see, sharing the most themes, the most recent first (one query)."""
        if theme_ids is None:
            theme_ids = list(self.themes.values_list("pk", flat=True))
        if not theme_ids:
            return []
        if theme_slugs is not None and self.live:
            ids = self._related_ids_from_facet_index(user, theme_slugs)
            if ids is not None:
                if not ids:
                    return []
                rank = {pk: n for n, pk in enumerate(ids)}
                parent = self.get_parent()
                ancestor = (parent.url_path, parent.get_url(request))
                padded = [*ids, *[0] * (RELATED_LIMIT - len(ids))]
                members = can_read_members_only(user)
                # Kept per process under the routing version: the rows are the pages' own (title, path,
                # kind, visibility, live), and the ids come from the facet index (part of the key).
                rows = routecache.get_page("related", (members, *padded), lambda: tuple(
                    _RELATED.rows(members, **dict(zip(_RELATED_IDS, padded, strict=True)))))
                found = [RelatedResource(pk, title, url_below(ancestor, url_path), kind, visibility)
                         for pk, title, url_path, kind, visibility in rows]
                return sorted(found, key=lambda related: rank[related.pk])
        return [
            RelatedResource(page.pk, page.title, page.get_url(request), page.kind, page.visibility)
            for page in ResourcePage.objects.visible_to(user)
            .filter(themes__in=theme_ids)
            .exclude(pk=self.pk)
            .annotate(shared=Count("themes"))
            .order_by("-shared", F("first_published_at").desc(nulls_last=True))
            .only("id", "title", "url_path", "kind", "visibility", "path", "depth", "first_published_at")
            [:RELATED_LIMIT]
        ]

    MAX_THEMES_FOR_INDEX = 6

    def _related_ids_from_facet_index(self, user, theme_slugs) -> list[int] | None:
        """The related resources from the library's bitmap index (resources.facet_index): constant cost
        whatever the number of resources. None when the index cannot answer (then: SQL)."""
        from . import facet_index

        parent = self.get_parent()
        if parent is None or parent.specific_class is not ResourceIndexPage or not theme_slugs \
                or len(theme_slugs) > self.MAX_THEMES_FOR_INDEX:
            return None
        index = facet_index.get(parent)
        visible = index.all if can_read_members_only(user) else index.public
        visible &= ~index.mask_for_ids([self.pk])
        bitmaps = [index.values.get("theme", {}).get(slug, 0) & visible for slug in theme_slugs]
        # at_least[k]: resources sharing at least k themes (bit-sliced counting); bit order = recency.
        at_least = [visible] + [0] * len(bitmaps)
        for bitmap in bitmaps:
            for k in range(len(bitmaps), 0, -1):
                at_least[k] |= at_least[k - 1] & bitmap
        found: list[int] = []
        for k in range(len(bitmaps), 0, -1):
            exactly = at_least[k] & ~(at_least[k + 1] if k < len(bitmaps) else 0)
            found.extend(index.ids_at(exactly, 0, RELATED_LIMIT - len(found)))
            if len(found) >= RELATED_LIMIT:
                break
        return found

    def get_sitemap_urls(self, request=None):
        if self.is_members_only:
            return []
        return super().get_sitemap_urls(request)


class ResourcePageDocument(Orderable):
    page = ParentalKey(ResourcePage, on_delete=models.CASCADE, related_name="attached_documents")
    document = models.ForeignKey(settings.WAGTAILDOCS_DOCUMENT_MODEL, verbose_name=_("document"),
                                 on_delete=models.CASCADE, related_name="+")
    label = models.CharField(_("libellé"), max_length=200, blank=True,
                             help_text=_("Facultatif : remplace le titre du document dans la page."))

    panels = [FieldPanel("document"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        verbose_name = _("document joint")
        verbose_name_plural = _("documents joints")

    @property
    def display_title(self) -> str:
        return self.label or self.document.title


# --- Members' activity --------------------------------------------------------------------------


class ResourceStats(models.Model):
    """Counters of a resource, updated with F() by resources.services."""

    page = models.OneToOneField(ResourcePage, primary_key=True, on_delete=models.CASCADE, related_name="stats")
    useful_count = models.PositiveIntegerField(_("votes « utile »"), default=0)
    bookmark_count = models.PositiveIntegerField(_("favoris"), default=0)

    class Meta:
        verbose_name = _("statistiques de ressource")
        verbose_name_plural = _("statistiques de ressources")
        indexes = [models.Index(fields=["-useful_count"], name="resources_stats_useful")]

    def __str__(self):
        return f"{self.page_id}: {self.useful_count} / {self.bookmark_count}"


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_bookmarks")
    page = models.ForeignKey(ResourcePage, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("favori")
        verbose_name_plural = _("favoris")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="resources_bookmark_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="resources_bookmark_user")]

    def __str__(self):
        return f"{self.user_id} → {self.page_id}"


class UsefulVote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_votes")
    page = models.ForeignKey(ResourcePage, on_delete=models.CASCADE, related_name="useful_votes")
    created_at = models.DateTimeField(_("voté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote « utile »")
        verbose_name_plural = _("votes « utile »")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="resources_useful_vote_unique")]

    def __str__(self):
        return f"{self.user_id} → {self.page_id}"


class ResourceProposalQuerySet(models.QuerySet):
    def for_member_area(self, user):
        return self.filter(member=user).select_related("page").order_by("-created_at")


class ResourceProposal(models.Model):
    """A resource proposed by a member from the front end; tracks the moderation outcome."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="resource_proposals", verbose_name=_("membre"))
    page = models.OneToOneField(ResourcePage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="proposal", verbose_name=_("page"))
    title = models.CharField(_("titre"), max_length=255)
    status = models.CharField(_("statut"), max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.PENDING, db_index=True)
    reviewer_comment = models.TextField(_("commentaire de la modération"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("relu par"))
    reviewed_at = models.DateTimeField(_("relu le"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposé le"), auto_now_add=True, db_index=True)

    objects = ResourceProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposition de ressource")
        verbose_name_plural = _("propositions de ressources")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
