"""``RDRSegmenter``: VnCoreNLP's word segmenter (raw-string mode) in pure Python.

Pipeline for one line: NFC (a fix, see ``_nfc``) -> tone normalisation ->
VnCoreNLP tokenization -> initial B/I tags from the lexicon -> correction by
the ripple-down rule tree -> syllables tagged I joined to the previous one
with ``_``.  Like RDRsegmenter's raw-string mode the whole line is one
sentence; ``split_sentences=True`` instead segments each sentence on its own,
as VnCoreNLP's full pipeline does.
"""

from __future__ import annotations

from functools import partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, ne, sub

from ._cache import Memo
from ._initial import initial_tags, token_code
from ._lexicon import Lexicon, read_text
from ._nfc import to_nfc
from ._rdr import RuleTree
from ._sentences import sentence_ends
from ._tokenizer import CHUNK_ADVANCES, CHUNK_TOKENS, single_spaced, split_whitespace, tokenize
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
        # Per distinct token: its lower-case form and its ``token_code``
        # (deterministic, bounded caches: see ``Memo``).
        self._lower = Memo(str.lower).__getitem__
        self._code = Memo(partial(token_code, rule_bits=tree.code_bits)).__getitem__

    @classmethod
    def load(cls, *, split_sentences: bool = False) -> "RDRSegmenter":
        """Build a segmenter from the bundled RDRsegmenter model and word lists."""
        return cls(Lexicon.load(), RuleTree(read_text("Model.RDR")), split_sentences=split_sentences)

    def segment_line(self, line: str) -> str:
        """``line`` segmented like RDRsegmenter: words joined by ``_``, separated by spaces."""
        tokens = tokenize(normalize_tones(to_nfc(line)[0]))
        return _joined(self._separators(tokens), tokens)[1:]

    def segment_tokenized(self, line: str) -> str:
        """RDRsegmenter's tokenized-corpus mode: ``line`` is already tokenized by spaces."""
        tokens = split_whitespace(normalize_tones(to_nfc(line)[0]))
        return _joined(self._separators(tokens), tokens)[1:]

    def tokenize_line(self, line: str) -> list[Token]:
        """``(start, end, form)`` per output word; ``line[start:end]`` is its original text."""
        nfc, starts, ends = to_nfc(line)
        text = normalize_tones(nfc)
        chunks = split_whitespace(text)
        tokens = list(chain.from_iterable(map(CHUNK_TOKENS.__getitem__, chunks)))
        if not tokens:
            return []
        seps = self._separators(tokens)
        forms = _joined(seps, tokens)[1:].split(" ")
        # Offset of each token in ``text`` (and one past the last).
        if single_spaced(text):
            at = list(accumulate(chain.from_iterable(map(CHUNK_ADVANCES.__getitem__, chunks)), initial=0))
        else:
            at = []
            pos = 0
            for token in tokens:
                pos = text.find(token, pos)
                at.append(pos)
                pos += len(token)
        # Indices of each word's first and last token.
        firsts = list(compress(range(len(tokens)), map(ne, seps, repeat("_"))))
        lasts = [*map(sub, islice(firsts, 1, None), repeat(1)), len(tokens) - 1]
        words = list(
            zip(
                map(at.__getitem__, firsts),
                map(add, map(at.__getitem__, lasts), map(len, map(tokens.__getitem__, lasts))),
                forms,
            )
        )
        if starts is None or ends is None:
            return words
        return [(starts[a], ends[b - 1], form) for a, b, form in words]

    def _separators(self, tokens: list[str]) -> list[str]:
        """What precedes each token in the output: ``" "``, ``"_"`` or ``" _"``.

        Every sentence's first token gets a leading space (so the output is
        the concatenation minus its first character); a first token tagged I
        keeps RDRsegmenter's leading underscore.
        """
        if not tokens:
            return []
        lowered = list(map(self._lower, tokens))
        codes = list(map(self._code, tokens))
        if not self._split_sentences:
            tags = self._tags(lowered, codes)
            seps = list(map(_NEXT.__getitem__, tags))
            seps[0] = _FIRST[tags[0]]
            return seps
        seps = []
        begin = 0
        for end in sentence_ends(tokens):
            tags = self._tags(lowered[begin:end], codes[begin:end])
            seps.append(_FIRST[tags[0]])
            seps.extend(map(_NEXT.__getitem__, tags[1:]))
            begin = end
        return seps

    def _tags(self, lowered: list[str], codes: list[int]) -> list[str]:
        """Final B/I tag of each token of one sentence."""
        return self._tree.retag(lowered, initial_tags(lowered, codes, self._lexicon), codes)


def _joined(seps: list[str], tokens: list[str]) -> str:
    """Each separator followed by its token, all concatenated."""
    parts = [""] * (2 * len(tokens))
    parts[::2] = seps
    parts[1::2] = tokens
    return "".join(parts)
