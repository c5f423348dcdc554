"""Wall-clock growth of segmentation with input length (no quadratic corner).

For each input shape, times a line of n characters and one of 10n (best of
``--repeat`` runs, a fresh ``Segmenter`` each time so no cache helps) and
prints the ratio; linear is about 10, quadratic about 100.  Exits 1 when a
ratio passes ``--limit``.  The test suite counts work instead
(``tests/test_robustness.py``), since timings on a shared machine are noisy.

    python benchmarks/linear_time.py [--n 5000] [--limit 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable

import tachtu
from tachtu.pretokenize import pretokenize

SEGMENT_SHAPES = ["Hôm nay trời đẹp ", "a b ", "Nguyễn Văn An, ", "😀", "%", "<a>", "1.000 ", "&amp;", "a@", "e\u0301 ",
                  "a\u0323\u0301"]
PRETOKENIZE_SHAPES = ["a.", "-", "aaaa.", "a+", "1.", "_", "@", "A.", "a-"]  # runs once quadratic in the regexes


def best_time(make: Callable[[], Callable[[str], object]], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        function = make()
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return max(best, 1e-4)


def growth(make: Callable[[], Callable[[str], object]], unit: str, n: int, repeat: int) -> float:
    small = (unit * (n // len(unit) + 1))[:n]
    large = (unit * (10 * n // len(unit) + 1))[: 10 * n]
    return best_time(make, large, repeat) / best_time(make, small, repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="characters of the short input (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per input, best kept (default 3)")
    parser.add_argument("--limit", type=float, default=30.0, help="largest acceptable ratio (default 30)")
    args = parser.parse_args(argv)
    worst = 0.0
    cases = [("segment", lambda: tachtu.Segmenter().segment, u) for u in SEGMENT_SHAPES]
    cases += [("pretokenize", lambda: pretokenize, u) for u in PRETOKENIZE_SHAPES]
    print(f"{'step':<12} {'input unit':<22} 10x input / 1x input")
    for step, make, unit in cases:
        ratio = growth(make, unit, args.n, args.repeat)
        worst = max(worst, ratio)
        print(f"{step:<12} {unit!r:<22} {ratio:6.1f}x")
    print(f"worst: {worst:.1f}x (limit {args.limit:g}x)")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
