""""Did you mean": the spelling vocabulary of a kind of reader and its closest words.

The vocabulary is the folded words (more than three letters) of the titles of the 5 000 most
recent entries a reader may see, without their personal entries, so that members with the same
access share it. It lives ``SECONDS`` (ten minutes) in the default cache, shared by the worker
processes: a word indexed since is suggested once it has been read again, a removed one is no
longer suggested then.

The shared cache holds, per kind of reader, a small *token* (expiring after ``SECONDS``) and the
word list under that token. Each process keeps the words it read as a ready :class:`Vocabulary`
(a set, and the words by length with their letters as bit masks) for as long as the token stays
the same: a lookup reads the token only (one read of the shared cache, as the word list was read
before), not the ~3 000 words, and does not rebuild anything. A new token (expiry, or another
process that read the titles again) makes every process read the new list on its next lookup.

:meth:`Vocabulary.close` returns exactly what ``difflib.get_close_matches(word, words, n=1,
cutoff)`` returns, ~13 × faster over the large bench's 2 905 words: difflib's two cheap filters
(lengths, then letters shared as multisets) are applied to whole groups of words — a length
group is skipped when no word of that length can pass, and the multiset test is a popcount of
two bit masks — and only the words that pass both get difflib's own
``SequenceMatcher.ratio()``, the best (score, word) winning as in ``get_close_matches``.
"""

from __future__ import annotations

import difflib
import threading
import uuid

from django.core.cache import cache

from . import french

SECONDS = 600
#: The words a vocabulary remembers its answer for (a typo comes back); cleared when full.
MEMO_ENTRIES = 4096
TITLES = 5000
#: Vocabularies a process keeps (one per kind of reader: the same access tokens); all forgotten when full.
MAX_VOCABULARIES = 16


def _ratio(matches: int, length: int) -> float:
    """difflib's ``_calculate_ratio``: the very float its filters compare with the cutoff."""
    return 2.0 * matches / length if length else 1.0


class Vocabulary:
    """The words of one vocabulary, ready for :meth:`close` (immutable once built)."""

    __slots__ = ("token", "words", "_lengths", "_units", "_memo", "_lock")

    def __init__(self, words, token: str = ""):
        self.token = token
        self.words = frozenset(words)
        # A letter's k-th occurrence in a word is one "unit" (one bit): the number of letters two
        # words share as multisets (difflib's quick_ratio) is the popcount of their masks' AND.
        self._units: dict[tuple[str, int], int] = {}
        lengths: dict[int, tuple[list, dict]] = {}
        for word in sorted(self.words):
            mask, bits = self._mask(word, add=True)
            group, postings = lengths.setdefault(len(word), ([], {}))
            group.append((word, mask))
            for bit in bits:
                postings.setdefault(bit, []).append((word, mask))
        # Per length: the words (with their masks) and, per unit, the words holding it.
        self._lengths = sorted((length, group, postings) for length, (group, postings) in lengths.items())
        self._memo: dict[tuple[str, float], str | None] = {}
        self._lock = threading.Lock()

    def _mask(self, word: str, *, add: bool = False) -> tuple[int, list[int]]:
        """The word's units as a bit mask, and their bits."""
        units, seen, mask, bits = self._units, {}, 0, []
        for char in word:
            unit = (char, seen.get(char, 0) + 1)
            seen[char] = unit[1]
            bit = units.get(unit)
            if bit is None:
                if not add:
                    continue  # no word of the vocabulary has this unit: it adds nothing shared
                bit = units[unit] = len(units)
            mask |= 1 << bit
            bits.append(bit)
        return mask, bits

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def close(self, word: str, cutoff: float = 0.75) -> str | None:
        """The word of the vocabulary closest to ``word``: ``difflib.get_close_matches(word,
        words, n=1, cutoff=cutoff)[0]``, or None where that list is empty."""
        memo_key = (word, cutoff)
        try:
            return self._memo[memo_key]
        except KeyError:
            pass
        found = self._close(word, cutoff)
        with self._lock:
            if len(self._memo) >= MEMO_ENTRIES:
                self._memo.clear()
            self._memo[memo_key] = found
        return found

    def _close(self, word: str, cutoff: float) -> str | None:
        size = len(word)
        mask, bits = self._mask(word)
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)  # as get_close_matches: the word is seq2, each candidate seq1
        passing = []  # (upper bound of the ratio, word) of the words passing difflib's two filters
        for length, group, postings in self._lengths:
            total = length + size
            shortest = min(length, size)
            # real_quick_ratio: the same for every word of this length.
            if _ratio(shortest, total) < cutoff:
                continue
            # quick_ratio >= cutoff  <=>  shared units >= need (the ratio grows with them).
            need = next(m for m in range(shortest + 1) if _ratio(m, total) >= cutoff)
            if need == 0:
                candidates = [(0, group)]
            else:
                # A word sharing `need` of the word's units holds one of any len(bits) - need + 1
                # of them: only the words holding one of the rarest are looked at.
                take = len(bits) - need + 1
                if take <= 0:
                    continue
                candidates = sorted(((1 << bit, postings.get(bit, ())) for bit in bits),
                                    key=lambda pair: len(pair[1]))[:take]
            seen = 0
            for unit, posting in candidates:
                for candidate, candidate_mask in posting:
                    if not candidate_mask & seen:  # else already looked at under a rarer unit
                        shared = (candidate_mask & mask).bit_count()
                        if shared >= need:
                            passing.append((_ratio(shared, total), candidate))
                seen |= unit
        # ratio() <= quick_ratio(): best bounds first, until no word left can reach the best score.
        # get_close_matches keeps the largest (score, word) with score >= cutoff.
        passing.sort(reverse=True)
        best = None
        for bound, candidate in passing:
            if best is not None and bound < best[0]:
                break
            matcher.set_seq1(candidate)
            score = matcher.ratio()
            if score >= cutoff and (best is None or (score, candidate) > best):
                best = (score, candidate)
        return best[1] if best is not None else None


_local: dict[str, Vocabulary] = {}  # kind of reader -> this process's ready vocabulary


def _words(reader) -> list[str]:
    from .models import SearchEntry

    titles = SearchEntry.objects.filter(reader.q()).order_by("-published_at").values_list("title", flat=True)
    return sorted({french.fold(w) for t in titles[:TITLES] for w in french.words(t) if len(w) > 3})


def vocabulary(reader) -> Vocabulary:
    """The spelling vocabulary of ``reader`` (a shared reader: without personal entries)."""
    key = f"search:vocabulary:{reader.cache_key}"
    token = cache.get(key)
    if not isinstance(token, str):
        token = None  # expired, or a word list cached under this key before the tokens (a deployment)
    local = _local.get(reader.cache_key)
    if token is not None and local is not None and local.token == token:
        return local
    words = cache.get(f"{key}:{token}") if token is not None else None
    if words is None:  # expired (or the list evicted): read the titles again, under a new token
        words = _words(reader)
        token = uuid.uuid4().hex
        cache.set_many({f"{key}:{token}": words, key: token}, SECONDS)
    local = Vocabulary(words, token)
    if len(_local) >= MAX_VOCABULARIES and reader.cache_key not in _local:
        _local.clear()
    _local[reader.cache_key] = local
    return local


def clear() -> None:
    """Forget this process's vocabularies (tests)."""
    _local.clear()
