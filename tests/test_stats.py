"""tachtu.stats: counting runs of syllables, the derived classes, storage, merging, the CLI."""

from __future__ import annotations

import struct
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tachtu import cli, normalize
from tachtu.errors import InputError, ModelError
from tachtu.stats import (
    FIRST_ENTROPY_CLASS,
    FIRST_SEEN_CLASS,
    PAIR_UNKNOWN,
    PAIR_UNSEEN,
    SYL_RARE,
    SYL_UNKNOWN,
    SyllableStats,
    strip_diacritics,
    word_runs,
)

# Our own sentences (written for these tests).
LINES = [
    "Hà Nội là thủ đô của Việt Nam.",
    "Tôi sống ở Hà Nội, còn bạn sống ở Đà Nẵng.",
    "Hoà bình là mong ước của mọi người; hòa bình lâu dài.",
    "Người Hà Nội thích ăn phở, người Đà Nẵng thích ăn mì Quảng.",
    "Việt Nam có 63 tỉnh thành và thủ đô là Hà Nội.",
]


def build(lines: list[str] = LINES, times: int = 3, **kw) -> SyllableStats:
    return SyllableStats.build([lines * times], **kw)


def test_runs_are_words_separated_by_single_spaces() -> None:
    text = "Giá 33.000đ tại Hà  Nội, rẻ\tquá F-16 bay qua TP.HCM hôm nay"
    runs = [[text[p.start:p.end] for p in run] for run in word_runs(text)]
    assert runs == [["Giá"], ["tại", "Hà"], ["Nội"], ["rẻ"], ["quá"], ["bay", "qua"], ["hôm", "nay"]]


def test_counts_and_pair_classes() -> None:
    stats = build()
    assert stats.count("hà") == 12 and stats.count("nội") == 12  # 4 lines x 3 copies
    assert stats.pair_class("hà", "nội") >= FIRST_SEEN_CLASS
    assert stats.pair_class("nội", "hà") == PAIR_UNSEEN  # both known, never neighbours
    assert stats.pair_class("hà", "zzz") == PAIR_UNKNOWN
    assert stats.pair_class("nam", "có") >= FIRST_SEEN_CLASS
    assert stats.pair_class("63", "tỉnh") == PAIR_UNKNOWN  # numbers are no syllables
    assert stats.pair_class("có", "tỉnh") == PAIR_UNSEEN  # "63" between them breaks the run
    assert "63" not in stats.syllables()
    # keys are model keys: case and tone placement folded (hòa and hoà count together)
    assert stats.count("hoà") == 6 and stats.count("hòa") == 0 and "hòa" not in stats.syllables()
    assert 2 < stats.n_pair_classes <= 32 and 2 < stats.n_syllable_classes <= 32


def test_thresholds_drop_rare_syllables_and_pairs() -> None:
    stats = SyllableStats.build([["a b c", "a b", "x y"]], min_count=2, min_pair_count=2)
    assert stats.syllables() == ["a", "b"]
    assert stats.pair_class("a", "b") >= FIRST_SEEN_CLASS and stats.pair_class("b", "c") == PAIR_UNKNOWN
    assert stats.tokens == 7 and stats.lines == 3  # totals include what was dropped


def test_branching_entropy_classes_order_varied_neighbours_higher() -> None:
    # "và" is followed by many different syllables, "quốc" always by "gia": right entropy differs.
    lines = [f"và {w} quốc gia" for w in "một hai ba bốn năm sáu bảy tám chín mười".split()] * 3
    lines += ["nhà nước", "nhà cửa"] * 10
    stats = SyllableStats.build([lines], rare_count=5)
    assert stats.right_class("và") > stats.right_class("quốc") >= FIRST_ENTROPY_CLASS
    assert stats.left_class("gia") < stats.left_class("quốc")  # "gia" always comes after "quốc"
    assert stats.right_class("zzz") == SYL_UNKNOWN
    rare = SyllableStats.build([["ab cd", "ab cd"]], rare_count=5)
    assert rare.left_class("cd") == SYL_RARE
    for key in stats.syllables():
        assert 0 <= stats.left_class(key) < stats.n_syllable_classes
        assert 0 <= stats.right_class(key) < stats.n_syllable_classes


def test_pairs_lists_every_seen_pair_with_its_class() -> None:
    stats = build()
    pairs = list(stats.pairs())
    assert ("hà", "nội", stats.pair_class("hà", "nội")) in pairs
    assert all(cls >= FIRST_SEEN_CLASS and stats.pair_class(b, c) == cls for b, c, cls in pairs)
    assert len(pairs) == len(set((b, c) for b, c, _ in pairs))


def test_diacritic_free_view_sums_the_forms_that_strip_together() -> None:
    stats = build()
    assert stats.count("ha", view="nodia") == 12 and stats.count("hà", view="nodia") == 12
    assert stats.count("hoa", view="nodia") == 6
    assert "da" in stats.syllables("nodia") and "đà" not in stats.syllables("nodia")
    assert stats.pair_class("da", "nang", view="nodia") == stats.pair_class("đà", "nẵng", view="nodia") >= 2
    assert stats.pair_class("da", "nang") == PAIR_UNKNOWN  # the full view has no stripped keys
    assert set(stats.syllables("nodia")) == {strip_diacritics(k) for k in stats.syllables()}
    assert all(b == strip_diacritics(b) for b, _, _ in stats.pairs("nodia"))
    with pytest.raises(ValueError, match="unknown view"):
        stats.count("a", view="ascii")


def test_strip_diacritics_is_one_to_one_on_vietnamese_letters() -> None:
    letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    for text in (letters, letters.upper()):
        stripped = strip_diacritics(text)
        assert len(stripped) == len(text) and stripped.isascii()
    assert strip_diacritics("trường đại học") == "truong dai hoc"
    if hasattr(normalize, "strip_diacritics"):  # the shared one, where it exists, is the one used
        assert strip_diacritics is normalize.strip_diacritics


def test_bytes_round_trip_and_determinism(tmp_path: Path) -> None:
    stats = build()
    data = stats.to_bytes()
    assert build().to_bytes() == data
    again = SyllableStats.from_bytes(data)
    for view in ("full", "nodia"):
        assert again.syllables(view) == stats.syllables(view)
        assert list(again.pairs(view)) == list(stats.pairs(view))
        assert [again.left_class(k, view) for k in stats.syllables(view)] == [
            stats.left_class(k, view) for k in stats.syllables(view)]
    stats.save(tmp_path / "t.stats")
    assert SyllableStats.load(tmp_path / "t.stats").to_bytes() == data


def test_empty_corpus_round_trips() -> None:
    empty = SyllableStats.from_bytes(SyllableStats.build([[]]).to_bytes())
    assert empty.syllables() == [] and list(empty.pairs("nodia")) == []
    assert empty.pair_class("a", "b") == PAIR_UNKNOWN and empty.left_class("a") == SYL_UNKNOWN


@pytest.mark.parametrize("damage, message", [
    (lambda d: b"NOTSTATS" + d[8:], "bad magic"),
    (lambda d: d[:8] + struct.pack("<H", 99) + d[10:], "version 99"),
    (lambda d: d[:-5], "truncated or corrupt"),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "truncated or corrupt"),
    (lambda d: b"", "bad magic"),
])
def test_bad_data_is_a_model_error(damage, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        SyllableStats.from_bytes(damage(build().to_bytes()))


def test_inconsistent_content_with_a_valid_checksum_is_a_model_error() -> None:
    from tachtu.stats_count import Counts

    crafted = SyllableStats(Counts(["b", "a"], [3, 3], {}, 6, 1), min_count=1, min_pair_count=1, rare_count=5)
    with pytest.raises(ModelError, match="not sorted and unique, or a zero count"):
        SyllableStats.from_bytes(crafted.to_bytes())


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read statistics file"):
        SyllableStats.load(tmp_path / "none.stats")


def test_merge_adds_counts_and_keeps_the_bins() -> None:
    first, second = build(), SyllableStats.build([["Đà Nẵng có biển đẹp."] * 4])
    merged = first.merge(second)
    assert merged.count("đà") == first.count("đà") + 4
    assert merged.count("biển") == 4 and merged.tokens == first.tokens + second.tokens
    assert merged.edges() == first.edges() and merged.edges("nodia") == first.edges("nodia")
    assert merged.pair_class("có", "biển") >= FIRST_SEEN_CLASS


def test_build_with_base_counts_pairs_seen_once_on_each_side() -> None:
    base = SyllableStats.build([["xa lộ", "xa lộ", "xa xôi", "lộ trình", "lộ trình"]])
    assert base.pair_class("xa", "lộ") >= FIRST_SEEN_CLASS and base.pair_class("lộ", "xa") == PAIR_UNSEEN
    extended = SyllableStats.build([["lộ xa", "xa lộ"]], base=base)
    assert extended.pair_class("lộ", "xa") == PAIR_UNSEEN  # once in all: still below min_pair_count
    assert extended.count("xa") == base.count("xa") + 2 and extended.edges() == base.edges()
    assert SyllableStats.build([["trình lộ"] * 2], base=base).pair_class("trình", "lộ") >= FIRST_SEEN_CLASS
    assert extended.pair_class("xa", "xôi") == PAIR_UNKNOWN  # "xôi" once in the base: dropped there


def test_max_pairs_bounds_the_pair_table() -> None:
    lines = [f"a{i} b{i}" for i in range(50)] + ["hà nội"] * 20
    stats = SyllableStats.build([lines], max_pairs=10, min_count=1, min_pair_count=1)
    assert stats.pair_class("hà", "nội") >= FIRST_SEEN_CLASS
    assert len(list(stats.pairs())) <= 10


def test_files_directories_and_errors(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("\n".join(LINES[:2]) + "\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text("\n".join(LINES[2:]), encoding="utf-8")
    (corpus / "notes.md").write_text("zzz yyy\n" * 5, encoding="utf-8")
    decomposed = tmp_path / "nfd.txt"
    decomposed.write_text(unicodedata.normalize("NFD", "Hà Nội\n") * 2, encoding="utf-8")
    stats = SyllableStats.build([corpus, str(decomposed)], min_count=1, progress=True)
    assert stats.lines == 7 and stats.count("zzz") == 0
    assert stats.count("hà") == build(times=1, min_count=1).count("hà") + 2  # NFD input counted as NFC
    bad = tmp_path / "bad.txt"
    bad.write_bytes("Hà Nội\nxin chào\n".encode() + b"ok \xff\n")
    with pytest.raises(InputError, match=r"bad\.txt, line 3"):
        SyllableStats.build([bad])
    assert SyllableStats.build([bad], errors="replace", min_count=1).count("ok") == 1
    with pytest.raises(FileNotFoundError):
        SyllableStats.build([tmp_path / "missing.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no .txt files"):
        SyllableStats.build(tmp_path / "empty")


def test_cli_stats(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("\n".join(LINES * 2), encoding="utf-8")
    more = tmp_path / "more.txt"
    more.write_text("Đà Nẵng có biển đẹp.\n" * 3, encoding="utf-8")
    out = tmp_path / "my.stats"
    assert cli.main(["stats", str(corpus), str(more), "-o", str(out)]) == 0
    assert "13 lines" in capsys.readouterr().err
    stats = SyllableStats.load(out)
    assert stats.count("biển") == 3 and stats.count("hà") == 8
    extended = tmp_path / "ext.stats"
    assert cli.main(["stats", str(more), "--base", str(out), "-o", str(extended), "-q"]) == 0
    assert SyllableStats.load(extended).count("biển") == 6 and capsys.readouterr().err == ""

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xc3(\n")
    assert cli.main(["stats", str(bad), "-o", str(tmp_path / "x.stats")]) == 1
    assert "bad.txt, line 2" in capsys.readouterr().err and not (tmp_path / "x.stats").exists()
    assert cli.main(["stats", str(bad), "--errors", "replace", "-q", "-o", str(tmp_path / "x.stats")]) == 0
    assert cli.main(["stats", str(more), "-o", str(tmp_path / "no" / "x.stats")]) == 1
    assert "no such directory" in capsys.readouterr().err
    assert cli.main(["stats", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "x.stats")]) == 1
    assert "nope.txt" in capsys.readouterr().err
    assert cli.main(["stats", str(more), "--base", str(more), "-o", str(tmp_path / "x.stats")]) == 2
    assert "not a tachtu statistics file" in capsys.readouterr().err


def test_benchmark_gold_gaps_label_in_run_gaps() -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "stats_value.py"
    spec = importlib.util.spec_from_file_location("tachtu_bench_stats_value", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gaps = module.gold_gaps(["Nhà_Trắng cho_biết , Hà_Nội năm 2024 rất đẹp", "Hoà_Bình"])
    assert [(n, b, c, j, w) for n, b, c, j, w in gaps] == [
        (0, "nhà", "trắng", True, "nhà_trắng"), (0, "trắng", "cho", False, ""), (0, "cho", "biết", True, "cho_biết"),
        (0, "hà", "nội", True, "hà_nội"), (0, "nội", "năm", False, ""), (0, "rất", "đẹp", False, ""),
        (1, "hoà", "bình", True, "hoà_bình"),
    ]


_SYLLABLES = st.sampled_from(["hà", "nội", "Hà", "hoà", "hòa", "bình", "ha", "noi", "đà", "nẵng", "và", ","])
_LINE = st.lists(_SYLLABLES, max_size=8).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_LINE, max_size=6), st.lists(_LINE, max_size=6))
def test_merge_equals_counting_both_corpora_at_once(first: list[str], second: list[str]) -> None:
    kw = {"min_count": 1, "min_pair_count": 1}
    together = SyllableStats.build([first + second], **kw)
    merged = SyllableStats.build([first], **kw).merge(SyllableStats.build([second], **kw))
    for view in ("full", "nodia"):
        assert merged.syllables(view) == together.syllables(view)
        assert [merged.count(k, view) for k in merged.syllables(view)] == [
            together.count(k, view) for k in together.syllables(view)]
        assert [(b, c) for b, c, _ in merged.pairs(view)] == [(b, c) for b, c, _ in together.pairs(view)]
    assert merged.tokens == together.tokens and merged.lines == len(first) + len(second)
