"""The vncorenlp profile: RDRsegmenter's output, offsets and the deliberate fixes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tachtu.profiles.vncorenlp import RDRSegmenter, segmenter
from tachtu.profiles.vncorenlp._tones import TONE_PAIRS, normalize_tones

DATA = Path(__file__).parent / "data" / "vncorenlp"
SHARED = Path(__file__).parents[1].parent / "shared"
REFERENCES = SHARED / "data" / "rdrsegmenter" / "reference_outputs"


@pytest.fixture(scope="module")
def rdr() -> RDRSegmenter:
    return RDRSegmenter.load()


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Hiện nay xã có 68 tổ nhân dân .", "Hiện_nay xã có 68 tổ nhân_dân ."),
        # tone normalisation: lower-case pairs and ``Ủy`` only
        ("ủy ban hòa giải , Ủy ban", "uỷ_ban hoà_giải , Uỷ_ban"),
        # tokenizer conventions
        ("vào TP.HCM xác minh", "vào TP. HCM xác_minh"),
        ("93 nguyễn công trứ , q.1 , TP HCM", "93 nguyễn_công trứ , q . 1 , TP HCM"),
        ("chiếc xe 43H-016 ...", "chiếc xe 43 H-016 ..."),
        ("giá 3, 5 triệu / tháng", "giá 3 , 5 triệu / tháng"),
        ("ngày 1-7-2004 , 50.000 đồng , 7,5% , 1/3", "ngày 1-7-2004 , 50.000 đồng , 7,5% , 1/3"),
        ("Ông (Nguyễn Văn An) nói: \"được\".", 'Ông ( Nguyễn_Văn_An ) nói : " được " .'),
        ("xem www.anangquangnamfund.org , H. và tp. HCM", "xem www.anangquangnamfund.org , H. và tp . HCM"),
        # names: capitalised runs, lower-case word before a capital stays alone
        ("chủ tịch xã Bùi Văn Luyến nhắc đi nhắc lại", "chủ_tịch xã Bùi_Văn_Luyến nhắc_đi_nhắc_lại"),
        ("công an tp HCM", "công_an tp HCM"),
    ],
)
def test_golden(rdr: RDRSegmenter, line: str, expected: str) -> None:
    assert rdr.segment_line(line) == expected


def test_tone_pairs_outside_table_are_kept(rdr: RDRSegmenter) -> None:
    assert rdr.segment_line("Òa") == "Òa"
    assert rdr.segment_line("Hòa Bình") == "Hoà_Bình"


def test_tone_normalisation_is_idempotent() -> None:
    # The segmenter normalises each chunk's tones and relies on this (see
    # ``segmenter._chunk_infos``).
    letters = sorted({c for pair in (*TONE_PAIRS, *TONE_PAIRS.values()) for c in pair + pair.upper()})
    for a in letters:
        for b in letters:
            for c in letters:
                once = normalize_tones(a + b + c)
                assert normalize_tones(once) == once


def test_sentence_initial_i_keeps_underscore(rdr: RDRSegmenter) -> None:
    # RDRsegmenter's rules may tag the first syllable I; it then prints "_".
    assert rdr.segment_line("Hòa") == "_Hoà"
    assert rdr.tokenize_line("Hòa") == [(0, 3, "_Hoà")]


def test_empty_and_blank(rdr: RDRSegmenter) -> None:
    for line in ("", " ", "\t \r"):
        assert rdr.segment_line(line) == ""
        assert rdr.tokenize_line(line) == []


def _check_offsets(rdr: RDRSegmenter, line: str) -> None:
    tokens = rdr.tokenize_line(line)
    assert " ".join(form for _, _, form in tokens) == rdr.segment_line(line)
    previous_end = 0
    for start, end, form in tokens:
        assert previous_end <= start < end <= len(line)
        assert not line[previous_end:start].strip(" \t\n\x0b\f\r")
        original = normalize_tones(unicodedata.normalize("NFC", line[start:end]))
        # Syllables are joined by "_" whether or not a space separated them.
        assert re.sub(r"[ \t\n\x0b\f\r_]+", "", original) == form.replace("_", "")
        previous_end = end
    assert not line[previous_end:].strip(" \t\n\x0b\f\r")


def test_offsets_on_sample(rdr: RDRSegmenter) -> None:
    for line in _lines(DATA / "ud_sample.text.txt")[:100]:
        _check_offsets(rdr, line)
    tokens = rdr.tokenize_line("  nhà  hòa bình,  ủy ban ")
    assert tokens == [(2, 5, "nhà"), (7, 15, "hoà_bình"), (15, 16, ","), (18, 24, "uỷ_ban")]


def test_nfd_is_segmented_like_nfc(rdr: RDRSegmenter) -> None:
    for line in _lines(DATA / "ud_sample.text.txt")[:50]:
        nfd = unicodedata.normalize("NFD", line)
        assert rdr.segment_line(nfd) == rdr.segment_line(line)
        _check_offsets(rdr, nfd)
        spans = [(s, e) for s, e, _ in rdr.tokenize_line(nfd)]
        assert "".join(nfd[s:e] for s, e in spans).replace(" ", "") == nfd.replace(" ", "")


@pytest.mark.parametrize(
    "line",
    [
        "ho\u0300a bi\u0300nh \u0301a \u0323\u0300 Ho\u0300a",  # marks after spaces
        "Hòa\u2000bình\u2001 hòa\u00a0bình",  # spaces NFC maps to other spaces
        "e\u0302\u0301 e\u0301\u0302 ế \u0302\u0301e",  # marks composed, reordered, leading
    ],
)
def test_chunk_normalisation_is_line_normalisation(rdr: RDRSegmenter, line: str) -> None:
    # segment_line normalises NFC and tones per chunk, tokenize_line on the
    # whole line (_check_offsets compares the two).
    _check_offsets(rdr, line)
    assert rdr.segment_line(line) == rdr.segment_line(normalize_tones(unicodedata.normalize("NFC", line)))


@pytest.mark.parametrize(
    "line",
    ["Tôi ❤️ Hà Nội 😀!", "số 1️⃣ và #️⃣ nhé", "gia đình 👨‍👩‍👧‍👦, đẹp👍🏽.", "cờ 🇻🇳🇻🇳"],
)
def test_emoji_never_split(rdr: RDRSegmenter, line: str) -> None:
    forms = [form for _, _, form in rdr.tokenize_line(line)]
    for emoji in ("❤️", "😀", "1️⃣", "#️⃣", "👨‍👩‍👧‍👦", "👍🏽", "🇻🇳🇻🇳"):
        if emoji in line:
            assert any(emoji in form for form in forms)
    _check_offsets(rdr, line)


@pytest.mark.parametrize(
    "line",
    [
        "\x00\x01 a\u200bb \ud800 x",
        "Привет мир 你好 مرحبا שלום",
        "a\u00a0b\u3000c\u2028d",
        "_ __ _a_ , ,, ... ..a. (((x))) \"'“”",
        "𝐀𝐁𝐂 Hà 𝐍ội",
        "\u0301\u0300 e\u0301",
        ".",
        "http://x.vn/a?b=c, email: a.b@c.com; 10:30, 5h30' 12/2004 $5 5$ +84 912 345 678",
    ],
)
def test_never_raises(rdr: RDRSegmenter, line: str) -> None:
    out = rdr.segment_line(line)
    assert isinstance(out, str)
    _check_offsets(rdr, line)


def test_long_lines_are_linear(rdr: RDRSegmenter) -> None:
    def cost(n: int, unit: str, sep: str) -> float:
        line = sep.join([unit] * n)
        start = time.process_time()
        rdr.segment_line(line)
        return time.process_time() - start

    # 10x the input may cost ~10x the time, never ~100x.
    for unit, sep in (("a,", ""), ("1a-", ""), ("a.1.", ""), ("ông Lộc .", " "), ("\"", " ")):
        small, big = cost(2_000, unit, sep), cost(20_000, unit, sep)
        assert big < 25 * small + 0.1, (unit, small, big)


def test_thread_safe(rdr: RDRSegmenter) -> None:
    lines = _lines(DATA / "ud_sample.text.txt")
    expected = [rdr.segment_line(line) for line in lines]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(rdr.segment_line, lines)) == expected


def test_sample_agreement(rdr: RDRSegmenter) -> None:
    lines = _lines(DATA / "ud_sample.text.txt")
    expected = _lines(DATA / "ud_sample.rdr_raw.wseg.txt")
    mismatches = [(a, b) for a, b in zip(lines, expected) if rdr.segment_line(a) != b]
    assert len(lines) == len(expected) == 300
    assert not mismatches


@pytest.mark.skipif(not REFERENCES.is_dir(), reason="../shared reference outputs not available")
@pytest.mark.parametrize("name", ["ud_vtb_train", "ud_vtb_dev", "ud_vtb_test"])
def test_shared_reference_agreement(rdr: RDRSegmenter, name: str) -> None:
    raw = _lines(REFERENCES / f"{name}.text.txt")
    expected = _lines(REFERENCES / f"{name}.text.rdr_raw.wseg.txt")
    same = sum(rdr.segment_line(a) == b for a, b in zip(raw, expected))
    assert same / len(raw) >= 0.999
    corpus = _lines(REFERENCES / f"{name}.rdr.wseg.txt")
    same = sum(rdr.segment_tokenized(line.replace("_", " ")) == line for line in corpus)
    assert same / len(corpus) >= 0.999


def test_memo_is_bounded() -> None:
    from tachtu.profiles.vncorenlp._cache import Memo

    memo = Memo(str.upper, max_key=3, size=2)
    assert [memo[k] for k in ("a", "b", "c", "a", "abcd")] == ["A", "B", "C", "A", "ABCD"]
    assert len(memo) <= 2 and "abcd" not in memo


def test_caches_do_not_change_output(rdr: RDRSegmenter) -> None:
    # A fresh segmenter (cold per-token memos) and a used one agree, in both orders.
    lines = _lines(DATA / "ud_sample.text.txt")[:50]
    fresh = RDRSegmenter.load()
    assert [fresh.segment_line(line) for line in reversed(lines)][::-1] == [rdr.segment_line(line) for line in lines]


# Prints, as JSON, every kind of output of the profile for the lines read (as
# JSON) from stdin; with "pure", it imports the profile from its .py files
# only, as a machine without a C compiler would.
_OUTPUTS_SCRIPT = r"""
import importlib.machinery, json, os, sys

mode, profile_dir = sys.argv[1:]
if mode == "pure":
    def source_only(path):
        if not os.path.isdir(path) or not os.path.samefile(path, profile_dir):
            raise ImportError
        return importlib.machinery.FileFinder(path, (importlib.machinery.SourceFileLoader, [".py"]))

    sys.path_hooks.insert(0, source_only)
    sys.path_importer_cache.clear()
from tachtu.profiles.vncorenlp import RDRSegmenter, segmenter

lines = json.load(sys.stdin)
plain, split = RDRSegmenter.load(), RDRSegmenter.load(split_sentences=True)
outputs = [
    [seg.segment_line(line), seg.tokenize_line(line), seg.segment_tokenized(line)]
    for seg in (plain, split)
    for line in lines
]
json.dump({"module": segmenter.__file__, "outputs": outputs}, sys.stdout)
"""


def _outputs(mode: str, lines: list[str]) -> dict[str, object]:
    profile_dir = os.path.dirname(segmenter.__file__)
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(profile_dir)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))}
    proc = subprocess.run(
        [sys.executable, "-c", _OUTPUTS_SCRIPT, mode, profile_dir],
        input=json.dumps(lines),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_compiled_modules_match_pure_python() -> None:
    # setup.py compiles the profile's modules with Cython (typed by the .pxd
    # files); the .py files are the fallback, and both must say the same.
    if segmenter.__file__.endswith(".py"):
        pytest.skip("the vncorenlp profile is not compiled here")
    lines = _lines(DATA / "ud_sample.text.txt")
    lines += [line.upper() for line in lines[:50]] + [line.title() for line in lines[:50]]
    lines += [
        "Hòa", "ủy ban hòa giải , Ủy ban", "vào TP.HCM xác minh", "Ông (Nguyễn Văn An) nói: \"được\".",
        "Tôi ❤️ Hà Nội 😀!", "\x00\x01 a\u200bb \ud800 x", "𝐀𝐁𝐂 Hà 𝐍ội", "a  b\tc", "",
        "1 . Hà Nội . 2 . TP HCM LBKT Nguyễn Văn An RBKT ...",
    ]
    compiled, pure = _outputs("compiled", lines), _outputs("pure", lines)
    assert not str(compiled["module"]).endswith(".py")
    assert str(pure["module"]).endswith(".py")
    assert compiled["outputs"] == pure["outputs"]


_MARKED = ["a", "ế", ".", ",", "(", "1", "x", " ", "Việt", "😀", "_", "\u0301", "\u0300", "\u0323", "\u20e3",
           "\u0344", "\u0958", "\u0f73"]


def test_tokenize_never_overlaps_on_stray_marks(rdr: RDRSegmenter) -> None:
    """Regression: ``".\\u0301a\\u0300"`` gave (0, 2) and (0, 4): NFC kept ".\\u0301" as two
    characters, the tokenizer cut them apart, and both mapped to the whole cluster
    (111 of 6,000 fuzz inputs).  Now each keeps its own characters."""
    assert rdr.tokenize_line(".\u0301a\u0300") == [(0, 1, "."), (1, 4, "\u0301à")]
    import random

    rng = random.Random(15)
    for _ in range(3000):
        line = "".join(rng.choice(_MARKED) for _ in range(rng.randint(1, 12)))
        previous_end = 0
        for start, end, _ in rdr.tokenize_line(line):
            assert previous_end <= start < end <= len(line), (line, rdr.tokenize_line(line))
            previous_end = end
