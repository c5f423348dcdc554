"""VnCoreNLP's raw-text tokenizer conventions, as character spans.

Whitespace-separated chunks are split further only when they contain a
character that is neither a letter nor a digit.  For such a chunk, in order:

1. a trailing comma is split off;
2. a known abbreviation (``TP.``, ``Mr.``, ``GS.TS`` ...) is kept whole;
3. a trailing full stop after a letter is split off, unless the chunk is a
   capital initial (``H.``) or a dotted/hyphenated name (``U.S.``);
4. a known exception (``Wi-Fi``, ``km/h``, ``U23`` ...) is kept whole;
5. a chunk containing an abbreviation or an exception is cut around it;
6. a chunk that is entirely one of the patterns below is kept whole;
7. otherwise the first pattern, in priority order, found anywhere in the
   chunk is cut out (leftmost match) and the pieces are tokenized again.

The spans always index the string given, so the caller can map them back.

Deliberate differences from VnCoreNLP, for linear time and intact emoji: the
re-tokenization of the rest of a chunk after a cut continues from the cut
instead of rescanning the rest as a new string; a chunk longer than
``LONG_CHUNK`` characters is simply cut at every symbol; and no cut may fall
inside an emoji sequence (keycaps ``1️⃣``, ZWJ sequences, skin tones).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from ._cache import Memo

# Chunks between runs of Java's \s, the only whitespace VnCoreNLP splits on.
_CHUNK = re.compile(r"[^ \t\n\x0b\f\r]+")
_NOT_ALNUM = re.compile(r"[\W_]")
_LETTER = r"[^\W\d_]"
_CURRENCY = "[$¢£¤¥֏؋৲৳৻૱௹฿៛₠-₿﷼﹩＄￠￡￥￦]"
_D = "[0-9]"  # Java's \d is ASCII only
_W = "[A-Za-z0-9_]"  # Java's \w is ASCII only

ABBREVIATIONS = frozenset(
    """M.City V.I.P PGS.Ts MRS. Mrs. Man.United Mr. SHB.ĐN Gs.Bs U.S.A TMN.CSG
    Kts.Ts R.Madrid Tp. T.Ư D.C Gs.Tskh PGS.KTS GS.BS KTS.TS PGS-TS Co. S.H.E
    Ths.Bs T&T.HN MR. Ms. T.T.P TT. TP. ĐH.QGHN Gs.Kts Man.Utd GD-ĐT T.W Corp.
    ĐT.LA Dr. T&T HN.ACB GS.KTS MS. Prof. GS.TS PGs.Ts PGS.BS BT. Ltd. ThS.BS
    Gs.Ts SL.NA Th.S Gs.Vs PGs.Bs T.O.P PGS.TS HN.T&T SG.XT O.T.C TS.BS Yahoo!
    Man.City MISS. HA.GL GS.Ts TBT. GS.VS GS.TSKH Ts.Bs M.U Gs.TSKH U.S Miss.
    GD.ĐT PGs.Kts St. Ng. Inc. Th. N.O.V.A""".split()
)
EXCEPTIONS = frozenset(
    """Wi-fi 17+ km/h M7 M8 21+ G3 M9 G4 km3 m/s km2 5g 4G 8K 3g E9 U21 4K U23
    Z1 Z2 Z3 Z4 Z5 Jong-un u19 5s wi-fi 18+ Wi-Fi m2 16+ m3 V-League Geun-hye
    5G 4g Z3+ 3G km/s 6+ u21 WI-FI u23 U19 6s 4s""".split()
)


def _alternation(entries: frozenset[str]) -> re.Pattern[str]:
    """Leftmost occurrence of any entry, the longest one at that position."""
    return re.compile("|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True)))


_ABBREVIATION_SCAN = _alternation(ABBREVIATIONS)
_EXCEPTION_SCAN = _alternation(EXCEPTIONS)
# Every abbreviation and exception holds one of these non-letters, so a word
# of letters wrapped in affixes without them contains none.
_SCAN_TRIGGERS = frozenset(c for entry in ABBREVIATIONS | EXCEPTIONS for c in entry if not c.isalpha())
if any(entry.isalpha() for entry in ABBREVIATIONS | EXCEPTIONS):
    raise AssertionError("an abbreviation or exception of letters only")

_NUMBER = rf"[-+]?{_D}+(?:[.,]{_D}+)*%?{_CURRENCY}?"
_URL_TLDS = "com|vn|net|org|edu|gov|info|biz|int|mil|asia|tv|io|co|me|uk|us|jp|cn|fr|de|ru"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        ("ellipsis", r"\.{2,}"),
        ("email", rf"[A-Za-z0-9_.-]+@(?:[A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+"),
        (
            "url",
            rf"(?:(?:https?|ftp)://|www\.)[^\s/$.?#].\S*"
            rf"|(?:https?://)?(?:{_W}+\.)+(?:{_URL_TLDS})(?![A-Za-z0-9_])(?:/\S*)?",
        ),
        ("full_date", rf"(?:0?[1-9]|[12][0-9]|3[01])[/.-](?:1[0-2]|0?[1-9])[/.-]{_D}{{4}}"),
        ("month", rf"(?:1[0-2]|0?[1-9])/{_D}{{4}}"),
        ("date", rf"(?:0?[1-9]|[12][0-9]|3[01])/(?:1[0-2]|0?[1-9])"),
        (
            "time",
            rf"{_D}{_D}:{_D}{_D}:{_D}{_D}|(?:0?{_D}|1{_D}|2[0-3])[:h](?:0?{_D}|[1-5]{_D})(?:’|'|p|ph)?",
        ),
        ("money", rf"{_CURRENCY}{_D}+(?:[.,]{_D}+)*|{_D}+(?:[.,]{_D}+)*{_CURRENCY}"),
        ("phone", rf"(?:\(?\+{_D}{{1,2}}\)?[.-]?)?{_D}{{2,}}[.-]?{_D}{{3,}}[.-]?{_D}{{3,}}"),
        ("short_name", rf"{_LETTER}+(?:[.-]{_LETTER}+)+|{_LETTER}+-{_D}+"),
        ("numbers_expression", rf"{_NUMBER}(?:[-+*/]{_NUMBER})*"),
        ("number", _NUMBER),
        ("punctuation", r"[,.:?!;\-_\"'“”|()\[\]{}«»\\/‘’…·]"),
        ("special_char", r"[~@#^&*+\-–<>|]"),
        ("allcap", r"[A-Z]+\.[A-Z]+"),
    )
)
_URL = 2
_MONTH = 4
_SHORT_NAME = PATTERNS[9][1]

# Characters that continue an emoji sequence: a cut may not fall before them
# (nor after a zero-width joiner).
_EMOJI_EXTENDERS = frozenset("\ufe0e\ufe0f\u20e3\u200d") | frozenset(
    chr(c) for c in (*range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080))
)


# A word wrapped in punctuation/special characters, each of which then becomes
# its own token: the commonest chunk that needs cutting.  (Two dots make an
# ellipsis, abbreviations/exceptions are special, and a lone capital initial
# ``H.`` stays whole; ``_wrapped_word`` checks those.)
_AFFIX = r"[,.:?!;\-_\"'“”|()\[\]{}«»\\/‘’…·~@#^&*+–<>]*"
_WRAPPED_WORD = re.compile(rf"({_AFFIX})({_LETTER}+)({_AFFIX})")

# Chunks longer than this (no real word, number, URL or e-mail is) are cut
# simply at every symbol: the pattern machinery is quadratic on them.
LONG_CHUNK = 256
_EXTEND = "\ufe0e\ufe0f\u20e3\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F"
_LONG_PIECES = re.compile(rf"(?:[^\W_]+|[\W_])[{_EXTEND}]*(?:\u200d[^{_EXTEND}]?[{_EXTEND}]*)*", re.S)

# Whitespace Python splits on but Java does not (it stays inside chunks).
_NON_JAVA_SPACE = re.compile(r"[^\S \t\n\x0b\f\r]")


def single_spaced(text: str) -> bool:
    """Whether ``text`` is non-empty chunks separated by single spaces (the usual case)."""
    return (
        text[:1] != " "
        and text[-1:] != " "
        and "  " not in text
        and "\t" not in text
        and "\n" not in text
        and "\r" not in text
        and "\x0b" not in text
        and "\x0c" not in text
        and text != ""
    )


def split_whitespace(text: str) -> list[str]:
    """``text`` split on runs of Java's whitespace, as VnCoreNLP splits."""
    if single_spaced(text):
        return text.split(" ")
    return _CHUNK.findall(text) if _NON_JAVA_SPACE.search(text) else text.split()


def chunk_tokens(chunk: str) -> tuple[str, ...]:
    """Tokens of one whitespace-free chunk; they concatenate to ``chunk``."""
    if chunk.isalnum() or len(chunk) == 1:
        return (chunk,)
    out: list[str] = []
    # Trailing commas come off one by one before anything else.
    core = chunk.rstrip(",")
    if len(core) <= 1 or core.isalnum():
        if core:
            out.append(core)
    elif len(core) > LONG_CHUNK:
        out.extend(_LONG_PIECES.findall(core))
    elif not _wrapped_word(core, out):
        _Chunk(core).split(out)
    out.extend("," * (len(chunk) - len(core)))
    return tuple(out)


def _advances(chunk: str) -> tuple[int, ...]:
    """How far each token of ``chunk`` moves the offset, the last one past a space."""
    tokens = CHUNK_TOKENS[chunk]
    return (*map(len, tokens[:-1]), len(tokens[-1]) + 1)


# Chunk -> its tokens / their advances, computed once per distinct chunk.
CHUNK_TOKENS: Memo[tuple[str, ...]] = Memo(chunk_tokens, max_key=LONG_CHUNK)
CHUNK_ADVANCES: Memo[tuple[int, ...]] = Memo(_advances, max_key=LONG_CHUNK)


def _wrapped_word(chunk: str, out: list[str]) -> bool:
    """Fast path for a word wrapped in punctuation: False if it does not apply."""
    m = _WRAPPED_WORD.fullmatch(chunk)
    if m is None or ".." in chunk:
        return False
    prefix, word, suffix = m.groups()
    if not _SCAN_TRIGGERS.isdisjoint(prefix + suffix) and (
        _ABBREVIATION_SCAN.search(chunk) or _EXCEPTION_SCAN.search(chunk)
    ):
        return False
    if len(chunk) == 2 and suffix == "." and word.isupper():
        out.append(chunk)  # a capital initial ``H.`` stays whole
    else:
        out.extend(prefix)
        out.append(word)
        out.extend(suffix)
    return True


class _Chunk:
    """One whitespace-free chunk being cut into tokens (see the module doc)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Positions of the non-alphanumeric characters: a piece without any
        # is plain letters/digits and is never cut.
        self.symbols = [m.start() for m in _NOT_ALNUM.finditer(text)]

    def split(self, out: list[str]) -> None:
        """Append the tokens of the chunk to ``out``."""
        text = self.text
        # Work stack of pieces, last item processed first.  The third field is
        # None for a fresh piece, or the index of the pattern that cut off
        # everything before this tail (earlier patterns cannot occur in it).
        stack: list[tuple[int, int, int | None]] = [(0, len(text), None)]
        while stack:
            lo, hi, first = stack.pop()
            if lo >= hi:
                continue
            pieces = self._cut(lo, hi) if first is None else self._cut_tail(lo, hi, first)
            if pieces is None:
                out.append(text[lo:hi])
            else:
                stack.extend(reversed(pieces))

    def _plain(self, lo: int, hi: int) -> bool:
        """Whether the piece is a single character or has no symbol at all."""
        if hi - lo == 1:
            return True
        at = bisect_left(self.symbols, lo)
        return at == len(self.symbols) or self.symbols[at] >= hi

    def _safe(self, pos: int, lo: int, hi: int) -> bool:
        """Whether cutting at ``pos`` leaves emoji sequences intact."""
        if pos <= lo or pos >= hi:
            return True
        text = self.text
        return text[pos] not in _EMOJI_EXTENDERS and text[pos - 1] != "\u200d"

    def _around(self, lo: int, a: int, b: int, hi: int) -> list[tuple[int, int, int | None]] | None:
        if not (self._safe(a, lo, hi) and self._safe(b, lo, hi)):
            return None
        return [(lo, a, None), (a, b, None), (b, hi, None)]

    def _cut(self, lo: int, hi: int) -> list[tuple[int, int, int | None]] | None:
        """Pieces of a fresh piece, or None to keep it whole."""
        text = self.text
        if self._plain(lo, hi):
            return None
        token = text[lo:hi]
        if token[-1] == ",":
            return self._around(lo, hi - 1, hi, hi)
        if token in ABBREVIATIONS:
            return None
        if token[-1] == "." and token[-2].isalpha():
            if (hi - lo == 2 and token[0].isupper()) or _SHORT_NAME.search(token):
                return None
            return self._around(lo, hi - 1, hi, hi)
        if token in EXCEPTIONS:
            return None
        for scan in (_ABBREVIATION_SCAN, _EXCEPTION_SCAN):
            m = scan.search(token)
            if m is not None:
                return self._around(lo, lo + m.start(), lo + m.end(), hi)
        return self._cut_tail(lo, hi, 0)

    def _cut_tail(self, lo: int, hi: int, first: int) -> list[tuple[int, int, int | None]] | None:
        """Pattern stage (steps 6-7) from pattern ``first`` on."""
        text = self.text
        if self._plain(lo, hi):
            return None
        for _, pattern in PATTERNS:
            if pattern.fullmatch(text, lo, hi):
                return None
        for index in range(first, len(PATTERNS)):
            pattern = PATTERNS[index][1]
            m = pattern.search(text, lo, hi)
            while m is not None and not (self._safe(m.start(), lo, hi) and self._safe(m.end(), lo, hi)):
                m = pattern.search(text, m.start() + 1, hi)
            if m is None:
                continue
            a, b = m.span()
            if index == _URL and not _plausible_url(text[lo:hi]):
                continue
            if index == _MONTH and not any(c.isalpha() for c in text[lo:a]):
                return None
            # The tail keeps being cut with this pattern, then later ones.
            return [(lo, a, None), (a, b, None), (b, hi, index)]
        return None


def _plausible_url(token: str) -> bool:
    """VnCoreNLP's URL sanity check: no single-capital part, ASCII only."""
    if not token.isascii():
        return False
    return not any(len(part) == 1 and part.isupper() for part in token.split("."))
