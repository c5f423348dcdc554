"""Word-level precision / recall / F1 between two ``_``-segmented texts.

Words are compared as spans over the characters that are neither whitespace
nor ``_`` (after NFC), so two outputs that tokenise punctuation differently
still line up, and a word counts as correct only if both its ends agree.

A line whose characters differ between gold and prediction (other than in
whitespace and ``_``) cannot be aligned: it is reported and scored as wrong
(none of its words match), never compared by character counts alone, so a
prediction of other text can never score.

With a training vocabulary, recall is also split into in-vocabulary and
out-of-vocabulary gold words (R_iv / R_oov, as in the Chinese
word-segmentation bakeoffs): words are compared by ``word_key``, the
``model_key`` of each syllable, so case and tone placement do not make a
known word look new.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import AbstractSet, Iterable

from .errors import TachtuError
from .normalize import model_key

_SYLLABLE_BREAKS = re.compile(r"[\s_]+")

#: how many mismatched line numbers a report names
REPORTED_LINES = 5


def word_key(word: str) -> str:
    """The vocabulary key of a word written with ``_`` or spaces between its
    syllables: each syllable's ``model_key``, joined by one space."""
    syllables = _SYLLABLE_BREAKS.split(unicodedata.normalize("NFC", word))
    return " ".join(model_key(s) for s in syllables if s)


def read_vocabulary(lines: Iterable[str]) -> frozenset[str]:
    """The ``word_key`` set of a segmented training file or of a word list.

    The file is read as segmented text (every whitespace-separated token is a
    word) when some line holds a ``_``-joined token next to another token;
    otherwise as a word list, one word per line with ``_`` or spaces between
    its syllables.
    """
    lines = list(lines)
    if any("_" in line and len(line.split()) > 1 for line in lines):
        words: Iterable[str] = (token for line in lines for token in line.split())
    else:
        words = (line for line in lines if line.strip())
    return frozenset(word_key(w) for w in words)


def _words(line: str) -> tuple[list[tuple[int, int, str]], str]:
    """Spans and texts of the words of a segmented line, and its characters
    without whitespace and ``_`` (after NFC)."""
    words: list[tuple[int, int, str]] = []
    chars: list[str] = []
    pos = 0
    for token in unicodedata.normalize("NFC", line).split():
        text = token.replace("_", "")
        if text:
            words.append((pos, pos + len(text), token))
            chars.append(text)
            pos += len(text)
    return words, "".join(chars)


def word_spans(line: str) -> tuple[list[tuple[int, int]], int]:
    """Spans of the words of a segmented line, and its character count."""
    words, chars = _words(line)
    return [(a, b) for a, b, _ in words], len(chars)


def _compare(gold: str, pred: str) -> tuple[list[tuple[str, bool]], int, bool]:
    """Each gold word (as written) with whether the prediction has it, the number
    of predicted words, and whether the two lines have the same characters
    (if not, no word counts as found)."""
    gold_words, gold_chars = _words(gold)
    pred_words, pred_chars = _words(pred)
    if gold_chars != pred_chars:
        return [(token, False) for _, _, token in gold_words], len(pred_words), False
    predicted = {(a, b) for a, b, _ in pred_words}
    return [(token, (a, b) in predicted) for a, b, token in gold_words], len(pred_words), True


def gold_word_hits(gold: str, pred: str) -> list[tuple[str, bool]]:
    """Each gold word of the line (as written) and whether the prediction has it;
    all False when the two lines differ in their characters."""
    return _compare(gold, pred)[0]


def _ratio(part: str, whole: str, doc: str) -> property:
    """A read-only score ``self.<part> / self.<whole>``: 0 for an empty whole
    (a score of nothing is 0, not an error)."""

    def get(self: object) -> float:
        denominator = getattr(self, whole)
        return getattr(self, part) / denominator if denominator else 0.0

    return property(get, doc=doc)


@dataclass
class Score:
    gold_words: int = 0
    pred_words: int = 0
    correct: int = 0
    sentences: int = 0
    exact: int = 0
    mismatched: list[int] = field(default_factory=list)
    """numbers (1-based) of the lines whose characters differ: scored as wrong"""
    vocabulary: bool = False
    """whether the in/out-of-vocabulary counts below were taken"""
    iv_words: int = 0
    iv_correct: int = 0
    oov_words: int = 0
    oov_correct: int = 0

    precision = _ratio("correct", "pred_words", "Share of the predicted words that are gold words.")
    recall = _ratio("correct", "gold_words", "Share of the gold words that were predicted.")
    exact_match = _ratio("exact", "sentences", "Share of the lines segmented exactly as the gold.")
    recall_iv = _ratio("iv_correct", "iv_words", "Recall of the gold words that are in the training vocabulary.")
    recall_oov = _ratio("oov_correct", "oov_words", "Recall of the gold words that are not in the training vocabulary.")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def report(self) -> str:
        """One summary line, then the vocabulary split and any mismatched lines."""
        lines = [
            f"precision {100 * self.precision:.2f}  recall {100 * self.recall:.2f}  "
            f"F1 {100 * self.f1:.2f}  sentence exact {100 * self.exact_match:.2f}  "
            f"({self.gold_words} gold words, {self.sentences} sentences)"
        ]
        if self.vocabulary:
            share = self.oov_words / self.gold_words if self.gold_words else 0.0
            lines.append(
                f"R_iv {100 * self.recall_iv:.2f}  R_oov {100 * self.recall_oov:.2f}  "
                f"({self.oov_words} gold words out of the training vocabulary, OOV rate {100 * share:.2f}%)"
            )
        if self.mismatched:
            n = len(self.mismatched)
            named = ", ".join(map(str, self.mismatched[:REPORTED_LINES])) + (", ..." if n > REPORTED_LINES else "")
            lines.append(
                f"warning: {n} line{'s differ' if n != 1 else ' differs'} in their characters between gold and "
                f"prediction (line{'s' if n != 1 else ''} {named}): scored as errors, none of their words matched"
            )
        return "\n".join(lines)


def score_lines(
    gold: Iterable[str], pred: Iterable[str], *, vocabulary: AbstractSet[str] | None = None
) -> Score:
    """Score aligned lines.

    Args:
        gold: gold segmented lines.
        pred: predicted segmented lines, the same number.
        vocabulary: ``word_key`` forms of the training words (see
            ``read_vocabulary``); when given, R_iv and R_oov are counted.

    Raises:
        TachtuError: the two have different numbers of lines.
    """
    score = Score(vocabulary=vocabulary is not None)
    gold_list, pred_list = list(gold), list(pred)
    if len(gold_list) != len(pred_list):
        raise TachtuError(f"gold has {len(gold_list)} lines but prediction has {len(pred_list)}")
    for n, (g, p) in enumerate(zip(gold_list, pred_list), 1):
        hits, pred_words, same = _compare(g, p)
        if not same:
            score.mismatched.append(n)
        elif not hits:
            continue
        common = sum(hit for _, hit in hits)
        score.gold_words += len(hits)
        score.pred_words += pred_words
        score.correct += common
        score.sentences += 1
        score.exact += common == len(hits) == pred_words
        if vocabulary is not None:
            for token, hit in hits:
                if word_key(token) in vocabulary:
                    score.iv_words += 1
                    score.iv_correct += hit
                else:
                    score.oov_words += 1
                    score.oov_correct += hit
    return score
