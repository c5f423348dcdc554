"""Counting syllables and neighbour pairs of raw text, in one streaming pass (for ``tachtu.stats``).

A *run* is a sequence of WORD pieces of tachtu's pretokenizer separated by single
spaces only: punctuation, numbers, codes, other whitespace and line ends break runs,
because a word never spans them.  Each line is NFC-normalised first; a piece's key
is ``normalize.model_key(piece)``.  Memory: one dict entry per distinct key and per
distinct pair (about 0.3 GB for 75M characters); ``max_pairs`` caps the pairs.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Union

from .normalize import model_key
from .pretokenize import Kind, Piece, pretokenize
from .textio import DecodeErrors, iter_lines

PAIR_SHIFT = 1 << 32  # pair key = b_id * PAIR_SHIFT + c_id: one int per pair, not a tuple
_SURFACE_CACHE_LIMIT = 1 << 21

Source = Union[str, "os.PathLike[str]", Iterable[str]]


@dataclass
class Counts:
    """Finished counts: sorted keys, their counts, pair counts by id pair, corpus totals.

    ``tokens`` and ``lines`` include what the thresholds dropped (PMI needs the true total).
    """

    keys: list[str]
    counts: list[int]
    pairs: dict[int, int]
    tokens: int
    lines: int


def word_runs(text: str) -> Iterator[list[Piece]]:
    """The runs of ``text``: WORD pieces separated by exactly one space, in order.

    >>> [[t[p.start:p.end] for p in r] for t in ["Giá 33.000đ tại Hà  Nội, rẻ quá"] for r in word_runs(t)]
    [['Giá'], ['tại', 'Hà'], ['Nội'], ['rẻ', 'quá']]
    """
    run: list[Piece] = []
    for piece in pretokenize(text):
        if piece.kind != Kind.WORD:
            if run:
                yield run
                run = []
            continue
        if run and not (piece.start == run[-1].end + 1 and text[run[-1].end] == " "):
            yield run
            run = []
        run.append(piece)
    if run:
        yield run


class CountBuilder:
    """Accumulates key and pair counts line by line, and merges finished ``Counts`` in."""

    def __init__(self, max_pairs: int = 0) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.surface: dict[str, int] = {}  # piece text -> id: model_key once per spelling
        self.counts: Counter[int] = Counter()
        self.pairs: Counter[int] = Counter()
        self.max_pairs = max_pairs
        self.tokens = self.lines = 0

    def _id(self, key: str) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.keys)
            self.keys.append(key)
        return i

    def add_line(self, text: str) -> None:
        self.lines += 1
        text = unicodedata.normalize("NFC", text)
        ids: list[int] = []
        pair_keys: list[int] = []
        surface = self.surface
        for run in word_runs(text):
            start = len(ids)
            for piece in run:
                word = text[piece.start:piece.end]
                i = surface.get(word)
                if i is None:
                    if len(surface) > _SURFACE_CACHE_LIMIT:
                        surface.clear()
                    i = surface[word] = self._id(model_key(word))
                ids.append(i)
            pair_keys.extend(b * PAIR_SHIFT + c for b, c in zip(ids[start:], ids[start + 1:]))
        self.counts.update(ids)  # one C-level update per line, not per piece
        self.tokens += len(ids)
        if pair_keys:
            self.pairs.update(pair_keys)
            if self.max_pairs and len(self.pairs) > self.max_pairs:
                self._prune()

    def _prune(self) -> None:
        """Drop the rarest pairs until at most half of ``max_pairs`` remain (their occurrences
        then count as distinct neighbours, as pairs below the final threshold always do)."""
        floor = 1
        while len(self.pairs) > self.max_pairs // 2:
            self.pairs = Counter({p: n for p, n in self.pairs.items() if n > floor})
            floor += 1

    def add_counts(self, other: Counts) -> None:
        to_id = [self._id(k) for k in other.keys]
        for i, n in enumerate(other.counts):
            self.counts[to_id[i]] += n
        for pair, n in other.pairs.items():
            self.pairs[to_id[pair // PAIR_SHIFT] * PAIR_SHIFT + to_id[pair % PAIR_SHIFT]] += n
        self.tokens += other.tokens
        self.lines += other.lines

    def finish(self, min_count: int, min_pair_count: int) -> Counts:
        """Keys seen ``min_count`` times or more, sorted; pairs seen ``min_pair_count`` times or more."""
        kept = sorted(k for k, i in self.ids.items() if self.counts[i] >= min_count)
        new_id = {self.ids[k]: j for j, k in enumerate(kept)}
        pairs = {}
        for pair, n in self.pairs.items():
            b, c = new_id.get(pair // PAIR_SHIFT), new_id.get(pair % PAIR_SHIFT)
            if n >= min_pair_count and b is not None and c is not None:
                pairs[b * PAIR_SHIFT + c] = n
        return Counts(kept, [self.counts[self.ids[k]] for k in kept], pairs, self.tokens, self.lines)


def _resolve(sources: Source | Iterable[Source]) -> list[Path | Iterable[str]]:
    """Each source as a file path or an iterable of lines; directories expand to their ``*.txt``
    files.  Checked before counting starts, so a missing file fails at once."""
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    resolved: list[Path | Iterable[str]] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            resolved.append(item)
            continue
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                raise FileNotFoundError(2, "no .txt files in directory", str(path))
            resolved.extend(files)
        elif path.is_file():
            resolved.append(path)
        else:
            raise FileNotFoundError(2, "No such file or directory", str(path))
    return resolved


def corpus_lines(sources: Source | Iterable[Source], progress: bool = False,
                 errors: DecodeErrors = "strict") -> Iterator[str]:
    """The lines of every source, in order.

    ``sources``: a path (a file, or a directory whose ``*.txt`` files are read recursively
    in name order), an iterable of lines, or a list of those.  Files are UTF-8; a bad byte
    raises ``InputError`` naming the file and line (``errors="replace"``: U+FFFD instead).
    ``progress``: a bar over the file bytes on stderr.
    """
    items = _resolve(sources)
    bar = None
    if progress:
        from tqdm import tqdm

        total = sum(p.stat().st_size for p in items if isinstance(p, Path)) or None
        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False)
    try:
        for item in items:
            if not isinstance(item, Path):
                yield from item
                continue
            done = 0
            with open(item, "rb") as handle:
                for line in iter_lines(handle, path=str(item), errors=errors):
                    yield line.text
                    if bar is not None and line.number % 1024 == 0:
                        bar.update(line.byte_offset - done)
                        done = line.byte_offset
            if bar is not None:
                bar.update(item.stat().st_size - done)
    finally:
        if bar is not None:
            bar.close()
