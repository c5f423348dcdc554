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

from ._lexicon import MAX_WORD, Lexicon
from ._token import TokenInfo


# Per-token facts the tagger consults, as bits of one code (``token_code``).
LETTERS = 1  # all letters, as Java's ``chars().allMatch(isLetter)``
LOWER = 2  # all letters and the first is lower-case
UPPER = 4  # the first character is upper-case (letters or not)
ALL_UPPER = 8  # every character is upper-case
BRACKET = 16  # ``LBKT`` or ``RBKT``
# The higher bits (32, 64) are facts about the lower-cased token that
# ``RuleTree`` sets (see ``RuleTree.code_bits``).


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


def initial_tags(tokens: list[TokenInfo], lex: Lexicon) -> list[str]:
    """Initial ``"B"``/``"I"`` tag of each token of one sentence.

    One explicit scan (typed C under Cython, see ``_initial.pxd``): a lexicon
    pair is looked up only where the scan lands on a letter token that
    starts some pair, never inside a word just formed.  The last token never
    does more than stay a "B" (a word or a name needs two tokens).
    """
    n = len(tokens)
    tags = ["B"] * n
    long_words = lex.long_words
    i = 0
    while i < n - 1:
        token = tokens[i]
        code = token.code
        if not code & LETTERS:
            i += 1
            continue
        following = tokens[i + 1]
        # The lexicon code (see ``Lexicon.pairs``) of this token and the next.
        pair = 0 if token.seconds is None else token.seconds.get(following.lower, 0)
        # A lower-case syllable before a capitalised token stays alone.
        if pair and not (code & LOWER and following.code & UPPER):
            if pair == 5:  # the pair is an entry and no longer one starts so
                tags[i + 1] = "I"
                i += 2
                continue
            # Longest lexicon entry of 2 to MAX_WORD syllables starting here.
            end = i + (pair >> 1)
            if end > n:
                end = n
            while end > i + 2 and " ".join([t.lower for t in tokens[i:end]]) not in long_words:
                end -= 1
            if end > i + 2 or pair & 1:
                tags[i + 1 : end] = _INSIDE[end - i - 1]
                i = end
                continue
        if code & (LOWER | ALL_UPPER) or token.lower in lex.not_name_starts:
            i += 1
            continue
        # A name: this and the following capitalised letter tokens.
        end = i + 1
        limit = min(i + MAX_WORD, n)
        while end < limit and tokens[end].code & (LETTERS | LOWER | BRACKET) == LETTERS:
            end += 1
        if end == i + 1:
            i += 1
            continue
        if i > 0 and tokens[i - 1].code & UPPER and token.lower in lex.middle_names:
            if tokens[i - 1].lower in lex.family_names:
                tags[i] = "I"
        tags[i + 1 : end] = _INSIDE[end - i - 1]
        i = end
    return tags


_INSIDE = [["I"] * k for k in range(MAX_WORD)]
