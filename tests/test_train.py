"""Training helpers: the case copies that teach the model all-caps and lower-case text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tachtu.model.train import case_copies, plain_copies
from tachtu.normalize import strip_diacritics

TINY_CORPUS = Path(__file__).parent / "data" / "tiny_train.wseg.txt"  # 30 hand-written sentences


def test_case_copies_pick_by_text_not_order() -> None:
    lines = [f"Câu_số {i} ở Hà_Nội ." for i in range(2000)]
    copies = case_copies(lines, 0.1)
    assert sorted(copies) == sorted(case_copies(lines[::-1], 0.1))
    upper = [c for c in copies if c == c.upper()]
    lower = [c for c in copies if c == c.lower()]
    assert len(upper) + len(lower) == len(copies)
    assert 150 < len(upper) < 250 and 150 < len(lower) < 250  # about 10% each
    assert {c.lower() for c in copies} <= {line.lower() for line in lines}
    originals = [c.lower() for c in copies]
    assert len(originals) == len(set(originals))  # a line is copied one way only


def test_case_copies_repeated_line_copied_once() -> None:
    lines = ["Hà_Nội đẹp ."] * 50
    assert len(case_copies(lines, 0.5)) <= 1
    assert case_copies(lines, 0.0) == []


@pytest.mark.parametrize("fraction", [-0.1, 0.6])
def test_case_copies_fraction_checked(fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 0.5"):
        case_copies(["a"], fraction)


def test_training_learns_from_the_copies() -> None:
    pytest.importorskip("sklearn")
    from tachtu import Segmenter
    from tachtu.model.train import build_dataset, fit

    lines = TINY_CORPUS.read_text(encoding="utf-8").splitlines()
    plain = build_dataset(lines, case_fraction=0.0, plain_fraction=0.0, partial_fraction=0.0, log=lambda _: None)
    data = build_dataset(lines, case_fraction=0.5, plain_fraction=0.0, partial_fraction=0.0, log=lambda _: None)
    assert plain.sentences == len(lines)
    assert data.sentences == len(lines) + len(case_copies(lines, 0.5)) > len(lines)
    segmenter = Segmenter(fit(data, c=1.0, log=lambda _: None))
    for line in ("Bác_sĩ làm_việc ở bệnh_viện lớn .", "Sinh_viên học rất chăm_chỉ ."):
        raw = line.replace("_", " ")
        assert segmenter.segment(raw) == line
        assert segmenter.segment(raw.upper()) == line.upper()
        assert segmenter.segment(raw.lower()) == line.lower()


def test_plain_copies_keep_the_gold_joins() -> None:
    lines = [f"Nhà_Trắng cho biết kế_hoạch tấn_công số {i} ." for i in range(60)]
    copies = plain_copies(lines, 0.4, 0.4)
    full = [c for c in copies if c == strip_diacritics(c) and c not in lines]
    assert full and len(full) < len(copies)  # some lines fully stripped, some partly
    for copy in copies:
        original = next(line for line in lines if strip_diacritics(line) == strip_diacritics(copy))
        assert len(copy) == len(original) and copy != original
        assert [i for i, c in enumerate(copy) if c in "_ "] == [i for i, c in enumerate(original) if c in "_ "]


def test_training_learns_unaccented_text() -> None:
    pytest.importorskip("sklearn")
    from tachtu import Segmenter
    from tachtu.model.train import build_dataset, fit

    lines = TINY_CORPUS.read_text(encoding="utf-8").splitlines()
    data = build_dataset(lines * 3, case_fraction=0.0, plain_fraction=1.0, partial_fraction=0.0, log=lambda _: None)
    segmenter = Segmenter(fit(data, c=1.0, log=lambda _: None))
    for line in ("Bác_sĩ làm_việc ở bệnh_viện lớn .", "Sinh_viên học rất chăm_chỉ ."):
        assert segmenter.segment(line.replace("_", " ")) == line
        plain = strip_diacritics(line)
        assert segmenter.segment(plain.replace("_", " ")) == plain


def test_training_with_statistics_carries_them() -> None:
    pytest.importorskip("sklearn")
    from tachtu import Segmenter
    from tachtu.model.corpus_stats import ModelStats
    from tachtu.model.model import Model
    from tachtu.model.train import build_dataset, fit
    from tachtu.stats import SyllableStats

    lines = TINY_CORPUS.read_text(encoding="utf-8").splitlines()
    raw = [line.replace("_", " ") for line in lines] * 5
    stats = ModelStats.from_syllable_stats(SyllableStats.build([raw]))
    data = build_dataset(lines * 3, case_fraction=0.0, plain_fraction=0.0, stats=stats, log=lambda _: None)
    model = Model.from_bytes(fit(data, c=1.0, log=lambda _: None).to_bytes())
    assert model.stats == stats
    from dataclasses import replace

    from tachtu.model.scorer_ref import ReferenceScorer
    from tachtu.model.encode import Encoder
    from tachtu.pretokenize import pretokenize

    with_stats, without = ReferenceScorer(model), ReferenceScorer(replace(model, stats=None))
    encoder = Encoder(model)
    differ = 0
    for line in lines:
        raw_line = line.replace("_", " ")
        enc = encoder.encode(raw_line, pretokenize(raw_line))
        differ += with_stats.scores(enc.ids, enc.shapes, enc.plain, enc.stat_ids) != without.scores(
            enc.ids, enc.shapes, enc.plain, None)
    assert differ  # the statistics templates carry weight
    compiled, python = Segmenter(model), Segmenter(model, compiled=False)
    for line in lines:
        raw_line = line.replace("_", " ")
        assert compiled.segment(raw_line) == python.segment(raw_line)
