"""Profile and time in-process segmentation (issue 3's speed target).

Reads the first N MB of a raw text file (default: 3 MB of
``/work/shared/data/bench/news_raw.txt``), segments it line by line with
``Segmenter.segment_line`` (its backend: compiled when built), and
reports syllables/s, where syllables are the whitespace-separated tokens of the
input.  CPU time (``time.process_time``) is used, so a busy machine distorts
the numbers less; the first pass over the text is "cold" (every distinct chunk
goes through the regex and the encoder once), later passes are "warm".

    python benchmarks/profile_segment.py                  # timings
    python benchmarks/profile_segment.py --check          # + compare with the reference path
    python benchmarks/profile_segment.py --cprofile cold  # cProfile of the first pass
    python benchmarks/profile_segment.py --reference      # time the reference path too (slow)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

DEFAULT_TEXT = "/work/shared/data/bench/news_raw.txt"


def read_lines(path: str, megabytes: float) -> list[str]:
    data = Path(path).read_bytes()[: int(megabytes * 1_000_000)]
    return data.decode("utf-8", errors="ignore").split("\n")


def timed(fn, lines: list[str]) -> tuple[float, list[str]]:
    start = time.process_time()
    out = fn(lines)
    return time.process_time() - start, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", default=DEFAULT_TEXT, help="raw text file, one paragraph per line")
    parser.add_argument("--mb", type=float, default=3.0, help="megabytes of the file to use (default 3)")
    parser.add_argument("--passes", type=int, default=5, help="passes over the text (the first is cold)")
    parser.add_argument("--check", action="store_true", help="compare every line with the reference path")
    parser.add_argument("--reference", action="store_true", help="also time Segmenter(compiled=False)")
    parser.add_argument("--cprofile", choices=["cold", "warm"], help="cProfile one pass instead of timing")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    import tachtu

    segmenter = tachtu.Segmenter()
    load_s = time.perf_counter() - t0
    print(f"import tachtu + Segmenter(): {load_s:.3f} s (wall)   backend: {segmenter.backend}")

    lines = read_lines(args.text, args.mb)
    syllables = sum(len(line.split()) for line in lines)
    print(f"{len(lines)} lines, {syllables} syllables")

    def via_api(batch: list[str]) -> list[str]:
        seg = segmenter.segment_line
        return [seg(line) for line in batch]

    if args.cprofile:
        if args.cprofile == "warm":
            via_api(lines)
        profiler = cProfile.Profile()
        profiler.enable()
        via_api(lines)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        return 0

    times = []
    out: list[str] = []
    for i in range(args.passes):
        dt, out = timed(via_api, lines)
        times.append(dt)
        print(f"  pass {i} ({'cold' if i == 0 else 'warm'}): {syllables / dt / 1e6:.3f} M syllables/s  ({dt:.3f} s CPU)")
    if len(times) > 1:
        warm = times[1:]
        print(f"warm median: {syllables / statistics.median(warm) / 1e6:.3f} M syllables/s")

    if args.reference or args.check:
        reference = tachtu.Segmenter(compiled=False)
        subset = lines if args.check else lines[:300]
        dt, ref_out = timed(lambda b: [reference.segment_line(line) for line in b], subset)
        n = sum(len(line.split()) for line in subset)
        print(f"reference path: {n / dt / 1e6:.4f} M syllables/s on {len(subset)} lines")
        if args.check:
            bad = [i for i, (a, b) in enumerate(zip(ref_out, out)) if a != b]
            print(f"check: {len(bad)} of {len(subset)} lines differ from the reference path")
            for i in bad[:3]:
                print("  line", i, repr(subset[i][:120]))
            return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
