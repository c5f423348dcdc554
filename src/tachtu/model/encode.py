"""Turn a line's pieces into the integer ids, shape classes and diacritic-free
("plain") ids the scorer reads."""

from __future__ import annotations

from ..normalize import model_key, strip_diacritics
from ..pretokenize import Kind, Piece
from .features import NUMBER_ID, UNK_BASE, Shape, shape_of
from .model import Model

_CACHE_LIMIT = 500_000  # distinct surface forms remembered before the cache restarts


class Encoder:
    """Maps piece text to ``(id, shape, plain id)``, caching per surface form.

    The cache only ever maps a string to the value computed from the (read-only)
    model, so concurrent use from several threads is safe: a race can only
    compute the same value twice.
    """

    def __init__(self, model: Model) -> None:
        self.vocab_index = model.vocab_index
        self.plain_index = model.plain_index
        self._cache: dict[str, tuple[int, int, int]] = {}

    def lookup(self, text: str, kind: Kind) -> tuple[int, int, int]:
        """``(id, shape, plain id)`` of one piece; an unknown piece is known by its shape."""
        if kind == Kind.NUMBER:
            return NUMBER_ID, Shape.NUMBER, NUMBER_ID
        if kind == Kind.WORD:
            hit = self._cache.get(text)
            if hit is not None:
                return hit
        shape = shape_of(text, kind)
        key = model_key(text)
        idx = self.vocab_index.get(key)
        plain = self.plain_index.get(strip_diacritics(key))
        value = (UNK_BASE + shape if idx is None else idx, int(shape), UNK_BASE + shape if plain is None else plain)
        if kind == Kind.WORD:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache = {}
            self._cache[text] = value
        return value

    def encode(self, text: str, pieces: list[Piece]) -> tuple[list[int], list[int], list[int]]:
        """Ids, shapes and plain ids of all pieces of ``text``."""
        ids: list[int] = []
        shapes: list[int] = []
        plain: list[int] = []
        lookup = self.lookup
        for p in pieces:
            i, s, d = lookup(text[p.start : p.end], p.kind)
            ids.append(i)
            shapes.append(s)
            plain.append(d)
        return ids, shapes, plain
