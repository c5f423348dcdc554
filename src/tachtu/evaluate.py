"""Word-level precision / recall / F1 between two ``_``-segmented texts.

Words are compared as spans over the characters that are neither whitespace
nor ``_`` (after NFC), so two outputs that tokenise punctuation differently
still line up, and a word counts as correct only if both its ends agree.
Tone placement (``hoà``/``hòa``) does not change character counts, so it
cannot affect the score.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable

from .errors import TachtuError


def word_spans(line: str) -> tuple[list[tuple[int, int]], int]:
    """Spans of the words of a segmented line, and its character count."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for token in unicodedata.normalize("NFC", line).split():
        length = sum(1 for ch in token if ch != "_")
        if length:
            spans.append((pos, pos + length))
            pos += length
    return spans, pos


@dataclass
class Score:
    gold_words: int = 0
    pred_words: int = 0
    correct: int = 0
    sentences: int = 0
    exact: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.pred_words if self.pred_words else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold_words if self.gold_words else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_match(self) -> float:
        return self.exact / self.sentences if self.sentences else 0.0

    def report(self) -> str:
        return (
            f"precision {100 * self.precision:.2f}  recall {100 * self.recall:.2f}  "
            f"F1 {100 * self.f1:.2f}  sentence exact {100 * self.exact_match:.2f}  "
            f"({self.gold_words} gold words, {self.sentences} sentences)"
        )


def score_lines(gold: Iterable[str], pred: Iterable[str]) -> Score:
    """Score aligned lines; raises if the files differ in length or text."""
    score = Score()
    gold_list, pred_list = list(gold), list(pred)
    if len(gold_list) != len(pred_list):
        raise TachtuError(f"gold has {len(gold_list)} lines but prediction has {len(pred_list)}")
    for n, (g, p) in enumerate(zip(gold_list, pred_list), 1):
        gs, gn = word_spans(g)
        ps, pn = word_spans(p)
        if gn != pn:
            raise TachtuError(f"line {n}: gold and prediction have different text ({gn} vs {pn} characters)")
        if not gs:
            continue
        common = len(set(gs) & set(ps))
        score.gold_words += len(gs)
        score.pred_words += len(ps)
        score.correct += common
        score.sentences += 1
        score.exact += common == len(gs) == len(ps)
    return score
