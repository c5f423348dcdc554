"""Turn a line's pieces into the integer ids and shape classes the scorer reads."""

from __future__ import annotations

from ..normalize import model_key
from ..pretokenize import Kind, Piece
from .features import NUMBER_ID, UNK_BASE, Shape, shape_of
from .model import Model

_CACHE_LIMIT = 500_000  # distinct surface forms remembered before the cache restarts


class Encoder:
    """Maps piece text to ``(id, shape)``, caching per surface form.

    The cache only ever maps a string to the value computed from the (read-only)
    model, so concurrent use from several threads is safe: a race can only
    compute the same value twice.
    """

    def __init__(self, model: Model) -> None:
        self.vocab_index = model.vocab_index
        self._cache: dict[str, tuple[int, int]] = {}

    def lookup(self, text: str, kind: Kind) -> tuple[int, int]:
        """``(id, shape)`` of one piece."""
        if kind == Kind.NUMBER:
            return NUMBER_ID, Shape.NUMBER
        if kind == Kind.WORD:
            hit = self._cache.get(text)
            if hit is not None:
                return hit
        shape = shape_of(text, kind)
        idx = self.vocab_index.get(model_key(text))
        value = (UNK_BASE + shape if idx is None else idx, int(shape))
        if kind == Kind.WORD:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache = {}
            self._cache[text] = value
        return value

    def encode(self, text: str, pieces: list[Piece]) -> tuple[list[int], list[int]]:
        """Ids and shapes of all pieces of ``text``."""
        ids: list[int] = []
        shapes: list[int] = []
        lookup = self.lookup
        for p in pieces:
            i, s = lookup(text[p.start : p.end], p.kind)
            ids.append(i)
            shapes.append(s)
        return ids, shapes
