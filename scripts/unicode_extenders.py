"""Regenerate ``src/tachtu/data/extenders.json``: ``pretokenize.scan_extenders()``
as code-point ranges, keyed by the Unicode version of the Python that ran it.

Run it with each Python tachtu supports (3.10 to 3.13 give Unicode 13.0.0,
14.0.0, 15.0.0 and 15.1.0); each run adds or replaces its own version:

    for v in 3.10 3.11 3.12 3.13; do PYTHONPATH=src python$v scripts/unicode_extenders.py; done

A Python whose version the table lacks scans at import instead (same result,
a few tens of ms slower); ``tests/test_pretokenize.py`` checks the stored
ranges of the running Python against its scan.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from tachtu.pretokenize import code_ranges, scan_extenders

TABLE = Path(__file__).resolve().parent.parent / "src" / "tachtu" / "data" / "extenders.json"


def main() -> None:
    table = json.loads(TABLE.read_text("utf-8")) if TABLE.exists() else {}
    table[unicodedata.unidata_version] = [list(run) for run in code_ranges(scan_extenders())]
    body = ",\n".join(f"{json.dumps(v)}: {json.dumps(table[v], separators=(',', ':'))}" for v in sorted(table))
    TABLE.write_text("{\n" + body + "\n}\n", "utf-8")
    print(f"{TABLE}: Unicode {unicodedata.unidata_version}, {len(table[unicodedata.unidata_version])} ranges")


if __name__ == "__main__":
    main()
