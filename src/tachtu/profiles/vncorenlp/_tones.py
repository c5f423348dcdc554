"""RDRsegmenter's tone-mark normalisation (new style -> old style placement).

RDRsegmenter rewrites these character pairs anywhere in a sentence before
segmenting, and its output keeps the rewritten forms.  Only the lower-case
pairs are rewritten, plus the single capitalised pair ``Ủy`` (so ``Hòa`` becomes
``Hoà`` but ``Òa`` stays).  The rewrite never changes the length of the text,
so offsets into the rewritten string are offsets into the original.  It is
idempotent: a rewritten pair is no pair, and makes none with its neighbours.
"""

from __future__ import annotations

import re

TONE_PAIRS: dict[str, str] = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ỏe": "oẻ",
    "õe": "oẽ",
    "ọe": "oẹ",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
    "Ủy": "Uỷ",
}
_PATTERN = re.compile("|".join(TONE_PAIRS))


def normalize_tones(text: str) -> str:
    """``text`` with every pair of ``TONE_PAIRS`` rewritten (NFC input)."""
    return _PATTERN.sub(lambda m: TONE_PAIRS[m.group()], text)
