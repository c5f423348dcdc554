"""``RDRSegmenter``: VnCoreNLP's word segmenter (raw-string mode) in pure Python.

Pipeline for one line: NFC (a fix, see ``_nfc``) -> tone normalisation ->
VnCoreNLP tokenization -> initial B/I tags from the lexicon -> correction by
the ripple-down rule tree -> syllables tagged I joined to the previous one
with ``_``.  Like RDRsegmenter's raw-string mode the whole line is one
sentence; ``split_sentences=True`` instead segments each sentence on its own,
as VnCoreNLP's full pipeline does.
"""

from __future__ import annotations

from operator import add

from ._initial import fast_initial_tags, token_codes
from ._lexicon import Lexicon, read_text
from ._nfc import to_nfc
from ._rdr import RuleTree
from ._sentences import sentence_ends
from ._tokenizer import split_whitespace, tokenize
from ._tones import normalize_tones

Token = tuple[int, int, str]
# What goes before a token, by its final tag, at a sentence start / inside.
_FIRST = {"B": " ", "I": " _"}
_NEXT = {"B": " ", "I": "_"}


class RDRSegmenter:
    """Reproduces RDRsegmenter's output; immutable, so one instance can serve all threads."""

    def __init__(self, lexicon: Lexicon, tree: RuleTree, *, split_sentences: bool = False) -> None:
        self._lexicon = lexicon
        self._tree = tree
        self._split_sentences = split_sentences

    @classmethod
    def load(cls, *, split_sentences: bool = False) -> "RDRSegmenter":
        """Build a segmenter from the bundled RDRsegmenter model and word lists."""
        return cls(Lexicon.load(), RuleTree(read_text("Model.RDR")), split_sentences=split_sentences)

    def segment_line(self, line: str) -> str:
        """``line`` segmented like RDRsegmenter: words joined by ``_``, separated by spaces."""
        text = normalize_tones(to_nfc(line)[0])
        tokens = tokenize(text)
        return "".join(map(add, self._separators(tokens, text), tokens))[1:]

    def segment_tokenized(self, line: str) -> str:
        """RDRsegmenter's tokenized-corpus mode: ``line`` is already tokenized by spaces."""
        text = normalize_tones(to_nfc(line)[0])
        tokens = split_whitespace(text)
        return "".join(map(add, self._separators(tokens, text), tokens))[1:]

    def tokenize_line(self, line: str) -> list[Token]:
        """``(start, end, form)`` per output word; ``line[start:end]`` is its original text."""
        nfc, starts, ends = to_nfc(line)
        text = normalize_tones(nfc)
        tokens = tokenize(text)
        words: list[Token] = []
        pos = 0
        for token, sep in zip(tokens, self._separators(tokens, text)):
            at = text.find(token, pos)
            pos = at + len(token)
            if sep[0] == " ":
                words.append((at, pos, sep[1:] + token))
            else:
                start, _, form = words[-1]
                words[-1] = (start, pos, form + sep + token)
        if starts is None or ends is None:
            return words
        return [(starts[a], ends[b - 1], form) for a, b, form in words]

    def _separators(self, tokens: list[str], text: str = "") -> list[str]:
        """What precedes each token in the output: ``" "``, ``"_"`` or ``" _"``.

        Every sentence's first token gets a leading space (so the output is
        the concatenation minus its first character); a first token tagged I
        keeps RDRsegmenter's leading underscore.
        """
        if not tokens:
            return []
        lowered = " ".join(tokens).lower().split(" ")
        codes = list(map(token_codes, tokens))
        if not self._split_sentences:
            tags = self._tags(tokens, lowered, codes)
            seps = list(map(_NEXT.__getitem__, tags))
            seps[0] = _FIRST[tags[0]]
            return seps
        seps = []
        begin = 0
        for end in sentence_ends(tokens):
            tags = self._tags(tokens[begin:end], lowered[begin:end], codes[begin:end])
            seps.append(_FIRST[tags[0]])
            seps.extend(map(_NEXT.__getitem__, tags[1:]))
            begin = end
        return seps

    def _tags(self, tokens: list[str], lowered: list[str], codes: list[int]) -> list[str]:
        """Final B/I tag of each token of one sentence."""
        return self._tree.retag(lowered, fast_initial_tags(tokens, lowered, codes, self._lexicon))
