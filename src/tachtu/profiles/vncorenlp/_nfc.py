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

# Starters whose decomposition begins with a mark (Tibetan vowel signs): NFC can
# reorder them with the marks before, so they continue a cluster.
_STARTS_WITH_MARK = frozenset("\u0f73\u0f75\u0f81")


def to_nfc(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``(nfc, starts, ends)``; ``starts``/``ends`` are None when ``text`` is NFC.

    Otherwise ``text[starts[k]:ends[k]]`` is what NFC character ``k`` came from.
    A cluster that stays several characters (``".\u0301"``, or a letter with a
    mark that does not compose) gives its first character what it was composed
    from and each later one (a mark left as it was) one of the last original
    characters, so when the tokenizer cuts such a cluster between two words,
    their spans still do not overlap.
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
        if pos < len(text) and (unicodedata.combining(text[pos]) or text[pos] in _STARTS_WITH_MARK):
            continue
        composed = compose_cluster(text[begin:pos])  # linear even on a long run of marks
        pieces.append(composed)
        extra = len(composed) - 1  # characters after the first
        if extra >= pos - begin:  # NFC made it longer (U+0344 is two marks)
            _map_longer(text, begin, pos, composed, starts, ends)
        elif extra == 0:
            starts.append(begin)
            ends.append(pos)
        else:
            starts.append(begin)
            ends.append(pos - extra)
            starts.extend(range(pos - extra, pos))
            ends.extend(range(pos - extra + 1, pos + 1))
        begin = pos
    return "".join(pieces), starts, ends


def _map_longer(text: str, begin: int, end: int, composed: str, starts: list[int], ends: list[int]) -> None:
    """Offsets of a cluster that NFC made longer: per original character when
    nothing composes across characters (each NFC character then comes from
    exactly one of them), else the whole cluster for every character."""
    parts = [compose_cluster(ch) for ch in text[begin:end]]
    if "".join(parts) != composed:
        starts.extend([begin] * len(composed))
        ends.extend([end] * len(composed))
        return
    for k, part in enumerate(parts):
        starts.extend([begin + k] * len(part))
        ends.extend([begin + k + 1] * len(part))
