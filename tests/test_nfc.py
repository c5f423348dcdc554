"""``_nfc`` (NFC and its offset map in C) gives exactly ``normalize.to_nfc``'s
text, starts and ends, or hands the line back; and the line path is unchanged."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_nfc = pytest.importorskip("tachtu.model._nfc")

from tachtu.api import Segmenter  # noqa: E402
from tachtu.normalize import CLUSTER_SAFE_RANGES, LONG_CLUSTER, to_nfc  # noqa: E402

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bench" / "news_raw.txt"
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COVERED_RANGES = CLUSTER_SAFE_RANGES + _nfc.INERT_RANGES


@pytest.fixture(scope="module")
def segmenters() -> tuple[Segmenter, Segmenter]:
    """The compiled backend and the reference path, on the bundled model."""
    compiled = Segmenter()
    assert compiled.backend == "compiled"
    return compiled, Segmenter(compiled.model, compiled=False)


def covered(text: str) -> bool:
    return all(any(lo <= ord(c) <= hi for lo, hi in COVERED_RANGES) for c in text)


def expected(text: str) -> tuple[str, list[int], list[int]]:
    norm = to_nfc(text)
    assert norm.starts is not None and norm.ends is not None
    return norm.text, list(norm.starts), list(norm.ends)


def check(text: str) -> tuple[str, list[int] | None, list[int] | None] | None:
    """compose == to_nfc wherever compose answers, and it knows NFC text (no maps)."""
    got = _nfc.compose(text)
    if got is not None:
        nfc = unicodedata.is_normalized("NFC", text)
        assert got == ((text, None, None) if nfc else expected(text)), ascii(text)
    return got


# -- strategies ---------------------------------------------------------------------
VIETNAMESE = "Việt Nam người Đà Nẵng hoà khỏe thuỷ quý ĐỨC ưởng ặ ỗ ừ ợ Ẩ"
BASES = list("aeiouyAEIOUY dđĐnqxăâêôơưĂÂÊÔƠƯ") + ["α", "ω", "Ω", "и", "е", "ø"]
MARKS = st.one_of(
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # Vietnamese and any other
    st.sampled_from(["\u1dc0", "\u1dfe", "\u20d0", "\u20e3", "\u0483", "\u0591", "\u05c4", "\u0610", "\u0670"]),
)
OTHER = [
    "한", "가", "힣", "中", "国", "㐀", "\u1100", "\u1161", "\u11a8", "\uf900", "\u2f00",  # Hangul, CJK
    "क", "\u093c", "\u0958", "\u09be", "\u09c7", "ع", "ש", "ก", "\u0e33",  # other scripts
    "😀", "👍🏽", "\U0001d15e", "\U00020000", "\U0010fffd",  # astral
    "\u0344", "\u0340", "\u0343", "\u0374", "\u037e", "\u0387", "\u2adc", "\u212b", "\u2126", "\u2329",  # odd ones
    ",", ".", "1", "-", "\u00c5", "\u1e14", "\u01d5",
]
SPACES = [" ", "  ", "\t", "\xa0", "\u3000", "\u2028", "\x1c", "\x85"]


@st.composite
def mixed_text(draw: st.DrawFn, alphabet: list[str] | None = None) -> str:
    """Words, letters with marks in any order (several, or none, or before any base), other
    scripts and whitespace."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            word = draw(st.sampled_from(VIETNAMESE.split()))
            parts.append(unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), word))
        elif kind <= 2:
            base = draw(st.sampled_from(BASES + [""]))
            parts.append(base + "".join(draw(st.lists(MARKS, max_size=5))))
        elif kind == 3:
            parts.append(draw(st.sampled_from(alphabet if alphabet is not None else OTHER)))
        else:
            parts.append(draw(st.sampled_from(SPACES)))
    return "".join(parts)


COVERED_OTHER = [c for c in OTHER if covered(c)]


# -- equality with to_nfc ------------------------------------------------------------
@SETTINGS
@given(text=mixed_text())
def test_compose_equals_to_nfc(text: str) -> None:
    check(text)


@SETTINGS
@given(text=mixed_text(COVERED_OTHER))
def test_covered_text_is_composed_in_c(text: str) -> None:
    assert check(text) is not None, ascii(text)


@pytest.mark.parametrize(
    "text",
    [
        "Vie\u0323\u0302t Nam",                        # Vietnamese NFD: the whole line at once
        "\u0301\u0323a",                               # marks at the line start (reordered)
        "\u0301\u0300b c\u0323\u0302 d",              # two of them: that run goes cluster by cluster
        "a \u0301\u0323b e\u0301",                     # marks after a space
        "ha\u0344 x\u0340",                            # marks that decompose; NFC is longer than the line
        "e\u0328\u0301 o\u0302\u0323\u0301",           # a mark that stays beside the composed letter
        "\u2adc \u212b \u2126 \u01d5\u0301",           # excluded composite, singletons, nested composites
        "a" + "\u0301\u0323" * 20 + " b\u0301",        # 40 marks: to_nfc's long-cluster route
        "\u0301\u0323" * LONG_CLUSTER + "x",            # a long run of marks with no base
        "한\u0301 中\u0323 e\u0301",                    # inert characters with marks
        "\u1dc0\u20d0a\u0483\u0323\u1dc1",             # marks from other blocks
    ],
)
def test_compose_golden(text: str) -> None:
    assert not unicodedata.is_normalized("NFC", text)
    assert check(text) is not None


@pytest.mark.parametrize(
    "text", ["", "Việt Nam", "q\u0301 x", "\u0301a", "\u0105\u0301", "한\u0301 中 😀", " \u0301\u0302"]
)
def test_nfc_text_is_left_alone(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)
    assert check(text) == (text, None, None)


@pytest.mark.parametrize(
    "text",
    [
        "\u1100\u1161 e\u0301",          # conjoining jamo: not covered
        "\u0915\u093c e\u0301",          # Devanagari nukta: not covered
        "\U0001d15e e\u0301",            # an astral character with a decomposition
        "e\u0301 \U00020000",            # CJK Extension B
        "a" + "\u0301\u0323" * 200,      # a cluster longer than the C segment buffer
    ],
)
def test_fallback_where_not_covered(text: str, segmenters: tuple[Segmenter, Segmenter]) -> None:
    assert _nfc.compose(text) is None
    compiled, reference = segmenters
    assert compiled.segment_line(text) == reference.segment_line(text)
    assert compiled.tokenize(text) == reference.tokenize(text)


def test_fallback_when_the_buffers_are_too_small() -> None:
    text = "\u0344" * 10                 # each composes to two characters
    assert _nfc.compose(text, cap=10) is None
    assert _nfc.compose(text, cap=20) == expected(text)


def test_tables_cover_every_composition_and_decomposition() -> None:
    """Every primary composite of two covered characters is composed, every covered
    character gives what to_nfc gives, and runs split where to_nfc's regex splits them."""
    space = re.compile(r"\s")
    assert all((space.match(chr(code)) is not None) == chr(code).isspace() for code in range(0x110000))
    n_pairs = 0
    for code in range(0x110000):
        fields = unicodedata.decomposition(chr(code)).split()
        if len(fields) != 2 or fields[0].startswith("<"):
            continue
        pair = chr(int(fields[0], 16)) + chr(int(fields[1], 16))
        if covered(pair) and not unicodedata.is_normalized("NFC", pair):
            assert check(pair) is not None, ascii(pair)
            n_pairs += 1
    assert n_pairs > 800
    for lo, hi in COVERED_RANGES:
        for code in range(lo, hi + 1):
            assert check(chr(code)) is not None, hex(code)
            assert check(f"a{chr(code)}\u0301") is not None, hex(code)


# -- the line path ---------------------------------------------------------------------
def test_line_path_on_decomposed_text_equals_reference(segmenters: tuple[Segmenter, Segmenter]) -> None:
    lines = [
        "Vie\u0323\u0302t Nam  ho\u0300a bi\u0300nh", "\u0301a\u0300 b", "a" + "\u0301\u0323" * 20,
        "ha\u0344 x\u0340 y", "\u1100\u1161 Vie\u0323\u0302t", "한 中 Vie\u0323\u0302t Nam",
        "Nha\u0300\u3000Tra\u0306\u0301ng",
    ]
    if NEWS.exists():
        with NEWS.open(encoding="utf-8") as handle:
            lines += [unicodedata.normalize("NFD", next(handle).rstrip("\n")) for _ in range(40)]
    compiled, reference = segmenters
    for line in lines:
        assert compiled.segment_line(line) == reference.segment_line(line), ascii(line)
        assert compiled.tokenize(line) == reference.tokenize(line), ascii(line)


def test_python_is_asked_only_for_lines_not_covered(
    monkeypatch: pytest.MonkeyPatch, segmenters: tuple[Segmenter, Segmenter]
) -> None:
    """Covered lines, NFC or not, never reach unicodedata.is_normalized or to_nfc."""
    from tachtu import normalize as normalize_module
    from tachtu.backends import PythonBackend
    from tachtu.model.compiled import CompiledBackend

    texts = ["Việt Nam", "Vie\u0323\u0302t Nam", "q\u0301 ha\u0344", "한 中 e\u0301", ""]
    texts.append("\u1100\u1161 Vie\u0323\u0302t")    # conjoining jamo: not covered
    wanted = [segmenters[1].segment_line(text) for text in texts]
    calls: list[str] = []
    real_to_nfc, real_is_normalized = normalize_module.to_nfc, unicodedata.is_normalized

    def to_nfc(text: str) -> object:
        calls.append("to_nfc")
        return real_to_nfc(text)

    def is_normalized(form: str, text: str) -> bool:
        calls.append("is_normalized")
        return real_is_normalized(form, text)

    monkeypatch.setattr(normalize_module, "to_nfc", to_nfc)
    monkeypatch.setattr(unicodedata, "is_normalized", is_normalized)
    model = segmenters[0].model
    line = CompiledBackend(model, PythonBackend(model))._line
    assert [line.segment_line(text) for text in texts[:-1]] == wanted[:-1]
    assert calls == []
    assert line.segment_line(texts[-1]) == wanted[-1]
    assert calls[:2] == ["is_normalized", "to_nfc"]
