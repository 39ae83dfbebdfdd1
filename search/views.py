"""/recherche/ (HTML, works without JavaScript), /recherche/api/ (JSON),
/recherche/suggestions/ (autocomplete JSON for the header box) and /recherche/aller/
(a result's link: counts the click for the content gaps report, see search.gaps).

Every view computes the reader's access tokens first (search.permissions) and passes
them to the engine as a filter: no view can return an entry its reader may not open.
If the engine is unreachable, the HTML page answers 200 with a French message (the
page itself, header and navigation keep working); the JSON endpoints answer 503.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from comcep.core.fragments import fragment_key

from . import french, gaps, labels, searcher
from .engine import SearchUnavailable
from .enums import SearchSource
from .forms import SearchForm
from .permissions import reader_for
from .query import parse

UNAVAILABLE = gettext_lazy(
    "La recherche est momentanément indisponible. Réessayez dans quelques minutes ; "
    "le reste du site fonctionne normalement."
)
# "r": the logged search a facet/sort/page link refines (search.gaps), not a search parameter.
PARAMS = ("q", "kind", "theme", "audience", "service_level", "region", "date", "sort", "page", "r")


def _clean_params(querydict) -> dict[str, list[str]]:
    """The known parameters, empty values dropped (``?kind=&theme=`` means no filter)."""
    return {name: [v for v in querydict.getlist(name) if v.strip()] for name in PARAMS if querydict.getlist(name)}


def _form(request) -> SearchForm:
    params = _clean_params(request.GET)
    data = {name: values if name in ("kind", "theme", "audience", "service_level", "region") else values[0]
            for name, values in params.items() if values}
    return SearchForm(data)


def _url(params: dict[str, list[str]], **changes) -> str:
    """/recherche/?... with ``params`` updated: a value of None removes the parameter."""
    merged = {k: list(v) for k, v in params.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value if isinstance(value, list) else [value]
    pairs = [_pair(k, str(v)) for k in PARAMS for v in merged.get(k, []) if v != ""]
    return "/recherche/" + (f"?{'&'.join(pairs)}" if pairs else "")


@lru_cache(maxsize=4096)
def _pair(key: str, value: str) -> str:
    """``key=value`` encoded as ``urlencode`` does: a first visit's page builds ~45 links (one per
    facet option) from the same few pairs."""
    return urlencode([(key, value)])


def _toggle(params, group: str, value: str, selected: bool) -> str:
    if group == "date":
        return _url(params, date=None if selected else value)
    current = [v for v in params.get(group, []) if v != value]
    return _url(params, **{group: current if selected else [*current, value]})


#: Stands for the search log id in the cached parts of the page (URL- and HTML-safe), filled on every
#: render. Drawn per process (the fragments are per process): no query or indexed text can contain it.
LOG_PLACEHOLDER = f"comcep-search-log-{secrets.token_hex(8)}"


class _LazyToggle:
    """A facet option's link, built (``_toggle``) only if the panel is rendered, not served cached."""

    __slots__ = ("args",)

    def __init__(self, *args):
        self.args = args

    def __str__(self) -> str:
        return _toggle(*self.args)


def _results_unit(count: int) -> str:
    if count >= labels.MEMO_NUMBERS_BELOW:
        return ngettext("résultat", "résultats", count)
    # ngettext reads the plural rule of every loaded catalogue (~10 µs): remembered per language.
    memo = labels.numbers()
    key = ("résultat", count)
    text = memo.get(key)
    if text is None:
        text = memo[key] = ngettext("résultat", "résultats", count)
    return text


# "résultat(s)" after a facet option's count (screen readers), translated only if the panel is rendered.
# One lazy proxy class for every option: ``ngettext_lazy(..., count)`` builds a new class per call
# (``lazy()`` inside ``lazy_number``), ~50-90 us each, 3-5 ms for the ~56 options of a results page.
_lazy_results_unit = lazy(_results_unit, str)


@require_GET
def search_page(request):
    form = _form(request)
    context = {"form": form, "unavailable": False, "outcome": None}
    if not form.is_valid():
        return render(request, "search/search.html", context, status=400)
    data = form.cleaned_data
    parsed, filters = parse(data["q"]), form.filters()
    params = _clean_params(request.GET)
    context.update(query=parsed, q=data["q"], sort=data.get("sort") or searcher.RELEVANCE)
    if parsed.is_empty and not filters.active:
        context["themes"] = labels.top_themes()
        context["stopwords_only"] = bool(data["q"])
        return render(request, "search/search.html", context)

    reader = reader_for(request.user)
    try:
        outcome = searcher.run(parsed=parsed, filters=filters, reader=reader, sort=context["sort"],
                               page=data.get("page") or 1)
    except SearchUnavailable:
        context["unavailable"] = True
        context["unavailable_message"] = str(UNAVAILABLE)
        return render(request, "search/search.html", context)
    tracking = gaps.track(parsed, total=outcome.total, filtered=filters.active, source=SearchSource.HTML,
                          page=outcome.page, ref=(params.get("r") or [None])[0],
                          record=not reader.all_groups)  # moderators' searches are not counted
    if tracking.log_id:
        params["r"] = [str(tracking.log_id)]  # refinements of this search are not new searches
        for hit in outcome.hits:  # the log id is filled in by the results' fragment (below)
            hit.click_url = f"/recherche/aller/{LOG_PLACEHOLDER}/{hit.entry.pk}/"
    else:
        params.pop("r", None)
    # The results (list, facets, links) are cached fragments (comcep/core/fragments.py): their links
    # carry the search log id as a placeholder, filled on every render (facets_fills).
    link_params = {**params, "r": [LOG_PLACEHOLDER]} if tracking.log_id else params
    recommended = gaps.visible_recommendation(tracking, reader) if outcome.page == 1 else None
    if recommended is not None:
        context["recommended"] = gaps.recommendation(recommended, parsed.positive_stems,
                                                     log_id=LOG_PLACEHOLDER if tracking.log_id else None)

    # The facet panel's links are only built when it is rendered.
    for facet in outcome.facets:
        for option in facet.options:
            option.url = _LazyToggle(link_params, facet.group, option.value, option.selected)
            # "résultat(s)" for screen readers, translated only if the panel is rendered (the count is in
            # the fragment's key).
            option.results = _lazy_results_unit(option.count)
    context["facets_fragment_key"] = fragment_key(
        "search-facets", sorted(link_params.items()),
        [(f.group, str(f.title), [(o.value, str(o.label), o.count, o.selected) for o in f.options])
         for f in outcome.facets],
    )
    context["facets_fills"] = {LOG_PLACEHOLDER: tracking.log_id or ""}
    context["hits_fragment_key"] = hits_fragment_key(outcome)
    option_labels = {(f.group, o.value): o.label for f in outcome.facets for o in f.options}
    context.update(
        outcome=outcome,
        active_filters=[
            {"label": option_labels.get((group, value), value), "group": searcher.FACET_TITLES[group],
             "url": _toggle(link_params, group, value, True)}
            for group, value in filters.items()
        ],
        clear_filters_url=_url({"q": link_params.get("q", []), "r": link_params.get("r", [])}),
        sort_links=[
            {"label": _("Pertinence"), "url": _url(link_params, sort=None),
             "current": outcome.sort == searcher.RELEVANCE},
            {"label": _("Les plus récents"), "url": _url(link_params, sort=searcher.RECENT),
             "current": outcome.sort == searcher.RECENT},
        ],
        first_number=(outcome.page - 1) * outcome.page_size + 1,
    )
    if outcome.page > 1:
        context["previous_url"] = (_url(link_params, page=str(outcome.page - 1)) if outcome.page > 2
                                   else _url(link_params))
    if outcome.page < outcome.num_pages:
        context["next_url"] = _url(link_params, page=str(outcome.page + 1))
    if outcome.total == 0:
        if parsed.has_positive:
            suggestion = searcher.suggestions(parsed, reader)
            if suggestion:
                context["suggestion"] = suggestion
                context["suggestion_url"] = _url(link_params, q=suggestion)
        context["themes"] = labels.top_themes()
    context["layout_fragment_key"] = layout_fragment_key(context)
    return render(request, "search/search.html", context)


def layout_fragment_key(context: dict) -> str:
    """The cached results area's key (templates/search/search.html, ``search-layout``): every value it
    reads outside the result list and the facet panel (whose own keys are part of it). Its links
    carry the log id's placeholder, filled on every render."""
    outcome, recommended = context["outcome"], context.get("recommended")
    return fragment_key(
        "search-layout", outcome.total, outcome.page, outcome.num_pages, bool(outcome.facets), context.get("q"),
        [(str(f["label"]), str(f["group"]), f["url"]) for f in context["active_filters"]],
        context["clear_filters_url"],
        None if recommended is None else (recommended.kind_label, recommended.url, recommended.title,
                                          str(recommended.snippet), hasattr(recommended.snippet, "__html__")),
        [(str(link["label"]), link["url"], link["current"]) for link in context["sort_links"]],
        context["hits_fragment_key"], context["facets_fragment_key"], context.get("previous_url"),
        context.get("next_url"), context.get("suggestion"), context.get("suggestion_url"), context.get("themes"),
    )


def hits_fragment_key(outcome) -> str:
    """The cached result list's key (templates/search/search.html): every value the list reads —
    its first number, and each hit's date label (an event's date is not a publication date), kind label, link
    (with the log id's placeholder), title, snippet, themes and date."""
    return fragment_key(
        "search-hits", (outcome.page - 1) * outcome.page_size + 1,
        [(hit.date_label, hit.kind_label, getattr(hit, "click_url", None), hit.entry.url, str(hit.title_html),
          hasattr(hit.title_html, "__html__"), str(hit.snippet), hasattr(hit.snippet, "__html__"),
          [tuple(theme) for theme in hit.themes], hit.date)
         for hit in outcome.hits],
    )


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def api(request):
    """GET /recherche/api/?q=...&kind=&theme=&region=&page= (DESIGN.md, "Contracts")."""
    form = _form(request)
    if not form.is_valid():
        return _error(form.error_message(), 400, errors={k: [str(e) for e in v] for k, v in form.errors.items()})
    data = form.cleaned_data
    parsed, filters = parse(data["q"]), form.filters()
    if parsed.is_empty and not filters.active:
        return _error(_("Indiquez un texte à rechercher (paramètre q) ou un filtre."), 400)
    reader = reader_for(request.user)
    try:
        outcome = searcher.run(parsed=parsed, filters=filters, reader=reader,
                               sort=data.get("sort") or searcher.RELEVANCE, page=data.get("page") or 1)
    except SearchUnavailable:
        return _error(str(UNAVAILABLE), 503)
    tracking = gaps.track(parsed, total=outcome.total, filtered=filters.active, source=SearchSource.API,
                          page=outcome.page, record=not reader.all_groups)
    recommended = gaps.visible_recommendation(tracking, reader) if outcome.page == 1 else None
    facets = {f.group: {o.value: o.count for o in f.options} for f in outcome.facets}
    payload = {
        "query": data["q"],
        "total": outcome.total,
        "page": outcome.page,
        "results": [
            {
                "kind": hit.entry.facet_kind,
                "title": hit.entry.title,
                "url": hit.entry.url,
                "snippet": str(hit.snippet),
                "published_at": hit.date.isoformat() if hit.date else None,
            }
            for hit in outcome.hits
        ],
        "facets": {group: facets.get(group, {}) for group in ("kind", "theme", "region")},
        # Chosen by moderators for this query (content gaps), page 1 only; null if none.
        "recommended": _recommended_json(recommended, parsed) if recommended is not None else None,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _recommended_json(entry, parsed) -> dict:
    item = gaps.recommendation(entry, parsed.positive_stems)
    date = entry.published_at or entry.updated_at
    return {"kind": entry.facet_kind, "title": entry.title, "url": entry.url, "snippet": str(item.snippet),
            "published_at": date.isoformat() if date else None}


@require_GET
def go(request, log_id: str, entry_id: str):
    """/recherche/aller/<search>/<entry>/: count the click, then 302 to the entry's own URL,
    only if the reader may open it (else 404, like the entry itself): not an open redirect."""
    url = gaps.click_target(log_id, entry_id, reader_for(request.user), host=request.get_host())
    if url is None:
        raise Http404
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def suggestions(request):
    """Autocomplete: titles of the entries the reader may open, after 2 characters."""
    q = (request.GET.get("q") or "").strip()[:100]
    if len(french.fold(q)) < 2:
        return JsonResponse({"query": q, "suggestions": []})
    try:
        entries = searcher.autocomplete(q, reader_for(request.user))
    except SearchUnavailable:
        return _error(str(UNAVAILABLE), 503, query=q, suggestions=[])
    return JsonResponse(
        {"query": q, "suggestions": [
            {"title": e.title, "url": e.url, "kind": labels.kind_label(e.facet_kind)} for e in entries
        ]},
        json_dumps_params={"ensure_ascii": False},
    )
