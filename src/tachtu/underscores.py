"""Lines holding a literal ``_``: why they are scored as if each ``_`` were a space.

A word tachtu joins is written with ``_`` (``cung_cấp``), and a piece holding a
``_`` is kept whole and never joined.  Segmenting tachtu's own output again
must give it back unchanged (``segment(segment(x)) == segment(x)``), but the
model scores each gap from the pieces around it: seen as one opaque piece,
``cung_cấp`` would change the scores of its neighbours' gaps (``nước lạnh``
next to it was joined on the second pass of 4.7% of news lines).

So a line with a ``_`` is scored on a copy in which every ``_`` is a space:
the model sees exactly the pieces of the first pass (every ``_`` of the
output stands where whitespace was), and each gap gets the score it had
then.  The words are then cut at the edges of every piece holding a ``_``
in the real line, and each such piece is one word of its own.  A user's own
``snake_case`` is scored the same way on the first pass, so both passes agree
there too.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Callable

from .model.features import joinable
from .normalize import NormalizeMode, normalize_output, to_nfc
from .pretokenize import pretokenize
from .render import Word

_INNER_SPACE = re.compile(r"\s+")


def underscore_spans(line: str) -> list[tuple[int, int]]:
    """Spans (in ``line``) of the pieces holding a ``_``, in order, merged where they touch."""
    norm = to_nfc(line)
    text = norm.text
    spans: list[tuple[int, int]] = []
    for p in pretokenize(text):
        if "_" in text[p.start : p.end]:
            s, e = norm.span(p.start, p.end)
            if spans and s <= spans[-1][1]:
                s = spans.pop()[0]
            spans.append((s, e))
    return spans


def tokenize_with_underscores(line: str, tokenize_line: Callable[[str], list[Word]],
                              normalize: NormalizeMode = "none") -> list[Word]:
    """The words of ``line`` (which holds a ``_``), scored by ``tokenize_line`` on
    the copy with spaces for ``_``; every piece holding a ``_`` is one word."""
    spans = underscore_spans(line)
    found = tokenize_line(line.replace("_", " "))
    if not spans:
        return found
    bounds = sorted({b for span in spans for b in span})
    span_starts = [s for s, _ in spans]
    parts: set[tuple[int, int]] = set(spans)
    cut_parts: set[tuple[int, int]] = set()  # what is left of a word cut at a span's edge
    for _, s, e, _ in found:
        cuts = bounds[bisect_right(bounds, s) : bisect_left(bounds, e)]
        for cut in cuts:
            parts.add((s, cut))
            cut_parts.add((s, cut))
            s = cut
        parts.add((s, e))
        if cuts:
            cut_parts.add((s, e))
    out: list[Word] = []
    for s, e in sorted(_standalone(line, parts, cut_parts)):
        k = bisect_right(span_starts, s) - 1
        if k >= 0 and spans[k][1] >= e and (s, e) != spans[k]:
            continue  # inside a piece holding a "_": that piece is the word
        word = line[s:e]
        stripped = word.strip()
        if not stripped:
            continue
        s += len(word) - len(word.lstrip())
        e = s + len(stripped)
        form = _INNER_SPACE.sub("_", stripped)
        if normalize != "none":
            form = normalize_output(form, normalize)
        out.append((stripped, s, e, form))
    return out


def _standalone(line: str, parts: set[tuple[int, int]], cut_parts: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """``parts``, each cut part without whitespace split as it is read on its own.

    A word of the copy can run into a piece holding a ``_`` (``_=))`` reads
    ``=))`` there); cut at the piece's edge, what is left is written apart in the
    output, and read again alone (``))``: two pieces).  So it is split the same
    way here: into its pieces, those written together that may join kept as one
    word (as ``backends.layout_joins`` does)."""
    out = parts - cut_parts
    for s, e in cut_parts:
        text = line[s:e]
        if any(ch.isspace() for ch in text):
            out.add((s, e))
            continue
        norm = to_nfc(text)
        pieces = pretokenize(norm.text)
        first = 0
        for i, piece in enumerate(pieces):
            if i + 1 < len(pieces) and joinable(piece.kind, pieces[i + 1].kind, True):
                continue
            a, b = norm.span(pieces[first].start, piece.end)
            out.add((s + a, s + b))
            first = i + 1
    return out
