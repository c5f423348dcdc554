"""Deterministic rules for the pieces the model must never break or join.

One compiled regular expression splits a line into pieces (syllables, numbers,
dates, URLs, codes, punctuation …).  Each alternative is a named, commented
fragment; the first that matches at a position wins, so the order below is the
priority.  Pieces concatenate back to the line minus its whitespace: nothing is
dropped, and any character no rule knows becomes a piece of its own.

The conventions follow the VLSP 2013 word-segmentation data: ``50.000``,
``1,5``, ``21/3/2024``, ``1-7-2004``, ``10:30``, URLs, e-mails and codes such as
``F-16`` or ``29A-123.45`` are one piece; ``10%`` is ``10`` + ``%``; ``TP.``
keeps its dot.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import NamedTuple


class Kind(IntEnum):
    """What a piece is; punctuation and literal-underscore pieces are never joined."""

    WORD = 0  # letters (a syllable, or a foreign word), maybe hyphenated / with apostrophe
    NUMBER = 1  # numbers, dates, times
    PUNCT = 2  # punctuation and symbols: always a word of its own
    LOCKED = 3  # URLs, e-mails, codes, abbreviations
    UNDERSCORE = 4  # text with a literal "_": kept whole and never joined (see README)


class Piece(NamedTuple):
    start: int
    end: int
    kind: Kind
    space_before: bool  # whitespace separates it from the previous piece


_LETTER = r"[^\W\d_]"
_WORD = rf"{_LETTER}+"
# Title abbreviations seen in Vietnamese news (TP. = thành phố, PGS. = phó giáo sư …).
_ABBR_WORDS = (
    "TP|Tp|TT|TX|Q|P|H|PGS|GS|TS|ThS|Ths|BS|KS|CN|NXB|ĐH|THPT|THCS|Mr|Mrs|Ms|Dr|St|Th|ThS|TS\\.BS|Jr|Co|Ltd|Inc|Corp|No|tr"
)

# Emoji presentation characters outside the supplementary planes (Unicode's emoji-data list,
# abridged to ranges); unlike a blanket U+2000-U+3299 range it contains no space or CJK punctuation.
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001F000-\U0001FAFF"
)

# The only piece that may contain whitespace (see CROSSES_SPACE).
_SPACED_NUMBER = r"(?<![\d.,])\d{1,3}(?: \. \d{3})+(?![\d.,])"

_FRAGMENTS: list[tuple[str, str]] = [
    # A token the user already joined with "_" (or any literal "_"): kept whole.
    ("UNDERSCORE", r"(?<![\w.\-])[\w.\-]*_[\w.\-_]*"),
    # URLs with a scheme or www., up to the last character that is not closing punctuation.
    ("URL", r"(?:(?:https?|ftp)://|www\.)[^\s<>\"“”]*[^\s<>\"“”.,;:!?)\]}'’]"),
    # E-mail addresses (RFC 5322 simplified: local@domain.tld).
    ("EMAIL", r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    # Bare domains: vnexpress.net, chinhphu.vn/portal.
    ("DOMAIN", r"(?<![\w.\-])(?:[A-Za-z0-9\-]+\.)+(?:com|net|org|vn|gov|edu|info|io|biz)(?![\w])(?:/[^\s<>\"“”]*[^\s<>\"“”.,;:!?)\]}'’])?"),
    # Hashtags and mentions.
    ("TAG", r"[#@]\w+"),
    # Codes mixing letters and digits, with hyphens or dots: F-16, COVID-19, 29A-123.45, U23, 3G.
    ("CODE", r"(?<![\w\-.])(?=[\w\-.]*\d)(?=[\w\-.]*[^\W\d_])\w+(?:[\-.]\w+)*(?<![.\-])"),
    # Thousands written by a tokenizer that spaced the dots (UD VTB: "10 . 000"): one number.
    ("SPACED_NUMBER", _SPACED_NUMBER),
    # Numbers, dates and times: 33.000  1,5  21/3/2024  1-7-2004  10:30; a sign only at a piece start.
    ("NUMBER", r"(?:(?<![\w\-])[\-+−](?=\d))?\d+(?:[.,:/\-]\d+)*"),
    # Abbreviations with dots.  "v.v." (= etc.), with or without a trailing ellipsis.
    ("ETC", r"v\.v\.(?:\.\.)?"),
    # Initials glued to a name or to more initials: N.V.HẢI  P.S.NGÂN  L.T.T.  P.Tân  C.Th
    ("INITIALS", r"[A-ZĐ]\.(?:[A-ZĐ][^\W\d_]*\.?)+"),
    # Title abbreviations: TP.  PGS.TS  TP.HCM; and a lone initial before a word: N. Thường
    ("ABBR", rf"(?:(?:{_ABBR_WORDS})\.)+(?:{_WORD}(?!{_LETTER})|(?=\s|$))|[A-ZĐ]\.(?=\s*[^\W\d_])"),
    # Words: letters with inner hyphens or apostrophes (Jean-Claude, H'Lâm, M’Ga).
    ("WORD", rf"{_WORD}(?:[\-'’]{_WORD})*"),
    # Ellipsis and repeated punctuation stay one piece.
    ("ELLIPSIS", r"\.{2,}|…"),
    # Emoji: a pictograph with its modifiers, variation selectors and ZWJ continuations,
    # or a flag (pair of regional indicators).  Never split, never corrupted.
    (
        "EMOJI",
        r"[\U0001F1E6-\U0001F1FF]{2}|"
        rf"[{_PICTOGRAPHS}]"
        r"[\ufe0e\ufe0f\U0001F3FB-\U0001F3FF\u20e3]*"
        r"(?:\u200d[\u2600-\u27bf\U0001F000-\U0001FAFF][\ufe0e\ufe0f\U0001F3FB-\U0001F3FF]*)*",
    ),
    # Anything else that is not whitespace, with its combining marks.
    ("OTHER", r"[^\s][\u0300-\u036f\u200c\u200d\ufe00-\ufe0f]*"),
]

_KINDS = {
    "UNDERSCORE": Kind.UNDERSCORE,
    "URL": Kind.LOCKED,
    "EMAIL": Kind.LOCKED,
    "DOMAIN": Kind.LOCKED,
    "TAG": Kind.LOCKED,
    "CODE": Kind.LOCKED,
    "SPACED_NUMBER": Kind.NUMBER,
    "NUMBER": Kind.NUMBER,
    "ETC": Kind.LOCKED,
    "INITIALS": Kind.LOCKED,
    "ABBR": Kind.LOCKED,
    "WORD": Kind.WORD,
    "ELLIPSIS": Kind.PUNCT,
    "EMOJI": Kind.PUNCT,
    "OTHER": Kind.PUNCT,
}

PIECE_RE = re.compile("|".join(f"(?P<{name}>{body})" for name, body in _FRAGMENTS))
CROSSES_SPACE = re.compile(_SPACED_NUMBER)  # finds the pieces that span whitespace
_GROUP_KIND = [Kind.PUNCT] + [_KINDS[name] for name, _ in _FRAGMENTS]  # index = match.lastindex


def piece_kind(match: re.Match[str]) -> Kind:
    """The kind of a ``PIECE_RE`` match (shared by every scanning loop)."""
    kind = _GROUP_KIND[match.lastindex or 0]
    if kind == Kind.LOCKED and "_" in match.group():
        return Kind.UNDERSCORE  # a URL or code with a literal "_" is never joined either
    return kind


def pretokenize(text: str) -> list[Piece]:
    """Split one line (no newline) into pieces, in order.

    >>> [text[p.start:p.end] for text in ["Giá 33.000đ tại TP.HCM, F-16!"] for p in pretokenize(text)]
    ['Giá', '33.000đ', 'tại', 'TP.HCM', ',', 'F-16', '!']
    """
    pieces: list[Piece] = []
    append = pieces.append
    last_end = 0
    for m in PIECE_RE.finditer(text):
        start, end = m.span()
        append(Piece(start, end, piece_kind(m), start > last_end or not pieces))
        last_end = end
    return pieces


def pretokenize_str(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Debug helper: the pieces of ``text`` with their offsets."""
    return [(text[p.start : p.end], (p.start, p.end)) for p in pretokenize(text)]
