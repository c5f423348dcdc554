"""Held-out-vocabulary evaluation: how a model segments words it never saw.

VLSP dev is cut from the training file and saturated; it cannot show what a
model does with new words.  This protocol makes unseen words out of the
training data itself:

1. the training mix of ``scripts/train_default_model.sh`` (VLSP 2013 train,
   then UD VTB train ten times);
2. its multi-syllable word types (``_``-joined tokens whose syllables all hold
   a letter; a type is the ``word_key`` form, so case and tone placement do
   not split it), in four strata by syllable count: 2, 3, 4, 5+;
3. in each stratum, the ``--fraction`` (10%) of types with the lowest hash of
   their key: deterministic, independent of line order, no random state
   (``--max-count N``: only among the types seen at most N times; by default
   frequent words are sampled too, and they pull many sentences out);
4. every training sentence holding one of the sampled words goes to the
   held-out set (distinct lines); the model trains on the rest with the
   recipe of ``scripts/train_default_model.sh`` (``tachtu.model.train.train``,
   C 0.05, case copies 0.1, the same four lexicons);
5. strict (default): lexicon lines equal to a sampled word (``word_key``) are
   removed too, so the model has truly never seen them; ``--keep-lexicons``
   leaves the lexicons whole (the sampled words are then "seen" through them).

Reported: word F1 on the held-out sentences, recall of the sampled words by
length, R_iv / R_oov against the vocabulary of the training part, and UD VTB
dev F1 of the same model.  The split is cached under ``--out``; results go to
``--json`` (default: ``OUT/SPLIT/result-TAG.json``) and a Markdown table.

Usage::

    PYTHONPATH=src python benchmarks/heldout_vocab.py                 # strict, full data
    PYTHONPATH=src python benchmarks/heldout_vocab.py --limit 5000    # quick run
    PYTHONPATH=src python benchmarks/heldout_vocab.py --reuse --train-arg c=0.1
    PYTHONPATH=src python benchmarks/heldout_vocab.py --reuse --model my.bin
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared"
DEFAULT_OUT = Path("/tmp/tachtu-heldout-vocab")

#: training files relative to the data root, and how often each is repeated
TRAIN_MIX = (("data/vlsp2013/train.wseg.txt", 1), ("data/ud_vtb/train.wseg.txt", 10))
LEXICONS = (
    "data/lexicons/vnvocab.txt",
    "data/lexicons/pyvi_words.txt",
    "data/rdrsegmenter/lists/vn_locations.txt",
    "data/rdrsegmenter/lists/country_l_name.txt",
)
UD_DEV = "data/ud_vtb/dev.wseg.txt"
#: keyword arguments of tachtu.model.train.train in scripts/train_default_model.sh
RECIPE: dict[str, Any] = {"c": 0.05, "case_fraction": 0.1}
DEFAULT_FRACTION = 0.1
STRATA = ("2", "3", "4", "5+")
#: bump when the split changes, so that --reuse does not pick up an old one
SPLIT_VERSION = 1


def stratum(syllables: int) -> str:
    """The length class of a word of ``syllables`` syllables."""
    return STRATA[min(syllables, 5) - 2]


def candidate_key(token: str) -> str | None:
    """The ``word_key`` of a multi-syllable word token, or None for other tokens
    (one syllable, or a part without a letter, as in ``84_._4``)."""
    from tachtu.evaluate import word_key

    parts = token.split("_")
    if len(parts) < 2 or not all(any(ch.isalpha() for ch in part) for part in parts):
        return None
    return word_key(token)


def word_hash(key: str) -> int:
    """A stable 64-bit hash of a word key (the same on every run and machine)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


def word_types(lines: Iterable[str], max_count: int | None = None) -> dict[str, set[str]]:
    """The multi-syllable word types (keys) of the gold lines, by stratum; with
    ``max_count``, only those seen at most that many times."""
    counts: Counter[str] = Counter()
    for line in lines:
        for token in line.split():
            key = candidate_key(token) if "_" in token else None
            if key is not None:
                counts[key] += 1
    by_stratum: dict[str, set[str]] = {s: set() for s in STRATA}
    for key, n in counts.items():
        if max_count is None or n <= max_count:
            by_stratum[stratum(key.count(" ") + 1)].add(key)
    return by_stratum


def sample_words(types: dict[str, set[str]], fraction: float = DEFAULT_FRACTION) -> dict[str, str]:
    """The sampled word keys with their stratum: in each stratum of ``types``
    (see ``word_types``), the ``fraction`` of its types (rounded, at least one)
    with the lowest hash."""
    sampled: dict[str, str] = {}
    for name, keys in types.items():
        if keys:
            quota = max(1, round(fraction * len(keys)))
            for key in sorted(keys, key=lambda k: (word_hash(k), k))[:quota]:
                sampled[key] = name
    return sampled


def holds_sampled(line: str, sampled: dict[str, str]) -> bool:
    """Whether the gold line has one of the sampled words."""
    return any(candidate_key(token) in sampled for token in line.split() if "_" in token)


def split_lines(lines: Sequence[str], sampled: dict[str, str]) -> tuple[list[str], list[str]]:
    """(training lines, held-out lines): every line holding a sampled word is
    held out; held-out lines are distinct (UD's ten copies count once), the
    training lines keep their repeats."""
    train: list[str] = []
    heldout: dict[str, None] = {}
    for line in lines:
        if holds_sampled(line, sampled):
            heldout[line] = None
        else:
            train.append(line)
    return train, list(heldout)


def filter_lexicon(lines: Iterable[str], sampled: dict[str, str]) -> tuple[list[str], int]:
    """The lexicon lines that are not a sampled word (compared by ``word_key``),
    and how many were removed."""
    from tachtu.evaluate import word_key

    kept: list[str] = []
    removed = 0
    for line in lines:
        if word_key(line) in sampled:
            removed += 1
        else:
            kept.append(line)
    return kept, removed


@dataclass
class Split:
    """A built split: where its files are, and what it holds."""

    folder: str
    train_lines: int
    heldout_lines: int
    sampled: dict[str, int]  # stratum -> sampled types
    types: dict[str, int]  # stratum -> all multi-syllable types
    lexicon_lines_removed: int
    seconds: float

    @property
    def train_file(self) -> Path:
        return Path(self.folder) / "train.wseg.txt"

    @property
    def heldout_file(self) -> Path:
        return Path(self.folder) / "heldout.wseg.txt"

    @property
    def sampled_file(self) -> Path:
        return Path(self.folder) / "sampled.tsv"

    def lexicons(self) -> list[Path]:
        return sorted((Path(self.folder) / "lexicons").glob("*.txt"))


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def training_mix(data_root: Path, limit: int | None = None) -> list[str]:
    """The lines of ``scripts/train_default_model.sh``'s training file (its first
    ``limit`` lines with a limit)."""
    lines: list[str] = []
    for rel, repeat in TRAIN_MIX:
        lines += _read(data_root / rel) * repeat
    return lines[:limit] if limit else lines


def split_folder(out: Path, fraction: float, strict: bool, limit: int | None, max_count: int | None = None) -> Path:
    """Where the split of these settings is cached."""
    cap = f"-max{max_count}" if max_count is not None else ""
    return out / f"split-{'strict' if strict else 'keep'}-{fraction:g}{cap}-{limit or 'all'}"


def build_split(
    data_root: Path,
    out: Path,
    *,
    fraction: float = DEFAULT_FRACTION,
    strict: bool = True,
    limit: int | None = None,
    max_count: int | None = None,
    reuse: bool = False,
) -> Split:
    """Build (or, with ``reuse``, load) the split of these settings under ``out``
    (``max_count``: sample only among the types seen at most that often)."""
    folder = split_folder(out, fraction, strict, limit, max_count)
    meta_file = folder / "split.json"
    inputs = [rel for rel, _ in TRAIN_MIX] + list(LEXICONS)
    settings: dict[str, Any] = {
        "version": SPLIT_VERSION, "fraction": fraction, "strict": strict, "limit": limit, "max_count": max_count,
        "data": {rel: (data_root / rel).stat().st_size for rel in inputs},  # rebuild when the data changes
    }
    if reuse and meta_file.is_file():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("settings") == settings:
            return Split(**{**meta["split"], "seconds": 0.0})
    t0 = time.perf_counter()
    lines = training_mix(data_root, limit)
    types = word_types(lines, max_count)
    sampled = sample_words(types, fraction)
    train, heldout = split_lines(lines, sampled)
    (folder / "lexicons").mkdir(parents=True, exist_ok=True)
    for old in (folder / "lexicons").glob("*.txt"):
        old.unlink()
    removed = 0
    for n, rel in enumerate(LEXICONS):
        entries = _read(data_root / rel)
        if strict:
            entries, dropped = filter_lexicon(entries, sampled)
            removed += dropped
        (folder / "lexicons" / f"{n}-{Path(rel).name}").write_text("\n".join(entries) + "\n", encoding="utf-8")
    (folder / "train.wseg.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
    (folder / "heldout.wseg.txt").write_text("\n".join(heldout) + "\n", encoding="utf-8")
    (folder / "sampled.tsv").write_text(
        "".join(f"{name}\t{key}\n" for key, name in sorted(sampled.items(), key=lambda kv: (kv[1], kv[0]))),
        encoding="utf-8",
    )
    split = Split(
        folder=str(folder),
        train_lines=len(train),
        heldout_lines=len(heldout),
        sampled=dict(Counter(sampled.values())),
        types={name: len(keys) for name, keys in types.items()},
        lexicon_lines_removed=removed,
        seconds=time.perf_counter() - t0,
    )
    meta_file.write_text(json.dumps({"settings": settings, "split": asdict(split)}, indent=2) + "\n", encoding="utf-8")
    return split


def read_sampled(split: Split) -> dict[str, str]:
    """The sampled word keys of a built split, with their stratum."""
    sampled = {}
    for line in _read(split.sampled_file):
        name, key = line.split("\t")
        sampled[key] = name
    return sampled


def parse_train_args(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs: the value as a Python literal when it is one
    (``c=0.1``, ``folds=10``), else as a string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise ValueError(f"--train-arg wants KEY=VALUE, not {item!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def run_tag(train_args: dict[str, Any], model: Path | None) -> str:
    """A short name for the model of a run: ``recipe``, the extra arguments, or the model file."""
    if model is not None:
        return Path(model).stem
    if not train_args:
        return "recipe"
    return "-".join(f"{k}={train_args[k]}" for k in sorted(train_args)).replace("/", "_")


def evaluate_model(model: Any, split: Split, data_root: Path, stats: Path | None = None) -> dict[str, Any]:
    """Scores of ``model`` (a path or a Model) on the split's held-out sentences and UD dev;
    with ``stats``, the model reads that statistics table instead of its own."""
    from tachtu.api import Segmenter
    from tachtu.evaluate import gold_word_hits, read_vocabulary, score_lines

    segmenter = Segmenter(model, stats=stats)
    sampled = read_sampled(split)
    heldout = _read(split.heldout_file)
    predictions = [segmenter.segment_line(line.replace("_", " ")) for line in heldout]
    score = score_lines(heldout, predictions, vocabulary=read_vocabulary(_read(split.train_file)))
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for gold, pred in zip(heldout, predictions):
        for token, hit in gold_word_hits(gold, pred):
            name = sampled.get(candidate_key(token) or "")
            if name is not None:
                total[name] += 1
                found[name] += hit
    recall = {s: 100 * found[s] / total[s] if total[s] else None for s in STRATA}
    recall["all"] = 100 * sum(found.values()) / sum(total.values()) if total else None
    result: dict[str, Any] = {
        "heldout_f1": 100 * score.f1,
        "heldout_precision": 100 * score.precision,
        "heldout_recall": 100 * score.recall,
        "heldout_exact_match": 100 * score.exact_match,
        "heldout_sentences": score.sentences,
        "heldout_gold_words": score.gold_words,
        "sampled_recall": recall,
        "sampled_occurrences": {**{s: total[s] for s in STRATA}, "all": sum(total.values())},
        "r_iv": 100 * score.recall_iv,
        "r_oov": 100 * score.recall_oov,
        "oov_words": score.oov_words,
        "mismatched_lines": len(score.mismatched),
    }
    ud_dev = data_root / UD_DEV
    if ud_dev.is_file():
        gold = _read(ud_dev)
        result["ud_dev_f1"] = 100 * score_lines(gold, [segmenter.segment_line(g.replace("_", " ")) for g in gold]).f1
    return result


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def markdown_table(tag: str, split: Split, result: dict[str, Any]) -> str:
    """One row per run: held-out F1, recall of sampled words by length, R_iv/R_oov, UD dev."""
    r = result["sampled_recall"]
    n = result["sampled_occurrences"]
    head = (
        "| model | held-out F1 | "
        + " | ".join(f"recall {s}" for s in STRATA)
        + " | recall all | R_iv | R_oov | UD dev F1 |"
    )
    row = (
        f"| {tag} | {_cell(result['heldout_f1'])} | "
        + " | ".join(_cell(r[s]) for s in STRATA)
        + f" | {_cell(r['all'])} | {_cell(result['r_iv'])} | {_cell(result['r_oov'])}"
        + f" | {_cell(result.get('ud_dev_f1'))} |"
    )
    notes = (
        f"\nSplit: {split.train_lines} training lines, {split.heldout_lines} held-out sentences "
        f"({result['heldout_gold_words']} gold words, {result['oov_words']} out of the training vocabulary); "
        "sampled types by length (of the candidate types): "
        + ", ".join(f"{s}: {split.sampled.get(s, 0)} ({split.types.get(s, 0)})" for s in STRATA)
        + f"; their occurrences in the held-out set: "
        + ", ".join(f"{s}: {n[s]}" for s in STRATA)
        + f"; lexicon lines removed: {split.lexicon_lines_removed}."
    )
    return "\n".join([head, "|---|" + "---:|" * 9, row]) + "\n" + notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data-root", type=Path, default=DEFAULT_DATA_ROOT,
                        help=f"folder holding data/ (default: {DEFAULT_DATA_ROOT})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"work folder for the split and models (default: {DEFAULT_OUT})")
    parser.add_argument("--fraction", type=float, default=DEFAULT_FRACTION,
                        help="share of the word types of each length to hold out (default: %(default)s)")
    parser.add_argument("--keep-lexicons", action="store_true",
                        help="do not remove the sampled words from the lexicons")
    parser.add_argument("--train-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="extra keyword argument of tachtu.model.train.train (repeatable), e.g. c=0.1")
    parser.add_argument("--reuse", action="store_true", help="reuse the split of these settings when already built")
    parser.add_argument("--model", type=Path, default=None, help="evaluate this model file instead of training one")
    parser.add_argument("--max-count", type=int, default=None, metavar="N",
                        help="sample only among the types seen at most N times in the training mix, so that "
                             "frequent words do not pull out a large share of the data (default: all types)")
    parser.add_argument("--stats", type=Path, default=None, metavar="STATS",
                        help="raw-text statistics (tachtu stats) for the model to train with (default: none)")
    parser.add_argument("--eval-stats", type=Path, default=None, metavar="STATS",
                        help="evaluate with this statistics table in place of the model's (tachtu stats ... "
                             "--base bundled: adapting to the held-out text's raw form)")
    parser.add_argument("--limit", type=int, default=None,
                        help="only the first N lines of the training mix (quick run)")
    parser.add_argument("--json", type=Path, default=None, help="result file (default: OUT/SPLIT/result-TAG.json)")
    args = parser.parse_args(argv)
    if not 0 < args.fraction < 1:
        parser.error("--fraction must be between 0 and 1")
    try:
        train_args = {**RECIPE, **parse_train_args(args.train_arg)}
    except ValueError as exc:
        parser.error(str(exc))
    for rel in [r for r, _ in TRAIN_MIX] + list(LEXICONS):
        if not (args.data_root / rel).is_file():
            print(f"error: {args.data_root / rel} not found (see --data-root)", file=sys.stderr)
            return 2
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.perf_counter()
    split = build_split(args.data_root, args.out, fraction=args.fraction, strict=not args.keep_lexicons,
                        limit=args.limit, max_count=args.max_count, reuse=args.reuse)
    log(f"split in {split.folder}: {split.train_lines} training lines, {split.heldout_lines} held out")
    tag = run_tag(parse_train_args(args.train_arg), args.model) + ("-stats" if args.stats else "")
    tag += f"-eval-{args.eval_stats.stem}" if args.eval_stats else ""
    if args.stats is not None and args.model is None:
        from tachtu.model.corpus_stats import ModelStats
        from tachtu.stats import SyllableStats

        train_args["stats"] = ModelStats.from_syllable_stats(SyllableStats.load(args.stats))
    train_seconds = 0.0
    model: Any = args.model
    if model is None:
        from tachtu.model.train import train

        t1 = time.perf_counter()
        model = train(_read(split.train_file), split.lexicons(), log=log, **train_args)
        train_seconds = time.perf_counter() - t1
        model_file = Path(split.folder) / f"model-{tag}.bin"
        model.save(model_file)
        log(f"model written to {model_file} ({train_seconds:.0f}s)")
    t2 = time.perf_counter()
    result = evaluate_model(model, split, args.data_root, args.eval_stats)
    result.update(
        tag=tag,
        train_args={k: v for k, v in train_args.items() if k != "stats"} if args.model is None else None,
        stats=str(args.stats) if args.stats else None,
        model=str(args.model) if args.model else None,
        strict=not args.keep_lexicons,
        fraction=args.fraction,
        limit=args.limit,
        max_count=args.max_count,
        split=asdict(split),
        seconds={"split": split.seconds, "train": train_seconds, "evaluate": time.perf_counter() - t2,
                 "total": time.perf_counter() - t0},
    )
    out_json = args.json or Path(split.folder) / f"result-{tag}.json"
    out_json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(tag, split, result))
    s = result["seconds"]
    print(f"\nTime: split {s['split']:.0f}s, train {s['train']:.0f}s, evaluate {s['evaluate']:.0f}s, "
          f"total {s['total']:.0f}s. Result: {out_json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
