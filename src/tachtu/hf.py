"""Hugging Face ``datasets`` helpers: segment a text column with ``Dataset.map``.

Nothing here imports ``datasets``: the helpers take and return plain batch
dicts (``{"column": [values, ...]}``), which is what ``Dataset.map(...,
batched=True)`` passes.  Install ``datasets`` yourself (``pip install
datasets``).

Two ways to use it::

    import tachtu.hf

    # 1. the plain function: default settings, the column is replaced in place
    ds = ds.map(tachtu.hf.segment_batch, batched=True, num_proc=4)

    # 2. a configured, picklable callable (new column, profile, user dictionary ...)
    fn = tachtu.hf.segmenter_fn(column="text", output_column="text_seg", profile="vncorenlp")
    ds = ds.map(fn, batched=True, num_proc=4)

Each worker process builds its ``Segmenter`` once, on its first batch; the
segmenter is never pickled (so ``num_proc`` workers do not receive a copy of the
model from the parent, and ``datasets``' cache fingerprint does not depend on
whether the callable was used before).  ``None`` values stay ``None``.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Iterable, Mapping

from .api import Segmenter, default_segmenter
from .settings import Settings

__all__ = ["SegmentFn", "segment_batch", "segmenter_fn"]


def _segment_all(segmenter: Segmenter, texts: Iterable[Any]) -> list[str | None]:
    return [None if text is None else segmenter.segment(text) for text in texts]


def segment_batch(
    batch: Mapping[str, list[Any]], column: str = "text", output_column: str | None = None
) -> dict[str, list[str | None]]:
    """Segment ``batch[column]`` with the default segmenter.

    Args:
        batch: a batch as given by ``Dataset.map(..., batched=True)``.
        column: the text column.
        output_column: where to write the result; None (default) replaces
            ``column`` in place.  Pass it with ``fn_kwargs``:
            ``ds.map(segment_batch, batched=True, fn_kwargs={"output_column": "seg"})``.

    Returns:
        ``{output_column: segmented texts}``; ``datasets`` merges it into the batch.

    >>> segment_batch({"text": ["Nhà Trắng cho biết", None]})["text"][1] is None
    True
    """
    return {output_column or column: _segment_all(default_segmenter(), batch[column])}


class SegmentFn:
    """A picklable batch function for ``Dataset.map``; see ``segmenter_fn``."""

    def __init__(self, column: str = "text", output_column: str | None = "text_seg", **settings: Any) -> None:
        self.column = column
        self.output_column = output_column or column
        # Settings are plain data, so the object pickles small and hashes stably.
        self.settings = Settings(**settings)
        # Built now so bad settings fail early, in the parent; never pickled (see __getstate__).
        self._segmenter: Segmenter | None = self.settings.segmenter()
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def segmenter(self) -> Segmenter:
        """This process's segmenter, built on first use."""
        if self._segmenter is None or self._pid != os.getpid():  # a forked child builds its own
            with self._lock:
                if self._segmenter is None or self._pid != os.getpid():
                    self._segmenter = self.settings.segmenter()
                    self._pid = os.getpid()
        return self._segmenter

    def __call__(self, batch: Mapping[str, list[Any]]) -> dict[str, list[str | None]]:
        return {self.output_column: _segment_all(self.segmenter(), batch[self.column])}

    def __getstate__(self) -> dict[str, Any]:
        return {"column": self.column, "output_column": self.output_column, "settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.column = state["column"]
        self.output_column = state["output_column"]
        self.settings = state["settings"]
        self._segmenter = None
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SegmentFn(column={self.column!r}, output_column={self.output_column!r}, settings={self.settings!r})"


def segmenter_fn(column: str = "text", output_column: str | None = "text_seg", **settings: Any) -> SegmentFn:
    """A picklable callable for ``ds.map(fn, batched=True, num_proc=N)``.

    Args:
        column: the text column.
        output_column: the column to write (``"text_seg"``); None replaces ``column``.
        settings: ``Settings`` keywords (``profile``, ``normalize``, ``user_dict``,
            ``model``, ``stats``), as for ``tachtu.Segmenter``.  A path given
            must exist on every worker.

    Returns:
        A ``SegmentFn``; it builds its ``Segmenter`` once per process.

    Raises:
        TachtuError: bad settings (checked immediately).

    >>> fn = segmenter_fn(user_dict=["Nhà Trắng"])
    >>> fn({"text": ["Nhà Trắng cho biết"]})["text_seg"][0].split()[0]
    'Nhà_Trắng'
    """
    return SegmentFn(column, output_column, **settings)
