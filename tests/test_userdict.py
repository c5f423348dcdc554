"""User dictionary: format, matching rules, errors, speed, and the Segmenter hook."""

from __future__ import annotations

import functools
import random
import time
from pathlib import Path

import pytest

import tachtu
from tachtu.errors import DictionaryError
from tachtu.pretokenize import pretokenize
from tachtu.userdict import UserDict


def words(ud: UserDict, line: str, model: list[bool] | None = None) -> list[str]:
    """Apply ``ud`` to ``line`` (model decisions default to all-split); return the words."""
    pieces = pretokenize(line)
    joins = ud.apply(line, pieces, model if model is not None else [False] * (len(pieces) - 1))
    assert len(joins) == len(pieces) - 1
    out, start = [], 0
    for i in range(len(pieces)):
        if i < len(joins) and joins[i]:
            continue
        out.append(line[pieces[start].start : pieces[i].end])
        start = i + 1
    return out


class TestFormat:
    def test_spaces_and_underscores_are_separators(self) -> None:
        ud = UserDict.load(["học máy", "trí_tuệ nhân_tạo", "  FIS   Bank  "])
        assert len(ud) == 3
        assert words(ud, "học máy và trí tuệ nhân tạo của FIS Bank") == [
            "học máy", "và", "trí tuệ nhân tạo", "của", "FIS Bank"
        ]

    def test_comments_and_blank_lines(self) -> None:
        ud = UserDict.load(["# a comment", "", "   ", "học máy", "  # indented comment"])
        assert len(ud) == 1

    def test_inline_comments(self) -> None:
        ud = UserDict.load(["FIS Bank   # a bank", "-cho biết\t# never joined", "=Apple Pay # exact"])
        assert ud.to_lines() == ["fis bank", "-cho biết", "=Apple Pay"]

    def test_file_path_str_and_pathlib(self, tmp_path: Path) -> None:
        f = tmp_path / "dict.txt"
        f.write_text("\ufeff# BOM is fine\nhọc máy\n-cho biết\n", encoding="utf-8")
        for source in (f, str(f)):
            ud = UserDict.load(source)
            assert ud.entries() == [("học máy", False, False), ("cho biết", True, False)]

    def test_duplicate_last_wins(self) -> None:
        ud = UserDict.load(["cho biết", "-Cho Biết"])
        assert len(ud) == 1
        assert words(ud, "cho biết", [True]) == ["cho", "biết"]

    def test_userdict_passes_through(self) -> None:
        ud = UserDict.load(["học máy"])
        assert UserDict.load(ud) is ud


class TestMatching:
    def test_join_stands_alone(self) -> None:
        ud = UserDict.load(["học máy"])
        # the model joined "về học" and "máy tính": the entry wins and stands alone
        assert words(ud, "về học máy tính", [True, True, True]) == ["về", "học máy", "tính"]

    def test_split_only_inside(self) -> None:
        ud = UserDict.load(["-cho biết"])
        # edges keep the model's decisions
        assert words(ud, "ông cho biết thêm", [True, True, True]) == ["ông cho", "biết thêm"]
        assert words(ud, "ông cho biết thêm", [False, True, False]) == ["ông", "cho", "biết", "thêm"]

    def test_longest_match_wins(self) -> None:
        ud = UserDict.load(["trí tuệ", "trí tuệ nhân tạo", "nhân tạo"])
        assert words(ud, "trí tuệ nhân tạo") == ["trí tuệ nhân tạo"]
        assert words(ud, "trí tuệ nhân") == ["trí tuệ", "nhân"]

    def test_leftmost_first(self) -> None:
        ud = UserDict.load(["a b", "b c d"])
        assert words(ud, "a b c d") == ["a b", "c", "d"]
        assert words(ud, "x b c d") == ["x", "b c d"]

    def test_split_and_join_overlap_longest(self) -> None:
        ud = UserDict.load(["-cho biết", "cho biết thêm"])
        assert words(ud, "cho biết thêm", [False, False]) == ["cho biết thêm"]
        assert words(ud, "cho biết rằng", [True, True]) == ["cho", "biết rằng"]

    def test_case_and_tone_insensitive_by_default(self) -> None:
        ud = UserDict.load(["hoà bình", "fis bank"])
        assert words(ud, "Hòa Bình") == ["Hòa Bình"]
        assert words(ud, "HOÀ BÌNH") == ["HOÀ BÌNH"]
        assert words(ud, "FIS Bank") == ["FIS Bank"]

    def test_every_tone_placement_combination(self) -> None:
        ud = UserDict.load(["thuỷ hoà bình"])
        for text in ("thuỷ hoà bình", "Thủy Hòa Bình", "THUỶ HÒA BÌNH", "thủy hoà bình"):
            assert words(ud, text) == [text]
        assert words(ud, "quý hoà bình") == ["quý", "hoà", "bình"]

    def test_to_lines_round_trip(self) -> None:
        ud = UserDict.load(["Thủy Hòa", "-cho biết", "=Apple Pay", "-=Hà Nội"])
        again = UserDict.load(ud.to_lines())
        assert again.to_lines() == ud.to_lines()
        for text in ("thuỷ hoà", "THỦY HÒA", "cho biết", "Apple Pay", "apple pay", "Hà Nội"):
            line = pretokenize(text)
            model = [True] * (len(line) - 1)
            assert ud.apply(text, line, model) == again.apply(text, line, model)

    def test_same_keys_as_model_key(self) -> None:
        from tachtu.normalize import model_key

        ud = UserDict.load(["Đà Nẵng"])
        text = "\u00d0à Nẵng"  # Icelandic eth, a look-alike of Đ
        if model_key("\u00d0à") == model_key("Đà"):
            assert words(ud, text) == [text]

    def test_exact_case_with_equals(self) -> None:
        ud = UserDict.load(["=Apple Pay"])
        assert words(ud, "Apple Pay") == ["Apple Pay"]
        assert words(ud, "apple pay") == ["apple", "pay"]
        assert words(ud, "APPLE PAY") == ["APPLE", "PAY"]

    def test_exact_split(self) -> None:
        for entry in ("-=Hà Nội", "=-Hà Nội"):
            ud = UserDict.load([entry])
            assert ud.entries() == [("Hà Nội", True, True)]
            assert words(ud, "Hà Nội hà nội", [True, False, True]) == ["Hà", "Nội", "hà nội"]

    def test_nfd_entry_matches_nfc_text(self) -> None:
        import unicodedata

        ud = UserDict.load([unicodedata.normalize("NFD", "Nhà Trắng")])
        assert words(ud, "Nhà Trắng") == ["Nhà Trắng"]

    def test_never_across_punctuation_or_glued_pieces(self) -> None:
        ud = UserDict.load(["Hà Nội"])
        assert words(ud, "Hà, Nội") == ["Hà", ",", "Nội"]
        assert words(ud, "Hà.Nội") == ["Hà", ".", "Nội"] or len(words(ud, "Hà.Nội")) >= 1
        assert words(ud, "(Hà Nội)") == ["(", "Hà Nội", ")"]

    def test_numbers_and_codes(self) -> None:
        ud = UserDict.load(["COVID-19 vaccine", "Galaxy S24"])
        assert words(ud, "tiêm COVID-19 vaccine") == ["tiêm", "COVID-19 vaccine"]
        assert words(ud, "mua Galaxy S24 Ultra") == ["mua", "Galaxy S24", "Ultra"]

    def test_input_joins_not_mutated(self) -> None:
        ud = UserDict.load(["a b"])
        line = "a b"
        joins = [False]
        assert ud.apply(line, pretokenize(line), joins) == [True]
        assert joins == [False]

    def test_empty_and_single_piece_lines(self) -> None:
        ud = UserDict.load(["a b"])
        assert ud.apply("", [], []) == []
        assert ud.apply("a", pretokenize("a"), []) == []


class TestErrors:
    # fmt: off
    @pytest.mark.parametrize("bad, why", [
        ("học", "at least two syllables"),
        ("-", "empty entry"),
        ("=", "empty entry"),
        ("-học", "at least two syllables"),
        ("Hà Nội ,", "punctuation"),
        ("Hà Nội,", "not one syllable"),
    ])
    # fmt: on
    def test_invalid_line_numbers(self, bad: str, why: str) -> None:
        with pytest.raises(DictionaryError, match=rf"line 3: .*{why}") as info:
            UserDict.load(["# header", "học máy", bad])
        assert info.value.line == 3  # type: ignore[attr-defined]
        assert isinstance(info.value, ValueError)

    def test_entry_length_is_capped(self) -> None:
        """Regression: one 200,000-syllable entry made a 40,000-syllable line take 6.5 s;
        entries now have at most 32 syllables, so the work per piece is bounded."""
        UserDict.load([" ".join(["a"] * 32)])
        for entry in (" ".join(["a"] * 33), "-" + "_".join(["b"] * 200_000)):
            with pytest.raises(DictionaryError, match=r"line 2: .*at most 32 syllables, this one has"):
                UserDict.load(["học máy", entry])

    def test_file_named_in_error(self, tmp_path: Path) -> None:
        f = tmp_path / "bad.txt"
        f.write_text("học máy\n\nhọc\n", encoding="utf-8")
        with pytest.raises(DictionaryError, match=r"bad\.txt, line 3"):
            UserDict.load(f)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DictionaryError, match="cannot read"):
            UserDict.load(tmp_path / "nope.txt")

    def test_not_utf8(self, tmp_path: Path) -> None:
        f = tmp_path / "latin1.txt"
        f.write_bytes("học máy\n".encode("utf-16"))
        with pytest.raises(DictionaryError, match="not UTF-8"):
            UserDict.load(f)

    def test_non_string_entry(self) -> None:
        with pytest.raises(DictionaryError, match="line 2"):
            UserDict.load(["a b", 3])  # type: ignore[list-item]


@functools.lru_cache(maxsize=None)
def _generated_entries(n: int, seed: int = 0) -> tuple[str, ...]:
    """``n`` distinct, plausible multi-syllable entries (deterministic)."""
    rng = random.Random(seed)
    onsets = ["", "b", "c", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x"]
    rhymes = ["a", "à", "á", "an", "ang", "anh", "ao", "ên", "iến", "oa", "oà", "ọc", "ông", "ưởng", "uy", "ất", "ơi", "ung"]
    syllables = [o + r for o in onsets for r in rhymes]
    entries: dict[str, None] = {}  # insertion-ordered set
    while len(entries) < n:
        picks = rng.choices(syllables, k=4 * n)
        sizes = rng.choices((2, 3, 4), weights=(3, 2, 1), k=n)
        pos = 0
        for k in sizes:
            entries[" ".join(picks[pos : pos + k])] = None
            pos += k
            if len(entries) == n:
                break
    return tuple(entries)


class TestPerformance:
    def test_load_100k_entries(self, tmp_path: Path) -> None:
        entries = _generated_entries(100_000)
        f = tmp_path / "big.txt"
        f.write_text("\n".join(entries) + "\n", encoding="utf-8")
        t0 = time.process_time()
        ud = UserDict.load(f)
        elapsed = time.process_time() - t0
        assert len(ud) == 100_000
        assert elapsed < 2.0, f"loading 100k entries took {elapsed:.2f} s"

    def test_apply_cost_independent_of_size(self) -> None:
        line = "Ông ấy cho biết học máy và trí tuệ nhân tạo đang thay đổi thế giới của chúng ta " * 4
        pieces = pretokenize(line)
        joins = [False] * (len(pieces) - 1)
        small = UserDict.load(["học máy"])
        big = UserDict.load([*_generated_entries(100_000), "học máy"])
        assert words(big, "học máy") == ["học máy"]

        def best(ud: UserDict) -> float:
            times = []
            for _ in range(5):
                t0 = time.process_time()
                for _ in range(200):
                    ud.apply(line, pieces, joins)
                times.append(time.process_time() - t0)
            return min(times)

        # hashed lookups: a 100k-entry dictionary is not much slower than a 1-entry one
        assert best(big) < 4 * best(small) + 0.01


class TestSegmenter:
    def test_end_to_end(self) -> None:
        seg = tachtu.Segmenter(user_dict=["FIS Bank", "học_máy", "-Nhà Trắng", "=Apple Pay"])
        out = seg.segment("FIS bank nghiên cứu học máy").split()
        assert out[0] == "FIS_bank" and out[-1] == "học_máy"
        assert seg.segment("Nhà Trắng cho biết").startswith("Nhà Trắng ")
        assert seg.segment("apple pay và Apple Pay").split() == ["apple", "pay", "và", "Apple_Pay"]

    def test_tokens_keep_offsets(self) -> None:
        seg = tachtu.Segmenter(user_dict=["học máy"])
        text = "Tôi  học   máy.\nHọc máy!"
        tokens = seg.tokenize(text)
        for t in tokens:
            assert text[t.start : t.end] == t.text
        assert [t.form for t in tokens if "_" in t.form] == ["học_máy", "Học_máy"]
        assert any(t.text == "học   máy" for t in tokens)

    def test_from_file(self, tmp_path: Path) -> None:
        f = tmp_path / "dict.txt"
        f.write_text("# domain words\nngân hàng số\n", encoding="utf-8")
        seg = tachtu.Segmenter(user_dict=f)
        assert "ngân_hàng_số" in seg.segment("Ngân hàng số của FIS").lower()

    def test_bad_dictionary_raises_on_construction(self) -> None:
        with pytest.raises(DictionaryError, match="line 1"):
            tachtu.Segmenter(user_dict=["học"])

    def test_segmentation_overhead(self) -> None:
        text = ("Ông ấy cho biết học máy và trí tuệ nhân tạo đang thay đổi thế giới của chúng ta. " * 3 + "\n") * 10
        plain = tachtu.Segmenter()
        with_dict = tachtu.Segmenter(user_dict=[*_generated_entries(100_000), "học máy"])

        def best(seg: tachtu.Segmenter) -> float:
            times = []
            for _ in range(5):
                t0 = time.process_time()
                seg.segment(text)
                times.append(time.process_time() - t0)
            return min(times)

        best(plain), best(with_dict)  # warm up
        base, dicted = best(plain), best(with_dict)
        # CPU time, so other processes on the machine do not count; the target is < 20%,
        # the assertion leaves room for noisy CI machines
        assert dicted < base * 1.5 + 0.005, f"{base:.4f} s without, {dicted:.4f} s with the dictionary"


def _doc_blocks(needs: str | None) -> list[str]:
    """Python blocks of docs/ecosystem.md that import ``needs`` (None: none of the extras)."""
    import re

    doc = Path(__file__).resolve().parents[1] / "docs" / "ecosystem.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    extras = ("spacy", "datasets", "pyspark")
    uses = lambda b, x: re.search(rf"^(?:import|from) {x}\b", b, re.M) is not None  # noqa: E731
    if needs is None:
        return [b for b in blocks if not any(uses(b, x) for x in extras)]
    return [b for b in blocks if uses(b, needs)]


@pytest.mark.parametrize("block", _doc_blocks(None))
def test_docs_examples(block: str) -> None:
    exec(compile(block, "docs/ecosystem.md", "exec"), {})


# -- the hashed matcher equals a brute-force reading of the rules ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tachtu.model.features import joinable  # noqa: E402
from tachtu.normalize import model_key  # noqa: E402

_SYLLABLES = ["hoà", "hòa", "HOÀ", "bình", "Bình", "cho", "biết", "a", "B", "thuỷ", "thủy", "quý"]


def _naive(entries: list[str], line: str, joins: list[bool]) -> list[bool]:
    parsed = []
    for e in entries:
        split = e.startswith("-")
        e = e.lstrip("-")
        exact = e.startswith("=")
        parsed.append((e.lstrip("=").replace("_", " ").split(), split, exact))
    pieces = pretokenize(line)
    texts = [line[p.start : p.end] for p in pieces]
    out, n, i = list(joins), len(pieces), 0
    while i < n - 1:
        best = None  # (length, exact, split)
        for syls, split, exact in parsed:  # later entries override earlier equal ones
            end = i + len(syls)
            if end > n or not all(joinable(pieces[g].kind, pieces[g + 1].kind, pieces[g + 1].space_before)
                                  for g in range(i, end - 1)):
                continue
            same = texts[i:end] == syls if exact else [model_key(t) for t in texts[i:end]] == [model_key(s) for s in syls]
            if same and (best is None or (len(syls), exact) >= best[:2]):
                best = (len(syls), exact, split)
        if best is None:
            i += 1
            continue
        length, _, split = best
        for g in range(i, i + length - 1):
            out[g] = not split
        if not split:
            if i > 0:
                out[i - 1] = False
            if i + length - 1 < len(out):
                out[i + length - 1] = False
        i += length
    return out


_entry = st.builds(
    lambda prefix, syls: prefix + " ".join(syls),
    st.sampled_from(["", "-", "=", "-="]),
    st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(_entry, min_size=1, max_size=6),
    parts=st.lists(st.tuples(st.sampled_from(_SYLLABLES), st.sampled_from([" ", " ", "  ", ", ", "."])), max_size=12),
    data=st.data(),
)
def test_matches_brute_force(entries: list[str], parts: list[tuple[str, str]], data: st.DataObject) -> None:
    line = "".join(w + sep for w, sep in parts).strip()
    pieces = pretokenize(line)
    joins = data.draw(st.lists(st.booleans(), min_size=max(0, len(pieces) - 1), max_size=max(0, len(pieces) - 1)))
    assert UserDict.load(entries).apply(line, pieces, joins) == _naive(entries, line, joins)


# -- the compiled fast path stays in use, with identical results -------------------------------------
_FAST_ENTRIES = ["FIS Bank", "học máy", "-cho biết", "=Apple Pay", "COVID-19 vaccine", "hòa bình"]
_FAST_WORDS = (
    "FIS Bank fis bank học máy Học Máy cho biết Apple Pay apple pay COVID-19 vaccine hoà bình hòa bình "
    "Nhà Trắng kế hoạch tấn công , . ( ) 3G ...3G 10.000 đồng TP.HCM v.v. e\u0301 Hà_Nội"
).split()


@given(st.lists(st.sampled_from(_FAST_WORDS), max_size=30), st.sampled_from([" ", "  ", ", "]))
@settings(max_examples=150, deadline=None)
def test_fast_path_with_user_dict_equals_reference(words: list[str], sep: str) -> None:
    line = sep.join(words)
    fast, reference = _fast_and_reference()
    assert fast.segment_line(line) == reference.segment_line(line)
    assert fast.tokenize(line) == reference.tokenize(line)


_PAIR: list[tachtu.Segmenter] = []


def _fast_and_reference() -> tuple[tachtu.Segmenter, tachtu.Segmenter]:
    if not _PAIR:
        _PAIR.append(tachtu.Segmenter(user_dict=_FAST_ENTRIES))
        _PAIR.append(tachtu.Segmenter(user_dict=_FAST_ENTRIES, compiled=False))
    return _PAIR[0], _PAIR[1]


# -- bulk loading equals reading the lines one by one ------------------------------------------------
import re  # noqa: E402
import unicodedata  # noqa: E402

from tachtu.pretokenize import Kind  # noqa: E402


def _naive_load(lines: list[str]) -> list[tuple[str, bool, bool]] | int:
    """The format's rules applied line by line: ``entries()``, or the number of the first invalid line."""
    folded: dict[str, bool] = {}
    exact: dict[str, bool] = {}
    for number, line in enumerate(lines, 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        entry = re.sub(r"\s+#.*$", "", entry)
        split = entry.startswith("-")
        entry = entry[1:] if split else entry
        is_exact = entry.startswith("=")
        if is_exact:
            entry = entry[1:]
            if not split and entry.startswith("-"):
                split, entry = True, entry[1:]
        syllables = unicodedata.normalize("NFC", entry).replace("_", " ").split()
        if len(syllables) < 2:
            return number
        for s in syllables:
            pieces = pretokenize(s)
            if len(pieces) != 1 or pieces[0].kind in (Kind.PUNCT, Kind.UNDERSCORE):
                return number
        key = " ".join(syllables if is_exact else [model_key(s) for s in syllables])
        (exact if is_exact else folded)[key] = split
    return [(k, s, False) for k, s in folded.items()] + [(k, s, True) for k, s in exact.items()]


_LOAD_SYLLABLES = [
    "hoà", "Hòa", "HOÀ", "bình", "quý", "thủy", "THUỶ", "Vie\u0323\u0302t", "e\u0301", "Ðà", "ΟΔΟΣ", "ΑΣ", "İstanbul",
    "COVID-19", "S24", "2024", "10.000", "x", ",", "a,b", "#tag", "C#", "ok.", "–",
]
_LOAD_SPACES = [" ", " ", " ", "  ", "\t", "_", "__", " _ ", "\u00a0", "\u2003", "\x1c", "\n"]


@st.composite
def _dictionary_line(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["", "   ", "# comment", "  #x y", "\t", "-", "=", "-=", "_", "_ _", "- #x"]))
    syllables = draw(st.lists(st.sampled_from(_LOAD_SYLLABLES), min_size=1, max_size=4))
    line = draw(st.sampled_from(["", "", "-", "=", "-=", "=-", "- ", "_", "--"])) + "".join(
        s + draw(st.sampled_from(_LOAD_SPACES)) for s in syllables
    )
    line += draw(st.sampled_from(["", "", " # note", "#no comment", "\t#tab"]))
    return draw(st.sampled_from(["", " ", "\t"])) + line


@settings(max_examples=400, deadline=None)
@given(st.lists(_dictionary_line(), max_size=8))
def test_bulk_load_equals_line_by_line(lines: list[str]) -> None:
    expected = _naive_load(lines)
    if isinstance(expected, int):
        with pytest.raises(DictionaryError) as info:
            UserDict.load(lines)
        assert info.value.line == expected  # type: ignore[attr-defined]
    else:
        assert UserDict.load(lines).entries() == expected


def test_first_invalid_line_is_reported_whatever_the_error() -> None:
    # a bad syllable before a one-syllable line, and the other way round
    with pytest.raises(DictionaryError, match="line 2: .*not one syllable"):
        UserDict.load(["a b", "Hà Nội,", "học"])
    with pytest.raises(DictionaryError, match="line 2: .*at least two syllables"):
        UserDict.load(["a b", "học", "Hà Nội,"])
    with pytest.raises(DictionaryError, match="line 3: .*punctuation"):
        UserDict.load(["a b", "=Apple Pay", "-=Hà ,", "x"])


def test_pickle_keeps_entries() -> None:
    import pickle

    ud = UserDict.load(["Hòa Bình", "-cho biết", "=Apple Pay"])
    line = "Hoà Bình cho biết Apple Pay"
    ud.apply(line, pretokenize(line), [False] * 5)  # builds the lazy index, which is not pickled
    again = pickle.loads(pickle.dumps(ud))
    assert again.entries() == ud.entries()
    assert again.apply(line, pretokenize(line), [True] * 5) == ud.apply(line, pretokenize(line), [True] * 5)


@pytest.mark.parametrize("compiled", [False, True])
def test_entries_match_text_typed_without_diacritics(compiled: bool) -> None:
    """``Hà Nội`` also matches ``ha noi`` (every mark missing); an exact entry does not,
    and an entry written without diacritics itself wins over the derived form."""
    seg = tachtu.Segmenter(user_dict=["Hà Nội", "=Đa Nang", "thành phố hồ chí minh"], compiled=compiled)
    assert seg.segment("tôi ở ha noi").split()[-1] == "ha_noi"
    assert seg.segment("HA NOI") == "HA_NOI"
    assert "thanh_pho_ho_chi_minh" in seg.segment("o thanh pho ho chi minh")
    plain_model = tachtu.Segmenter(compiled=compiled)
    assert seg.segment("o đa nang va hue") == plain_model.segment("o đa nang va hue")  # "=" entries: own spelling
    split = tachtu.Segmenter(user_dict=["Hà Nội", "-ha noi"], compiled=compiled)
    assert split.segment("ha noi") == "ha noi" and split.segment("Hà Nội") == "Hà_Nội"
    assert UserDict.load(["Hà Nội"]).entries() == [("hà nội", False, False)]
