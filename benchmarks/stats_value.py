"""How much do raw-text syllable statistics alone say about VLSP's gold word joins?

For every gap between two neighbouring syllables inside a run (``tachtu.stats.word_runs``)
of the VLSP 2013 training file, the gold says joined (same word) or not; the statistics
give three classes: the pair class of (b, c), the right-entropy class of b and the
left-entropy class of c.  The file is split by position: the first 90% of the lines
stand in for "training data", the last 10% for new text.

Reported, for each view (``full`` keys and ``nodia``, both text and statistics without
diacritics):

* per pair class: gaps, share and join rate on the whole file, and how the gaps inside
  *unseen words* fall into the classes (a multi-syllable gold word of the last 10% whose
  key form never occurs in the first 90%);
* ROC AUC of "joined" on the last 10%, with each class's join rate on the first 90% as the
  score (pair class; right class of b; left class of c), and of a logistic regression on
  the three one-hot classes and their pairwise crosses, fit on the first 90%:
  on all gaps, and on the *unseen* subset = gaps inside unseen words (positives) against
  gaps that are not joined and whose pair never occurs joined in the first 90% (negatives:
  the gaps where annotated data has no memory either way).

With ``--adapt`` the table is also extended with the raw text of the last 10% (joins removed),
as ``tachtu stats --base`` extends it with a user's corpus, and scored again (views
``full:adapted``, ``nodia:adapted``): what statistics of the new text itself add.

Usage::

    PYTHONPATH=src python benchmarks/stats_value.py --stats my.stats [--adapt] [--json out.json]

Without ``--stats`` the table is built from ``DATA_ROOT/data/raw/{legal,wiki}.txt`` first
(about 80 s).  Needs numpy and scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import OneHotEncoder

from tachtu.normalize import model_key
from tachtu.stats import FIRST_SEEN_CLASS, PMI_BINS, SyllableStats, strip_diacritics, word_runs

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared"


def gold_gaps(lines: list[str]) -> list[tuple[int, str, str, bool, str]]:
    """``(line index, b key, c key, joined, word key or "")`` for every in-run gap of gold lines."""
    gaps = []
    for number, line in enumerate(lines):
        syllables: list[str] = []
        word_at: dict[int, int] = {}  # offset of a joined gap's space -> word index
        words: list[str] = []
        offset = 0
        for token in unicodedata.normalize("NFC", line).split():
            parts = [p for p in token.split("_") if p] or [token]
            for k, part in enumerate(parts):
                if syllables:
                    offset += 1
                if k:
                    word_at[offset - 1] = len(words)
                syllables.append(part)
                offset += len(part)
            words.append("_".join(model_key(p) for p in parts))
        text = " ".join(syllables)
        for run in word_runs(text):
            for left, right in zip(run, run[1:]):
                word = word_at.get(left.end)
                gaps.append((number, model_key(text[left.start:left.end]), model_key(text[right.start:right.end]),
                             word is not None, words[word] if word is not None else ""))
    return gaps


def pair_class_name(cls: int) -> str:
    if cls == 0:
        return "pair never seen"
    if cls == 1:
        return "syllable unknown"
    f, a = divmod(cls - FIRST_SEEN_CLASS, PMI_BINS)
    return f"freq {f} pmi {a}"


def auc_by_rate(train_cls: np.ndarray, train_y: np.ndarray, test_cls: np.ndarray, test_y: np.ndarray) -> float:
    """AUC on test of the per-class join rate measured on train (unseen classes: overall rate)."""
    rates = {c: train_y[train_cls == c].mean() for c in np.unique(train_cls)}
    default = train_y.mean()
    score = np.array([rates.get(c, default) for c in test_cls])
    return float(roc_auc_score(test_y, score)) if 0 < test_y.sum() < len(test_y) else float("nan")


def evaluate_view(stats: SyllableStats, gaps: list, split_line: int, view: str) -> dict:
    strip = strip_diacritics if view == "nodia" else (lambda s: s)
    line_no = np.array([g[0] for g in gaps])
    joined = np.array([g[3] for g in gaps], dtype=np.int8)
    feats = np.array([(stats.pair_class(b, c, view), stats.right_class(b, view), stats.left_class(c, view))
                      for _, b, c, _, _ in gaps], dtype=np.int16)
    train, test = line_no < split_line, line_no >= split_line
    seen_words = {strip(g[4]) for g in gaps if g[3] and g[0] < split_line}
    joined_pairs = {(strip(g[1]), strip(g[2])) for g in gaps if g[3] and g[0] < split_line}
    unseen_pos = test & joined.astype(bool) & np.array([g[3] and strip(g[4]) not in seen_words for g in gaps])
    unseen_neg = test & ~joined.astype(bool) & np.array([(strip(g[1]), strip(g[2])) not in joined_pairs for g in gaps])
    subset = unseen_pos | unseen_neg

    result: dict = {"gaps": int(len(gaps)), "join_rate": float(joined.mean()),
                    "unseen_word_gaps": int(unseen_pos.sum()), "unseen_negative_gaps": int(unseen_neg.sum())}
    per_class = []
    n_unseen = max(int(unseen_pos.sum()), 1)
    for cls in range(stats.n_pair_classes):
        mask = feats[:, 0] == cls
        n = int(mask.sum())
        per_class.append({"class": cls, "meaning": pair_class_name(cls), "gaps": n, "share": n / len(gaps),
                          "join_rate": float(joined[mask].mean()) if n else None,
                          "unseen_word_share": int((mask & unseen_pos).sum()) / n_unseen,
                          "unseen_subset_join_rate": float(joined[mask & subset].mean()) if (mask & subset).any() else None})
    result["pair_classes"] = per_class
    for name, col in (("right_b", 1), ("left_c", 2)):
        result[f"{name}_join_rate"] = {int(c): float(joined[feats[:, col] == c].mean())
                                       for c in np.unique(feats[:, col])}

    aucs: dict[str, dict[str, float]] = {}
    for name, col in (("pair", 0), ("right_b", 1), ("left_c", 2)):
        aucs[name] = {"all": auc_by_rate(feats[train, col], joined[train], feats[test, col], joined[test]),
                      "unseen": auc_by_rate(feats[train, col], joined[train], feats[subset, col], joined[subset])}
    crossed = np.column_stack([feats, feats[:, 0] * 32 + feats[:, 1], feats[:, 0] * 32 + feats[:, 2],
                               feats[:, 1] * 32 + feats[:, 2]])
    encoder = OneHotEncoder(handle_unknown="ignore").fit(crossed[train])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(encoder.transform(crossed[train]), joined[train])
    prob = model.predict_proba(encoder.transform(crossed))[:, 1]
    aucs["combined"] = {"all": float(roc_auc_score(joined[test], prob[test])),
                        "unseen": float(roc_auc_score(joined[subset], prob[subset]))}
    predicted = prob >= 0.5
    aucs["combined"]["unseen_word_recall_at_0.5"] = float(predicted[unseen_pos].mean())
    aucs["combined"]["unseen_negative_accuracy_at_0.5"] = float((~predicted[unseen_neg]).mean())
    result["auc"] = aucs
    return result


def print_view(view: str, r: dict) -> None:
    print(f"\n## view {view}: {r['gaps']} gaps, join rate {r['join_rate']:.3f}; unseen-word gaps "
          f"{r['unseen_word_gaps']}, never-joined negatives {r['unseen_negative_gaps']}\n")
    print("| class | meaning | share of gaps | join rate | share of unseen-word gaps | join rate in unseen subset |")
    print("|---:|---|---:|---:|---:|---:|")
    for c in r["pair_classes"]:
        rate = "-" if c["join_rate"] is None else f"{c['join_rate']:.3f}"
        sub = "-" if c["unseen_subset_join_rate"] is None else f"{c['unseen_subset_join_rate']:.3f}"
        print(f"| {c['class']} | {c['meaning']} | {c['share']:.3f} | {rate} | {c['unseen_word_share']:.3f} | {sub} |")
    for name in ("right_b", "left_c"):
        rates = ", ".join(f"{k}: {v:.2f}" for k, v in r[f"{name}_join_rate"].items())
        print(f"\njoin rate by {name} class: {rates}")
    print("\n| score | AUC last 10% | AUC unseen subset |\n|---|---:|---:|")
    for name, a in r["auc"].items():
        print(f"| {name} | {a['all']:.4f} | {a['unseen']:.4f} |")
    c = r["auc"]["combined"]
    print(f"\ncombined at p>=0.5: recall of unseen-word gaps {c['unseen_word_recall_at_0.5']:.3f}, "
          f"accuracy on never-joined negatives {c['unseen_negative_accuracy_at_0.5']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stats", default=None, help="statistics table (default: build from the raw corpora)")
    parser.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    parser.add_argument("--split", type=float, default=0.9, help="share of lines standing in for training data")
    parser.add_argument("--limit", type=int, default=None, help="first N lines only (smoke runs)")
    parser.add_argument("--views", default="full,nodia")
    parser.add_argument("--adapt", action="store_true",
                        help="also extend the table with the raw text of the last lines (joins removed), as "
                             "'tachtu stats --base' does with a user's domain corpus, and score that too")
    parser.add_argument("--json", default=None, metavar="OUT")
    args = parser.parse_args(argv)
    root = Path(args.data_root)
    start = time.perf_counter()
    if args.stats:
        stats = SyllableStats.load(args.stats)
    else:
        stats = SyllableStats.build([root / "data/raw/legal.txt", root / "data/raw/wiki.txt"])
    print(f"statistics: {stats.lines} lines, {stats.tokens} syllables ({time.perf_counter() - start:.1f} s)")
    lines = (root / "data/vlsp2013/train.wseg.txt").read_text(encoding="utf-8").splitlines()[: args.limit]
    gaps = gold_gaps(lines)
    split = int(len(lines) * args.split)
    tables = {"": stats}
    if args.adapt:
        tables[":adapted"] = SyllableStats.build([[line.replace("_", " ") for line in lines[split:]]], base=stats)
    results = {"split_line": split, "lines": len(lines), "views": {}}
    for suffix, table in tables.items():
        for view in args.views.split(","):
            source = gaps if view == "full" else [(n, strip_diacritics(b), strip_diacritics(c), j, strip_diacritics(w))
                                                  for n, b, c, j, w in gaps]
            results["views"][view + suffix] = evaluate_view(table, source, split, view)
            print_view(view + suffix, results["views"][view + suffix])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
