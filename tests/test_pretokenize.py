"""Rules of the pretokenizer: what must stay whole, what must split."""

from __future__ import annotations

import time

import pytest

from tachtu.pretokenize import Kind, pretokenize, pretokenize_str

# fmt: off
WHOLE = [
    # numbers, dates, times
    "33.000", "1,5", "-3", "21/3", "21/3/2024", "1-7-2004", "10:30", "3-0", "1.234.567,89",
    "10 . 000", "1 . 234 . 567",
    # URLs, e-mails, tags
    "https://vnexpress.net/the-gioi/israel-1234.html", "www.chinhphu.vn", "vnexpress.net",
    "lienhe@example.vn", "a.b+c@mail.co.uk", "#covid19", "@tachtu",
    # codes
    "F-16", "COVID-19", "29A-123.45", "U23", "H5N1", "3G", "69K-4107",
    # abbreviations and initials
    "TP.", "PGS.TS", "TP.HCM", "v.v.", "v.v...", "N.V.HẢI", "L.T.T.", "P.Tân",
    # words with hyphens / apostrophes
    "Jean-Claude", "H'Lâm", "M’Ga",
    # literal underscores are kept whole
    "foo_bar", "Nhà_Trắng",
    # emoji sequences
    "😀", "👩‍👩‍👧", "👍🏽", "🇻🇳", "❤️",
    # ellipsis
    "...", "…",
]

SPLIT = [
    ("Rafah,", ["Rafah", ","]),
    ("10%", ["10", "%"]),
    ("đồng/tháng", ["đồng", "/", "tháng"]),
    ("(kỳ cuối):", ["(", "kỳ", "cuối", ")", ":"]),
    ("“Tôi”", ["“", "Tôi", "”"]),
    ("Mỹ.", ["Mỹ", "."]),
    ("hạng A.", ["hạng", "A", "."]),
    ("TP.HCM,", ["TP.HCM", ","]),
    ("tại TP.HCM.", ["tại", "TP.HCM", "."]),
    ("1 , 2 . 3 . 1000", ["1", ",", "2", ".", "3", ".", "1000"]),
    ("xem https://a.vn/x.", ["xem", "https://a.vn/x", "."]),
    ("(https://a.vn)", ["(", "https://a.vn", ")"]),
]
# fmt: on


@pytest.mark.parametrize("text", WHOLE)
def test_kept_whole(text: str) -> None:
    assert [p for p, _ in pretokenize_str(text)] == [text]


@pytest.mark.parametrize(("text", "expected"), SPLIT)
def test_split(text: str, expected: list[str]) -> None:
    assert [p for p, _ in pretokenize_str(text)] == expected


def test_kinds_and_spaces() -> None:
    pieces = pretokenize("Giá 33.000 đồng, F-16 foo_bar")
    assert [p.kind for p in pieces] == [
        Kind.WORD, Kind.NUMBER, Kind.WORD, Kind.PUNCT, Kind.LOCKED, Kind.UNDERSCORE,
    ]
    assert [p.space_before for p in pieces] == [True, True, True, False, True, True]


@pytest.mark.parametrize("text", ["", " ", "\t \u00a0", "a  b", "\x00\x01", "\u0301", "中文 русский ไทย"])
def test_pieces_rebuild_the_text(text: str) -> None:
    pieces = pretokenize(text)
    assert "".join(text[p.start : p.end] for p in pieces) == "".join(text.split())
    assert all(p.start < p.end for p in pieces)


@pytest.mark.parametrize(
    "text",
    ["a" * 50_000, "1." * 25_000, "_" * 50_000, "@" * 50_000, "A." * 25_000, "http://" + "a." * 25_000, "a-" * 25_000],
)
def test_no_catastrophic_backtracking(text: str) -> None:
    start = time.perf_counter()
    pieces = pretokenize(text)
    assert pieces
    assert time.perf_counter() - start < 5.0
