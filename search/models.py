"""The unified search index (DESIGN.md, decision 5).

One :class:`SearchEntry` per searchable object, written by ``search.services`` from the
:class:`~search.registry.EntryData` an app's indexer returns, and indexed through
Wagtail's search framework (modelsearch) so that one ``.search()`` runs on SQLite FTS5,
PostgreSQL full text, Elasticsearch or OpenSearch.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelsearch import index

from .enums import GapStatus, SearchSource


class SlugListField(models.TextField):
    """A list of slugs stored as `` a b c `` (spaces around every slug).

    The database backends filter membership with ``__contains=" slug "``; the
    Elasticsearch/OpenSearch document receives the Python list (``value_from_object``),
    a multi-valued keyword on which ``__in`` becomes a ``terms`` filter.
    """

    @staticmethod
    def pack(slugs) -> str:
        slugs = [s.strip() for s in (slugs or []) if s and s.strip()]
        return f" {' '.join(dict.fromkeys(slugs))} " if slugs else ""

    @staticmethod
    def unpack(value) -> list[str]:
        if isinstance(value, (list, tuple)):
            return list(value)
        return (value or "").split()

    def get_prep_value(self, value):
        if isinstance(value, (list, tuple)):
            value = self.pack(value)
        return super().get_prep_value(value)

    def value_from_object(self, obj):
        return self.unpack(super().value_from_object(obj))


class SearchEntry(index.Indexed, models.Model):
    source_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    source_id = models.CharField(max_length=64)
    kind = models.CharField(_("type de contenu"), max_length=32, db_index=True)
    subkind = models.CharField(max_length=48, blank=True)
    #: What the "kind" facet shows: the resource kind for resources, else the kind.
    facet_kind = models.CharField(max_length=48, db_index=True)
    title = models.CharField(_("titre"), max_length=300)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    stems = models.TextField(blank=True, help_text="French stems of title, summary and body (search.french).")
    themes = SlugListField(blank=True, default="")
    audiences = SlugListField(blank=True, default="")
    service_levels = SlugListField(blank=True, default="")
    region = models.CharField(max_length=64, blank=True, db_index=True)
    space = models.CharField(max_length=80, blank=True)
    access = models.CharField(max_length=64, db_index=True)
    url = models.CharField(max_length=500)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    useful_count = models.PositiveIntegerField(default=0)
    #: Set when sending the entry to the search engine failed; ``rebuild_search``
    #: (or the next save of the source) re-sends it.
    index_dirty = models.BooleanField(default=False, db_index=True)
    #: When the source was read to write this entry (search.services): a reindex task queued
    #: before that (plus a margin) has nothing left to do.
    indexed_at = models.DateTimeField(default=timezone.now, db_index=True)

    # Indexing is driven by search.services (errors caught, entry marked dirty),
    # not by modelsearch's post_save signal.
    search_auto_update = False

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.SearchField("stems"),
        index.AutocompleteField("title"),
        # Folded copy: accent-insensitive suggestions on PostgreSQL (whose autocomplete
        # uses the "simple" configuration, without unaccent).
        index.AutocompleteField("folded_title"),
        index.FilterField("id"),
        index.FilterField("kind"),
        index.FilterField("facet_kind"),
        index.FilterField("themes"),
        index.FilterField("audiences"),
        index.FilterField("service_levels"),
        index.FilterField("region"),
        index.FilterField("space"),
        index.FilterField("access"),
        index.FilterField("published_at"),
    ]

    class Meta:
        verbose_name = _("entrée de l'index de recherche")
        verbose_name_plural = _("entrées de l'index de recherche")
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], name="search_entry_unique_source"),
        ]
        indexes = [models.Index(fields=["access", "facet_kind"], name="search_entry_access_kind")]

    def __str__(self):
        return self.title

    @property
    def folded_title(self) -> str:
        from .french import fold

        return fold(self.title)

    @property
    def theme_slugs(self) -> list[str]:
        return SlugListField.unpack(self.themes)

    @property
    def audience_slugs(self) -> list[str]:
        return SlugListField.unpack(self.audiences)

    @property
    def service_level_slugs(self) -> list[str]:
        return SlugListField.unpack(self.service_levels)


class _EntryKeyField(models.OneToOneField):
    """The entry as primary key; on SQLite declared ``integer`` so that it is the
    table's rowid (a ``bigint`` primary key gets a separate index: two B-tree
    searches per lookup instead of one)."""

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class EntryFacets(models.Model):
    """A narrow copy of an entry's access token and facet values, written together with
    the entry by ``search.services`` (same transaction).

    The database engines count facets and apply the permission filter over these short
    rows: reading the same columns from :class:`SearchEntry` means reading past the
    entry's text on every match (SQLite stores a row's columns in order, and long text
    spills to overflow pages), which made facet counting the slowest part of a search.
    """

    entry = _EntryKeyField(SearchEntry, on_delete=models.CASCADE, primary_key=True, related_name="facet_row")
    access = models.CharField(max_length=64)
    facet_kind = models.CharField(max_length=48)
    themes = SlugListField(blank=True, default="")
    audiences = SlugListField(blank=True, default="")
    service_levels = SlugListField(blank=True, default="")
    region = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    #: The columns copied from SearchEntry.
    COPIED = ("access", "facet_kind", "themes", "audiences", "service_levels", "region", "published_at")

    class Meta:
        verbose_name = _("facettes d'une entrée de l'index")
        verbose_name_plural = _("facettes des entrées de l'index")

    def __str__(self):
        return f"{self.entry_id}: {self.access} {self.facet_kind}"

    @classmethod
    def for_entry(cls, entry: SearchEntry) -> EntryFacets:
        return cls(entry_id=entry.pk, **{name: getattr(entry, name) for name in cls.COPIED})


class SearchGap(models.Model):
    """One row per normalised query (search.gaps.query_key: its sorted French stems), so
    that "Conseillères VAE" and "vae conseiller" count together. It is a content gap when
    its searches find nothing or lead to no click; moderators mark it handled or link it to
    a recommended entry, shown first to readers who may see it."""

    key = models.CharField(_("forme normalisée"), max_length=200, unique=True)
    label = models.CharField(_("recherche"), max_length=200, help_text="The query as first typed (folded words).")
    status = models.CharField(_("statut"), max_length=10, choices=GapStatus.choices, default=GapStatus.OPEN,
                              db_index=True)
    note = models.TextField(_("note"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("traitée par"))
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    recommended_entry = models.ForeignKey(SearchEntry, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+", verbose_name=_("résultat recommandé"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recherche sans résultat")
        verbose_name_plural = _("recherches sans résultat")

    def __str__(self):
        return self.label


class SearchQueryLog(models.Model):
    """One row per search (page 1 of a new search; facet, sort and page links of the results
    carry the row's id and are not counted again). No user, no IP address: the query, its
    result count and whether a result was opened. Deleted after SEARCH_LOG_RETENTION_DAYS
    (``manage.py purge_search_log``)."""

    query = models.CharField(max_length=200, db_index=True)
    gap = models.ForeignKey(SearchGap, null=True, on_delete=models.CASCADE, related_name="searches")
    result_count = models.PositiveIntegerField()
    filtered = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=SearchSource.choices, default=SearchSource.HTML)
    #: Results opened from this search (through /recherche/aller/<log>/<entry>/).
    clicks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("recherche effectuée")
        verbose_name_plural = _("recherches effectuées")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["gap", "created_at"], name="search_log_gap_date")]

    def __str__(self):
        return f"{self.query} ({self.result_count})"
