"""The public API with the bundled model: golden cases, losslessness, offsets, options."""

from __future__ import annotations

import pickle
import unicodedata

import pytest

import tachtu
from tachtu import Segmenter, TachtuError
from tachtu.model.model import Model

EXAMPLE = (
    "Nhà Trắng cho biết Israel sẽ xem xét mối lo ngại của Mỹ về kế hoạch tấn công Rafah, thành phố tại Gaza."
)
EXPECTED = (
    "Nhà_Trắng cho biết Israel sẽ xem_xét mối lo_ngại của Mỹ về kế_hoạch tấn_công Rafah , thành_phố tại Gaza ."
)

# fmt: off
GOLDEN = [
    (EXAMPLE, EXPECTED),
    ("hà nội là thủ đô", "hà_nội là thủ_đô"),
    ("HÀ NỘI LÀ THỦ ĐÔ", "HÀ_NỘI LÀ THỦ_ĐÔ"),
    ("Giá 33.000 đồng ngày 21/3/2024", "Giá 33.000 đồng ngày 21/3/2024"),
    ("máy bay F-16", "máy_bay F-16"),
    ("", ""),
    ("   ", ""),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_golden(text: str, expected: str) -> None:
    assert tachtu.segment(text) == expected


def test_tone_styles_and_nfd_agree() -> None:
    old = tachtu.segment("hoà bình và thuỷ lợi")
    new = tachtu.segment("hòa bình và thủy lợi")
    nfd = tachtu.segment(unicodedata.normalize("NFD", "hòa bình và thủy lợi"))
    assert old.replace("hoà", "hòa").replace("thuỷ", "thủy") == new
    assert unicodedata.normalize("NFC", nfd) == new
    assert "_" in new


def test_lines_are_kept() -> None:
    text = "Nhà Trắng\n\nkế hoạch\n"
    assert tachtu.segment(text) == "Nhà_Trắng\n\nkế_hoạch\n"


def test_tokenize_offsets() -> None:
    text = "Nhà  Trắng cho\nbiết, kế hoạch"
    tokens = tachtu.tokenize(text)
    assert [t.text for t in tokens][:2] == ["Nhà  Trắng", "cho"]
    assert tokens[0].form == "Nhà_Trắng"
    for t in tokens:
        assert text[t.start : t.end] == t.text
    covered = "".join(t.text for t in tokens)
    assert "".join(covered.split()) == "".join(text.split())


def test_nfd_offsets_are_original() -> None:
    text = unicodedata.normalize("NFD", "Nhà Trắng cho biết")
    tokens = tachtu.tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokens[0].text == text[: tokens[0].end] and "_" in tokens[0].form


def test_normalize_option() -> None:
    assert Segmenter(normalize="tone-old").segment("hòa bình") == "hoà_bình"
    assert Segmenter(normalize="tone-new").segment("hoà bình") == "hòa_bình"
    with pytest.raises(TachtuError):
        Segmenter(normalize="bogus")  # type: ignore[arg-type]


def test_pipe_equals_segment() -> None:
    seg = Segmenter()
    lines = [EXAMPLE, "", "hà nội"]
    assert list(seg.pipe(lines)) == [seg.segment(x) for x in lines]


def test_reference_and_compiled_paths_agree() -> None:
    ref = Segmenter(compiled=False)
    fast = Segmenter()
    for text in GOLDEN:
        assert ref.segment(text[0]) == fast.segment(text[0])


def test_model_round_trip_bytes() -> None:
    model = Model.load()
    data = model.to_bytes()
    again = Model.from_bytes(data)
    assert again.to_bytes() == data
    assert Segmenter(again).segment(EXAMPLE) == EXPECTED


@pytest.mark.parametrize("blob", [b"", b"nope", b"TACHTU\0\x09rest", Model.load().to_bytes()[:-3]])
def test_bad_model_is_a_clear_error(blob: bytes) -> None:
    with pytest.raises(tachtu.ModelError):
        Model.from_bytes(blob)


def test_token_is_picklable() -> None:
    tok = tachtu.tokenize("kế hoạch")[0]
    assert pickle.loads(pickle.dumps(tok)) == tok


@pytest.mark.parametrize("kwargs", [{}, {"normalize": "tone-old"}, {"user_dict": ["FIS Bank"]}, {"profile": "vncorenlp"}])
def test_segmenter_pickles(kwargs: dict[str, object]) -> None:
    seg = Segmenter(**kwargs)  # type: ignore[arg-type]
    again = pickle.loads(pickle.dumps(seg))
    text = "Ngân hàng FIS Bank cho biết hòa bình " + EXAMPLE
    assert again.segment(text) == seg.segment(text)
    assert again.tokenize(text) == seg.tokenize(text)


def test_segmenter_with_own_model_pickles() -> None:
    seg = Segmenter(Model.load())
    assert pickle.loads(pickle.dumps(seg)).segment(EXAMPLE) == EXPECTED


# -- Title Case lines ----------------------------------------------------------------
def test_fold_title_line_only_on_title_case_lines() -> None:
    from tachtu.model.features import Shape, fold_title_line

    T, L, U, F, P = Shape.TITLE, Shape.LOWER, Shape.UPPER, Shape.FOREIGN_TITLE, Shape.PUNCT
    assert fold_title_line([T, T, P, T, F, U, T]) == [L, L, P, L, F, U, L]
    for shapes in ([T, T, T, L, T], [T, T, T, F, U], [U, U, U, U, U]):  # a lower syllable, too few, none
        assert fold_title_line(shapes) == shapes


@pytest.mark.parametrize("compiled", [True, False])
def test_title_case_line_segments_as_lower_case(compiled: bool) -> None:
    seg = Segmenter(compiled=compiled)
    lower = "thủ tướng chính phủ yêu cầu các bộ ngành khẩn trương triển khai kế hoạch"
    title = " ".join(w[0].upper() + w[1:] for w in lower.split())
    expected = seg.segment(lower)
    assert expected.count("_") >= 4
    assert seg.segment(title).lower() == expected
    # running text keeps its case cues: one lower-case syllable and nothing is folded
    assert seg.segment("Nhà Trắng cho biết") == "Nhà_Trắng cho biết"
