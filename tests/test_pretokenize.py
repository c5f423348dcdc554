"""Rules of the pretokenizer: what must stay whole, what must split."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tachtu.pretokenize import EXTENDERS, Kind, pretokenize, pretokenize_str

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
    # grapheme clusters: Devanagari with its vowel signs and virama, keycaps, a tag-sequence flag
    "हिन्दी", "1️⃣", "#️⃣", "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
    # e-mails with "_", upper-case URLs, bare domains, document numbers, emoticons, lower-case titles
    "john_doe@gmail.com", "HTTPS://VNEXPRESS.NET/the-gioi/abc.html", "VNEXPRESS.NET", "youtu.be/abc", "bit.ly",
    "t.me/kenh", "100/2019/NĐ-CP", "01/2021/TT-BTC", "59/2020/QH14", "123/QĐ-UBND",
    ":))", ":(", "=))", ":D", "^^", "tp.hcm", "pgs.ts", "gs.ts.bs",
    # words tachtu joined, segmented again
    "nguyễn_10:30", "xem_https://a.vn/x", "TP._HCM", "1,5_triệu",
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
    ("(foo_bar),", ["(", "foo_bar", ")", ","]),
    ("“Hà_Nội”", ["“", "Hà_Nội", "”"]),
    ("Ghi chú:(1)", ["Ghi", "chú", ":", "(", "1", ")"]),
    ("tại tp.hcm.", ["tại", "tp.hcm", "."]),
    ("ăn no.", ["ăn", "no", "."]),
    ("K.CH", ["K.CH"]),
    ("Pharm.Co.Ltd", ["Pharm", ".", "Co.Ltd"]),
    # a mark after whitespace starts a piece; glued to anything else it stays with it
    ("x \u0301", ["x", "\u0301"]),
    (".\u0301a\u0300", [".\u0301", "a\u0300"]),
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
def test_long_runs_of_one_shape(text: str) -> None:
    """Shapes that once backtracked; their timing is in ``benchmarks/linear_time.py``
    (no clock here: the machine may be loaded)."""
    pieces = pretokenize(text)
    assert "".join(text[p.start : p.end] for p in pieces) == text


_CLUSTER_TEXT = st.text(
    alphabet=st.sampled_from(["a", "ế", "1", ".", "_", " ", "\u0301", "\u0323", "\u200d", "\ufe0f", "\u20e3",
                              "\U000E0067", "\u0915", "\u093f", "\u094d", "😀", "%", ":", ")"]),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_CLUSTER_TEXT)
def test_no_piece_starts_inside_a_cluster(text: str) -> None:
    """A combining mark, joiner, variation selector or tag character starts a piece
    only after whitespace or at the start of the line."""
    for p in pretokenize(text):
        if text[p.start] in EXTENDERS:
            assert p.start == 0 or text[p.start - 1].isspace(), (text, pretokenize_str(text))


def test_keycap_and_emoticons_are_punctuation() -> None:
    assert [p.kind for p in pretokenize("1️⃣ :)) ^^ 100/2019/NĐ-CP")] == [Kind.PUNCT, Kind.PUNCT, Kind.PUNCT, Kind.LOCKED]


def test_stored_extenders_are_this_pythons_scan() -> None:
    """The table spares the import a scan of Unicode; it must say what the scan says."""
    import unicodedata

    from tachtu import pretokenize as module

    stored = module.stored_extenders(unicodedata.unidata_version)
    if stored is None:
        pytest.skip(f"no stored ranges for Unicode {unicodedata.unidata_version}: the import scans")
    assert stored == module.scan_extenders()
    assert module._EXTENDER_CODES == stored


def test_unknown_unicode_version_falls_back_to_the_scan() -> None:
    from tachtu import pretokenize as module

    assert module.stored_extenders("0.0.0") is None
    assert 0x0301 in module.stored_extenders("14.0.0")  # combining acute accent


@pytest.mark.parametrize("content", ['{"14.0.0": [[1]]}', "[1, 2]", "not json", '{"14.0.0": [["a", "b"]]}'])
def test_a_damaged_extender_table_falls_back_to_the_scan(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import resources

    from tachtu import pretokenize as module

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / module.EXTENDER_TABLE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    assert module.stored_extenders("14.0.0") is None
