"""What the tagger consults about one distinct token, gathered once.

Text holds few distinct tokens (a few thousand per megabyte), so the
segmenter memoizes one ``TokenInfo`` per distinct token (and a tuple of them
per whitespace chunk).  Tagging then reads fields instead of doing one
dictionary lookup per fact and occurrence (lower case, code, lexicon pairs,
rule group): those lookups were most of the tagging time.  In the compiled
build the class is a C struct (see ``_token.pxd``).
"""

from __future__ import annotations


class TokenInfo:
    """One distinct token and the facts about it that tagging consults."""

    __slots__ = ("text", "spaced", "glued", "lower", "code", "seconds", "group")

    def __init__(
        self,
        text: str,
        lower: str,
        code: int,
        seconds: dict[str, int] | None,
        group: dict[str, object] | None,
    ) -> None:
        self.text = text  # the token as it is in the text
        # Its output after a word boundary / inside a word.
        self.spaced = " " + text
        self.glued = "_" + text
        # Lower-cased and interned, as the lexicon's and the rules' words
        # are, so dictionary lookups mostly succeed on identity.
        self.lower = lower
        self.code = code  # ``_initial.token_code``
        self.seconds = seconds  # ``Lexicon.pairs[lower]``, None if absent
        self.group = group  # ``RuleTree.group(lower)``, None if absent
