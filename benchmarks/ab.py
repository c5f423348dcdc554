"""A/B of two tachtu checkouts' in-process speed, in fresh pairs of worker processes.

    python benchmarks/ab.py ../tachtu-33a2ce3/src src [--rounds 6] [--passes 7] [--shape news]

Each round starts one long-lived worker per side (``PYTHONPATH`` set to that
``src`` folder), lets each warm its caches on the text, then times ``--passes``
passes on both in turn (A B, B A, ...: a drift of the machine hits both) and
takes the median of the pass ratios; the answer is the median over the rounds,
with their range.  Fresh workers each round, because one process pair can be
lucky or unlucky in where its tables land; several rounds, because these
machines are shared and a single pair moves by 10-30%.  Ratios are B's speed
over A's (CPU time of the pass): above 1, B is faster.

Shapes: ``news`` (``segment_line`` per line, as a caller with one text at a
time does), ``short`` (the same lines cut into 3-6 syllables, per line) and
``block`` (the short lines as one ``segment`` call of many lines: the path of
``pipe`` and the CLI).  Worker mode (``--worker``) is what the pairs run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bench" / "news_raw.txt"
SHAPES = ("news", "short", "block")


def shape_lines(source: Path, shape: str, n_lines: int) -> list[str]:
    """The first ``n_lines`` lines of ``source``; for ``short``/``block`` their words
    as lines of 3-6 syllables (``speed.short_lines``: both sides get the same)."""
    from speed import short_lines

    lines = [line for line in source.read_text(encoding="utf-8").split("\n")[:n_lines] if line.strip()]
    return lines if shape == "news" else short_lines(lines)


def worker(source: Path, shape: str, n_lines: int) -> int:
    """Answer each line on stdin with one timed pass: ``{"syllables_per_s": ...}``."""
    from tachtu import Segmenter

    seg = Segmenter()
    lines = shape_lines(source, shape, n_lines)
    syllables = sum(len(line.split()) for line in lines)
    block = "\n".join(lines)

    def one_pass() -> None:
        if shape == "block":
            seg.segment(block)
        else:
            for line in lines:
                seg.segment_line(line)

    one_pass()  # the chunk cache fills on a whole pass
    print(json.dumps({"ready": True}), flush=True)
    for _ in sys.stdin:
        start = time.process_time()
        one_pass()
        print(json.dumps({"syllables_per_s": syllables / max(time.process_time() - start, 1e-9)}), flush=True)
    return 0


class Worker:
    """A worker subprocess on one checkout's ``src``."""

    def __init__(self, src: Path, args: argparse.Namespace) -> None:
        env = dict(os.environ, PYTHONPATH=str(src.resolve()))
        command = [sys.executable, __file__, "--worker", "--shape", args.shape, "--lines", str(args.lines),
                   "--source", str(args.source)]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self._read()

    def _read(self) -> dict[str, float]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"a worker exited (code {self.proc.wait()})")
        return json.loads(line)  # type: ignore[no-any-return]

    def run(self) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        return self._read()["syllables_per_s"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def ab(args: argparse.Namespace) -> list[float]:
    """The median B/A speed ratio of each round."""
    medians = []
    for r in range(args.rounds):
        a, b = Worker(args.a, args), Worker(args.b, args)
        try:
            ratios = []
            for i in range(args.passes):
                if (i + r) % 2:
                    speed_b, speed_a = b.run(), a.run()
                else:
                    speed_a, speed_b = a.run(), b.run()
                ratios.append(speed_b / speed_a)
        finally:
            a.close()
            b.close()
        medians.append(statistics.median(ratios))
        print(f"round {r + 1}: B/A {medians[-1]:.3f}", file=sys.stderr, flush=True)
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, nargs="?", help="side A: a checkout's src folder")
    parser.add_argument("b", type=Path, nargs="?", help="side B: a checkout's src folder")
    parser.add_argument("--rounds", type=int, default=6, help="fresh worker pairs (default 6)")
    parser.add_argument("--passes", type=int, default=7, help="timed passes per worker and round (default 7)")
    parser.add_argument("--shape", choices=SHAPES, default="news")
    parser.add_argument("--lines", type=int, default=6000, help="lines of the source (default 6000)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="text file (default: the news text)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.source, args.shape, args.lines)
    if args.a is None or args.b is None:
        parser.error("give the src folders of side A and side B")
    if args.rounds < 1 or args.passes < 1:
        parser.error("--rounds and --passes must be at least 1")
    if not args.source.exists():
        parser.error(f"{args.source} not found (--source)")
    medians = ab(args)
    print(f"{args.shape}: B/A {statistics.median(medians):.3f} (rounds {min(medians):.3f}-{max(medians):.3f}; "
          f"{args.rounds} rounds of {args.passes} passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
