"""The held-out-vocabulary split of benchmarks/heldout_vocab.py, on tiny data."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tachtu.evaluate import word_key

HERE = Path(__file__).resolve().parent
TINY = (HERE / "data" / "tiny_train.wseg.txt").read_text(encoding="utf-8").splitlines()
# Longer words, written for this test, so that every stratum has types.
LONG = [
    "Uỷ_ban_nhân_dân thành_phố họp .",
    "Bộ_Giáo_dục_và_Đào_tạo ban_hành quy_chế mới .",
    "Hợp_tác_xã nông_nghiệp được thành_lập .",
    "Câu_lạc_bộ bóng_đá có sân_vận_động mới .",
    "Chủ_nghĩa_xã_hội và kinh_tế_thị_trường .",
    "Trung_tâm_y_tế huyện mở cửa .",
]
LINES = TINY + LONG


def _load() -> ModuleType:
    name = "tachtu_bench_heldout_vocab"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "benchmarks" / "heldout_vocab.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def hv() -> ModuleType:
    return _load()


def test_word_types_by_stratum(hv: ModuleType) -> None:
    types = hv.word_types(LINES)
    assert "hà nội" in types["2"] and "sinh viên" in types["2"]  # case folded: Sinh_viên
    assert "hợp tác xã" in types["3"] and "uỷ ban nhân dân" in types["4"]
    assert "chủ nghĩa xã hội" in types["4"] and types["5+"] == {"bộ giáo dục và đào tạo"}
    assert hv.candidate_key("84_._4") is None and hv.candidate_key("Hà") is None
    rare = hv.word_types(LINES, max_count=2)  # types seen at most twice, in any case
    assert {"hà nội", "xe buýt", "ban hành"} <= rare["2"] < types["2"] and rare["5+"] == types["5+"]
    assert not {"làm việc", "công ty", "học sinh", "bác sĩ"} & rare["2"]  # 3, 4, 3, 3 times


def test_sample_is_deterministic_and_stratified(hv: ModuleType) -> None:
    types = hv.word_types(LINES)
    sampled = hv.sample_words(types, 0.25)
    shuffled = LINES[:]
    random.Random(1).shuffle(shuffled)
    assert hv.sample_words(hv.word_types(shuffled), 0.25) == sampled  # the hash, not the order, decides
    for name, keys in types.items():
        picked = {k for k, s in sampled.items() if s == name}
        assert picked <= keys
        assert len(picked) == max(1, round(0.25 * len(keys)))  # every stratum gets its share
    smaller = hv.sample_words(types, 0.1)
    assert set(smaller) <= set(sampled)  # lowest hashes first: a smaller sample is a subset


def test_split_moves_every_sentence_with_a_sampled_word(hv: ModuleType) -> None:
    lines = LINES + LONG * 9  # repeated lines, as UD's ten copies
    sampled = hv.sample_words(hv.word_types(lines), 0.25)
    train, heldout = hv.split_lines(lines, sampled)
    assert heldout and train
    assert len(heldout) == len(set(heldout))  # distinct
    assert all(hv.holds_sampled(line, sampled) for line in heldout)
    assert not any(hv.holds_sampled(line, sampled) for line in train)
    assert set(train) | set(heldout) == set(lines) and not set(train) & set(heldout)
    trained_words = {w for t in hv.word_types(train).values() for w in t}
    assert not trained_words & set(sampled)


def test_strict_lexicon_filtering(hv: ModuleType) -> None:
    sampled = {"hà nội": "2", "hoà bình": "2"}
    lexicon = ["Hà Nội", "hà_nội", "HÀ NỘI", "Hòa Bình", "Hà Nội mới", "thành phố", "Hà"]
    kept, removed = hv.filter_lexicon(lexicon, sampled)
    assert kept == ["Hà Nội mới", "thành phố", "Hà"] and removed == 4


def _data_root(tmp_path: Path, hv: ModuleType) -> Path:
    root = tmp_path / "shared"
    files = {
        hv.TRAIN_MIX[0][0]: "\n".join(TINY) + "\n",
        hv.TRAIN_MIX[1][0]: "\n".join(LONG) + "\n",
        hv.LEXICONS[0]: "".join(f"{w.replace('_', ' ')}\n" for line in LINES for w in line.split() if "_" in w),
    }
    for rel in hv.LEXICONS[1:]:
        files[rel] = "công ty\nphần mềm\n"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_build_split_strict_keep_and_reuse(tmp_path: Path, hv: ModuleType) -> None:
    root = _data_root(tmp_path, hv)
    strict = hv.build_split(root, tmp_path / "out", fraction=0.25)
    sampled = hv.read_sampled(strict)
    assert sum(strict.sampled.values()) == len(sampled) and strict.types["2"] > 0
    heldout = strict.heldout_file.read_text(encoding="utf-8").splitlines()
    assert len(heldout) == strict.heldout_lines == len(set(heldout))
    copies = sum(10 if line in LONG else TINY.count(line) for line in heldout)  # UD's lines come ten times
    assert strict.train_lines + copies == len(TINY) + 10 * len(LONG)
    lexicon_words = {
        word_key(w) for path in strict.lexicons() for w in path.read_text(encoding="utf-8").splitlines()
    }
    assert strict.lexicon_lines_removed > 0 and not lexicon_words & set(sampled)
    keep = hv.build_split(root, tmp_path / "out", fraction=0.25, strict=False)
    assert keep.folder != strict.folder and keep.lexicon_lines_removed == 0
    assert keep.heldout_file.read_text(encoding="utf-8") == strict.heldout_file.read_text(encoding="utf-8")
    strict.train_file.write_text("changed\n", encoding="utf-8")
    again = hv.build_split(root, tmp_path / "out", fraction=0.25, reuse=True)
    assert again.folder == strict.folder and again.train_file.read_text(encoding="utf-8") == "changed\n"
    rebuilt = hv.build_split(root, tmp_path / "out", fraction=0.25)
    assert rebuilt.train_file.read_text(encoding="utf-8") != "changed\n"


def test_parse_train_args(hv: ModuleType) -> None:
    assert hv.parse_train_args(["c=0.1", "folds=10", "name=abc"]) == {"c": 0.1, "folds": 10, "name": "abc"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        hv.parse_train_args(["c"])


def test_main_trains_and_reports(tmp_path: Path, hv: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    root = _data_root(tmp_path, hv)
    (root / hv.UD_DEV).write_text("\n".join(LONG[:2]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["--data-root", str(root), "--out", str(out), "--fraction", "0.25", "--train-arg", "min_feature_count=1"]
    assert hv.main(args) == 0
    table = capsys.readouterr().out
    assert "| min_feature_count=1 |" in table and "recall 5+" in table
    folder = hv.split_folder(out, 0.25, True, None)
    result = (folder / "result-min_feature_count=1.json").read_text(encoding="utf-8")
    assert '"train_args"' in result and '"ud_dev_f1"' in result and '"r_oov"' in result
    model = folder / "model-min_feature_count=1.bin"
    assert hv.main([*args[:6], "--reuse", "--model", str(model)]) == 0
    assert (folder / f"result-{model.stem}.json").is_file()
