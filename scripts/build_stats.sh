#!/usr/bin/env bash
# Build the bundled syllable statistics (tachtu.stats) from the raw corpora in ../shared/data/raw:
#   legal.txt  Vietnamese laws (normative legal texts, not under copyright)
#   wiki.txt   Vietnamese Wikipedia articles (CC BY-SA 3.0; attributed in NOTICE)
# Only counts are written (syllables, neighbour pairs seen at least twice), never text.
# Output: $1, default ../stats-build/default.stats (next to the repository; not committed yet).
# Deterministic: same inputs, same bytes. Measured (/usr/bin/time, one core of a busy 2-vCPU VM):
#   156-160 s, 0.33 GB peak RSS; 447,046 lines, 15.3M syllables -> 1.63 MB (70,640 syllables, 533,255
#   pairs; the diacritic-free view is derived from these counts when loaded).
set -euo pipefail
cd "$(dirname "$0")/.."
raw=${SHARED:-../shared}/data/raw
out=${1:-../stats-build/default.stats}
mkdir -p "$(dirname "$out")"
python -m tachtu stats "$raw/legal.txt" "$raw/wiki.txt" -o "$out"
