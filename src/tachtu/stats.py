"""Syllable statistics from unannotated text, as small per-gap classes for the model.

Why: the annotated corpora hold ~75k sentences; words they never contain (new
compounds, names, long institution names) are where segmentation fails on new
text.  Raw text is plentiful, and how syllables co-occur in it says much about
which neighbours form a word: a pair that occurs far more often than its parts
predict (high PMI), or a syllable whose right neighbours are very varied (high
branching entropy: a word often ends after it).  This module counts, in one
streaming pass and bounded memory, what the model needs for that, and turns it
into a few small integer classes the model can carry weights for.

Counting (``tachtu.stats_count``).  Each line is NFC-normalised and split by
tachtu's own pretokenizer; a *run* is a sequence of WORD pieces separated by
single spaces only (punctuation, numbers, codes, other whitespace and line ends
break runs).  A piece's key is ``normalize.model_key(piece)``.  Counted: each
key's occurrences and each pair of neighbours inside a run.  Keys seen fewer
than ``min_count`` times and pairs seen fewer than ``min_pair_count`` times are
dropped when the table is finished; a syllable's occurrences whose neighbour
pair was dropped, or that end (start) a run, count as distinct neighbours for
branching entropy (the accessor-variety convention for sentence ends), so
dropping pairs seen once leaves every entropy unchanged.

Two views.  ``"full"`` keys are model keys; ``"nodia"`` keys are the same keys
with their diacritics removed (issue: text typed without diacritics), and its
counts are the sums of the full-view counts that map together.  Only the full
view is stored; the diacritic-free one is derived when first used.

Classes of one view (bins are token-weighted quantiles of the data, stored in
the file, so that a table extended with a user's corpus keeps their meaning):

* pair class of neighbours (b, c), ``n_pair_classes`` = 2 + F*A (26):
  ``PAIR_UNSEEN`` (0) both syllables known, pair not in the table (the default);
  ``PAIR_UNKNOWN`` (1) b or c not in the table;
  ``2 + f*A + a``: f = frequency bin of the pair's count (0 rarest .. F-1),
  a = PMI bin *within that frequency bin* (0 lowest .. A-1), so each of the
  F*A classes covers about the same share of the seen pairs in running text
  and PMI is compared between pairs of similar frequency.
* syllable class, ``n_syllable_classes`` = 2 + E (10), for the right branching
  entropy of b (``right_class``) and the left branching entropy of c
  (``left_class``): ``SYL_UNKNOWN`` (0) not in the table; ``SYL_RARE`` (1)
  seen fewer than ``rare_count`` times (entropy too noisy); ``2 + e``: entropy
  bin e (0 = neighbours most predictable .. E-1 = most varied).

Use in the model: for the gap between syllables b and c, the features are
``pair_class(b, c)``, ``right_class(b)`` and ``left_class(c)``, in each view;
``syllables()`` and ``pairs()`` list everything that is not a default, for
embedding the classes in a model file.  Deriving the classes of a view takes
about 2 s for the bundled table (1.6 MB: 70k syllables, 533k pairs, from 75M
characters of laws and Wikipedia); the stored counts are kept so that a user's
corpus can extend the table (``merge``, ``build(..., base=...)``).

>>> s = SyllableStats.build([["Hà Nội là thủ đô.", "Tôi ở Hà Nội."] * 3])
>>> s.pair_class("hà", "nội") >= FIRST_SEEN_CLASS, s.pair_class("nội", "hà"), s.pair_class("hà", "xyz")
(True, 0, 1)
>>> s.pair_class("ha", "noi", view="nodia") == s.pair_class("hà", "nội", view="nodia")
True
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import ModelError
from .stats_count import PAIR_SHIFT as _SHIFT
from .stats_count import CountBuilder, Counts, DecodeErrors, Source, corpus_lines, word_runs

from .normalize import strip_diacritics

__all__ = ["SyllableStats", "word_runs", "VIEWS"]

VIEWS = ("full", "nodia")
PAIR_UNSEEN, PAIR_UNKNOWN, FIRST_SEEN_CLASS = 0, 1, 2
SYL_UNKNOWN, SYL_RARE, FIRST_ENTROPY_CLASS = 0, 1, 2
FREQ_BINS, PMI_BINS, ENTROPY_BINS = 4, 6, 8

MAGIC = b"\x89TTSTAT\n"
FORMAT_VERSION = 1
_HEAD = struct.Struct("<8sHHIII")  # magic, version, reserved, header bytes, body bytes, crc32


def _weighted_edges(items: list[tuple[float, int]], bins: int) -> list[float]:
    """``bins - 1`` cut values so that each bin holds about 1/bins of the total weight."""
    items = sorted(items)
    total = sum(w for _, w in items)
    edges: list[float] = []
    seen = 0
    for value, weight in items:
        seen += weight
        while len(edges) < bins - 1 and seen >= total * (len(edges) + 1) / bins:
            edges.append(value)
    return edges + [math.inf] * (bins - 1 - len(edges))


@dataclass
class _View:
    """The classes of one view: key -> id, per-id (left, right) classes, pair key -> class."""

    index: dict[str, int]
    left: bytes
    right: bytes
    pairs: dict[int, int]


class SyllableStats:
    """Syllable and neighbour-pair counts of a raw corpus, and the classes derived from them.

    Build with ``build``; extend with ``merge`` or ``build(..., base=...)``; store with
    ``save``/``to_bytes``.  Every query takes ``view="full"`` (model keys) or ``view="nodia"``
    (keys without diacritics; a full key passed there is stripped first, so both spellings work).
    """

    def __init__(self, counts: Counts, *, min_count: int, min_pair_count: int, rare_count: int,
                 edges: dict[str, dict[str, list]] | None = None) -> None:
        self._full = counts
        self.tokens, self.lines = counts.tokens, counts.lines
        self.min_count, self.min_pair_count, self.rare_count = min_count, min_pair_count, rare_count
        self._edges: dict[str, dict[str, list]] = dict(edges or {})
        self._nodia: Counts | None = None
        self._views: dict[str, _View] = {}
        for view in VIEWS:
            if view not in self._edges:
                self._edges[view] = self._choose_edges(self._view_counts(view))

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, sources: Source | Iterable[Source], *, progress: bool = False, base: SyllableStats | None = None,
              min_count: int = 2, min_pair_count: int = 2, rare_count: int = 5,
              max_pairs: int = 10_000_000, errors: DecodeErrors = "strict") -> SyllableStats:
        """Count ``sources`` in one streaming pass.

        ``sources``: a path (file, or directory whose ``*.txt`` files are read recursively in
        name order), an iterable of lines, or a list of those.  Files must be UTF-8; a bad
        byte raises ``InputError`` naming the file and line (``errors="replace"``: U+FFFD
        instead).  ``progress`` shows a bar on stderr.  With ``base``, its counts are added
        and its bins (class meanings) are kept.
        ``max_pairs`` bounds memory: beyond it, the rarest pairs counted so far are dropped
        (their occurrences then count as distinct neighbours, as pruned pairs always do).
        """
        counter = CountBuilder(max_pairs)
        for text in corpus_lines(sources, progress, errors):
            counter.add_line(text)
        edges = None
        if base is not None:
            counter.add_counts(base._full)
            min_count, min_pair_count, rare_count = base.min_count, base.min_pair_count, base.rare_count
            edges = base._edges
        return cls(counter.finish(min_count, min_pair_count), min_count=min_count, min_pair_count=min_pair_count,
                   rare_count=rare_count, edges=edges)

    def merge(self, other: SyllableStats) -> SyllableStats:
        """A new table with the counts of both; bins and thresholds are this table's."""
        counter = CountBuilder()
        counter.add_counts(self._full)
        counter.add_counts(other._full)
        return SyllableStats(counter.finish(self.min_count, self.min_pair_count), min_count=self.min_count,
                             min_pair_count=self.min_pair_count, rare_count=self.rare_count, edges=self._edges)

    # -- queries -------------------------------------------------------------------------------
    @property
    def n_pair_classes(self) -> int:
        return FIRST_SEEN_CLASS + FREQ_BINS * PMI_BINS

    @property
    def n_syllable_classes(self) -> int:
        return FIRST_ENTROPY_CLASS + ENTROPY_BINS

    def pair_class(self, b_key: str, c_key: str, view: str = "full") -> int:
        """The class of the gap between neighbours ``b_key`` and ``c_key`` (see the module doc)."""
        v = self._view(view)
        if view == "nodia":
            b_key, c_key = strip_diacritics(b_key), strip_diacritics(c_key)
        b, c = v.index.get(b_key), v.index.get(c_key)
        if b is None or c is None:
            return PAIR_UNKNOWN
        return v.pairs.get(b * _SHIFT + c, PAIR_UNSEEN)

    def left_class(self, key: str, view: str = "full") -> int:
        """Class of ``key``'s left branching entropy (how varied the syllables before it are)."""
        v = self._view(view)
        i = v.index.get(strip_diacritics(key) if view == "nodia" else key)
        return SYL_UNKNOWN if i is None else v.left[i]

    def right_class(self, key: str, view: str = "full") -> int:
        """Class of ``key``'s right branching entropy (how varied the syllables after it are)."""
        v = self._view(view)
        i = v.index.get(strip_diacritics(key) if view == "nodia" else key)
        return SYL_UNKNOWN if i is None else v.right[i]

    def syllables(self, view: str = "full") -> list[str]:
        """The keys the table knows, sorted (for the model vocabulary)."""
        return sorted(self._view(view).index)

    def pairs(self, view: str = "full") -> Iterator[tuple[str, str, int]]:
        """``(b_key, c_key, class)`` for every pair whose class is not ``PAIR_UNSEEN``, sorted."""
        v = self._view(view)
        keys = self._view_counts(view).keys
        for pair in sorted(v.pairs):
            yield keys[pair // _SHIFT], keys[pair % _SHIFT], v.pairs[pair]

    def count(self, key: str, view: str = "full") -> int:
        """How often ``key`` occurred (0 when below ``min_count``)."""
        i = self._view(view).index.get(strip_diacritics(key) if view == "nodia" else key)
        return 0 if i is None else self._view_counts(view).counts[i]

    def edges(self, view: str = "full") -> dict[str, list]:
        """The bin cut values: ``freq`` (pair counts), ``pmi`` (one list per frequency bin),
        ``left``/``right`` (entropies in nats).  Bin i holds values <= edges[i] (> edges[i-1])."""
        return self._edges[view]

    # -- derivation of a view ------------------------------------------------------------------
    def _view_counts(self, view: str) -> Counts:
        """The counts of ``view`` (the diacritic-free ones summed from the full ones)."""
        if view == "full":
            return self._full
        if view != "nodia":
            raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")
        if self._nodia is None:
            full = self._full
            stripped = [strip_diacritics(k) for k in full.keys]
            keys = sorted(set(stripped))
            index = {k: i for i, k in enumerate(keys)}
            to_new = [index[k] for k in stripped]
            counts = [0] * len(keys)
            for i, n in enumerate(full.counts):
                counts[to_new[i]] += n
            pairs: Counter[int] = Counter()
            for pair, n in full.pairs.items():
                pairs[to_new[pair // _SHIFT] * _SHIFT + to_new[pair % _SHIFT]] += n
            self._nodia = Counts(keys, counts, dict(pairs), full.tokens, full.lines)
        return self._nodia

    def _measures(self, counts: list[int], pairs: dict[int, int]) -> tuple[list[float], list[float], dict[int, float]]:
        """Left and right branching entropies per id, PMI per pair.

        Entropy with ``m`` unseen neighbours counted as distinct: with N = count and
        S = sum of n*log(n) over the stored pairs, H = log N - S / N.
        """
        s_left, s_right = [0.0] * len(counts), [0.0] * len(counts)
        log_tokens = math.log(max(self.tokens, 1))
        pmi: dict[int, float] = {}
        for pair, n in pairs.items():
            b, c = divmod(pair, _SHIFT)
            nlogn = n * math.log(n)
            s_right[b] += nlogn
            s_left[c] += nlogn
            pmi[pair] = math.log(n) + log_tokens - math.log(counts[b]) - math.log(counts[c])
        left = [math.log(n) - s / n for n, s in zip(counts, s_left)]
        right = [math.log(n) - s / n for n, s in zip(counts, s_right)]
        return left, right, pmi

    def _choose_edges(self, view_counts: Counts) -> dict[str, list]:
        counts, pairs = view_counts.counts, view_counts.pairs
        left, right, pmi = self._measures(counts, pairs)
        common = [i for i, n in enumerate(counts) if n >= self.rare_count]
        freq = _weighted_edges([(float(n), n) for n in pairs.values()], FREQ_BINS)
        by_freq: list[list[tuple[float, int]]] = [[] for _ in range(FREQ_BINS)]
        for pair, n in pairs.items():
            by_freq[bisect_left(freq, n)].append((pmi[pair], n))
        return {
            "freq": freq,
            "pmi": [_weighted_edges(items, PMI_BINS) for items in by_freq],
            "left": _weighted_edges([(left[i], counts[i]) for i in common], ENTROPY_BINS),
            "right": _weighted_edges([(right[i], counts[i]) for i in common], ENTROPY_BINS),
        }

    def _view(self, view: str) -> _View:
        v = self._views.get(view)
        if v is None:
            view_counts = self._view_counts(view)
            keys, counts, pairs = view_counts.keys, view_counts.counts, view_counts.pairs
            edges = self._edges[view]
            left, right, pmi = self._measures(counts, pairs)

            def syllable_classes(values: list[float], cuts: list[float]) -> bytes:
                return bytes(SYL_RARE if n < self.rare_count else FIRST_ENTROPY_CLASS + bisect_left(cuts, h)
                             for n, h in zip(counts, values))

            freq, pmi_cuts = edges["freq"], edges["pmi"]
            classes = {}
            for pair, n in pairs.items():
                f = bisect_left(freq, n)
                classes[pair] = FIRST_SEEN_CLASS + f * PMI_BINS + bisect_left(pmi_cuts[f], pmi[pair])
            v = self._views[view] = _View({k: i for i, k in enumerate(keys)}, syllable_classes(left, edges["left"]),
                                          syllable_classes(right, edges["right"]), classes)
        return v

    # -- storage -------------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The versioned binary form: header, JSON settings and bins, zlib-compressed counts."""
        full = self._full
        order = sorted(full.pairs)
        b_delta, c_delta, pair_counts = array("I"), array("I"), array("Q")
        last_b, last_c = 0, 0
        for pair in order:
            b, c = divmod(pair, _SHIFT)
            b_delta.append(b - last_b)
            c_delta.append(c - last_c if b == last_b else c)
            last_b, last_c = b, c
            pair_counts.append(full.pairs[pair])
        keys = "\n".join(full.keys).encode("utf-8")
        parts = [struct.pack("<III", len(full.keys), len(order), len(keys)), keys]
        for arr in (array("Q", full.counts), b_delta, c_delta, pair_counts):
            if sys.byteorder == "big":
                arr.byteswap()
            parts.append(arr.tobytes())
        body = zlib.compress(b"".join(parts), 9)
        settings = {"tokens": self.tokens, "lines": self.lines, "min_count": self.min_count,
                    "min_pair_count": self.min_pair_count, "rare_count": self.rare_count, "edges": self._edges,
                    "bins": [FREQ_BINS, PMI_BINS, ENTROPY_BINS]}
        header = json.dumps(settings, sort_keys=True).encode("utf-8")
        crc = zlib.crc32(header + body)
        return _HEAD.pack(MAGIC, FORMAT_VERSION, 0, len(header), len(body), crc) + header + body

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "statistics data") -> SyllableStats:
        """Read ``to_bytes`` output; ``ModelError`` (naming ``name``) on anything else."""
        if len(data) < _HEAD.size or not data.startswith(MAGIC):
            raise ModelError(f"{name}: not a tachtu statistics file (bad magic header)")
        _, version, _, n_header, n_body, crc = _HEAD.unpack_from(data)
        if version != FORMAT_VERSION:
            raise ModelError(f"{name}: statistics format version {version}; this tachtu reads version {FORMAT_VERSION}")
        payload = data[_HEAD.size:]
        if len(payload) != n_header + n_body or zlib.crc32(payload) != crc:
            raise ModelError(f"{name}: statistics file is truncated or corrupt (checksum mismatch)")
        try:
            settings = json.loads(payload[:n_header])
            if settings["bins"] != [FREQ_BINS, PMI_BINS, ENTROPY_BINS]:
                raise ModelError(f"{name}: statistics built with other class bins {settings['bins']}")
            body = zlib.decompress(payload[n_header:])
            n_keys, n_pairs, n_text = struct.unpack_from("<III", body)
            pos = 12 + n_text
            keys = body[12:pos].decode("utf-8").split("\n") if n_keys else []
            arrays = []
            for code, size in (("Q", n_keys), ("I", n_pairs), ("I", n_pairs), ("Q", n_pairs)):
                arr = array(code)
                arr.frombytes(body[pos:pos + size * arr.itemsize])
                pos += size * arr.itemsize
                if sys.byteorder == "big":
                    arr.byteswap()
                arrays.append(arr)
            counts, b_delta, c_delta, pair_counts = arrays
            if len(keys) != n_keys or len(pair_counts) != n_pairs or pos != len(body):
                raise ValueError("section sizes disagree")
            if any(a >= b for a, b in zip(keys, keys[1:])) or 0 in counts or 0 in pair_counts:
                raise ValueError("syllables not sorted and unique, or a zero count")
            pairs: dict[int, int] = {}
            b = c = 0
            for db, dc, n in zip(b_delta, c_delta, pair_counts):
                b, c = b + db, (c + dc if db == 0 else dc)
                if b >= n_keys or c >= n_keys:
                    raise ValueError("pair refers to an unknown syllable")
                pairs[b * _SHIFT + c] = n
            return cls(Counts(keys, list(counts), pairs, settings["tokens"], settings["lines"]),
                       min_count=settings["min_count"], min_pair_count=settings["min_pair_count"],
                       rare_count=settings["rare_count"], edges=settings["edges"])
        except (ValueError, KeyError, TypeError, struct.error, zlib.error) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"{name}: statistics file is corrupt ({exc})") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SyllableStats:
        """Read a file written by ``save``; ``ModelError`` when it is missing or not one."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read statistics file {path}: {exc.strerror or exc}") from None
        return cls.from_bytes(data, name=str(path))


