"""Turn a line's pieces into the integer ids, shape classes and diacritic-free
("plain") ids the scorer reads."""

from __future__ import annotations

from typing import NamedTuple

from ..normalize import model_key, strip_diacritics
from ..pretokenize import Kind, Piece
from .features import NUMBER_ID, UNK_BASE, Shape, shape_of
from .model import Model

class Encoded(NamedTuple):
    """What the scorers read of a line's pieces."""

    ids: list[int]
    shapes: list[int]
    plain: list[int]  # diacritic-free ids
    stat_ids: tuple[list[int], list[int]]  # stats ids, model keys and without diacritics


_CACHE_LIMIT = 500_000  # distinct surface forms remembered before the cache restarts


class Encoder:
    """Maps piece text to ``(id, shape, plain id, stats id, plain stats id)``,
    caching per surface form.

    The cache only ever maps a string to the value computed from the (read-only)
    model, so concurrent use from several threads is safe: a race can only
    compute the same value twice.
    """

    def __init__(self, model: Model) -> None:
        self.vocab_index = model.vocab_index
        self.plain_index = model.plain_index
        self.stats = model.stats
        self._cache: dict[str, tuple[int, int, int, int, int]] = {}

    def lookup(self, text: str, kind: Kind) -> tuple[int, int, int, int, int]:
        """The ids and shape of one piece; an unknown piece is known by its shape,
        and has stats ids 0 (see ``corpus_stats``)."""
        if kind == Kind.NUMBER:
            return NUMBER_ID, Shape.NUMBER, NUMBER_ID, 0, 0
        if kind == Kind.WORD:
            hit = self._cache.get(text)
            if hit is not None:
                return hit
        shape = shape_of(text, kind)
        key = model_key(text)
        plain_key = strip_diacritics(key)
        idx = self.vocab_index.get(key)
        plain = self.plain_index.get(plain_key)
        sid, plain_sid = (0, 0) if self.stats is None or kind != Kind.WORD else self.stats.ids(key, plain_key)
        value = (UNK_BASE + shape if idx is None else idx, int(shape), UNK_BASE + shape if plain is None else plain,
                 sid, plain_sid)
        if kind == Kind.WORD:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache = {}
            self._cache[text] = value
        return value

    def encode(self, text: str, pieces: list[Piece]) -> Encoded:
        """Ids, shapes, plain ids and stats ids of all pieces of ``text``."""
        out = Encoded([], [], [], ([], []))
        lookup = self.lookup
        for p in pieces:
            i, s, d, sid, plain_sid = lookup(text[p.start : p.end], p.kind)
            out.ids.append(i)
            out.shapes.append(s)
            out.plain.append(d)
            out.stat_ids[0].append(sid)
            out.stat_ids[1].append(plain_sid)
        return out
