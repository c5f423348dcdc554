"""The public API: ``Segmenter``, ``segment``, ``tokenize``, ``Token``.

A line goes through four steps, each owned by one module:
``normalize.to_nfc`` (NFC copy + offset map) → ``pretokenize`` (rule pieces)
→ the model's scorer (join or split each gap) → ``render`` (words as spans of
the *original* text, so output is lossless).  A ``Segmenter`` runs them
through one line backend (``backends``), named by ``Segmenter.backend``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Literal

from .backends import LineBackend, VncorenlpBackend, model_backend
from .errors import TachtuError
from .model.model import Model
from .normalize import NORMALIZE_MODES, NormalizeMode

Profile = Literal["default", "vncorenlp"]


@dataclass(frozen=True, slots=True)
class Token:
    """One word: ``text`` is exactly ``source[start:end]`` (inner spaces kept).

    ``form`` is the output spelling: inner whitespace runs replaced by ``_``
    (and normalised if the segmenter was asked to).
    """

    text: str
    start: int
    end: int
    form: str


class Segmenter:
    """Holds a loaded model; segments text.  Thread-safe, no global state.

    Args:
        model: a path to a model file, a ``Model``, or None for the bundled one.
        profile: ``"default"`` (the learned model) or ``"vncorenlp"``
            (RDRsegmenter-identical output, for PhoBERT users).
        normalize: output spelling: ``"none"`` (the input's characters,
            default), ``"nfc"``, ``"tone-old"`` (``hoà``) or ``"tone-new"`` (``hòa``).
        compiled: use the compiled scorer if available (identical results).
        user_dict: words to always join (or, prefixed with ``-``, always
            split): a file path or an iterable of entries (see ``userdict``).
        stats: a syllable-statistics table of your own text (``tachtu stats
            corpus/ --base bundled -o my.stats``) that replaces the model's:
            adapts it to a domain without annotation.

    >>> seg = Segmenter()
    >>> seg.segment("Nhà Trắng cho biết")
    'Nhà_Trắng cho biết'
    """

    def __init__(
        self,
        model: str | Path | Model | None = None,
        *,
        profile: Profile = "default",
        normalize: NormalizeMode = "none",
        compiled: bool = True,
        user_dict: str | Path | Iterable[str] | None = None,
        stats: str | Path | None = None,
    ) -> None:
        if normalize not in NORMALIZE_MODES:
            raise TachtuError(f"normalize must be one of {', '.join(NORMALIZE_MODES)}, not {normalize!r}")
        if profile not in ("default", "vncorenlp"):
            raise TachtuError(f"unknown profile {profile!r} (expected 'default' or 'vncorenlp')")
        self.profile = profile
        self.normalize: NormalizeMode = normalize
        self._compiled = compiled
        self._user_dict = None
        self._stats = None if stats is None else str(stats)
        self.model: Model | None = None
        if profile == "vncorenlp" and (user_dict is not None or stats is not None):
            raise TachtuError("user_dict and stats are not supported with profile='vncorenlp', whose output must "
                              "match RDRsegmenter")
        if user_dict is not None:
            from .userdict import UserDict

            self._user_dict = UserDict.load(user_dict)
        self._backend: LineBackend
        if profile == "vncorenlp":
            self._backend = VncorenlpBackend()
            self._bundled = True
        else:
            self._backend = self._model_backend(model, stats)
        # the backend's own function, so that a call per line goes straight to it (on
        # short lines the frame of the method below was about 5% of the time)
        self.segment_line = self._backend.segment_line  # type: ignore[method-assign]

    def _model_backend(self, model: str | Path | Model | None, stats: str | Path | None) -> LineBackend:
        """Load the model (with ``stats`` in place of its own) and its line backend."""
        self.model = model if isinstance(model, Model) else Model.load(model)
        self._bundled = model is None
        if stats is not None:
            from dataclasses import replace

            from .model.corpus_stats import ModelStats

            if not any(t.reads_statistics for t in self.model.templates):
                raise TachtuError("this model was trained without raw-text statistics, so stats= would change "
                                  "nothing: train one with 'tachtu train --stats'")
            self.model = replace(self.model, stats=ModelStats.load(stats))
        return model_backend(self.model, normalize=self.normalize, user_dict=self._user_dict, compiled=self._compiled)

    @property
    def backend(self) -> str:
        """Which line backend runs: ``"compiled"``, ``"python"`` or ``"vncorenlp"``."""
        return self._backend.name

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as settings (plus the model's arrays unless it is the bundled one),
        so a ``Segmenter`` can be sent to worker processes; the compiled tables are
        rebuilt there."""
        model = None if self._bundled else self.model
        kwargs = {"profile": self.profile, "normalize": self.normalize, "compiled": self._compiled,
                  "user_dict": self._user_dict}
        if self._bundled and self._stats is not None:
            kwargs["stats"] = self._stats
        return (_rebuild_segmenter, (model, kwargs))

    # -- one line ------------------------------------------------------------
    def _line_tokens(self, line: str, offset: int) -> list[Token]:
        """Tokens of one line without newline; offsets shifted by ``offset``."""
        return [Token(w, s + offset, e + offset, f) for w, s, e, f in self._backend.tokenize_line(line)]

    # -- public ------------------------------------------------------------
    def tokenize(self, text: str) -> list[Token]:
        """Words of ``text`` with character offsets into ``text``.

        Tokens are in order, do not overlap, and cover every non-whitespace
        character; no token spans a line break.
        """
        tokens: list[Token] = []
        offset = 0
        for line in text.split("\n"):
            tokens.extend(self._line_tokens(line, offset))
            offset += len(line) + 1
        return tokens

    def segment_line(self, line: str) -> str:
        """Segmented form of one line (must not contain a newline).

        (A ``Segmenter`` binds its backend's function in its place, which does the same.)
        """
        return self._backend.segment_line(line)

    def segment(self, text: str) -> str:
        """Segmented form: words separated by one space, syllables joined by ``_``.

        Each line of ``text`` is segmented on its own; newlines are kept.
        """
        if "\n" in text:
            return self._backend.segment_block(text)
        return self._backend.segment_line(text)

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[str]:
        """Segment many texts lazily, in order (``segment`` of each).

        Texts are taken ``batch_size`` at a time and segmented as one block
        (one call into the compiled core, which on short texts costs far less
        than a call per text); results still come one per text.
        """
        if batch_size < 1:
            raise TachtuError(f"batch_size must be at least 1, not {batch_size}")
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= batch_size:
                yield from self._segment_batch(batch)
                batch = []
        if batch:
            yield from self._segment_batch(batch)

    def _segment_batch(self, texts: list[str]) -> list[str]:
        """``segment`` of each text, as one block: lines in = lines out, so the
        block's output splits back on newlines."""
        lines = self._backend.segment_block("\n".join(texts)).split("\n")
        if len(lines) == len(texts):
            return lines
        out: list[str] = []
        start = 0
        for text in texts:
            end = start + text.count("\n") + 1
            out.append("\n".join(lines[start:end]))
            start = end
        return out


def _rebuild_segmenter(model: Model | None, kwargs: dict[str, object]) -> Segmenter:
    return Segmenter(model, **kwargs)  # type: ignore[arg-type]


_default: Segmenter | None = None
_default_lock = threading.Lock()


def default_segmenter() -> Segmenter:
    """The lazily created, shared default ``Segmenter`` (thread-safe)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Segmenter()
    return _default


def segment(text: str) -> str:
    """Segment ``text`` with the default model.  See ``Segmenter.segment``."""
    return default_segmenter().segment(text)


def tokenize(text: str) -> list[Token]:
    """Tokenize ``text`` with the default model.  See ``Segmenter.tokenize``."""
    return default_segmenter().tokenize(text)
