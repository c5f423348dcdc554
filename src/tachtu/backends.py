"""The line backends: what turns one line into words.

Three implement one small protocol (``LineBackend``), and ``Segmenter`` holds
exactly one, named by ``Segmenter.backend``:

* ``"compiled"``: the C line path (``model/compiled.py``), the default when the
  extension is built; identical output to ``"python"``, which it hands the rare
  line it does not take;
* ``"python"``: the reference path, pure Python (``PythonBackend``);
* ``"vncorenlp"``: RDRsegmenter's algorithm (``profiles/vncorenlp``).
"""

from __future__ import annotations

import threading
import warnings
from importlib import import_module
from typing import Any, Protocol

from .model.encode import Encoder
from .model.features import joinable, line_is_plain
from .model.model import Model
from .normalize import NormalizeMode, to_nfc
from .pretokenize import HARD_BREAK, Piece, pretokenize
from .render import Word, join_words, words
from .underscores import tokenize_with_underscores


class LineBackend(Protocol):
    """Segments one line (no newline); offsets index that line."""

    name: str

    def segment_line(self, line: str) -> str: ...

    def tokenize_line(self, line: str) -> list[Word]: ...

    def segment_block(self, text: str) -> str:
        """``segment_line`` of each line of ``text`` (split on newlines), joined by newlines."""
        ...


def segment_lines(backend: LineBackend, text: str) -> str:
    """``segment_block`` done line by line (the backends without a block path)."""
    return "\n".join([backend.segment_line(line) for line in text.split("\n")])


class SlowPathWarning(UserWarning):
    """The compiled core is missing, so segmentation runs in pure Python."""


_SLOW_MESSAGE = (
    "tachtu's compiled core is not built (was a C compiler missing at install?): segmentation runs "
    "50-100x slower in pure Python. Install a C compiler (e.g. apt-get install gcc) and reinstall: "
    "pip install --force-reinstall --no-binary tachtu tachtu"
)
_warned = False


def warn_slow_path() -> None:
    """Warn once per process, on stderr, that the compiled core is missing."""
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(_SLOW_MESSAGE, SlowPathWarning, stacklevel=3)


class PythonBackend:
    """The reference path: NFC, pretokenize, encode, score, user dictionary, render."""

    name = "python"

    def __init__(self, model: Model, normalize: NormalizeMode = "none", user_dict: object = None,
                 encoder: Encoder | None = None) -> None:
        self.model = model
        self.encoder = encoder or Encoder(model)
        self.normalize: NormalizeMode = normalize
        self.user_dict = user_dict
        self._scorer: object = None
        self._lock = threading.Lock()

    @property
    def scorer(self) -> Any:
        """The reference scorer, built on first use: next to the compiled
        backend it serves only the rare line handed back, and building its
        weight dictionary costs more than loading the model."""
        if self._scorer is None:
            with self._lock:
                if self._scorer is None:
                    from .model.scorer_ref import ReferenceScorer

                    self._scorer = ReferenceScorer(self.model)
        return self._scorer

    def tokenize_line(self, line: str) -> list[Word]:
        if "_" in line:
            return tokenize_with_underscores(line, self._tokenize_plain, self.normalize)
        return self._tokenize_plain(line)

    def _tokenize_plain(self, line: str) -> list[Word]:
        norm = to_nfc(line)
        text = norm.text
        pieces = pretokenize(text)
        if not pieces:
            return []
        enc = self.encoder.encode(text, pieces)
        joins = self.scorer.joins(enc.ids, enc.shapes, [p.kind for p in pieces], [p.space_before for p in pieces],
                                  enc.plain, enc.stat_ids, line_is_plain(text))
        if self.user_dict is not None:
            joins = self.user_dict.apply(text, pieces, joins)  # type: ignore[attr-defined]
        joins = layout_joins(text, pieces, joins)
        return words(line, norm, pieces, joins, self.normalize)

    def segment_line(self, line: str) -> str:
        return join_words(line, self.tokenize_line(line))

    def segment_block(self, text: str) -> str:
        return segment_lines(self, text)


def layout_joins(text: str, pieces: list[Piece], joins: list[bool]) -> list[bool]:
    """``joins`` with the two decisions the layout of the line makes, whatever the
    model or a user dictionary said (``_line.pyx`` does the same in C):

    * a gap whose whitespace holds a line or paragraph separator
      (``pretokenize.HARD_BREAKS``) is split: no word spans one;
    * two pieces the model may join written together without whitespace
      (``1,5triệu``, ``abc#tag``) are one word: written apart in the output,
      the model could join them when it is segmented again.
    """
    search = HARD_BREAK.search
    hard = search(text) is not None
    out = list(joins)
    for i in range(len(out)):
        after = pieces[i + 1]
        if not after.space_before:
            if joinable(pieces[i].kind, after.kind, True):
                out[i] = True
        elif hard and out[i] and search(text, pieces[i].end, after.start) is not None:
            out[i] = False
    return out


class VncorenlpBackend:
    """RDRsegmenter-identical output (``profiles/vncorenlp``)."""

    name = "vncorenlp"

    def __init__(self) -> None:
        from .profiles.vncorenlp import RDRSegmenter

        self.rdr = RDRSegmenter.load()

    def tokenize_line(self, line: str) -> list[Word]:
        return [(line[s:e], s, e, f) for s, e, f in self.rdr.tokenize_line(line)]

    def segment_line(self, line: str) -> str:
        return self.rdr.segment_line(line)  # type: ignore[no-any-return]

    def segment_block(self, text: str) -> str:
        return segment_lines(self, text)


def compiled_available() -> bool:
    """Whether the compiled core was built (and imports)."""
    try:
        import_module(".model.compiled", __package__)
    except ImportError:
        return False
    return True


def model_backend(model: Model, *, normalize: NormalizeMode, user_dict: object, compiled: bool) -> LineBackend:
    """The compiled backend when built (and asked for), else the Python one
    (warning once when the compiled core was wanted but is missing)."""
    python = PythonBackend(model, normalize, user_dict)
    if not compiled:
        return python
    if not compiled_available():
        warn_slow_path()
        return python
    from .model.compiled import CompiledBackend

    return CompiledBackend(model, python, normalize, user_dict)


__all__ = ["LineBackend", "PythonBackend", "SlowPathWarning", "VncorenlpBackend", "compiled_available", "model_backend",
           "segment_lines"]
