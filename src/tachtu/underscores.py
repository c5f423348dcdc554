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
from typing import Callable, Iterable

from .model.features import joinable
from .normalize import NormalizeMode, normalize_output, to_nfc
from .pretokenize import CROSSES_SPACE, chunk_pieces, pretokenize
from .render import Word

_INNER_SPACE = re.compile(r"\s+")


_UNDERSCORE_CHUNK = re.compile(r"\S*_\S*")


def underscore_spans(line: str) -> list[tuple[int, int]]:
    """Spans (in ``line``) of the pieces holding a ``_``, in order, merged where they touch.

    Only the whitespace-free chunks holding a ``_`` are pretokenized (no piece
    crosses whitespace but a spaced number, and then the whole line is)."""
    norm = to_nfc(line)
    text = norm.text
    if CROSSES_SPACE.search(text) is not None:
        found: Iterable[tuple[int, int]] = ((p.start, p.end) for p in pretokenize(text))
    else:
        found = (
            (s, e) for m in _UNDERSCORE_CHUNK.finditer(text) for s, e, _ in chunk_pieces(text, *m.span()) or ()
        )
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if "_" in text[start:end]:
            s, e = norm.span(start, end)
            if spans and s <= spans[-1][1]:
                s = spans.pop()[0]
            spans.append((s, e))
    return spans


def tokenize_with_underscores(line: str, tokenize_line: Callable[[str], list[Word]],
                              normalize: NormalizeMode = "none") -> list[Word]:
    """The words of ``line`` (which holds a ``_``), scored by ``tokenize_line`` on
    the copy with spaces for ``_``; every piece holding a ``_`` is one word.

    One pass over the words of the copy and the spans in order: a word that
    touches no span is kept as it is, a span is emitted where it is first
    reached, and what is left of a word cut at a span's edge is split as it
    reads alone (``_standalone``)."""
    spans = underscore_spans(line)
    found = tokenize_line(line.replace("_", " "))
    if not spans:
        return found
    out: list[Word] = []
    n = len(spans)
    emitted = 0  # spans[:emitted] are in ``out``

    def emit_span(k: int) -> None:
        s, e = spans[k]
        out.append(_word(line, s, e, normalize))

    for word in found:
        s, e = word[1], word[2]
        while emitted < n and spans[emitted][1] <= s:
            emit_span(emitted)
            emitted += 1
        k = emitted - 1 if emitted and spans[emitted - 1][1] > s else emitted
        if k >= n or spans[k][0] >= e:
            out.append(word)  # touches no span
            continue
        pos = s
        while k < n and spans[k][0] < e:
            a, b = spans[k]
            if pos < a:
                out.extend(_standalone(line, pos, a, normalize))
            if k >= emitted:
                emit_span(k)
                emitted = k + 1
            pos = max(pos, b)
            k += 1
        if pos < e:
            out.extend(_standalone(line, pos, e, normalize))
    for k in range(emitted, n):
        emit_span(k)
    return out


def _word(line: str, s: int, e: int, normalize: NormalizeMode) -> Word:
    """The word ``line[s:e]`` (no whitespace at its ends) with its form."""
    text = line[s:e]
    form = _INNER_SPACE.sub("_", text)
    if normalize != "none":
        form = normalize_output(form, normalize)
    return (text, s, e, form)


def _standalone(line: str, s: int, e: int, normalize: NormalizeMode) -> list[Word]:
    """What is left of a word cut at the edge of a piece holding a ``_``, as it reads alone.

    A word of the copy can run into such a piece (``_=))`` reads ``=))`` there);
    the output writes what is left apart (``_= ))``), and segmenting that again
    reads it alone (``))``: two pieces).  So it is split the same way here: into
    its pieces, those written together that may join kept as one word (as
    ``backends.layout_joins`` does)."""
    text = line[s:e]
    norm = to_nfc(text)
    pieces = pretokenize(norm.text)
    out: list[Word] = []
    first = 0
    for i, piece in enumerate(pieces):
        after = pieces[i + 1] if i + 1 < len(pieces) else None
        if after is not None and not after.space_before and joinable(piece.kind, after.kind, True):
            continue
        a, b = norm.span(pieces[first].start, piece.end)
        out.append(_word(line, s + a, s + b, normalize))
        first = i + 1
    return out
