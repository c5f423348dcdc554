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
from operator import or_

from ._lexicon import MAX_WORD, Lexicon


# Per-token facts the tagger consults, as bits of one code (``token_code``).
LETTERS = 1  # all letters, as Java's ``chars().allMatch(isLetter)``
LOWER = 2  # all letters and the first is lower-case
UPPER = 4  # the first character is upper-case (letters or not)
ALL_UPPER = 8  # every character is upper-case
BRACKET = 16  # ``LBKT`` or ``RBKT``
# Bits about the lower-cased token that ``RuleTree`` sets (see ``RuleTree.code_bits``).
PREV_WORD = 32
NEXT_WORD = 64


def token_code(token: str, rule_bits: dict[str, int]) -> int:
    """The code of one non-empty token (see ``LETTERS`` ...).

    Java looks at UTF-16 units, so a letter outside the BMP is not a letter.
    """
    code = rule_bits.get(token.lower(), 0)
    if token.isalpha() and max(token) < "\U00010000":
        code |= LETTERS | (LOWER if token[0].islower() else 0)
    if token[0].isupper():
        code |= UPPER
    if all(c.isupper() for c in token):
        code |= ALL_UPPER
    if token in ("LBKT", "RBKT"):
        code |= BRACKET
    return code


_EMPTY: dict[str, int] = {}


def initial_tags(lowered: list[str], codes: list[int], lex: Lexicon) -> list[str]:
    """Initial ``"B"``/``"I"`` tag of each token of one sentence.

    ``lowered`` holds the tokens lower-cased, ``codes`` their ``token_code``.
    Only the positions where the greedy scan can do more than leave a "B" are
    visited: capitalised letter tokens, and lower-case ones whose pair with
    the next token starts a lexicon entry (next token not capitalised).  The
    last token never does more (a word or a name needs two tokens).
    """
    n = len(lowered)
    tags = ["B"] * n
    if n < 2:
        return tags
    # pairs[i]: the lexicon code (see ``Lexicon.pairs``) of tokens i, i + 1, or 0.
    pairs = list(map(dict.get, map(lex.pairs.get, lowered, repeat(_EMPTY)), islice(lowered, 1, None), repeat(0)))
    # Capitalised letter tokens, and pairs that start an entry.  (A pair of
    # a lower-case token and a capitalised one, or of a token that is not
    # all letters, is skipped in the loop.)
    look = map(or_, pairs, bytes(codes).translate(_CAPITALISED))
    words = lex.words
    i = 0
    for j in compress(range(n - 1), look):
        if j < i:
            continue  # inside the word or name just formed
        i = j
        code = codes[i]
        pair = pairs[i]
        if pair and code & LETTERS:
            if code & LOWER and codes[i + 1] & UPPER:
                i += 1
                continue
            if pair == 5:  # the pair is an entry and no longer one starts so
                tags[i + 1] = "I"
                i += 2
                continue
            # Longest lexicon entry of 2 to MAX_WORD syllables starting here.
            end = i + (pair >> 1)
            if end > n:
                end = n
            while end > i + 2 and " ".join(lowered[i:end]) not in words:
                end -= 1
            if end > i + 2 or pair & 1:
                tags[i + 1 : end] = _INSIDE[end - i - 1]
                i = end
                continue
        elif not code & LETTERS:
            i += 1
            continue
        low = lowered[i]
        if code & (LOWER | ALL_UPPER) or low in lex.not_name_starts:
            i += 1
            continue
        # A name: this and the following capitalised letter tokens.
        end = i + 1
        limit = min(i + MAX_WORD, n)
        while end < limit and codes[end] & (LETTERS | LOWER | BRACKET) == LETTERS:
            end += 1
        if end == i + 1:
            i += 1
            continue
        if i > 0 and codes[i - 1] & UPPER and low in lex.middle_names:
            if lowered[i - 1] in lex.family_names:
                tags[i] = "I"
        tags[i + 1 : end] = _INSIDE[end - i - 1]
        i = end
    return tags


_INSIDE = [["I"] * k for k in range(MAX_WORD)]
# code -> 1 for a capitalised letter token (all letters, first not lower-case).
_CAPITALISED = bytes(int(c & (LETTERS | LOWER) == LETTERS) for c in range(256))
