"""User-dictionary cost: Segmenter build time and throughput with dictionaries of several sizes.

    python benchmarks/userdict_speed.py [--data-root ../shared] [--rounds 3]

Text: the first 3 MB of data/bench/news_raw.txt.  Dictionaries: none; 10 domain terms (one of
them a split entry for the very common "cho biết"); 100,000 generated product names (a news
syllable + an invented one); pyvi's multi-syllable words (about 25,000 common words, so
entries match on most lines).

Build: wall time of ``Segmenter(user_dict=...)``, model loading included, best of three.
Throughput: syllables per CPU-second.  Every segmenter first reads the whole text once (its
caches warm), then the text is cut into 10 blocks and each round times every (dictionary,
block) pair once, dictionaries in a rotating order; each pair keeps its best time.  Other
processes on the machine only ever add time, so interleaving and keeping the best compares
the dictionaries under the same conditions.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import tachtu

TERMS = ["FIS Bank", "học máy", "-cho biết", "Apple Pay", "trí tuệ nhân tạo", "mạng nơ ron", "dữ liệu lớn",
         "điện toán đám mây", "chuỗi khối", "thực tế ảo"]
BLOCKS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the text per dictionary")
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
    configs = [("none", None), ("domain terms", TERMS), ("product names", names), ("pyvi words", pyvi)]

    segmenters = {}
    build = {}
    for name, entries in configs:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            segmenters[name] = tachtu.Segmenter(user_dict=entries)
            times.append(time.perf_counter() - start)
        build[name] = min(times)
        for line in lines:
            segmenters[name].segment_line(line)

    blocks = [lines[k::BLOCKS] for k in range(BLOCKS)]
    best = {(name, b): float("inf") for name, _ in configs for b in range(BLOCKS)}
    order = [name for name, _ in configs]
    for r in range(args.rounds):
        for b, block in enumerate(blocks):
            k = (r * BLOCKS + b) % len(order)
            for name in order[k:] + order[:k]:
                segment_line = segmenters[name].segment_line
                cpu = time.process_time()
                for line in block:
                    segment_line(line)
                best[name, b] = min(best[name, b], time.process_time() - cpu)

    print("| dictionary | entries | Segmenter(...) build (s) | syllables/CPU-s | vs none |")
    print("|---|---:|---:|---:|---:|")
    base = 0.0
    for name, entries in configs:
        rate = syllables / sum(best[name, b] for b in range(BLOCKS))
        base = base or rate
        print(f"| {name} | {len(entries or ())} | {build[name]:.2f} | {rate:,.0f} | {rate / base:.2f} |")


if __name__ == "__main__":
    main()
