"""``RDRSegmenter``: VnCoreNLP's word segmenter (raw-string mode) in pure Python.

Pipeline for one line: NFC (a fix, see ``_nfc``) -> tone normalisation ->
VnCoreNLP tokenization (these three once per distinct whitespace chunk) ->
initial B/I tags from the lexicon -> correction by the ripple-down rule tree
-> syllables tagged I joined to the previous one with ``_``.  Like
RDRsegmenter's raw-string mode the whole line is one sentence;
``split_sentences=True`` instead segments each sentence on its own, as
VnCoreNLP's full pipeline does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from itertools import accumulate, chain, compress, islice, repeat
from operator import add, sub

from ._cache import Memo
from ._initial import initial_tags, token_code
from ._lexicon import Lexicon, read_text
from ._nfc import to_nfc
from ._rdr import RuleTree
from ._sentences import sentence_ends
from ._token import TokenInfo
from ._tokenizer import CHUNK_ADVANCES, CHUNK_TOKENS, LONG_CHUNK, single_spaced, split_whitespace
from ._tones import normalize_tones

Token = tuple[int, int, str]


class RDRSegmenter:
    """Reproduces RDRsegmenter's output; immutable, so one instance can serve all threads."""

    def __init__(self, lexicon: Lexicon, tree: RuleTree, *, split_sentences: bool = False) -> None:
        self._lexicon = lexicon
        self._tree = tree
        self._split_sentences = split_sentences
        # Per distinct token its ``TokenInfo``, and per distinct whitespace
        # chunk those of its tokens (deterministic, bounded caches: see ``Memo``).
        self._info = Memo(partial(_token_info, lexicon=lexicon, tree=tree)).__getitem__
        self._chunk_infos = Memo(partial(_chunk_infos, info=self._info), max_key=LONG_CHUNK).__getitem__

    @classmethod
    def load(cls, *, split_sentences: bool = False) -> "RDRSegmenter":
        """Build a segmenter from the bundled RDRsegmenter model and word lists."""
        return cls(Lexicon.load(), RuleTree(read_text("Model.RDR")), split_sentences=split_sentences)

    def segment_line(self, line: str) -> str:
        """``line`` segmented like RDRsegmenter: words joined by ``_``, separated by spaces."""
        # NFC and tones are normalised per chunk (see ``_chunk_infos``).
        return self._segmented(list(chain.from_iterable(map(self._chunk_infos, split_whitespace(line)))))

    def segment_tokenized(self, line: str) -> str:
        """RDRsegmenter's tokenized-corpus mode: ``line`` is already tokenized by spaces."""
        return self._segmented(list(map(self._info, split_whitespace(normalize_tones(to_nfc(line)[0])))))

    def tokenize_line(self, line: str) -> list[Token]:
        """``(start, end, form)`` per output word; ``line[start:end]`` is its original text."""
        nfc, starts, ends = to_nfc(line)
        text = normalize_tones(nfc)
        chunks = split_whitespace(text)
        infos = list(chain.from_iterable(map(self._chunk_infos, chunks)))
        if not infos:
            return []
        tokens = [info.text for info in infos]
        pieces = self._pieces(infos)
        forms = "".join(pieces)[1:].split(" ")
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
        firsts = list(compress(range(len(tokens)), map(str.startswith, pieces, repeat(" "))))
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
        return _disjoint([(starts[a], ends[b - 1], form) for a, b, form in words])

    def _segmented(self, infos: list[TokenInfo]) -> str:
        """The output line for the tokens ``infos``."""
        return "".join(self._pieces(infos))[1:]

    def _pieces(self, infos: list[TokenInfo]) -> list[str]:
        """Each token's text preceded by ``" "``, ``"_"`` or ``" _"`` (see ``_sentence_pieces``)."""
        if not self._split_sentences:
            return _sentence_pieces(infos, self._tags(infos))
        pieces: list[str] = []
        begin = 0
        for end in sentence_ends([info.text for info in infos]):
            sentence = infos[begin:end]
            pieces += _sentence_pieces(sentence, self._tags(sentence))
            begin = end
        return pieces

    def _tags(self, infos: list[TokenInfo]) -> list[str]:
        """Final B/I tag of each token of one sentence."""
        return self._tree.retag(infos, initial_tags(infos, self._lexicon))


def _disjoint(words: list[Token]) -> list[Token]:
    """``words`` with each one that overlaps the one before merged into it.

    ``to_nfc`` gives the characters of a cluster their own spans, so a cluster
    cut between two words (``".\u0301a\u0300"``) no longer overlaps; only one
    original character that NFC makes two of (U+0958 is क + ◌़) can still be cut,
    and both words then span it: they become one, so spans never overlap.
    """
    out: list[Token] = []
    for word in words:
        if out and word[0] < out[-1][1]:
            start, end, form = out.pop()
            word = (start, max(end, word[1]), form + word[2])
        out.append(word)
    return out


def _token_info(token: str, lexicon: Lexicon, tree: RuleTree) -> TokenInfo:
    """What tagging consults about ``token`` (see ``TokenInfo``)."""
    lower = sys.intern(token.lower())
    return TokenInfo(token, lower, token_code(token, tree.code_bits), lexicon.pairs.get(lower), tree.group(lower))


def _chunk_infos(chunk: str, info: Callable[[str], TokenInfo]) -> tuple[TokenInfo, ...]:
    """The ``TokenInfo`` of each token of a whitespace-free chunk, NFC and tones normalised.

    Neither normalisation acts across whitespace (``to_nfc`` composes a
    character with the marks after it, whitespace never composes and NFC
    never makes or removes the whitespace the line is split on; a tone pair
    is two letters), so normalising each chunk is normalising the line, and
    done here it costs once per distinct chunk instead of two scans of every
    line.  Both are idempotent, so an already normalised chunk
    (``tokenize_line`` passes those) gives the same tokens.
    """
    return tuple(map(info, CHUNK_TOKENS[normalize_tones(to_nfc(chunk)[0])]))


def _sentence_pieces(infos: list[TokenInfo], tags: list[str]) -> list[str]:
    """The output of one sentence, token by token: ``"_"`` before a token tagged I, else ``" "``.

    The first token also gets a leading space (so the output is the
    concatenation minus its first character); tagged I, it keeps
    RDRsegmenter's leading underscore.
    """
    pieces = []
    for k in range(len(infos)):
        info = infos[k]
        pieces.append(info.glued if tags[k] == "I" else info.spaced)
    if pieces and tags[0] == "I":
        pieces[0] = " " + pieces[0]
    return pieces
