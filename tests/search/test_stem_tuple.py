"""Re-ranking and the snippet's choice read the stems of titles and summaries from ``french.stem_tuple``
(session 11: a tuple takes a fifth of a frozenset's memory, so four times as many texts stay cached). The
scores, the order and the choice must equal the former computation with ``french.stem_set``
(reimplemented below as the reference)."""

import datetime
import math
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from search import french, searcher

NOW = datetime.datetime(2026, 11, 29, 18, 0, tzinfo=datetime.UTC)

WORDS = ["l'orientation", "d’entretien", "qu'accompagnement", "Conseillère", "conseillers", "bilan", "bilans",
         "compétences", "COMPETENCE", "mobilité", "démission", "œuvre", "Île-de-France", "VAE", "vae", "CPF", "les",
         "de", "jusqu'à", "aujourd'hui", "réalité", "animatrice", "animateur", "actives", "2026", "x"]
texts = st.one_of(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), st.text(max_size=60))


def _former_rerank(entries, stems, now):
    """The former ``searcher._rerank`` (stem sets)."""
    scored = []
    engine_scores = [abs(getattr(entry, "_score", None) or 0.0) for entry in entries]
    best = max(engine_scores, default=0.0)
    for rank, entry in enumerate(entries):
        score = 0.5 * (engine_scores[rank] / best if best else 1.0 / (1.0 + 0.1 * rank))
        if stems:
            score += 0.6 * len(stems & french.stem_set(entry.title)) / len(stems)
            score += 0.25 * len(stems & french.stem_set(entry.summary[:2000])) / len(stems)
        date = entry.published_at or entry.updated_at
        if date:
            age = max((now - date).total_seconds() / 86400, 0)
            score += 0.2 * math.exp(-age / 365)
        if entry.useful_count:
            score += 0.1 * min(1.0, math.log1p(entry.useful_count) / math.log(51))
        scored.append((score, entry))
    return sorted(scored, key=lambda pair: -pair[0])


def _former_needs_body(summary, stems):
    return not summary or bool(stems and not (french.stem_set(summary) & stems))


entries_strategy = st.lists(st.builds(
    SimpleNamespace,
    title=texts,
    summary=st.one_of(texts, texts.map(lambda t: "a " * 1000 + t)),  # words past the 2 000 characters read
    _score=st.one_of(st.none(), st.floats(-20, 20, allow_nan=False)),
    published_at=st.one_of(st.none(), st.integers(0, 2000).map(lambda d: NOW - datetime.timedelta(days=d))),
    updated_at=st.just(NOW - datetime.timedelta(days=3)),
    useful_count=st.integers(0, 80),
), max_size=12)


@settings(max_examples=300, deadline=None)
@given(entries=entries_strategy, query=st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join),
       noise=st.lists(st.text(min_size=1, max_size=8), max_size=2))
def test_reranking_equals_the_stem_set_computation(entries, query, noise):
    stems = set(french.stems(query)) | set(noise)
    assert [(score, id(e)) for score, e in searcher._rerank(entries, stems, NOW)] == \
        [(score, id(e)) for score, e in _former_rerank(entries, stems, NOW)]
    for entry in entries:
        assert searcher._snippet_needs_body(entry.summary, stems) == _former_needs_body(entry.summary, stems)


def test_a_stem_counts_once_however_often_the_text_holds_it():
    entry = SimpleNamespace(title="Bilan, bilans et BILAN", summary="Le bilan de compétences", _score=-3.0,
                            published_at=None, updated_at=None, useful_count=0)
    [(score, _entry)] = searcher._rerank([entry], set(french.stems("bilan compétences")), NOW)
    assert score == 0.5 + 0.6 * 1 / 2 + 0.25 * 2 / 2
