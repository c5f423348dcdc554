"""The compiled scorer and line path must equal the reference path exactly.

Skipped when the extension is not built (``pip install -e .`` builds it).
"""

from __future__ import annotations

import random
import threading
from array import array
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_scorer = pytest.importorskip("tachtu.model._scorer")

from tachtu.api import Segmenter  # noqa: E402
from tachtu.model.encode import Encoder  # noqa: E402
from tachtu.backends import PythonBackend  # noqa: E402
from tachtu.model.compiled import (  # noqa: E402
    _LEAD_CANDIDATES,
    _PAIR_FIRST_CANDIDATES,
    _TRAIL_CANDIDATES,
    CompiledBackend,
    chunk_pieces_function,
    edge_punctuation,
)
from tachtu.model.features import (  # noqa: E402
    N_SPECIAL,
    Kind,
    Shape,
    dict_matches,
    feature_key,
    gap_features,
)
from tachtu.model.model import Model  # noqa: E402
from tachtu.model.scorer_ref import ReferenceScorer  # noqa: E402
from tachtu.pretokenize import pretokenize  # noqa: E402
from tachtu.errors import DictionaryError  # noqa: E402
from tachtu.normalize import fold_tone, to_nfc  # noqa: E402
from tachtu.userdict import UserDict  # noqa: E402

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
def compiled(model: Model) -> Segmenter:
    return Segmenter(model)


@pytest.fixture(scope="module")
def python_backend(model: Model) -> PythonBackend:
    return PythonBackend(model)


class FastPath:
    """The C line path alone: None where it hands a line to the Python backend."""

    def __init__(self, scorer: Any, python: PythonBackend, normalize: str = "none", user_dict: Any = None) -> None:
        self.backend = CompiledBackend(scorer, python, normalize, user_dict)

    def _takes(self, line: str) -> bool:
        return not (" . " in line and self.backend._crosses_space(line))

    def segment_line(self, line: str) -> str | None:
        if "_" in line:  # the C path scores the copy with spaces for "_" (see ``underscores``)
            return self.backend.segment_line(line)
        return self.backend._line.segment_line(line) if self._takes(line) else None

    def tokenize_line(self, line: str) -> list[tuple[str, int, int, str]] | None:
        if "_" in line:
            return self.backend.tokenize_line(line)
        return self.backend._line.tokenize_line(line) if self._takes(line) else None


@pytest.fixture(scope="module")
def fast(compiled_scorer: Any, python_backend: PythonBackend) -> FastPath:
    return FastPath(compiled_scorer, python_backend)


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
    "हिन्दी", "1️⃣", "\u0301", "\u20e3", "nguyễn_10:30", "youtu.be", "100/2019/NĐ-CP", ":))", "^^", "tp.hcm", "N.ẨN",
]
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\u2009", "\u3000", "\u205f", "\r", "\x0b", "\x1c", "\u2028", "\u2029",
          "\x85", " \x0c "]


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


@pytest.mark.parametrize("every", [3, 4, 7])
def test_joins_equal_when_few_gaps_may_join(
    every: int, reference_scorer: ReferenceScorer, compiled_scorer: Any, real_ids: list[int]
) -> None:
    """The compiled scorer scores only the gaps that may join (runs of them, and the
    n-grams that reach one); lines where only one gap in ``every`` may join still
    get the reference's joins, with every shape of line and phase of the pattern."""
    rng = random.Random(every)
    joined = 0
    for start in range(0, max(1, len(real_ids) - 40), 7):
        ids = real_ids[start : start + 40]
        n = len(ids)
        phase = rng.randrange(every)
        shapes = [rng.choice([int(Shape.LOWER), int(Shape.TITLE), int(Shape.FOREIGN_LOWER)]) for _ in range(n)]
        kinds = [Kind.WORD if (i + phase) % every in (0, 1) else Kind.PUNCT for i in range(n)]
        spaces = [rng.random() < 0.9 for _ in range(n)]
        joins = compiled_scorer.joins(ids, shapes, kinds, spaces)
        assert joins == reference_scorer.joins(ids, shapes, kinds, spaces), start
        joined += sum(joins)
    assert joined  # not vacuous: some of the open gaps join


def test_scores_equal_on_a_line_longer_than_a_key_block(
    reference_scorer: ReferenceScorer, compiled_scorer: Any, real_ids: list[int]
) -> None:
    """The compiled scorer collects hashed keys 4096 gaps at a time; across block
    edges the scores are those of the reference."""
    rng = random.Random(7)
    ids = [rng.choice(real_ids) for _ in range(3 * 4096 + 5)]
    shapes = [rng.choice([int(s) for s in Shape]) for _ in ids]
    assert compiled_scorer.scores(ids, shapes) == reference_scorer.scores(ids, shapes)


def test_memory_per_character_of_a_long_line_is_bounded(tmp_path: Path) -> None:
    """Regression: the line path's key buffers took 8 + 4 bytes per template per
    piece (one 50 MB line: 2.2 GB, 56 bytes per character); collected per block of
    gaps they no longer grow with the line.  Measured in a fresh process (peak RSS)."""
    import subprocess
    import sys

    script = tmp_path / "rss.py"
    script.write_text(
        "import resource, tachtu\n"
        "seg = tachtu.Segmenter(); seg.segment('khởi động')\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "unit = 'Hôm nay trời đẹp quá, sinh viên Trường Đại học Bách khoa Hà Nội đi thư viện lúc 7 giờ 30. '\n"
        "line = unit * 40000\n"
        "seg.segment(line)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024 / len(line))\n",
        encoding="utf-8",
    )
    per_char = float(subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True).stdout)
    assert per_char < 40, f"{per_char:.1f} bytes per character"


def test_scores_equal_on_real_sentences(
    reference_scorer: ReferenceScorer, compiled_scorer: Any, model: Model
) -> None:
    if not UD_TEST.exists():
        pytest.skip("UD VTB test set not present")
    encoder = Encoder(model)
    for line in UD_TEST.read_text(encoding="utf-8").splitlines()[:300]:
        text = line.replace("_", " ")
        pieces = pretokenize(text)
        ids, shapes, *_ = encoder.encode(text, pieces)
        assert compiled_scorer.scores(ids, shapes) == reference_scorer.scores(ids, shapes)


def test_scores_equal_with_every_key_weighted(model: Model, real_ids: list[int]) -> None:
    """Random weights on every key that fires, so no template hides behind a zero weight.

    The shipped model weights few of the combinations the compiled tables and
    fallbacks cover (an affix key of an id outside the vocabulary, a rare shape
    pair under a dictionary match); here each one counts.
    """
    rng = random.Random(7)
    n_ids = N_SPECIAL + len(model.vocab)
    dictionaries = [frozenset(d) for d in model.dictionaries]
    arrays = []
    for _ in range(400):
        n = rng.randint(1, 30)
        start = rng.randrange(max(1, len(real_ids) - n))
        ids = real_ids[start : start + n]
        for i in range(len(ids)):  # some pieces unknown or beyond the vocabulary
            if rng.random() < 0.15:
                ids[i] = rng.choice([rng.randrange(N_SPECIAL), rng.randrange(n_ids, n_ids + 50)])
        shapes = [rng.choice([int(s) for s in Shape]) for _ in ids]
        arrays.append((ids, shapes))
    keys = {k for ids, shapes in arrays for gap in gap_features(ids, shapes, dict_matches(ids, dictionaries)) for k in gap}
    weighted = Model(model.vocab, array("Q", sorted(keys)), array("i", [rng.randint(-5000, 5000) for _ in keys]),
                     model.dictionaries)
    reference, compiled = ReferenceScorer(weighted), _scorer.CompiledScorer(weighted)
    assert len(keys) > 5000
    for ids, shapes in arrays:
        assert compiled.scores(ids, shapes) == reference.scores(ids, shapes)


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
        "Nhà\u2029Trắng", "Nhà \u2028 \x85 Trắng\rcho\x0bbiết", "हिन्दी 1️⃣ .\u0301a\u0300", "cung_cấp nước lạnh",
        "nguyễn_10:30 (foo_bar),", "john_doe@gmail.com t.me/x 100/2019/NĐ-CP :)) tp.hcm",
    ],
)
def test_fast_path_golden(line: str, fast: FastPath, reference: Segmenter) -> None:
    assert_same(fast, reference, line)


@given(line=st.text(st.sampled_from("a _.1  đ\u0301\u3000"), max_size=14))
@SETTINGS
def test_segmenter_segment_line_is_the_c_method_and_routes_alike(line: str, compiled: Segmenter,
                                                                  reference: Segmenter) -> None:
    """``Segmenter.segment_line`` is ``LineSegmenter.segment``: the lines with ``_`` or
    `` . `` (a spaced number or not) go to the slow path, and all come out as the
    reference's."""
    seg = compiled
    assert seg.segment_line == seg._backend._line.segment
    for text in (line, "giá 1 . 000 đồng", "a . b", "x_y . z", " . ", "Nhà Trắng cho biết"):
        assert seg.segment_line(text) == reference.segment_line(text) == seg._backend._segment_line(text), repr(text)


def test_edge_punctuation_is_split_without_the_regex() -> None:
    """Every candidate passes the load-time check on today's regex: the shortcut is on."""
    lead, trail, pair_first = edge_punctuation(chunk_pieces_function())
    assert (lead, trail, pair_first) == (_LEAD_CANDIDATES, _TRAIL_CANDIDATES, _PAIR_FIRST_CANDIDATES)


@pytest.mark.parametrize("word", ["a", "nhà", "Trắng", "TP", "Tp", "tr", "ths", "pgs", "N", "Đ", "ĐH", "www", "http",
                                  "com", "v", "SOS", "iPhone", "²", "Ⅻ", "ABC", "nguyễn"])
def test_edge_punctuation_chunks_equal_reference(word: str, fast: FastPath, reference: Segmenter) -> None:
    """Chunks of letters with punctuation before or after them (what the C path splits
    itself, and the near misses it leaves to the regex) segment as the reference does."""
    befores = ["", *_LEAD_CANDIDATES, ":", "-", "'"]
    afters = ["", *_TRAIL_CANDIDATES, "..", "...", ":)", ";)", "-", "'", "'s", ".a", ")."]
    afters += [c + d for c in _PAIR_FIRST_CANDIDATES for d in _TRAIL_CANDIDATES]
    for before in befores:
        chunk_line = " ".join(before + word + after for after in afters)
        assert_same(fast, reference, chunk_line)
        assert_same(fast, reference, f"{before}{word}. Thường")
        assert_same(fast, reference, f"x {before}{word}.")


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
    fast = FastPath(compiled_scorer, PythonBackend(model), normalize=mode)
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


# -- user dictionaries: the compiled matcher (``_scorer.user_dict_apply``) equals ``UserDict.apply`` --
def with_user_dict(seg: Segmenter, user_dict: UserDict) -> Segmenter:
    """The reference ``seg`` with another user dictionary (without loading the model again)."""
    python = object.__new__(PythonBackend)
    python.__dict__.update(seg._backend.__dict__, user_dict=user_dict)
    other = object.__new__(Segmenter)
    other.__dict__.update(seg.__dict__, _user_dict=user_dict, _backend=python, segment_line=python.segment_line)
    return other


@pytest.fixture(scope="module")
def lookup(python_backend: PythonBackend) -> PythonBackend:
    """The Python backend whose encoder fills the C caches (named for what it gives them)."""
    return python_backend


def _variant(draw: st.DrawFn, syllable: str) -> str:
    """The same syllable as a user may write it: case, tone placement, NFD."""
    form = draw(st.integers(0, 6))
    if form == 0:
        syllable = syllable.upper()
    elif form == 1:
        syllable = syllable.title()
    elif form == 2:
        syllable = fold_tone(syllable, "new")
    elif form == 3:
        syllable = fold_tone(syllable, "old")
    if draw(st.integers(0, 5)) == 0:
        syllable = unicodedata.normalize("NFD", syllable)
    return syllable


@st.composite
def line_and_entries(draw: st.DrawFn, pool: tuple[str, ...] = tuple(SYLLABLES)) -> tuple[str, list[str]]:
    """A line, and entries taken from its own pieces (so that they match) or from ``pool``;
    each entry in some spelling, with a random prefix and separator."""
    line = draw(vietnamese_like())
    text = to_nfc(line).text
    pieces = [text[p.start : p.end] for p in pretokenize(text) if p.kind not in (Kind.PUNCT, Kind.UNDERSCORE)]
    entries = []
    for _ in range(draw(st.integers(0, 10))):
        if pieces and draw(st.booleans()):
            start = draw(st.integers(0, len(pieces) - 1))
            syllables = pieces[start : start + draw(st.integers(2, 5))]
        else:
            syllables = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=4))
        entry = draw(st.sampled_from(["", "", "", "-", "=", "-=", "=-"])) + draw(
            st.sampled_from([" ", "_", "  ", "\t"])
        ).join(_variant(draw, s) for s in syllables)
        try:
            UserDict.load([entry])
        except DictionaryError:  # e.g. a piece that is not one piece on its own ("3G" in "...3G")
            continue
        entries.append(entry)
    return line, entries


_DENSE = ("hoà", "bình", "cho", "biết", "quý", "xqzv", "COVID-19", "S24", "2024", "ΑΣ")


@st.composite
def dense_case(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Few distinct syllables, so that entries overlap, nest and share prefixes."""
    words = draw(st.lists(st.sampled_from(_DENSE), max_size=16))
    line = "".join(_variant(draw, w) + draw(st.sampled_from([" ", " ", "  ", ", ", "\t"])) for w in words).strip()
    entries = [
        draw(st.sampled_from(["", "", "-", "=", "-="]))
        + " ".join(_variant(draw, s) for s in draw(st.lists(st.sampled_from(_DENSE), min_size=2, max_size=5)))
        for _ in range(draw(st.integers(1, 12)))
    ]
    return line, entries


@pytest.mark.parametrize("cases", [line_and_entries(), dense_case()], ids=["entries-from-line", "overlapping-entries"])
@SETTINGS
@given(data=st.data())
def test_user_dict_fast_equals_reference(
    cases: st.SearchStrategy[tuple[str, list[str]]], data: st.DataObject,
    compiled_scorer: Any, lookup: Any, reference: Segmenter,
) -> None:
    """The compiled matcher and ``UserDict.apply`` segment a line alike."""
    line, entries = data.draw(cases)
    user_dict = UserDict.load(entries)
    assert_same(FastPath(compiled_scorer, lookup, user_dict=user_dict), with_user_dict(reference, user_dict), line)


@pytest.mark.parametrize(
    "entries, line",
    [
        (["a b", "a b c d", "-a b c"], "a b c d e a b c x a b"),  # longest of a prefix chain; a dead end
        (["b c d", "a b"], "a b c d"),  # leftmost first
        (["=Apple Pay", "apple pay thẻ"], "Apple Pay thẻ Apple Pay APPLE PAY"),  # exact vs longer folded
        (["-=Hà Nội", "hà nội"], "Hà Nội hà nội HÀ NỘI"),  # exact beats folded of the same length
        (["hoà bình", "-Thuỷ Hoà"], "Hòa Bình thủy hòa HOÀ BÌNH thuỷ hoà bình"),  # tone placement, case
        (["Vie\u0323\u0302t Nam"], "Việt Nam Vie\u0323\u0302t Nam VIỆT NAM"),  # NFD entry and text
        (["xqzv plok", "COVID-19 vaccine", "Galaxy S24", "10.000 đồng"], "xqzv plok COVID-19 vaccine Galaxy S24 10.000 đồng"),
        (["cho biết", "-Cho Biết", "cho biết"], "ông cho biết"),  # the later line wins
        (["Hà Nội"], "Hà, Nội (Hà Nội) Hà.Nội"),  # never across punctuation or glued pieces
        (["ΟΔΟΣ ΑΣ"], "οδος ας ΟΔΟΣ ΑΣ"),  # Greek final sigma: each piece alone
    ],
)
def test_user_dict_golden(entries: list[str], line: str, compiled_scorer: Any, lookup: Any, reference: Segmenter) -> None:
    user_dict = UserDict.load(entries)
    assert_same(FastPath(compiled_scorer, lookup, user_dict=user_dict), with_user_dict(reference, user_dict), line)


def test_user_dict_big_on_real_sentences(compiled_scorer: Any, lookup: Any, reference: Segmenter) -> None:
    if not NEWS.exists():
        pytest.skip("no real text present")
    with NEWS.open(encoding="utf-8") as handle:
        lines = [next(handle).rstrip("\n") for _ in range(150)]
    rng = random.Random(1)
    words = sorted({w for line in lines for w in line.split() if w.isalpha()})
    # common words in every position, entries of 2 to 6 syllables, prefixes of each other
    entries = [" ".join(rng.choices(words, k=rng.choice((2, 2, 3, 4, 6)))) for _ in range(20_000)]
    for line in lines:  # runs of the text itself, some exact, some split
        alpha = [w for w in line.split() if w.isalpha()]
        entries += [rng.choice(["-", "=", ""]) + " ".join(alpha[k : k + 3]) for k in range(0, len(alpha) - 2, 5)]
    user_dict = UserDict.load(entries)
    fast = FastPath(compiled_scorer, lookup, user_dict=user_dict)
    ref = with_user_dict(reference, user_dict)
    for line in lines:
        assert_same(fast, ref, line)


def test_plain_line_detection_equal(model: Model) -> None:
    """The C line path tells lines without diacritics exactly as ``features.line_is_plain``:
    with ``plain_lines`` forced on (no weights for such lines), a wrong test would show."""
    from dataclasses import replace

    forced = replace(model, plain_lines=True)
    compiled, python = Segmenter(forced), Segmenter(forced, compiled=False)
    assert compiled.backend == "compiled"
    lines = ["toi song o ha noi", "Nhà Trắng cho biết", "TP HCM 2024", "ha noi va Hà Nội", "cafe\u0301 hom nay",
             "Ðà Nẵng", "ÀÁ", "x × y", "one two three", ""]
    for line in lines:
        assert compiled.segment(line) == python.segment(line), repr(line)
    assert compiled.segment("Nhà Trắng cho biết") == Segmenter(model).segment("Nhà Trắng cho biết")  # accented: as before
