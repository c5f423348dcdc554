"""Agreement of the vncorenlp profile with RDRsegmenter's reference outputs, and its speed.

Usage: PYTHONPATH=src python benchmarks/vncorenlp_agreement.py [--speed-mb MB]

Reads ../shared/data/rdrsegmenter/reference_outputs (raw-string mode:
``*.text.txt`` -> ``*.text.rdr_raw.wseg.txt``; tokenized-corpus mode:
``*.rdr.wseg.txt``, whose input is the output with ``_`` turned into spaces)
and times one pass, model loaded and caches cold, of
``RDRSegmenter.segment_line`` and of ``tachtu.Segmenter(profile="vncorenlp")
.segment_line`` (which also builds ``Token`` objects) over the whole lines of
the first MB megabytes of ../shared/data/bench/news_raw.txt (syllables =
whitespace-separated pieces of the input, CPU time of one thread).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import tachtu
from tachtu.profiles.vncorenlp import RDRSegmenter

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REFERENCES = SHARED / "rdrsegmenter" / "reference_outputs"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def _report(label: str, same: int, total: int) -> None:
    print(f"{label:45s} {same:6d}/{total:<6d} {100 * same / total:8.3f}% identical")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-mb", type=float, default=3.0)
    args = parser.parse_args()
    rdr = RDRSegmenter.load()
    for raw in sorted(REFERENCES.glob("*.text.txt")):
        expected = _lines(raw.with_name(raw.name.replace(".text.txt", ".text.rdr_raw.wseg.txt")))
        lines = _lines(raw)
        _report(f"raw    {raw.name}", sum(rdr.segment_line(a) == b for a, b in zip(lines, expected)), len(lines))
    for corpus in sorted(REFERENCES.glob("*.rdr.wseg.txt")):
        lines = _lines(corpus)
        same = sum(rdr.segment_tokenized(line.replace("_", " ")) == line for line in lines)
        _report(f"corpus {corpus.name}", same, len(lines))
    bench = SHARED / "bench" / "news_raw.txt"
    if bench.exists():
        with bench.open("rb") as f:
            lines = f.read(int(args.speed_mb * 1_000_000)).decode("utf-8", "ignore").split("\n")[:-1]
    else:
        lines = _lines(next(REFERENCES.glob("*.text.txt")))
    syllables = sum(len(line.split()) for line in lines)
    for label, segment_line in (
        ("RDRSegmenter.segment_line", RDRSegmenter.load().segment_line),
        ("Segmenter.segment_line", tachtu.Segmenter(profile="vncorenlp").segment_line),
    ):
        _clear_chunk_memos()
        start = time.process_time()
        for line in lines:
            segment_line(line)
        elapsed = time.process_time() - start
        print(f"speed {label}: {syllables} syllables in {elapsed:.2f} s CPU = {syllables / elapsed:,.0f} syllables/s")


def _clear_chunk_memos() -> None:
    """Empty the tokenizer's process-wide memos, so each timing starts cold."""
    from tachtu.profiles.vncorenlp import _tokenizer

    for memo in (getattr(_tokenizer, "CHUNK_TOKENS", None), getattr(_tokenizer, "CHUNK_ADVANCES", None)):
        if memo is not None:
            memo.clear()


if __name__ == "__main__":
    main()
