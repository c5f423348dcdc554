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

from ._lexicon import Lexicon

MAX_WORD = 4  # syllables in the longest dictionary word or name considered


def is_letters(token: str) -> bool:
    """Every UTF-16 unit is a letter, as Java's ``chars().allMatch(isLetter)``."""
    return token.isalpha() and (token.isascii() or all(c < "\U00010000" for c in token))


def initial_tags(tokens: list[str], lowered: list[str], lex: Lexicon) -> list[str]:
    """Initial ``"B"``/``"I"`` tag of each token (``lowered`` = tokens lower-cased)."""
    n = len(tokens)
    tags: list[str] = []
    words = lex.words
    i = 0
    while i < n:
        token = tokens[i]
        if not is_letters(token):
            tags.append("B")
            i += 1
            continue
        first = token[0]
        if first.islower() and i + 1 < n and tokens[i + 1][:1].isupper():
            tags.append("B")
            i += 1
            continue
        end = _longest_word(lowered, i, min(i + MAX_WORD, n), words)
        if end:
            tags.append("B")
            tags.extend("I" * (end - i - 1))
            i = end
            continue
        low = lowered[i]
        if first.islower() or low in lex.not_name_starts or all(c.isupper() for c in token):
            tags.append("B")
            i += 1
            continue
        end = i + 1
        limit = min(i + MAX_WORD, n)
        while end < limit:
            nxt = tokens[end]
            if nxt[0].islower() or not is_letters(nxt) or nxt in ("LBKT", "RBKT"):
                break
            end += 1
        if (
            end > i + 1
            and low in lex.middle_names
            and i > 0
            and tokens[i - 1][:1].isupper()
            and lowered[i - 1] in lex.family_names
        ):
            tags.append("I")
        else:
            tags.append("B")
        tags.extend("I" * (end - i - 1))
        i = end
    return tags


def _longest_word(lowered: list[str], i: int, limit: int, words: frozenset[str]) -> int:
    """End index of the longest multi-syllable lexicon word at ``i``, or 0."""
    for end in range(limit, i + 1, -1):
        if " ".join(lowered[i:end]) in words:
            return end
    return 0
