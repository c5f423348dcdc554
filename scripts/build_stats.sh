#!/usr/bin/env bash
# Build the bundled syllable statistics (tachtu.stats) from the raw corpora in ../shared/data/raw:
#   legal.txt  Vietnamese laws (normative legal texts, not under copyright)
#   wiki.txt   Vietnamese Wikipedia articles (CC BY-SA 3.0; attributed in NOTICE)
# Only counts are written (syllables, neighbour pairs seen at least twice), never text.
# Output: ${1:-/work/stats-build/default.stats}; the table is not committed yet.
# Deterministic: same inputs, same bytes. Measured: about 80 s and 0.5 GB of memory on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
raw=${SHARED:-../shared}/data/raw
out=${1:-/work/stats-build/default.stats}
mkdir -p "$(dirname "$out")"
python -m tachtu stats "$raw/legal.txt" "$raw/wiki.txt" -o "$out"
