"""A/B of two tachtu checkouts' in-process speed, in fresh pairs of worker processes.

    python benchmarks/ab.py ../tachtu-33a2ce3/src src [--rounds 6] [--passes 7] [--shape news]

Each round starts one ``speed.py`` worker per side (on that ``src`` folder's
tachtu; it warms its caches on a whole pass of each input), then times
``--passes`` passes on both in turn (A B, B A, ...: a drift of the machine hits
both) and takes the median of the pass ratios; the answer is the median over the
rounds, with their range.  Fresh workers each round, because one process pair
can be lucky or unlucky in where its tables land; several rounds, because these
machines are shared and a single pair moves by 10-30%.  Ratios are B's speed over
A's in CPU time per pass: above 1, B is faster.  Shapes are ``speed.py``'s
in-process ones (``segment_line`` per line): ``news``, ``short``, ``nfd``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import DEFAULT_DATA_ROOT, NEWS_REL, SHAPE_BYTES, SHAPES, Worker  # noqa: E402


def ab(a: Path, b: Path, source: Path, shape: str, n_bytes: int, rounds: int, passes: int) -> list[float]:
    """The median B/A speed ratio of each round."""
    medians = []
    for r in range(rounds):
        workers = {side: Worker(["tachtu"], source, n_bytes, 0, src=src) for side, src in (("a", a), ("b", b))}
        try:
            ratios = []
            for i in range(passes):
                order = ("b", "a") if (i + r) % 2 else ("a", "b")
                cpu = {side: workers[side].run("tachtu", shape)["cpu"] for side in order}
                ratios.append(cpu["a"] / cpu["b"])
        finally:
            for worker in workers.values():
                worker.close()
        medians.append(statistics.median(ratios))
        print(f"round {r + 1}: B/A {medians[-1]:.3f}", file=sys.stderr, flush=True)
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="side A: a checkout's src folder")
    parser.add_argument("b", type=Path, help="side B: a checkout's src folder")
    parser.add_argument("--rounds", type=int, default=6, help="fresh worker pairs (default 6)")
    parser.add_argument("--passes", type=int, default=7, help="timed passes per worker and round (default 7)")
    parser.add_argument("--shape", choices=SHAPES, default="news")
    parser.add_argument("--bytes", type=int, default=SHAPE_BYTES, help=f"bytes of the source (default {SHAPE_BYTES:,})")
    parser.add_argument("--source", type=Path, default=DEFAULT_DATA_ROOT / NEWS_REL,
                        help="text file (default: the news text in ../shared)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.passes < 1:
        parser.error("--rounds and --passes must be at least 1")
    if not args.source.exists():
        parser.error(f"{args.source} not found (--source)")
    medians = ab(args.a, args.b, args.source, args.shape, args.bytes, args.rounds, args.passes)
    print(f"{args.shape}: B/A {statistics.median(medians):.3f} (rounds {min(medians):.3f}-{max(medians):.3f}; "
          f"{args.rounds} rounds of {args.passes} passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
