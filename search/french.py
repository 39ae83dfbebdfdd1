"""French text analysis for the search index, identical for documents and queries.

SQLite FTS5 has no French stemmer, so the search app stores, beside the text, a
``stems`` field holding the normalised Snowball stems of the entry; the query goes
through the very same function. The pipeline, per word:

1. elisions removed (l', d', qu', j', n', s', c', m', t', jusqu', lorsqu', puisqu');
2. lowercased, ligatures expanded (œ → oe, æ → ae), accents folded (é → e);
3. French stop words dropped (Snowball's list, folded);
4. a light lemmatisation Snowball lacks: plural ``s``/``x`` dropped and common
   feminine endings mapped to the masculine (conseillère → conseiller,
   animatrice → animateur, active → actif), so conseiller / conseillères meet;
5. the Snowball French stemmer; a stem shorter than 3 letters is replaced by the
   folded word itself so that acronyms stay distinct (VAE → "vae", not "va").

Only consistency matters: any two forms that reach the same stem match each other.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

ELISIONS = ("l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu")
_APOSTROPHES = "'’ʼ`´"
#: An elision: one of ELISIONS at the start of a word, an apostrophe, a word character. Written
#: ``(?<!\w)`` rather than ``\b`` (the same test before a letter) and with the one-letter elisions
#: as a character class: the same matches, found in ~60 % of the time (re-ranking stems titles and
#: summaries on every first visit; tests/search/test_french.py compares it with the \b form).
_ELISION_RE = re.compile(
    r"(?<!\w)(?:[" + "".join(e for e in ELISIONS if len(e) == 1) + "]|"
    + "|".join(e for e in ELISIONS if len(e) > 1) + r")[" + _APOSTROPHES + r"](?=\w)",
    re.IGNORECASE,
)
#: A word as found in stored text (used to highlight in the original string).
WORD_RE = re.compile(r"\w+", re.UNICODE)

# Snowball's French stop word list (folded), plus a few very frequent forms.
_STOP_WORDS_TEXT = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me meme mes moi mon ne
nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d
j l a m n s t y ete etee etees etes etant etante etants etantes suis es est sommes etes sont serai seras sera
serons serez seront serais serait serions seriez seraient etais etait etions etiez etaient fus fut fumes futes
furent sois soit soyons soyez soient fusse fusses fut fussions fussiez fussent ayant ayante ayantes ayants eu
eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
avais avait avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient eusse eusses eussions
eussiez eussent ceci cela cet cette ici ils les leurs quel quels quelle quelles sans soi
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_FEMININE = (
    # (ending, replacement): most specific first.
    ("trices", "teur"),
    ("trice", "teur"),
    ("euses", "eur"),
    ("euse", "eur"),
    ("ieres", "ier"),
    ("iere", "ier"),
    ("eres", "er"),
    ("ere", "er"),
    ("ives", "if"),
    ("ive", "if"),
    ("ennes", "en"),
    ("enne", "en"),
    ("ee", "e"),
)

_stemmer = snowballstemmer.stemmer("french")


def fold(text: str) -> str:
    """Lowercase, expand ligatures, strip accents."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def remove_elisions(text: str) -> str:
    return _ELISION_RE.sub("", text)


@lru_cache(maxsize=65536)
def stem_word(word: str) -> str:
    """The index form of one word (already split, any case/accents); "" for a stop word."""
    folded = fold(word)
    if not folded or folded in STOP_WORDS or (len(folded) == 1 and not folded.isdigit()):
        return ""
    if folded.isdigit():
        return folded
    base = folded
    if len(base) > 3 and base[-1] in "sx" and not base.endswith("ss"):
        base = base[:-1]
    if len(base) > 5:
        for ending, replacement in _FEMININE:
            if base.endswith(ending):
                base = base[: -len(ending)] + replacement
                break
    stem = _stemmer.stemWord(base)
    if len(stem) < 3:
        stem = base
    return stem


def words(text: str) -> list[str]:
    """The words of ``text`` with elisions removed (original case and accents)."""
    return WORD_RE.findall(remove_elisions(text or ""))


def stems(text: str) -> list[str]:
    """The stems of ``text``, in order, stop words dropped."""
    out = []
    for word in words(text):
        stem = stem_word(word)
        if stem:
            out.append(stem)
    return out


@lru_cache(maxsize=8192)
def stem_set(text: str) -> frozenset[str]:
    """The distinct stems of ``text``. Cached (~1.5 kB an entry, 12 MB at most; filled only by the
    callers of this function: the searches use :func:`stem_tuple`)."""
    return frozenset(stems(text))


@lru_cache(maxsize=24576)
def stem_tuple(text: str) -> tuple[str, ...]:
    """The distinct stems of ``text`` (those of :func:`stem_set`) as a tuple, for re-ranking and
    snippets: a search re-scores its 100 best entries by the query stems their title and summary
    hold, and the texts a large index's searches come back to (~23 000 over the bench's queries at
    15 000 entries, 26 000 in all) outnumber the 8 192 frozensets ``stem_set`` kept (~1.2 kB each).
    A tuple takes ~160 bytes (the stems themselves are shared with :func:`stem_word`'s cache), so
    24 576 texts fit in the memory 8 192 frozensets took: ~13 MB with the texts kept as keys."""
    return tuple(frozenset(stems(text)))


def stems_text(*texts: str) -> str:
    """What the ``stems`` search field stores for an entry: its stems, space separated."""
    return " ".join(stem for text in texts for stem in stems(text))


def normalise_query(text: str) -> str:
    """A query as recorded for the content-gaps dashboard: folded words, single spaces."""
    return " ".join(fold(w) for w in WORD_RE.findall(text or ""))[:200]
