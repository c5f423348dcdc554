"""The scorer: lines of other text are errors, and R_iv / R_oov."""

from __future__ import annotations

from pathlib import Path

import pytest

from tachtu.cli import main
from tachtu.errors import TachtuError
from tachtu.evaluate import gold_word_hits, read_vocabulary, score_lines, word_key


def test_other_text_is_not_a_perfect_score() -> None:
    score = score_lines(["trời đẹp"], ["trời xấu"])
    assert score.f1 == 0.0 and score.mismatched == [1]
    assert score.gold_words == 2 and score.pred_words == 2 and score.sentences == 1 and score.exact == 0
    assert "1 line differs" in score.report() and "(line 1)" in score.report()


def test_mismatched_lines_count_against_both_sides() -> None:
    gold = ["Hà_Nội có hồ", "trời đẹp", "sinh_viên học"]
    pred = ["Hà_Nội có hồ", "trời đẹp lắm", "sinh viên học"]
    score = score_lines(gold, pred)
    assert score.mismatched == [2]
    assert (score.gold_words, score.pred_words, score.correct) == (7, 9, 4)
    assert "scored as errors" in score.report()
    # whitespace, "_" and NFC are not differences
    assert score_lines(["Hà_Nội"], ["Ha\u0300  No\u0323\u0302i"]).mismatched == []
    assert gold_word_hits("Hà_Nội có", "Hà_Nội có") == [("Hà_Nội", True), ("có", True)]
    assert gold_word_hits("Hà_Nội có", "Hà_Nội cỏ") == [("Hà_Nội", False), ("có", False)]
    with pytest.raises(TachtuError, match="lines"):
        score_lines(["a"], [])


def test_read_vocabulary_segmented_file_or_word_list() -> None:
    segmented = read_vocabulary(["Hôm_nay trời đẹp", "", "Hà_Nội"])
    assert segmented == {"hôm nay", "trời", "đẹp", "hà nội"}
    words = read_vocabulary(["Hà Nội", "thủy_điện", "  ", "sinh viên"])
    assert words == {"hà nội", "thuỷ điện", "sinh viên"}
    assert word_key("HÒA_Bình") == word_key("hoà bình") == "hoà bình"


def test_recall_in_and_out_of_vocabulary() -> None:
    vocabulary = read_vocabulary(["Hà_Nội có", "hồ"])
    gold = ["Hà_Nội có hồ Hoàn_Kiếm", "thủ_đô Hà_Nội"]
    pred = ["Hà_Nội có hồ Hoàn Kiếm", "thủ_đô Hà Nội"]
    score = score_lines(gold, pred, vocabulary=vocabulary)
    # in vocabulary: Hà_Nội (found, then missed), có, hồ; out: Hoàn_Kiếm (missed), thủ_đô (found)
    assert (score.iv_words, score.iv_correct, score.oov_words, score.oov_correct) == (4, 3, 2, 1)
    assert score.recall_iv == 0.75 and score.recall_oov == 0.5
    assert "R_iv 75.00  R_oov 50.00" in score.report()
    assert "R_iv" not in score_lines(gold, pred).report()


def test_cli_train_vocab(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold, pred, vocab = tmp_path / "gold.txt", tmp_path / "pred.txt", tmp_path / "words.txt"
    gold.write_text("Hà_Nội có hồ Hoàn_Kiếm\n", encoding="utf-8")
    pred.write_text("Hà_Nội có hồ Hoàn Kiếm\n", encoding="utf-8")
    vocab.write_text("Hà Nội\ncó\nhồ\n", encoding="utf-8")
    assert main(["evaluate", str(gold), str(pred), "--train-vocab", str(vocab)]) == 0
    assert "R_iv 100.00  R_oov 0.00" in capsys.readouterr().out
    assert main(["evaluate", str(gold), str(pred), "--train-vocab", str(tmp_path / "missing.txt")]) == 1
    assert "missing.txt" in capsys.readouterr().err
