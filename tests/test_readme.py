"""The README's Python examples run, so they never rot.

Every ```python block is executed in order in one namespace.  A block whose
first line is ``# requires: MODULE`` is skipped when that module is missing
(optional extras such as spaCy).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_readme_has_examples() -> None:
    assert len(_blocks()) >= 3


def test_readme_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    ran = 0
    for block in _blocks():
        first = block.splitlines()[0] if block.strip() else ""
        match = re.match(r"#\s*requires:\s*([\w.]+)", first)
        if match and importlib.util.find_spec(match.group(1)) is None:
            continue
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
        ran += 1
    assert ran >= 3
