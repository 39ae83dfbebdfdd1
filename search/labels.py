"""French labels for what the search page shows: kinds (as the apps registered them: search.registry),
taxonomy terms, date ranges."""

from __future__ import annotations

from django.core.cache import cache
from django.core.signals import setting_changed
from django.db.models import Value
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comcep.core.versioned import Versioned

from . import registry

#: Before an entry's date in the results, unless its kind registered another label
#: (search.registry.register_entry_kind).
PUBLISHED_ON = _("Publié le")

DATE_RANGES = {
    # key: (label, days, "within" or "older")
    "mois": (_("Moins d'un mois"), 31, "within"),
    "annee": (_("Moins d'un an"), 365, "within"),
    "ancien": (_("Plus d'un an"), 365, "older"),
}

NATIONAL = "national"
NATIONAL_LABEL = _("National")

_CACHE_KEY = "search:taxonomy-labels:v1"


#: Per language, the labels already translated (``gettext`` looks a French msgid up in every loaded
#: catalogue before falling back to it: ~4 µs; a results page shows 20–30 labels). The catalogues
#: do not change while a process runs; tests that change them send ``setting_changed`` (below).
_translated: dict[str | None, dict] = {}
_MAX_TRANSLATED = 512  # per language: kinds are the index's values, few but not a closed list


def translations() -> dict:
    """The memo of the active language, for a caller that reads many labels (one language lookup)."""
    language = get_language()
    memo = _translated.get(language)
    if memo is None:
        memo = _translated[language] = {}
    return memo


def translated(key, lazy_text, memo: dict | None = None) -> str:
    """``str(lazy_text)`` in the active language, remembered under ``key``."""
    memo = translations() if memo is None else memo
    text = memo.get(key)
    if text is None:
        text = str(lazy_text)
        if len(memo) < _MAX_TRANSLATED:
            memo[key] = text
    return text


#: Per language, the plural form ("résultat(s)") of the counts below this: a facet panel shows ~50
#: counts. Kept apart from the labels' memo, whose bound they would otherwise fill.
MEMO_NUMBERS_BELOW = 2048
_numbers: dict[str | None, dict] = {}


def numbers() -> dict:
    """The active language's memo of plural forms ("résultat(s)" after a count: search.views._results_unit)."""
    language = get_language()
    memo = _numbers.get(language)
    if memo is None:
        memo = _numbers[language] = {}
    return memo


def forget_translations() -> None:
    """Drop the remembered labels (a settings change, a kind registered: search.registry.register_entry_kind)."""
    _translated.clear()
    _numbers.clear()


def _forget_translations(*, setting, **kwargs) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        forget_translations()


setting_changed.connect(_forget_translations)


def kind_label(slug: str, memo: dict | None = None) -> str:
    """What the results and the "Type" facet call an entry of this kind or subkind (registered by its app)."""
    kind = registry.kind(slug)
    if kind is None:
        return slug.replace("-", " ").capitalize()
    return translated(("kind", slug), kind.label, memo)


def date_label(slug: str, memo: dict | None = None) -> str:
    """What the results call the date of an entry of this kind: « Publié le » unless its app said otherwise."""
    kind = registry.kind(slug)
    if kind is None or kind.date_label is None:
        return translated("published-on", PUBLISHED_ON, memo)
    return translated(("date-label", slug), kind.date_label, memo)


def taxonomy_labels() -> dict[str, dict[str, str]]:
    """{"theme": {slug: name}, "audience": ..., "service_level": ..., "region": ...}.
    Cached five minutes: one query (the four vocabularies' union) when the cache is cold."""
    labels = cache.get(_CACHE_KEY)
    if labels is None:
        from comcep.taxonomy.models import Audience, Region, ServiceLevel, Theme

        groups = {"theme": Theme, "audience": Audience, "service_level": ServiceLevel, "region": Region}
        first, *others = (model.objects.order_by().annotate(group=Value(group)).values_list("group", "slug", "name")
                          for group, model in groups.items())
        labels = {group: {} for group in groups}
        for group, slug, name in first.union(*others, all=True):
            labels[group][slug] = name
        cache.set(_CACHE_KEY, labels, 300)
    return labels


# The top-level themes of the "browse the themes" links (a search without results, the empty search
# page): per process under a version token (comcep.core.versioned.Versioned) that a theme's save or
# deletion replaces (connect() below), instead of a statement per page.
_top_themes = Versioned("search:top-themes:version", max_entries=8)


def _load_top_themes() -> tuple[tuple[str, str], ...]:
    from comcep.taxonomy.models import Theme

    return tuple(Theme.objects.filter(parent__isnull=True).values_list("slug", "name"))


def top_themes() -> list[tuple[str, str]]:
    """(slug, name) of the top-level themes, for "browse the themes"."""
    return list(_top_themes.get("top", (), _load_top_themes))


def connect() -> None:
    """Called from SearchConfig.ready."""
    from django.db.models.signals import post_delete, post_save

    from comcep.taxonomy.models import Theme

    post_save.connect(_top_themes.on_change, sender=Theme, dispatch_uid="search.labels.top_themes.save")
    post_delete.connect(_top_themes.on_change, sender=Theme, dispatch_uid="search.labels.top_themes.delete")
