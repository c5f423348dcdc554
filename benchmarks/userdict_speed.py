"""User-dictionary cost: Segmenter build time and throughput with dictionaries of several sizes.

    python benchmarks/userdict_speed.py [--data-root ../shared]

Text: the first 3 MB of data/bench/news_raw.txt.  Dictionaries: none; 10 domain terms (one of
them a split entry for the very common "cho biết"); 100,000 generated product names (a news
syllable + an invented one); pyvi's multi-syllable words (about 25,000 common words, so
entries match on most lines).  Throughput is syllables per CPU-second, best of two passes.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import tachtu

TERMS = ["FIS Bank", "học máy", "-cho biết", "Apple Pay", "trí tuệ nhân tạo", "mạng nơ ron", "dữ liệu lớn",
         "điện toán đám mây", "chuỗi khối", "thực tế ảo"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = parser.parse_args()
    data = args.data_root / "data"
    lines = (data / "bench" / "news_raw.txt").read_text(encoding="utf-8")[:3_000_000].splitlines()
    syllables = sum(len(line.split()) for line in lines)
    rng = random.Random(0)
    vocab = sorted({w for line in lines[:200] for w in line.split() if w.isalpha()})
    names = [f"{rng.choice(vocab)} {rng.choice(vocab)}{''.join(rng.choices('bcdfghklmnpqrstvx', k=3))}"
             for _ in range(100_000)]
    pyvi = [w.strip() for w in (data / "lexicons" / "pyvi_words.txt").read_text(encoding="utf-8").splitlines()
            if " " in w.strip() and "-" not in w and "_" not in w]
    print("| dictionary | entries | Segmenter(...) build (s) | syllables/CPU-s | vs none |")
    print("|---|---:|---:|---:|---:|")
    base = 0.0
    for name, entries in [("none", None), ("domain terms", TERMS), ("product names", names), ("pyvi words", pyvi)]:
        start = time.perf_counter()
        seg = tachtu.Segmenter(user_dict=entries)
        build = time.perf_counter() - start
        for line in lines[:50]:
            seg.segment_line(line)
        best = float("inf")
        for _ in range(2):
            cpu = time.process_time()
            for line in lines:
                seg.segment_line(line)
            best = min(best, time.process_time() - cpu)
        rate = syllables / best
        base = base or rate
        print(f"| {name} | {len(entries or ())} | {build:.2f} | {rate:,.0f} | {rate / base:.2f} |")


if __name__ == "__main__":
    main()
