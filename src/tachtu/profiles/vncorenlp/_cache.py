"""A bounded, thread-safe memo for per-token and per-chunk facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Memo(dict, Generic[V]):  # type: ignore[type-arg]
    """key -> ``compute(key)``, filled on demand; look up with ``memo[key]``.

    Thread-safe by construction: a key only ever maps to its one deterministic
    value, so a race at worst computes it twice.  Memory stays bounded: keys
    longer than ``max_key`` characters are not kept, and the memo is emptied
    when it reaches ``size`` entries.
    """

    def __init__(self, compute: Callable[[str], V], *, max_key: int = 64, size: int = 1 << 17) -> None:
        super().__init__()
        self._compute = compute
        self._max_key = max_key
        self._size = size

    def __missing__(self, key: str) -> V:
        value = self._compute(key)
        if len(key) <= self._max_key:
            if len(self) >= self._size:
                self.clear()
            self[key] = value
        return value
