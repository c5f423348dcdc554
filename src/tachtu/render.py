"""Rendering: join decisions to words, as spans of the *original* line.

The pure-Python twin of ``model/_render.pxd``: a word is a run of joined
pieces; its span comes from the NFC offset map, so output keeps the input's
characters; its form has each inner whitespace run as one ``_`` (normalised
only when asked).
"""

from __future__ import annotations

import re
from typing import Sequence

from .normalize import Normalized, NormalizeMode, normalize_output
from .pretokenize import HARD_BREAKS, HARD_BREAK, Piece

_INNER_SPACE = re.compile(r"\s+")
_HARD_BREAKS = re.compile(f"[^{HARD_BREAKS}]+")  # what join_words drops from a gap

Word = tuple[str, int, int, str]  # (text, start, end, form), offsets into the line


def words(line: str, norm: Normalized, pieces: Sequence[Piece], joins: Sequence[bool],
          normalize: NormalizeMode = "none") -> list[Word]:
    """The words of ``line`` whose NFC copy ``norm`` has ``pieces`` and gap decisions ``joins``."""
    out: list[Word] = []
    start = 0
    for i in range(len(pieces)):
        if i < len(joins) and joins[i]:
            continue
        s, e = norm.span(pieces[start].start, pieces[i].end)
        if out and s < out[-1][2]:
            # NFC split one original cluster (base + marks) into two pieces:
            # both map to the whole cluster, so they are one word.
            s = out.pop()[1]
        word = line[s:e]
        form = _INNER_SPACE.sub("_", word)
        if normalize != "none":
            form = normalize_output(form, normalize)
        out.append((word, s, e, form))
        start = i + 1
    return out


def join_words(line: str, found: Sequence[Word]) -> str:
    """The segmented line: the forms of ``found`` separated by one space, or by the
    hard breaks (``pretokenize.HARD_BREAKS``) of the whitespace between them, so a
    paragraph separator survives and segmenting the output again splits there too."""
    if HARD_BREAK.search(line) is None:
        return " ".join(w[3] for w in found)
    parts: list[str] = []
    end = None
    for word in found:
        if end is not None:
            parts.append(_HARD_BREAKS.sub("", line[end : word[1]]) or " ")
        parts.append(word[3])
        end = word[2]
    return "".join(parts)
