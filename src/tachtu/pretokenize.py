"""Deterministic rules for the pieces the model must never break or join.

One compiled regular expression splits a line into pieces (syllables, numbers,
dates, URLs, codes, punctuation …).  Each alternative is a named, commented
fragment; the first that matches at a position wins, so the order below is the
priority.  Pieces concatenate back to the line minus its whitespace: nothing is
dropped, and any character no rule knows becomes a piece of its own.

The conventions follow the VLSP 2013 word-segmentation data: ``50.000``,
``1,5``, ``21/3/2024``, ``1-7-2004``, ``10:30``, URLs, e-mails and codes such as
``F-16`` or ``29A-123.45`` are one piece; ``10%`` is ``10`` + ``%``; ``TP.``
keeps its dot.  Document numbers (``100/2019/NĐ-CP``), bare domains
(``youtu.be``), emoticons (``:))``) and lower-case titles (``tp.hcm``) are one
piece too.

Grapheme clusters are never cut: a letter keeps its combining marks (so
``हिन्दी`` is one word), and a piece that would start with a combining mark,
a joiner, a variation selector or a tag character is glued to the piece
before it when nothing separates them (keycaps ``1️⃣`` and tag-sequence flags
stay whole).  Only a mark after whitespace (or at the start) starts a piece.

A piece holding a literal ``_`` runs to the end of its whitespace-free chunk,
minus closing punctuation, so a word tachtu itself joined (``nguyễn_10:30``,
``xem_https://a.vn``) is one piece when its output is segmented again.
"""

from __future__ import annotations

import re
import unicodedata
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


def _class_of(codes: list[int]) -> str:
    """A regex character-class body for ``codes`` (sorted), as ranges."""
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(re.escape(chr(codes[i])) + (f"-{re.escape(chr(codes[j]))}" if j > i else ""))
        i = j + 1
    return "".join(parts)


def _extenders() -> list[int]:
    """Characters that continue the grapheme cluster before them: combining marks
    (Mn, Mc, Me, variation selectors included), ZWNJ, ZWJ and the tag characters
    of flag sequences.  Read from this Python's Unicode data (marks exist only in
    planes 0, 1 and 14), so new marks are covered as Python learns them."""
    codes = [
        c for plane in (range(0x20000), range(0xE0000, 0xE1000))
        for c in plane if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
    ]
    codes += [0x200C, 0x200D, *range(0xE0020, 0xE0080)]
    return sorted(set(codes))


_EXTENDER_CODES = _extenders()
_EXTEND = _class_of(_EXTENDER_CODES)
EXTENDERS = frozenset(map(chr, _EXTENDER_CODES))
_HAS_EXTENDER = re.compile(f"[{_EXTEND}]")  # a line without one needs no gluing
_LETTER = r"[^\W\d_]"
# Letters, each with the marks after it (Devanagari vowel signs, viramas, Thai vowels …).
_WORD = rf"{_LETTER}+(?:[{_EXTEND}]+{_LETTER}*)*"
# Upper-case Vietnamese letters (initials: N.ẨN, T.Ư).
_UPPER_VI = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
# Title abbreviations seen in Vietnamese news (TP. = thành phố, PGS. = phó giáo sư …).
_ABBR_WORDS = (
    "TP|Tp|TT|TX|Q|P|H|PGS|GS|TS|ThS|Ths|BS|KS|CN|NXB|ĐH|THPT|THCS|Mr|Mrs|Ms|Dr|St|Th|ThS|TS\\.BS|Jr|Co|Ltd|Inc|Corp|No|tr"
)
# The same titles written in lower case; only glued to the next word (tp.hcm, pgs.ts),
# since a lone lower-case "no." or "th." ends sentences.
_LOWER_ABBR_WORDS = "tp|tx|tt|pgs|gs|ts|ths|bs|ks|nxb|đh|thpt|thcs|ubnd|hđnd"
# Every abbreviation word above, for the compiled path to check its shortcuts on.
ABBREVIATION_WORDS = tuple(w for w in dict.fromkeys(f"{_ABBR_WORDS}|{_LOWER_ABBR_WORDS}".split("|")) if w.isalpha())
# Top-level domains a bare domain may end with (vnexpress.net, youtu.be, bit.ly, t.me).
_TLDS = (
    "com|net|org|edu|gov|mil|int|info|biz|io|co|me|tv|app|dev|ai|xyz|asia|online|site|top|pro|"
    "mobi|news|blog|shop|store|tech|cloud|link|vn|be|ly|to|cc|us|uk|jp|cn|kr|fr|de|ru|au|sg|"
    "tw|hk|eu|nl|ch|se|ws|gl|gg|fm|gd|sh"
)
_TLDS_UPPER = "COM|NET|ORG|VN|GOV|EDU|INFO|IO|BIZ"
# Punctuation that ends a piece holding a literal "_" (a final "." stays: "v.v.", "TP.").
_CLOSE = "(\\[{“‘\"'«,;:!?)\\]}’”»…"

# Emoji presentation characters outside the supplementary planes (Unicode's emoji-data list,
# abridged to ranges); unlike a blanket U+2000-U+3299 range it contains no space or CJK punctuation.
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001F000-\U0001FAFF"
)

# The line boundaries of str.splitlines() other than "\n" (CR, VT, FF, the information
# separators, NEL, LINE and PARAGRAPH SEPARATOR): whitespace, but no word spans one.
HARD_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
HARD_BREAK = re.compile(f"[{HARD_BREAKS}]")

# The only piece that may contain whitespace (see CROSSES_SPACE).
_SPACED_NUMBER = r"(?<![\d.,])\d{1,3}(?: \. \d{3})+(?![\w.,])"  # not "50 . 000đ": that is 50 . 000đ

_FRAGMENTS: list[tuple[str, str]] = [
    # A token the user already joined with "_" (or any literal "_"): kept whole.
    # Before the "_": word characters, dots, hyphens, signs and the ",:" of numbers (10:30);
    # after it: the rest of the chunk, inner punctuation kept, closing punctuation left out.
    (
        "UNDERSCORE",
        rf"(?<![\w.\-+−/'’@#{_EXTEND}])(?!(?<=\d[,:])\d)(?:[\w.\-+−/'’@#{_EXTEND}]|(?<=\d)[,:](?=\d))*_"
        rf"(?:[^\s{_CLOSE}.]|[{_CLOSE}.]+(?=[^\s{_CLOSE}.]))*\.*",
    ),
    # Keycaps: a digit, "#" or "*", maybe a variation selector, then U+20E3.
    ("KEYCAP", r"[0-9#*]\ufe0f?\u20e3"),
    # URLs with a scheme or www. (any case), up to the last character that is not closing punctuation.
    ("URL", r"(?i:(?:https?|ftp)://|www\.)[^\s<>\"“”]*[^\s<>\"“”.,;:!?)\]}'’]"),
    # E-mail addresses (RFC 5322 simplified: local@domain.tld).
    ("EMAIL", r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    # Bare domains: vnexpress.net, youtu.be/x, chinhphu.vn/portal, VNEXPRESS.NET (upper case: the
    # common TLDs only, so initials such as K.CH or Pharm.Co stay what they are).
    ("DOMAIN", rf"(?<![\w.\-])(?:(?:[A-Za-z0-9\-]+\.)+(?:{_TLDS})|(?:[A-Z0-9\-]+\.)+(?:{_TLDS_UPPER}))"
               r"(?![\w])(?:/[^\s<>\"“”]*[^\s<>\"“”.,;:!?)\]}'’])?"),
    # Hashtags and mentions.
    ("TAG", r"[#@]\w+"),
    # Codes mixing letters and digits, with hyphens or dots: F-16, COVID-19, 29A-123.45, U23, 3G.
    ("CODE", r"(?<![\w\-.])(?=[\w\-.]*\d)(?=[\w\-.]*[^\W\d_])\w+(?:[\-.]\w+)*(?<![.\-])"),
    # Vietnamese document numbers: number/year/issuer (100/2019/NĐ-CP, 01/2021/TT-BTC, 59/2020/QH14, 123/QĐ-UBND).
    ("DOCUMENT", r"(?<![\w/])\d+(?:/\d+)*/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*(?!\w)"),
    # Thousands written by a tokenizer that spaced the dots (UD VTB: "10 . 000"): one number.
    ("SPACED_NUMBER", _SPACED_NUMBER),
    # Numbers, dates and times: 33.000  1,5  21/3/2024  1-7-2004  10:30; a sign only at a piece start.
    ("NUMBER", r"(?:(?<![\w\-])[\-+−](?=\d))?\d+(?:[.,:/\-]\d+)*"),
    # Abbreviations with dots.  "v.v." (= etc.), with or without a trailing ellipsis.
    ("ETC", r"v\.v\.(?:\.\.)?"),
    # Initials glued to a name or to more initials: N.V.HẢI  P.S.NGÂN  L.T.T.  P.Tân  C.Th  N.ẨN  T.Ư
    ("INITIALS", rf"[A-ZĐ]\.(?:[{_UPPER_VI}][^\W\d_]*\.?)+"),
    # Title abbreviations: TP.  PGS.TS  TP.HCM; and a lone initial before a word: N. Thường
    ("ABBR", rf"(?:(?:{_ABBR_WORDS})\.)+(?:{_WORD}(?!{_LETTER})|(?=\s|$))|[A-ZĐ]\.(?=\s*[^\W\d_])"
             rf"|(?<![\w.])(?:(?:{_LOWER_ABBR_WORDS})\.)+{_WORD}(?!\w)"),
    # Words: letters with inner hyphens or apostrophes (Jean-Claude, H'Lâm, M’Ga).
    ("WORD", rf"{_WORD}(?:[\-'’]{_WORD})*"),
    # Emoticons: :)) :( =)) :D :P :v :3 ^^ (not before a letter or digit: "Ghi chú:(1)").
    ("EMOTICON", r"(?<![(\[])[:;=][\-'^]?(?:\)+|\(+|\]+|\[+|[DPpvVoO3*|/])(?![\w/])|\^{2,}"),
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
    ("OTHER", rf"[^\s][{_EXTEND}]*"),
]

_KINDS = {
    "UNDERSCORE": Kind.UNDERSCORE,
    "KEYCAP": Kind.PUNCT,
    "URL": Kind.LOCKED,
    "EMAIL": Kind.LOCKED,
    "DOMAIN": Kind.LOCKED,
    "TAG": Kind.LOCKED,
    "CODE": Kind.LOCKED,
    "DOCUMENT": Kind.LOCKED,
    "SPACED_NUMBER": Kind.NUMBER,
    "NUMBER": Kind.NUMBER,
    "ETC": Kind.LOCKED,
    "INITIALS": Kind.LOCKED,
    "ABBR": Kind.LOCKED,
    "WORD": Kind.WORD,
    "EMOTICON": Kind.PUNCT,
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
    glue = _HAS_EXTENDER.search(text) is not None
    for m in PIECE_RE.finditer(text):
        start, end = m.span()
        if glue and start == last_end and pieces and text[start] in EXTENDERS:
            pieces[-1] = pieces[-1]._replace(end=end)  # a cluster's tail: never a piece of its own
        else:
            append(Piece(start, end, piece_kind(m), start > last_end or not pieces))
        last_end = end
    return pieces


def chunk_pieces(text: str, start: int, end: int) -> list[tuple[int, int, Kind]] | None:
    """The pieces ``pretokenize(text)`` has in ``text[start:end]``, a run of
    non-whitespace characters, as ``(start, end, kind)``, or None if the matches
    do not tile the run exactly (a piece spanning whitespace, see ``CROSSES_SPACE``).

    The regex runs on the whole line at the run's position, so its look-arounds
    see the real context; used by the compiled line path on a cache miss.
    """
    out: list[tuple[int, int, Kind]] = []
    match = PIECE_RE.match
    pos = start
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        s, e = m.span()
        if s != pos or e > end or e <= s:
            return None
        if out and text[s] in EXTENDERS:
            out[-1] = (out[-1][0], e, out[-1][2])
        else:
            out.append((s, e, piece_kind(m)))
        pos = e
    return out


def pretokenize_str(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Debug helper: the pieces of ``text`` with their offsets."""
    return [(text[p.start : p.end], (p.start, p.end)) for p in pretokenize(text)]
