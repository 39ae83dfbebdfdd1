"""A first visit (issue 7, session 8): the re-ranking window is loaded without bodies or model
instances, only the shown hits are built, and their bodies are read only when the snippet needs
them. The results must equal the former computation: every entry of the window loaded whole,
re-ranked, then highlighted (reimplemented below as the reference). Also the search page's links
(``views._url``) and the elision pattern of ``search.french``, both rewritten for speed."""

import datetime
import itertools
import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search import french, highlight, labels, searcher, views
from search.models import EntryFacets, SearchEntry
from search.permissions import reader_for
from search.query import parse

_words = itertools.count(1)
FIXED_NOW = datetime.datetime(2026, 11, 29, 9, 0, tzinfo=datetime.UTC)


def _reference_hit(entry, stems, taxonomy, score):
    """The former ``searcher._hit`` (the entry loaded whole)."""
    text = entry.summary if entry.summary else entry.body
    if stems and entry.summary and entry.body and not (french.stem_set(entry.summary) & stems):
        text = entry.body
    return (entry.pk, score, str(highlight.highlight_text(entry.title, stems)), str(highlight.snippet(text, stems)),
            labels.kind_label(entry.facet_kind),
            [(slug, taxonomy.get("theme", {}).get(slug, slug)) for slug in entry.theme_slugs],
            entry.published_at or entry.updated_at)


def _reference(parsed, filters, reader, page, page_size, now):
    """The former first visit: the summary, every window entry loaded whole, re-ranked, the page shown."""
    from search import engine

    backend = engine.backend()
    query = parsed.to_search_query(database=True)
    single = (searcher._SQLiteFTS(backend, query) if searcher._is_sqlite_fts(backend)
              else searcher._PostgresFTS(backend, query))
    base = SearchEntry.objects.filter(reader.q()).defer("stems")
    counts, total, best_ids = single.summary(EntryFacets.objects.filter(reader.q()), filters, now,
                                             searcher.settings.SEARCH_RERANK_WINDOW)
    best = searcher._SQLiteFTS.load(base, best_ids)
    ranked = searcher._rerank(best, parsed.positive_stems, now)
    taxonomy = labels.taxonomy_labels()
    shown = ranked[(page - 1) * page_size:page * page_size]
    return total, [_reference_hit(entry, parsed.positive_stems, taxonomy, score) for score, entry in shown]


def _observed(outcome):
    return outcome.total, [(h.entry.pk, h.score, str(h.title_html), str(h.snippet), h.kind_label, h.themes, h.date)
                           for h in outcome.hits]


FILLER = "Le conseiller accompagne la personne dans son projet professionnel. "
text_strategy = st.sampled_from(["", "with", "without", "late", "long"])


def _text(kind: str, word: str) -> str:
    """A summary or body: empty, with the query word, without it, with it only past 2 000 characters
    (what re-ranking reads of a summary), or long with it past the snippet's scan (6 000)."""
    return {"": "", "with": f"Un atelier {word} pour les conseillères.", "without": "Un atelier sans rapport.",
            "late": FILLER * 35 + f"{word} enfin.", "long": FILLER * 120 + f"puis {word}."}[kind]


entry_strategy = st.fixed_dictionaries({
    "title_has_word": st.booleans(),
    "summary": text_strategy,
    "body": text_strategy,
    "access": st.sampled_from(["public", "members"]),
    "kind": st.sampled_from(["resource", "discussion"]),
    "days_ago": st.sampled_from([0, 40, 400]),
    "useful": st.sampled_from([0, 3, 60]),
    "themes": st.lists(st.sampled_from(["vae", "cpf"]), max_size=2, unique=True),
})


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(entry_strategy, min_size=1, max_size=12), as_member=st.booleans(),
       window=st.integers(1, 9), page=st.integers(1, 3), page_size=st.integers(1, 4),
       theme=st.sampled_from([None, "vae"]))
def test_first_visit_equals_the_whole_window_computation(make_entry, member, monkeypatch, specs, as_member,
                                                         window, page, page_size, theme):
    page = min(page, (window - 1) // page_size + 1)  # a page inside the window (past it: the engine's order)
    word = f"zorglub{next(_words)}"
    for n, spec in enumerate(specs):
        title = f"Fiche {n} {word}" if spec["title_has_word"] else f"Fiche {n}"
        body = _text(spec["body"], word)
        summary = _text(spec["summary"], word)
        if word not in f"{title} {summary} {body}":
            body += f" {word}"  # every entry matches
        make_entry(title, summary=summary, body=body, access=spec["access"], kind=spec["kind"],
                   days_ago=spec["days_ago"], useful=spec["useful"], themes=spec["themes"])
    monkeypatch.setattr(searcher.settings, "SEARCH_RERANK_WINDOW", window, raising=False)
    monkeypatch.setattr(searcher.settings, "SEARCH_CACHE_SECONDS", 0, raising=False)
    monkeypatch.setattr(timezone, "now", lambda: FIXED_NOW)
    reader = reader_for(member if as_member else AnonymousUser())
    parsed = parse(f"{word} conseiller")
    filters = searcher.Filters({"theme": [theme]} if theme else {})
    outcome = searcher.run(parsed=parsed, filters=filters, reader=reader, page=page, page_size=page_size)
    assert _observed(outcome) == _reference(parsed, filters, reader, page, page_size, FIXED_NOW)


def _body_reads(ctx) -> int:
    table = SearchEntry._meta.db_table
    return sum(f'"{table}"."body"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db
def test_bodies_are_read_only_for_shown_hits_whose_snippet_needs_them(make_entry, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    make_entry("Atelier un", summary="Un atelier bien préparé.", body="Corps de l'atelier un. " * 400)
    make_entry("Atelier deux", summary="Un atelier bien préparé.", body="Corps de l'atelier deux. " * 400)
    searcher.run(parsed=parse("atelier"), filters=searcher.Filters(), reader=reader_for(AnonymousUser()))
    with CaptureQueriesContext(connection) as ctx:
        outcome = searcher.run(parsed=parse("atelier"), filters=searcher.Filters(), reader=reader_for(AnonymousUser()))
    assert outcome.total == 2 and all("<mark>atelier</mark>" in str(h.snippet) for h in outcome.hits)
    assert _body_reads(ctx) == 0  # every snippet comes from its summary

    make_entry("Atelier trois", summary="Sans le mot cherché.", body="Le corps parle de l'atelier trois.")
    with CaptureQueriesContext(connection) as ctx:
        outcome = searcher.run(parsed=parse("atelier"), filters=searcher.Filters(), reader=reader_for(AnonymousUser()))
    assert _body_reads(ctx) == 1
    third = next(h for h in outcome.hits if h.entry.title == "Atelier trois")
    assert "<mark>atelier</mark> trois" in str(third.snippet)
    # The hits' entries hold what the page, the API and the admin read, without further queries.
    with CaptureQueriesContext(connection) as ctx:
        read = [(hit.entry.url, hit.entry.title, hit.entry.facet_kind, hit.entry.access, hit.entry.theme_slugs,
                 hit.entry.published_at, hit.entry.updated_at) for hit in outcome.hits]
    assert len(read) == 3 and not ctx.captured_queries


def _old_url(params, **changes) -> str:
    """The former ``views._url``."""
    merged = {k: list(v) for k, v in params.items() if k != "page"}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value if isinstance(value, list) else [value]
    pairs = [(k, v) for k in views.PARAMS for v in merged.get(k, []) if v != ""]
    return "/recherche/" + (f"?{urlencode(pairs)}" if pairs else "")


value_strategy = st.one_of(st.sampled_from(["", "vae", "bilan de compétences", "a&b=c", "«x»", "100%", " "]),
                           st.text(max_size=12))
params_strategy = st.dictionaries(st.sampled_from(views.PARAMS), st.lists(value_strategy, max_size=3), max_size=6)


@given(params=params_strategy, group=st.sampled_from(["theme", "kind", "date", "region"]),
       value=value_strategy, selected=st.booleans())
@example(params={"q": ["é ü &"], "page": ["2"]}, group="theme", value="vae", selected=False)
def test_search_links_equal_the_urlencode_ones(params, group, value, selected):
    assert views._url(params) == _old_url(params)
    assert views._url(params, page="3", sort=None) == _old_url(params, page="3", sort=None)
    if group == "date":
        expected = _old_url(params, date=None if selected else value)
    else:
        current = [v for v in params.get(group, []) if v != value]
        expected = _old_url(params, **{group: current if selected else [*current, value]})
    assert views._toggle(params, group, value, selected) == expected


_OLD_ELISION_RE = re.compile(
    r"\b(?:" + "|".join(french.ELISIONS) + r")[" + french._APOSTROPHES + r"](?=\w)", re.IGNORECASE)
piece_strategy = st.sampled_from([*french.ELISIONS, *(e.upper() for e in french.ELISIONS), "L", "Qu", "aujourd",
                                  "ſ", "é", "_", "1", "x", " ", "-", "’", "'", "`", "´", "ʼ", "il", "école", "\n"])


@given(text=st.one_of(st.lists(piece_strategy, max_size=12).map("".join), st.text(max_size=30)))
@example(text="L'école d’été qu’il jusqu'à Lorsqu'on aujourd'hui _l'a 2d'x l'")
def test_elision_pattern_equals_the_word_boundary_form(text):
    assert french.remove_elisions(text) == _OLD_ELISION_RE.sub("", text)
