"""Word-segmentation accuracy of tachtu and its peers on the shared test sets.

Each system gets the gold line with ``_`` replaced by a space (one sentence
per line) and is scored with ``tachtu.evaluate.score_lines`` (word spans over
the non-space characters, so different punctuation tokenisation still lines
up).  When a system changes the characters of a line (tone rewriting,
dropped symbols), its boundaries are projected back onto the input with
``peers.align_to_source`` and the line is counted in the "changed" notes.

Usage::

    PYTHONPATH=src python benchmarks/accuracy.py
    PYTHONPATH=src python benchmarks/accuracy.py --systems tachtu --model my.bin --json out.json
    PYTHONPATH=src python benchmarks/accuracy.py --cases lower,upper,title  # also re-cased copies
    PYTHONPATH=src python benchmarks/accuracy.py --cases nodia,mixed        # diacritics stripped

Prints Markdown tables (F1 and sentence exact match, system × dataset).
With ``--cases``, each dataset is also scored with gold and input lower- or
upper-cased or Title Cased (dataset keys ``vlsp2013-dev:upper`` …): text from
chat, search queries and headlines, where the case that marks names is missing.
``nodia`` strips every diacritic from gold and input alike
(``tachtu.normalize.strip_diacritics``: tone marks, ``ă â ê ô ơ ư đ`` → ``a a e o
o u d``, case kept), as text typed without them; ``mixed`` strips them from a
deterministic 40% of the syllables of each line (``strip_some_syllables``), as
text where only some marks were typed.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import (  # noqa: E402
    SYSTEMS,
    System,
    SystemUnavailable,
    align_to_source,
    load_system,
    machine_info,
    same_characters,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT.parent / "shared"

#: dataset key -> (title, path relative to the data root)
DATASETS: dict[str, tuple[str, str]] = {
    "vlsp2013-dev": ("VLSP 2013 dev", "data/vlsp2013/dev.wseg.txt"),
    "ud-vtb-test": ("UD VTB test", "data/ud_vtb/test.wseg.txt"),
    "ud-vtb-dev": ("UD VTB dev", "data/ud_vtb/dev.wseg.txt"),
}

_SYLLABLE_START = re.compile(r"(?<![^\W_])[^\W\d_]")  # a letter after a non-letter (or "_")


def title_case(line: str) -> str:
    """Every syllable capitalised, the rest of it untouched (``UBND`` stays), as
    headings and product names are written."""
    return _SYLLABLE_START.sub(lambda m: m.group().upper(), line)


_SYLLABLE = re.compile(r"[^\s_]+")

#: share of the syllables of a line that ``strip_some_syllables`` strips
MIXED_FRACTION = 0.4


def strip_all(line: str) -> str:
    """The line without diacritics (NFC first, so that stripping is complete and 1:1)."""
    from tachtu.normalize import strip_diacritics

    return strip_diacritics(unicodedata.normalize("NFC", line))


def strip_some_syllables(line: str, fraction: float = MIXED_FRACTION) -> str:
    """The line with the diacritics of some of its syllables (runs of characters
    other than whitespace and ``_``) stripped: syllable ``k`` is stripped when a
    hash of the line and ``k`` falls below ``fraction``, so the choice is the same
    on every run and machine and independent of the other lines."""
    from tachtu.normalize import strip_diacritics

    line = unicodedata.normalize("NFC", line)
    position = itertools.count()

    def pick(match: re.Match[str]) -> str:
        digest = hashlib.blake2b(f"{next(position)}\t{line}".encode("utf-8"), digest_size=8).digest()
        picked = int.from_bytes(digest, "big") < fraction * 2**64
        return strip_diacritics(match.group()) if picked else match.group()

    return _SYLLABLE.sub(pick, line)


#: case variants for --cases: name -> how gold and input lines are rewritten
CASES = {
    "lower": str.lower,
    "upper": str.upper,
    "title": title_case,
    "nodia": strip_all,
    "mixed": strip_some_syllables,
}
#: how a case variant is named in table headings
CASE_TITLES = {
    "lower": "lower-cased",
    "upper": "upper-cased",
    "title": "title-cased",
    "nodia": "no diacritics",
    "mixed": f"{MIXED_FRACTION:.0%} of syllables without diacritics",
}

#: how many example lines of character changes to keep per system and dataset
MAX_EXAMPLES = 3


@dataclass
class Result:
    """One system on one dataset.  Percentages are 0..100."""

    system: str
    version: str
    dataset: str
    sentences: int
    gold_words: int
    precision: float
    recall: float
    f1: float
    exact_match: float
    seconds: float
    changed_lines: int = 0
    """lines whose characters the system changed (same count: e.g. tone marks)"""
    realigned_lines: int = 0
    """lines whose character count changed: score_lines would have raised"""
    failed_lines: int = 0
    """lines on which the system raised (scored as one word per syllable)"""
    examples: list[dict[str, str]] = field(default_factory=list)


def read_gold(path: Path) -> list[str]:
    """Gold lines of a ``.wseg.txt`` file (newline stripped)."""
    return path.read_text(encoding="utf-8").splitlines()


def to_input(gold_line: str) -> str:
    """The raw input a system sees: gold with ``_`` turned into spaces."""
    return gold_line.replace("_", " ")


def evaluate_system(system: System, gold_lines: Sequence[str], dataset: str = "") -> Result:
    """Segment the inputs of ``gold_lines`` with ``system`` and score them.

    Args:
        system: a loaded system (see ``peers.load_system``).
        gold_lines: ``_``-segmented gold sentences, one per line.
        dataset: the dataset key to record in the result.

    Returns:
        The scores plus counts of changed, re-aligned and failed lines.
    """
    from tachtu.evaluate import score_lines

    predictions: list[str] = []
    changed = realigned = failed = 0
    examples: list[dict[str, str]] = []
    start = time.perf_counter()
    outputs: list[str | None] = []
    for gold in gold_lines:
        source = to_input(gold)
        if not source.strip():
            outputs.append("")
            continue
        try:
            outputs.append(system.segment_line(source))
        except Exception as exc:  # a peer crashing on a line is counted, not fatal
            outputs.append(None)
            failed += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append({"kind": "error", "input": source, "output": f"{type(exc).__name__}: {exc}"})
    seconds = time.perf_counter() - start
    for gold, output in zip(gold_lines, outputs):
        source = to_input(gold)
        if output is None:
            predictions.append(source)
            continue
        if not same_characters(source, output):
            aligned = align_to_source(source, output)
            if _char_count(source) != _char_count(output):
                realigned += 1
                kind = "realigned"
            else:
                changed += 1
                kind = "changed"
            if len(examples) < MAX_EXAMPLES:
                examples.append({"kind": kind, "input": source, "output": output})
            output = aligned
        predictions.append(output)
    score = score_lines(gold_lines, predictions)
    return Result(
        system=system.name,
        version=system.version,
        dataset=dataset,
        sentences=score.sentences,
        gold_words=score.gold_words,
        precision=100 * score.precision,
        recall=100 * score.recall,
        f1=100 * score.f1,
        exact_match=100 * score.exact_match,
        seconds=seconds,
        changed_lines=changed,
        realigned_lines=realigned,
        failed_lines=failed,
        examples=examples,
    )


def _char_count(line: str) -> int:
    from tachtu.evaluate import word_spans

    return word_spans(line)[1]


def dataset_title(key: str) -> str:
    """Table heading of a dataset key, ``name`` or ``name:case``."""
    name, _, case = key.partition(":")
    return f"{DATASETS[name][0]}, {CASE_TITLES[case]}" if case else DATASETS[name][0]


def run(
    systems: Sequence[str],
    datasets: Sequence[str],
    data_root: Path,
    model: Path | None = None,
    limit: int | None = None,
    cases: Sequence[str] = (),
) -> tuple[list[Result], list[str]]:
    """Evaluate each system on each dataset that exists under ``data_root``
    (and on its rewritten copies, one per entry of ``cases``).

    Returns:
        The results, and notes about systems or datasets that were skipped.
    """
    notes: list[str] = []
    gold: dict[str, list[str]] = {}
    for key in datasets:
        title, rel = DATASETS[key]
        path = data_root / rel
        if not path.is_file():
            notes.append(f"{title}: {path} not found, skipped")
            continue
        lines = read_gold(path)
        gold[key] = lines[:limit] if limit else lines
    for key in list(gold):
        for case in cases:
            gold[f"{key}:{case}"] = [CASES[case](line) for line in gold[key]]
    results: list[Result] = []
    for name in systems:
        try:
            system = load_system(name, model if name == "tachtu" else None)
        except SystemUnavailable as exc:
            notes.append(f"{name}: skipped ({exc})")
            continue
        if name == "tachtu" and model is not None:
            system.name = f"tachtu ({Path(model).name})"
        for key, lines in gold.items():
            print(f"  {system.name} on {key} ({len(lines)} lines) ...", file=sys.stderr, flush=True)
            results.append(evaluate_system(system, lines, key))
    return results, notes


def markdown_tables(results: Sequence[Result]) -> str:
    """F1 and sentence-exact-match tables, systems as rows, datasets as columns."""
    keys = list(dict.fromkeys(r.dataset for r in results))
    systems: list[tuple[str, str]] = []
    for r in results:
        if (r.system, r.version) not in systems:
            systems.append((r.system, r.version))
    by = {(r.system, r.dataset): r for r in results}
    out: list[str] = []
    for metric, title in (("f1", "Word F1 (%)"), ("exact_match", "Sentence exact match (%)")):
        out.append(f"{title}:\n")
        out.append("| system | version | " + " | ".join(dataset_title(k) for k in keys) + " |")
        out.append("|---|---|" + "---:|" * len(keys))
        for name, version in systems:
            cells = []
            for k in keys:
                r = by.get((name, k))
                cells.append(f"{getattr(r, metric):.2f}" if r else "–")
            out.append(f"| {name} | {version} | " + " | ".join(cells) + " |")
        out.append("")
    flagged = [r for r in results if r.changed_lines or r.realigned_lines or r.failed_lines]
    if flagged:
        out.append("Lines whose characters a system changed (scored after projecting its boundaries back onto the input):\n")
        for r in flagged:
            out.append(
                f"- {r.system} on {dataset_title(r.dataset)}: {r.changed_lines} changed (same length), "
                f"{r.realigned_lines} with a different character count, {r.failed_lines} errors"
            )
        out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, default=None, help="tachtu model file to evaluate (default: the bundled one)")
    parser.add_argument(
        "--data-root", type=Path, default=DEFAULT_DATA_ROOT, help=f"folder holding data/ (default: {DEFAULT_DATA_ROOT})"
    )
    parser.add_argument(
        "--systems",
        default=",".join(SYSTEMS),
        help=f"comma-separated systems among {', '.join(SYSTEMS)} (default: all; missing ones are skipped)",
    )
    parser.add_argument(
        "--datasets", default=",".join(DATASETS), help=f"comma-separated among {', '.join(DATASETS)} (default: all)"
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N lines of each dataset (default: all)")
    parser.add_argument(
        "--cases", default="", help=f"also score re-cased or diacritic-stripped copies, comma-separated among {', '.join(CASES)} (default: none)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    for c in cases:
        if c not in CASES:
            parser.error(f"unknown case {c!r} (expected one of {', '.join(CASES)})")
    for s in systems:
        if s not in SYSTEMS:
            parser.error(f"unknown system {s!r} (expected one of {', '.join(SYSTEMS)})")
    for d in datasets:
        if d not in DATASETS:
            parser.error(f"unknown dataset {d!r} (expected one of {', '.join(DATASETS)})")

    info = machine_info()
    results, notes = run(systems, datasets, args.data_root, args.model, args.limit, cases)
    print(f"Machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}; tachtu scorer: {info['tachtu_scorer']}\n")
    print(markdown_tables(results))
    for note in notes:
        print(f"Note: {note}")
    for r in results:
        for ex in r.examples:
            print(f"Example ({r.system}, {r.dataset}, {ex['kind']}):\n  in:  {ex['input']}\n  out: {ex['output']}")
    if args.json:
        payload = {"machine": info, "notes": notes, "results": [asdict(r) for r in results]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
