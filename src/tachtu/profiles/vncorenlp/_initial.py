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
