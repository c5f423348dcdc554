"""The segmentation behind every endpoint, independent of HTTP.

One ``Engine`` per server process holds a ``Segmenter`` per (profile,
normalisation) pair, built on first use, so each answer is exactly what
``Segmenter(profile=..., normalize=...)`` gives in-process.
"""

from __future__ import annotations

import threading

from ..api import Segmenter, Token
from ..profiles.vncorenlp import RDRSegmenter
from .sentences import split_sentences
from .settings import ServerSettings


class Engine:
    """Segmenters for a server's settings; thread-safe."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self._segmenters: dict[tuple[str, str], Segmenter] = {}
        self._lock = threading.Lock()
        self._rdr: RDRSegmenter | None = None
        self.segmenter(settings.profile, settings.normalize)  # a bad user dictionary fails at start-up

    def segmenter(self, profile: str, normalize: str) -> Segmenter:
        """The segmenter for ``profile`` and ``normalize`` (validated by the caller)."""
        key = (profile, normalize)
        found = self._segmenters.get(key)
        if found is None:
            with self._lock:
                found = self._segmenters.get(key)
                if found is None:
                    user_dict = self.settings.user_dict if profile == "default" else None
                    found = Segmenter(profile=profile, normalize=normalize, user_dict=user_dict)  # type: ignore[arg-type]
                    self._segmenters[key] = found
        return found

    def segment(self, texts: list[str], profile: str, normalize: str) -> list[str]:
        """``Segmenter.segment`` of each text, in order."""
        segmenter = self.segmenter(profile, normalize)
        return [segmenter.segment(text) for text in texts]

    def tokenize(self, text: str, profile: str, normalize: str) -> list[Token]:
        """``Segmenter.tokenize`` of ``text``: words with offsets into it."""
        return self.segmenter(profile, normalize).tokenize(text)

    def sentences(self, text: str) -> list[list[str]]:
        """The word forms of each sentence of ``text``, as VnCoreNLP's server returns them.

        With the vncorenlp profile each sentence's tokens go through
        RDRsegmenter on their own, as VnCoreNLP does (the same output as
        ``RDRSegmenter(split_sentences=True)``); with the default profile the
        model segments each sentence's original characters.
        """
        profile, normalize = self.settings.profile, self.settings.normalize
        found = split_sentences(text)
        if profile == "vncorenlp":
            rdr = self._rdr_segmenter()
            return [rdr.segment_tokenized(" ".join(s.tokens)).split(" ") for s in found]
        segmenter = self.segmenter(profile, normalize)
        return [[token.form for token in segmenter.tokenize(text[s.start:s.end])] for s in found]

    def _rdr_segmenter(self) -> RDRSegmenter:
        if self._rdr is None:
            with self._lock:
                if self._rdr is None:
                    self._rdr = RDRSegmenter.load()
        return self._rdr
