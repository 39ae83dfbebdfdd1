"""The search box's little language, parsed once and compiled for the engine.

    conseiller vae            every word must match (any French form of it)
    "bilan de compétences"    a phrase: the words in this order (stop words ignored)
    -cpf   -"mot composé"     exclude entries containing the word (or all the words)

The query is compiled to modelsearch's query classes (PlainText, Phrase, Not, And).
Database backends get the French stems (the ``stems`` field holds the stems of every
entry, see search.french); Elasticsearch/OpenSearch get the words and analyse them with
the French analyzer of search.es_analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modelsearch.query import And, Not, Or, Phrase, PlainText

from . import french

MAX_QUERY_LENGTH = 200
MAX_CLAUSES = 12
_CHUNK_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class Clause:
    words: list[str]  # the words as typed (stop words removed)
    stems: list[str]  # their index forms


@dataclass
class ParsedQuery:
    raw: str
    terms: list[Clause] = field(default_factory=list)
    phrases: list[Clause] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.excluded)

    @property
    def has_positive(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def positive_stems(self) -> set[str]:
        return {s for clause in (*self.terms, *self.phrases) for s in clause.stems}

    @property
    def normalised(self) -> str:
        return french.normalise_query(self.raw)

    def to_search_query(self, *, database: bool):
        """The modelsearch query object, or None when nothing is left to search."""

        def text(clause: Clause) -> str:
            return " ".join(clause.stems if database else (french.fold(w) for w in clause.words))

        positives = []
        if self.terms:
            positives.append(PlainText(" ".join(text(c) for c in self.terms), operator="and"))
        for phrase in self.phrases:
            positives.append(Phrase(text(phrase)))
        negatives = [self._negative(c, database=database) for c in self.excluded]

        if not positives:
            if not negatives:
                return None
            return Not(negatives[0] if len(negatives) == 1 else Or(negatives))
        parts = positives + [Not(n) for n in negatives]
        return parts[0] if len(parts) == 1 else And(parts)

    @staticmethod
    def _negative(clause: Clause, *, database: bool):
        """What an excluded word or quoted phrase becomes.

        Database backends: the entries containing all the words (modelsearch's SQLite
        backend does not parenthesise a multi-word PlainText under NOT, and its PostgreSQL
        backend cannot negate a Phrase, so each word is its own PlainText under an And).
        External engines: the phrase itself.
        """
        if len(clause.stems) == 1:
            return PlainText(clause.stems[0] if database else french.fold(clause.words[0]))
        if database:
            return And([PlainText(stem) for stem in clause.stems])
        return Phrase(" ".join(french.fold(w) for w in clause.words))


def _clause(text: str) -> Clause | None:
    pairs = [(w, french.stem_word(w)) for w in french.words(text)]
    pairs = [(w, s) for w, s in pairs if s]
    if not pairs:
        return None
    return Clause(words=[w for w, _ in pairs], stems=[s for _, s in pairs])


def parse(raw: str) -> ParsedQuery:
    raw = (raw or "").strip()[:MAX_QUERY_LENGTH]
    parsed = ParsedQuery(raw=raw)
    count = 0
    for match in _CHUNK_RE.finditer(raw):
        if count >= MAX_CLAUSES:
            break
        negated, quoted, word = match.group(1), match.group(2), match.group(3)
        if quoted is not None:
            clause = _clause(quoted)
            if clause is None:
                continue
            if negated:
                parsed.excluded.append(clause)
            elif len(clause.stems) == 1:
                parsed.terms.append(clause)
            else:
                parsed.phrases.append(clause)
        else:
            negated = word.startswith("-") and len(word) > 1
            clause = _clause(word[1:] if negated else word)
            if clause is None:
                continue
            (parsed.excluded if negated else parsed.terms).append(clause)
        count += 1
    return parsed
