"""VnCoreNLP's sentence splitting of a token sequence.

RDRsegmenter segments each sentence on its own, so sentence boundaries matter
for the output: words never span them and the rule window stops at them.
A sentence ends after:

* a colon followed by a digit token and then ``.``, or followed two tokens
  later by ``,``;
* an end punctuation token (``.``, ``...``, ``?``, ``!``, ``…``) unless the
  next token is a closing bracket or quote, ``,``, or starts with a lower-case
  letter or a digit; unless a ``"`` follows while an odd number of ``"`` are
  open in the sentence; and unless it is the ``.`` of an item number at the
  start of a sentence (``1 .``, ``a .``, ``A .``).
"""

from __future__ import annotations

import re

_END = re.compile(r"\.+|\?|!|…")
_CLOSERS = frozenset(("”", "\ufffd", "'", ")", "}", "]"))
_QUOTES = frozenset(('"', "''"))


def sentence_ends(tokens: list[str]) -> list[int]:
    """Exclusive end index of each sentence in ``tokens`` (last one = len)."""
    ends: list[int] = []
    n = len(tokens)
    start = 0
    quotes = 0  # quote tokens in the current sentence so far
    for i in range(n - 1):
        token = tokens[i]
        if token in _QUOTES:
            quotes += 1
        nxt = tokens[i + 1]
        if token == ":" and i < n - 2:
            after = tokens[i + 2]
            if (nxt[0].isdecimal() and after == ".") or after == ",":
                ends.append(i + 1)
                start, quotes = i + 1, 0
                continue
        if not _END.fullmatch(token):
            continue
        if nxt in _QUOTES and quotes % 2 == 1:
            continue
        if nxt in _CLOSERS or nxt == "," or nxt[0].islower() or nxt[0].isdecimal():
            continue
        if i - start == 1 and token == ".":
            before = tokens[i - 1][0]
            if before.isdecimal() or before.islower() or (before.isupper() and len(tokens[i - 1]) == 1):
                continue
        ends.append(i + 1)
        start, quotes = i + 1, 0
    if n:
        ends.append(n)
    return ends
