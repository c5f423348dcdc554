"""The compiled scorer and fast path must equal the reference path exactly.

Skipped when the extension is not built (``pip install -e .`` builds it).
"""

from __future__ import annotations

import random
import threading
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_scorer = pytest.importorskip("tachtu.model._scorer")

from tachtu.api import Segmenter  # noqa: E402
from tachtu.model.encode import Encoder  # noqa: E402
from tachtu.model.fast import GAP_TEMPLATES, FastPath, template_keys  # noqa: E402
from tachtu.model.features import Kind, Shape, Template, feature_key, gap_features  # noqa: E402
from tachtu.model.model import Model  # noqa: E402
from tachtu.model.scorer_ref import ReferenceScorer  # noqa: E402
from tachtu.pretokenize import pretokenize  # noqa: E402
from tachtu.normalize import to_nfc  # noqa: E402

UD_TEST = Path("/work/shared/data/ud_vtb/test.wseg.txt")
NEWS = Path("/work/shared/data/bench/news_raw.txt")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- fixtures ------------------------------------------------------------------
@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load()


@pytest.fixture(scope="module")
def reference_scorer(model: Model) -> ReferenceScorer:
    return ReferenceScorer(model)


@pytest.fixture(scope="module")
def compiled_scorer(model: Model) -> Any:
    return _scorer.CompiledScorer(model)


@pytest.fixture(scope="module")
def reference(model: Model) -> Segmenter:
    return Segmenter(model, compiled=False)


@pytest.fixture(scope="module")
def fast(model: Model, compiled_scorer: Any) -> FastPath:
    return FastPath(compiled_scorer, Encoder(model).lookup)


def ref_tokens(seg: Segmenter, line: str) -> list[tuple[str, int, int, str]]:
    return [(t.text, t.start, t.end, t.form) for t in seg._line_tokens(line, 0)]


def assert_same(fast: FastPath, reference: Segmenter, line: str) -> None:
    got = fast.segment_line(line)
    if got is None:  # handed back: only when a piece holds whitespace (a spaced number, odd spaces)
        assert any(any(c.isspace() for c in line[p.start : p.end]) for p in pretokenize(to_nfc(line).text)), repr(line)
        assert fast.tokenize_line(line) is None
        return
    assert got == reference.segment_line(line), repr(line)
    assert fast.tokenize_line(line) == ref_tokens(reference, line), repr(line)


# -- strategies ------------------------------------------------------------------
SYLLABLES = (
    "nhà trắng cho biết kế hoạch tấn công của quân đội việt nam hòa hoà thủy thuỷ khỏe khoẻ "
    "người ta đã trở thành mối lo chung toàn xã hội những con số thống kê có thật quý "
    "giải pháp thì đang đi lòng vòng Hà Nội TP HCM Nguyễn Văn An ĐH QG PGS TS ThS GS Q P H "
    "Mr Dr St Jr Co Ltd No tr v www http ftp com net vn org jean claude lâm ga facebook iPhone"
).split()
PUNCT = list(",.;:!?()[]\"“”‘’'…-–—/%&*+=#@_<>«»") + ["...", "..", "v.v.", "v.v...", "\x00"]
SPECIAL = [
    "50.000", "1,5", "21/3/2024", "1-7-2004", "10:30", "-5", "+84", "−3", "33.000đ", "10%", "F-16",
    "COVID-19", "29A-123.45", "U23", "3G", "TP.HCM", "TP.", "PGS.TS", "N.V.HẢI", "P.Tân", "C.Th", "N.",
    "V.H.Q.", "https://vnexpress.net/a-b.html", "www.chinhphu.vn", "vnexpress.net", "chinhphu.vn/portal",
    "a@b.com", "#hashtag", "@user", "học_máy", "a_b_c", "Jean-Claude", "H'Lâm", "M’Ga", "x.y", "a.b.c",
    "😀", "👍🏽", "🇻🇳", "©", "™", "²", "½", "Ⅻ", "e\u0301", "Vie\u0323\u0302t", "a\u200db", "\ufeff",
]
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\u2009", "\u3000", "\u205f", "\r", "\x0b", "\x1c", "\u2028"]


@st.composite
def vietnamese_like(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 9))
        if kind <= 4:
            word = draw(st.sampled_from(SYLLABLES))
            case = draw(st.integers(0, 5))
            word = word.upper() if case == 0 else word.title() if case == 1 else word
            if draw(st.integers(0, 9)) == 0:
                word = unicodedata.normalize("NFD", word)
        elif kind <= 6:
            word = draw(st.sampled_from(PUNCT))
        elif kind == 7:
            word = draw(st.sampled_from(SPECIAL))
        elif kind == 8:
            word = str(draw(st.integers(-10**6, 10**9)))
        else:
            word = draw(st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=4))
        parts.append(word)
        glue = draw(st.integers(0, 5))
        if glue == 0:
            parts.append("")  # written together: Rafah,
        else:
            parts.append(draw(st.sampled_from(SPACES)) if glue == 1 else " ")
    return "".join(parts)


# -- keys and templates ---------------------------------------------------------
@SETTINGS
@given(template=st.integers(0, 40), values=st.lists(st.integers(0, 2**64 - 1), max_size=6))
def test_fkey_equals_feature_key(template: int, values: list[int]) -> None:
    assert _scorer.fkey(template, *values) == feature_key(template, *values)


@SETTINGS
@given(ids=st.lists(st.integers(0, 20000), min_size=2, max_size=12), data=st.data())
def test_gap_templates_mirror_gap_features(ids: list[int], data: st.DataObject) -> None:
    """``fast.GAP_TEMPLATES`` must list ``gap_features``'s templates, in order.

    If this fails after a template was added to ``features.gap_features``, add
    the same line to ``GAP_TEMPLATES`` in ``model/fast.py``.
    """
    shapes = data.draw(st.lists(st.sampled_from(list(Shape)), min_size=len(ids), max_size=len(ids)))
    assert template_keys(ids, shapes) == gap_features(ids, shapes, [])
    assert all(Template(t) == t for t, _ in GAP_TEMPLATES)


# -- scorer ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_ids(model: Model) -> list[int]:
    """Ids that co-occur in real text, so that n-gram features actually fire."""
    encoder = Encoder(model)
    ids: list[int] = []
    lines = UD_TEST.read_text(encoding="utf-8").splitlines()[:200] if UD_TEST.exists() else []
    lines += ["Nhà Trắng cho biết kế hoạch tấn công của quân đội", "về kế hoạch tấn công"]
    for line in lines:
        text = line.replace("_", " ")
        ids += encoder.encode(text, pretokenize(text))[0]
    return ids


@SETTINGS
@given(data=st.data())
def test_joins_equal_on_random_arrays(
    data: st.DataObject, reference_scorer: ReferenceScorer, compiled_scorer: Any, real_ids: list[int], model: Model
) -> None:
    n = data.draw(st.integers(0, 40))
    n_ids = len(model.vocab) + 15
    if data.draw(st.booleans()):  # runs of real text (dictionary matches, known n-grams)
        start = data.draw(st.integers(0, max(0, len(real_ids) - n)))
        ids = real_ids[start : start + n]
        n = len(ids)
    else:
        ids = data.draw(st.lists(st.one_of(st.integers(0, 30), st.integers(0, n_ids + 100), st.sampled_from(real_ids)),
                                 min_size=n, max_size=n))
    shapes = data.draw(st.lists(st.sampled_from([int(s) for s in Shape]), min_size=n, max_size=n))
    kinds = data.draw(st.lists(st.sampled_from(list(Kind)), min_size=n, max_size=n))
    spaces = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    assert compiled_scorer.scores(ids, shapes) == reference_scorer.scores(ids, shapes)
    assert compiled_scorer.joins(ids, shapes, kinds, spaces) == reference_scorer.joins(ids, shapes, kinds, spaces)


def test_scores_equal_on_real_sentences(
    reference_scorer: ReferenceScorer, compiled_scorer: Any, model: Model
) -> None:
    if not UD_TEST.exists():
        pytest.skip("UD VTB test set not present")
    encoder = Encoder(model)
    for line in UD_TEST.read_text(encoding="utf-8").splitlines()[:300]:
        text = line.replace("_", " ")
        pieces = pretokenize(text)
        ids, shapes = encoder.encode(text, pieces)
        assert compiled_scorer.scores(ids, shapes) == reference_scorer.scores(ids, shapes)


# -- whole lines -----------------------------------------------------------------------
@SETTINGS
@given(line=vietnamese_like())
def test_fast_path_equals_reference(line: str, fast: FastPath, reference: Segmenter) -> None:
    assert_same(fast, reference, line)


@SETTINGS
@given(line=st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=30))
def test_fast_path_equals_reference_on_any_text(line: str, fast: FastPath, reference: Segmenter) -> None:
    assert_same(fast, reference, line)


@pytest.mark.parametrize(
    "line",
    [
        "", " ", "   ", "\t", "Nhà Trắng cho biết", "  Nhà   Trắng  ", "TP.HCM, ngày 21/3/2024: 50.000đ (tăng 10%)...",
        "N. Thường", "N.", "N. 5", "v.v... và", "Ông N.V.HẢI nói", "xem vnexpress.net/a.html!", "học_máy  học máy",
        "a\u3000b", "a\u205fb", "Vie\u0323\u0302t Nam", "😀 👍🏽 🇻🇳 ok", "\ufeffBOM", "hòa hoà Hoà HOÀ",
    ],
)
def test_fast_path_golden(line: str, fast: FastPath, reference: Segmenter) -> None:
    assert_same(fast, reference, line)


def test_fast_path_equals_reference_on_real_sentences(fast: FastPath, reference: Segmenter) -> None:
    lines: list[str] = []
    if UD_TEST.exists():
        lines += [line.replace("_", " ") for line in UD_TEST.read_text(encoding="utf-8").splitlines()]
    if NEWS.exists():
        with NEWS.open(encoding="utf-8") as handle:
            lines += [next(handle).rstrip("\n") for _ in range(100)]
    if not lines:
        pytest.skip("no real text present")
    for line in lines:
        assert_same(fast, reference, line)
    # twice: the second time every chunk comes from the cache
    for line in lines[:200]:
        assert_same(fast, reference, line)


@pytest.mark.parametrize("mode", ["nfc", "tone-old", "tone-new"])
def test_fast_path_normalize_modes(mode: str, model: Model, compiled_scorer: Any) -> None:
    reference = Segmenter(model, compiled=False, normalize=mode)  # type: ignore[arg-type]
    fast = FastPath(compiled_scorer, Encoder(model).lookup, normalize=mode)
    for line in ["Hòa bình cho Thủy Khoẻ khỏe", "Vie\u0323\u0302t Nam hoà", "quý   hoà  bình", ""]:
        assert fast.segment_line(line) == reference.segment_line(line)
        assert fast.tokenize_line(line) == ref_tokens(reference, line)


def test_threads_equal_sequential(fast: FastPath, reference: Segmenter) -> None:
    rng = random.Random(0)
    words = SYLLABLES + PUNCT + SPECIAL
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 120))) for _ in range(300)]
    expected = [reference.segment_line(line) for line in lines]
    results: dict[int, list[str | None]] = {}

    def work(k: int) -> None:
        results[k] = [fast.segment_line(line) for line in lines]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        assert results[k] == expected
