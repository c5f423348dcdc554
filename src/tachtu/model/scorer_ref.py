"""Reference (pure-Python) gap scorer: the specification the compiled one must match.

Kept deliberately plain: the compiled scorer (``_scorer.pyx``) builds from the
same template list and computes the same integer sums, and a test checks that both give identical decisions.
"""

from __future__ import annotations

from typing import Sequence

from ..pretokenize import Kind
from .features import PLAIN_LINE_NAMESPACE, dict_matches, gap_features, joinable
from .model import Model


class ReferenceScorer:
    """Scores gaps with dict lookups; built once per model (read-only after)."""

    def __init__(self, model: Model) -> None:
        self.table: dict[int, int] = dict(zip(model.keys, model.weights))
        self.dictionaries = [frozenset(d) for d in model.dictionaries]
        self.templates = model.templates
        self.n_dicts = model.n_dicts
        self.stats = model.stats
        self.plain_lines = model.plain_lines

    def scores(self, ids: Sequence[int], shapes: Sequence[int], plain_ids: Sequence[int] | None = None,
               stat_ids: Sequence[Sequence[int]] | None = None, plain_line: bool = False) -> list[int]:
        """Integer score of every gap (``len(ids) - 1`` values); ``plain_ids``
        (diacritic-free ids) default to ``ids``, ``stat_ids`` (per view) to unknown;
        ``plain_line``: the line has no diacritic (``features.line_is_plain``)."""
        table = self.table
        matches = dict_matches(ids, self.dictionaries)
        namespace = PLAIN_LINE_NAMESPACE if plain_line and self.plain_lines else 0
        feats = gap_features(ids, shapes, matches, self.templates, self.n_dicts, plain_ids, self.stats, stat_ids,
                             namespace)
        return [sum(table.get(k, 0) for k in keys) for keys in feats]

    def joins(
        self,
        ids: Sequence[int],
        shapes: Sequence[int],
        kinds: Sequence[Kind],
        spaces: Sequence[bool],
        plain_ids: Sequence[int] | None = None,
        stat_ids: Sequence[Sequence[int]] | None = None,
        plain_line: bool = False,
    ) -> list[bool]:
        """Join decision for every gap: positive score and joinable pieces."""
        scores = self.scores(ids, shapes, plain_ids, stat_ids, plain_line)
        return [
            scores[i] > 0 and joinable(kinds[i], kinds[i + 1], spaces[i + 1])
            for i in range(len(scores))
        ]
