"""``RDRSegmenter``: VnCoreNLP's word segmenter (raw-string mode) in pure Python.

Pipeline for one line: NFC (a fix, see ``_nfc``) -> VnCoreNLP tokenization ->
sentence splitting -> per sentence: tone normalisation, initial B/I tags from
the lexicon, correction by the ripple-down rule tree -> syllables tagged I
joined to the previous one with ``_``.
"""

from __future__ import annotations

from ._initial import initial_tags
from ._lexicon import Lexicon, read_text
from ._nfc import to_nfc
from ._rdr import RuleTree
from ._sentences import sentence_ends
from ._tokenizer import tokenize
from ._tones import normalize_tones

Token = tuple[int, int, str]


class RDRSegmenter:
    """Reproduces RDRsegmenter's output; immutable, so one instance can serve all threads."""

    def __init__(self, lexicon: Lexicon, tree: RuleTree) -> None:
        self._lexicon = lexicon
        self._tree = tree

    @classmethod
    def load(cls) -> "RDRSegmenter":
        """Build a segmenter from the bundled RDRsegmenter model and word lists."""
        return cls(Lexicon.load(), RuleTree(read_text("Model.RDR")))

    def segment_line(self, line: str) -> str:
        """``line`` segmented like RDRsegmenter: words joined by ``_``, separated by spaces."""
        return " ".join(form for _, _, form in self.tokenize_line(line))

    def tokenize_line(self, line: str) -> list[Token]:
        """``(start, end, form)`` per output word; ``line[start:end]`` is its original text."""
        text, starts, ends = to_nfc(line)
        spans = tokenize(text)
        if not spans:
            return []
        text = normalize_tones(text)
        forms = [text[a:b] for a, b in spans]
        words: list[Token] = []
        begin = 0
        for end in sentence_ends(forms):
            self._segment(spans[begin:end], forms[begin:end], words)
            begin = end
        if starts is None or ends is None:
            return words
        return [(starts[a], ends[b - 1], form) for a, b, form in words]

    def _segment(self, spans: list[tuple[int, int]], forms: list[str], out: list[Token]) -> None:
        """Append the words of one sentence (given as tokens) to ``out``."""
        lowered = [f.lower() for f in forms]
        tags = initial_tags(forms, lowered, self._lexicon)
        tree = self._tree
        trigger = tree.trigger_words
        pad = [None, None]
        words: list[str | None] = [*pad, *lowered, *pad]
        padded_tags: list[str | None] = [*pad, *tags, *pad]
        # Only syllables with a rule-relevant word within two positions can
        # change tag; find them with one set lookup per syllable.
        near = [False] * (len(forms) + 4)
        for i, word in enumerate(lowered):
            if word in trigger:
                near[i] = near[i + 1] = near[i + 2] = near[i + 3] = near[i + 4] = True
        start = end = -1
        parts: list[str] = []
        for i, (a, b) in enumerate(spans):
            tag = tree.retag(words, padded_tags, i + 2) if near[i + 2] else tags[i]
            if tag == "I" and parts:
                parts.append(forms[i])
                end = b
                continue
            if parts:
                out.append((start, end, "_".join(parts)))
            # A sentence-initial I keeps RDRsegmenter's leading underscore.
            parts = ["_" + forms[i]] if tag == "I" else [forms[i]]
            start, end = a, b
        out.append((start, end, "_".join(parts)))
