"""RDRsegmenter's initial segmentation: a B/I tag per token before the rules run.

Left to right over the tokens of one sentence:

* a token that is not purely letters is a word of its own;
* a lower-case syllable directly followed by a capitalised token stays alone
  (so ``tp`` in ``tp HCM`` is not glued to a dictionary word);
* otherwise the longest lexicon word of 2 to 4 syllables starting here wins
  (lexicon = VnVocab + VN locations + long country names, compared lower-case);
* a single syllable that is lower-case, all capitals, a sentence-initial word,
  a short country name or a company name stays alone;
* any other capitalised syllable starts a name that takes in the following
  capitalised, purely alphabetic tokens (at most 4 syllables in all, never the
  bracket tokens ``LBKT``/``RBKT``).  A middle name right after a capitalised
  family name continues that family name's word.
"""

from __future__ import annotations

from itertools import compress, islice, repeat
from operator import add

from ._lexicon import Lexicon

MAX_WORD = 4  # syllables in the longest dictionary word or name considered


def letter_flags(tokens: list[str], text: str) -> list[bool]:
    """Whether each token is all letters, as Java's ``chars().allMatch(isLetter)``.

    Java looks at UTF-16 units, so a letter outside the BMP is not a letter.
    """
    if text.isascii() or max(text) < "\U00010000":
        return [t.isalpha() for t in tokens]
    return [t.isalpha() and max(t) < "\U00010000" for t in tokens]


def initial_tags(tokens: list[str], lowered: list[str], letters: list[bool], lex: Lexicon) -> list[str]:
    """Initial ``"B"``/``"I"`` tag of each token.

    ``lowered`` holds the tokens lower-cased, ``letters`` their ``letter_flags``.
    """
    n = len(tokens)
    tags = ["B"] * n
    words = lex.words
    starts = lex.word_starts
    i = 0
    while i < n:
        if not letters[i]:
            i += 1
            continue
        token = tokens[i]
        lower = token[0].islower()
        if i + 1 < n:
            if lower and tokens[i + 1][:1].isupper():
                i += 1
                continue
            if lowered[i] + " " + lowered[i + 1] in starts:
                end = min(i + MAX_WORD, n)
                while end > i + 1 and " ".join(lowered[i:end]) not in words:
                    end -= 1
                if end > i + 1:
                    tags[i + 1 : end] = ["I"] * (end - i - 1)
                    i = end
                    continue
        low = lowered[i]
        if lower or low in lex.not_name_starts or all(c.isupper() for c in token):
            i += 1
            continue
        end = i + 1
        limit = min(i + MAX_WORD, n)
        while end < limit and letters[end] and not tokens[end][0].islower():
            if tokens[end] in ("LBKT", "RBKT"):
                break
            end += 1
        if end == i + 1:
            i += 1
            continue
        if i > 0 and low in lex.middle_names and tokens[i - 1][:1].isupper():
            if lowered[i - 1] in lex.family_names:
                tags[i] = "I"
        tags[i + 1 : end] = ["I"] * (end - i - 1)
        i = end
    return tags


# Per-token facts ``initial_tags`` consults, as bits of one code.
LETTERS = 1  # all letters, as ``letter_flags``
LOWER = 2  # all letters and the first is lower-case
UPPER = 4  # the first character is upper-case (letters or not)
ALL_UPPER = 8  # every character is upper-case
BRACKET = 16  # ``LBKT`` or ``RBKT``


def token_code(token: str) -> int:
    """The code of one non-empty token (see ``LETTERS`` ...)."""
    code = 0
    if token.isalpha() and max(token) < "\U00010000":
        code = LETTERS | (LOWER if token[0].islower() else 0)
    if token[0].isupper():
        code |= UPPER
    if all(c.isupper() for c in token):
        code |= ALL_UPPER
    if token in ("LBKT", "RBKT"):
        code |= BRACKET
    return code


class _CodeCache(dict):  # type: ignore[type-arg]
    """token -> ``token_code(token)``; deterministic values, bounded size."""

    def __missing__(self, token: str) -> int:
        code = token_code(token)
        if len(token) <= 64:
            if len(self) >= CACHE_SIZE:
                self.clear()
            self[token] = code
        return code


CACHE_SIZE = 1 << 17
token_codes = _CodeCache().__getitem__


def fast_initial_tags(tokens: list[str], lowered: list[str], codes: list[int], lex: Lexicon) -> list[str]:
    """``initial_tags`` with ``codes`` = the ``token_code`` of each token.

    Only the positions where the greedy scan can do more than leave a "B" are
    visited: capitalised letter tokens, and lower-case ones whose pair with
    the next token starts a lexicon entry (next token not capitalised).  The
    last token is never such a position (a word or name needs two tokens).
    """
    n = len(tokens)
    tags = ["B"] * n
    if n < 2:
        return tags
    bigrams = list(map(add, map(add, lowered, repeat(" ")), islice(lowered, 1, None)))
    lengths = list(map(lex.start_lengths.get, bigrams))
    look = [
        c & 3 == LETTERS or (c & LOWER and length is not None and not d & UPPER)
        for c, length, d in zip(codes, lengths, islice(codes, 1, None))
    ]
    words = lex.words
    i = 0
    for j in compress(range(n - 1), look):
        if j < i:
            continue  # inside the word or name just formed
        i = j
        length = lengths[i]
        if length is not None:
            if length == 2:
                end = i + 2 if bigrams[i] in words else i
            else:
                end = min(i + min(length, MAX_WORD), n)
                while end > i + 2 and " ".join(lowered[i:end]) not in words:
                    end -= 1
                if end == i + 2 and bigrams[i] not in words:
                    end = i
            if end > i + 1:
                tags[i + 1 : end] = ["I"] * (end - i - 1)
                i = end
                continue
        code = codes[i]
        low = lowered[i]
        if code & LOWER or code & ALL_UPPER or low in lex.not_name_starts:
            i += 1
            continue
        end = i + 1
        limit = min(i + MAX_WORD, n)
        while end < limit and codes[end] & 3 == LETTERS and not codes[end] & BRACKET:
            end += 1
        if end == i + 1:
            i += 1
            continue
        if i > 0 and codes[i - 1] & UPPER and low in lex.middle_names:
            if lowered[i - 1] in lex.family_names:
                tags[i] = "I"
        tags[i + 1 : end] = ["I"] * (end - i - 1)
        i = end
    return tags
