"""Sentences of a text, split the way VnCoreNLP's server splits them.

VnCoreNLP's ``/handle`` tokenizes the whole posted text (newlines are just
whitespace to it), then cuts the token sequence into sentences.  This module
does the same with the vncorenlp profile's tokenizer and sentence splitter,
and also maps each sentence back to its span in the caller's string, so the
default profile can segment the same sentences from the original characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from ..profiles.vncorenlp._nfc import to_nfc
from ..profiles.vncorenlp._sentences import sentence_ends
from ..profiles.vncorenlp._tokenizer import CHUNK_TOKENS, split_whitespace
from ..profiles.vncorenlp._tones import normalize_tones


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text[start:end]`` in the original string, and its VnCoreNLP tokens.

    The tokens are NFC with RDRsegmenter's tone placement (what the vncorenlp
    profile segments); the span covers the original characters they came from.
    """

    start: int
    end: int
    tokens: tuple[str, ...]


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order; none for blank text."""
    nfc, starts, ends = to_nfc(text)
    norm = normalize_tones(nfc)  # keeps the length: offsets into ``norm`` are offsets into ``nfc``
    if not norm.strip():
        return []
    tokens = list(chain.from_iterable(CHUNK_TOKENS[chunk] for chunk in split_whitespace(norm) if chunk))
    # Where each token starts in ``norm``: tokens are its non-overlapping substrings, in order.
    at: list[int] = []
    pos = 0
    for token in tokens:
        pos = norm.find(token, pos)
        at.append(pos)
        pos += len(token)
    sentences: list[Sentence] = []
    begin = 0
    for end in sentence_ends(tokens):
        first, last = begin, end - 1
        s, e = at[first], at[last] + len(tokens[last])
        if starts is not None and ends is not None:
            s, e = starts[s], ends[e - 1]
        sentences.append(Sentence(s, e, tuple(tokens[first:end])))
        begin = end
    return sentences
