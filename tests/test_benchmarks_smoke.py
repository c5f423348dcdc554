"""Smoke test of benchmarks/: the modules import and their core functions run.

Uses tachtu only (no peers) on three sentences written here; the one test
that reads the shared data skips when ``../shared`` is absent.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

# fmt: off
GOLD = [
    "Nhà_Trắng cho_biết tổng_thống sẽ đến Hà_Nội vào tuần tới .",
    "Giá vàng hôm_nay tăng 1,5 % so với hôm_qua .",
    "Chúng_tôi đi dạo quanh hồ Hoàn_Kiếm .",
]
# fmt: on


def _load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` (the scripts import ``peers`` from their folder)."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    if name == "peers":
        return importlib.import_module("peers")
    module_name = f"tachtu_bench_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def peers() -> ModuleType:
    return _load("peers")


def test_align_to_source_keeps_input_characters(peers: ModuleType) -> None:
    # fmt: off
    cases = [
        ("a b c", "a_b c", "a_b c"),             # same characters: unchanged
        ("hoà bình", "hòa_bình", "hoà_bình"),    # tone rewrite: input spelling back
        ("x y , z", "x_y z", "x_y , z"),         # dropped comma: its own word
        ("qui hoạch", "quy_hoạch", "qui_hoạch"),
    ]
    # fmt: on
    for source, output, expected in cases:
        assert peers.align_to_source(source, output) == expected


def test_accuracy_core_on_three_lines() -> None:
    accuracy = _load("accuracy")
    system = accuracy.load_system("tachtu")
    result = accuracy.evaluate_system(system, GOLD, "smoke")
    assert result.sentences == 3
    assert result.gold_words == sum(len(line.split()) for line in GOLD)
    assert 0.0 <= result.f1 <= 100.0
    assert result.failed_lines == result.changed_lines == result.realigned_lines == 0


def test_accuracy_table_and_peer_alignment() -> None:
    accuracy = _load("accuracy")
    peers = _load("peers")

    def rewriting(line: str) -> str:  # a fake peer that rewrites tones and drops a "%"
        return line.replace("Hoàn", "Hòan").replace(" %", "").replace(" ", "_", 1)

    fake = peers.System("fake", "0", rewriting)
    result = accuracy.evaluate_system(fake, GOLD, "ud-vtb-test")
    assert result.sentences == 3
    assert result.realigned_lines == 1 and result.changed_lines == 1
    table = accuracy.markdown_tables([result])
    assert "| fake | 0 |" in table and "UD VTB test" in table


def test_accuracy_cases_rescore_recased_copies(tmp_path: Path) -> None:
    accuracy = _load("accuracy")
    gold = tmp_path / "data" / "ud_vtb" / "test.wseg.txt"
    gold.parent.mkdir(parents=True)
    gold.write_text("\n".join(GOLD) + "\n", encoding="utf-8")
    results, notes = accuracy.run(["tachtu"], ["ud-vtb-test"], tmp_path, cases=["upper", "lower", "title"])
    assert notes == []
    assert [r.dataset for r in results] == ["ud-vtb-test", "ud-vtb-test:upper", "ud-vtb-test:lower", "ud-vtb-test:title"]
    assert {r.gold_words for r in results} == {sum(len(line.split()) for line in GOLD)}
    table = accuracy.markdown_tables(results)
    assert "| UD VTB test | UD VTB test, upper-cased | UD VTB test, lower-cased | UD VTB test, title-cased |" in table


def test_accuracy_cases_without_diacritics() -> None:
    accuracy = _load("accuracy")
    line = "Chúng_tôi đi dạo quanh hồ Hoàn_Kiếm ở Hà_Nội , Đà_Nẵng ở miền Trung ."
    assert accuracy.CASES["nodia"](line) == "Chung_toi di dao quanh ho Hoan_Kiem o Ha_Noi , Da_Nang o mien Trung ."
    mixed = accuracy.CASES["mixed"](line)
    assert mixed == accuracy.strip_some_syllables(line)  # the same syllables on every call
    before, after = line.replace("_", " ").split(), mixed.replace("_", " ").split()
    stripped = [a != b for a, b in zip(before, after)]
    assert len(after) == len(before) and 0 < sum(stripped) < len(before)
    assert all(a in (b, accuracy.strip_all(b)) for a, b in zip(after, before))  # whole syllables or none
    assert [c for c in mixed if c in " _"] == [c for c in line if c in " _"]  # the gold segmentation stays
    # about 40% of the syllables of a corpus, chosen per line and position
    words = [w for n in range(200) for w in accuracy.strip_some_syllables(f"đã {n} " + "được " * 9).split()]
    share = sum(w == "duoc" for w in words) / sum(w in ("duoc", "được") for w in words)
    assert 0.35 < share < 0.45
    assert accuracy.dataset_title("ud-vtb-test:nodia") == "UD VTB test, no diacritics"


def test_speed_core_on_three_lines() -> None:
    speed = _load("speed")
    lines = [line.replace("_", " ") for line in GOLD]
    result = speed.measure("tachtu", lines, repeat=1)
    assert result["syllables"] == speed.count_syllables(lines) > 0
    assert result["syllables_per_s"] > 0 and result["peak_rss_mb"] > 0
    assert "| tachtu |" in speed.systems_table([result])


def test_speed_child_process(tmp_path: Path) -> None:
    speed = _load("speed")
    source = tmp_path / "text.txt"
    source.write_text("\n".join(line.replace("_", " ") for line in GOLD) + "\n", encoding="utf-8")
    results, notes = speed.bench_systems(["tachtu"], source, None, 1, None)
    assert notes == [] and len(results) == 1
    assert results[0]["lines"] == 3
    assert speed.one_line(source, 20).count("\n") == 0


@pytest.mark.skipif(not (SHARED / "data/ud_vtb/test.wseg.txt").is_file(), reason="shared data absent")
def test_accuracy_on_shared_data_head() -> None:
    accuracy = _load("accuracy")
    results, notes = accuracy.run(["tachtu"], ["ud-vtb-test"], SHARED, limit=3)
    assert len(results) == 1 and results[0].sentences == 3, notes


def test_speed_shapes_inputs_and_passes(tmp_path: Path) -> None:
    speed = _load("speed")
    lines = [line.replace("_", " ") for line in GOLD]
    short = speed.short_lines(lines)
    assert short == speed.short_lines(lines)  # the same lines on every run
    assert " ".join(short).split() == " ".join(lines).split()
    assert all(3 <= len(line.split()) <= 6 for line in short[:-1]) and 1 <= len(short[-1].split()) <= 6
    source = tmp_path / "text.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inputs = speed.shape_lines(source, None)
    assert inputs["news"] == lines and inputs["nfd"][0] != lines[0] and inputs["short"] == short
    system = speed.load_system("tachtu")
    for threads in (0, 1, 2):
        result = speed.time_pass(system.segment_line, lines, threads)
        assert result["syllables"] == speed.count_syllables(lines) and result["bytes"] > result["syllables"]
        assert result["wall"] > 0
    assert speed._prefix_bytes(lines, 1) == lines[:1]


def test_speed_shapes_run_and_table(tmp_path: Path) -> None:
    """Two workers (this tachtu and the same checkout as the baseline), one pass each, one huge line."""
    speed = _load("speed")
    source = tmp_path / "text.txt"
    source.write_text("\n".join(line.replace("_", " ") for line in GOLD) + "\n", encoding="utf-8")
    src = Path(__file__).resolve().parent.parent / "src"
    rows, notes = speed.bench_shapes(source, ["tachtu"], None, 100, 1, None, src, huge_bytes=100, cli=False)
    assert notes == []
    shapes = {(r["input"], r["system"]) for r in rows}
    for title in speed.SHAPE_TITLES.values():
        assert (title, "tachtu") in shapes and (title, f"tachtu @ {src}") in shapes
    huge = [r for r in rows if r["input"].startswith("one line")]
    assert len(huge) == 2 and all(r["peak_rss_mb"] > 0 for r in huge)
    table = speed.shapes_table(rows)
    assert "| news lines, NFD | tachtu |" in table and "tachtu: NFD / NFC (syllables/s) = " in table
    assert "tachtu / baseline, short lines (3–6 syllables) = " in table


def test_speed_cli_with_a_model_file(tmp_path: Path) -> None:
    """``--model`` reaches the CLI runs too (a comparison on another model times that model)."""
    speed = _load("speed")
    source = tmp_path / "text.txt"
    source.write_text("\n".join(line.replace("_", " ") for line in GOLD[:3]) + "\n", encoding="utf-8")
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"not a model")
    assert "skipped" in speed.run_cli(1, source, startup=0.0, model=broken)
    model = Path(__file__).resolve().parent.parent / "src" / "tachtu" / "data" / "default.bin"
    result = speed.run_cli(1, source, startup=0.0, model=model)
    assert result["lines_out"] == result["lines_in"] == 3


def test_speed_sentencepiece_reference(tmp_path: Path) -> None:
    pytest.importorskip("sentencepiece")
    speed = _load("speed")
    lines = [line.replace("_", " ") for line in GOLD] * 20
    system = speed.load_sentencepiece(lines, tmp_path, vocab=60)
    assert system.name == "sentencepiece" and len(system.segment_line(lines[0])) > 0


def test_ab_runs_fresh_worker_pairs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``ab.py`` on the same checkout on both sides: one line with the median ratio
    of its rounds (positive, since each side timed its passes)."""
    import tachtu

    ab = _load("ab")
    source = tmp_path / "news.txt"
    source.write_text("\n".join(line.replace("_", " ") for line in GOLD) + "\n", encoding="utf-8")
    src = str(Path(tachtu.__file__).resolve().parent.parent)
    assert ab.main([src, src, "--rounds", "2", "--passes", "2", "--shape", "short", "--source", str(source)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("short: B/A ") and "2 rounds of 2 passes" in out[0]
    assert float(out[0].split()[2]) > 0
