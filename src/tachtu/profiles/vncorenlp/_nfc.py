"""NFC normalisation that remembers where each character came from.

VnCoreNLP does not normalise, so decomposed (NFD) Vietnamese falls apart:
its combining marks are not letters and every syllable becomes its own word.
We normalise to NFC first (a deliberate fix) and keep, for each NFC
character, the span of original characters it was composed from, so token
offsets still index the caller's string.
"""

from __future__ import annotations

import unicodedata

from ...normalize import compose_cluster


def to_nfc(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``(nfc, starts, ends)``; ``starts``/``ends`` are None when ``text`` is NFC.

    Otherwise ``text[starts[k]:ends[k]]`` is what NFC character ``k`` came from.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, None, None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    # Compose cluster by cluster (a starter and the marks that follow it), so
    # every NFC character belongs to exactly one original cluster.
    begin = 0
    for pos in range(1, len(text) + 1):
        if pos < len(text) and unicodedata.combining(text[pos]):
            continue
        composed = compose_cluster(text[begin:pos])  # linear even on a long run of marks
        pieces.append(composed)
        starts.extend([begin] * len(composed))
        ends.extend([pos] * len(composed))
        begin = pos
    return "".join(pieces), starts, ends
