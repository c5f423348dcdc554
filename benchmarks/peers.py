"""Adapters that give tachtu and its peers one shape: ``line -> segmented line``.

Shared by ``accuracy.py`` and ``speed.py``.  Peers (pyvi, underthesea) are
optional: ``available_systems()`` lists what is importable here, and
``load_system`` raises ``SystemUnavailable`` (with the reason) when a system
cannot be loaded, e.g. a peer that wants to download a model offline.

Every adapter returns the line in the VLSP convention: words separated by
one space, syllables inside a word joined by ``_``.

Peers may rewrite characters (underthesea normalises tone marks, ``hoá`` →
``hóa``) or drop some.  ``tachtu.evaluate.score_lines`` needs equal
character counts (and spans are only meaningful over the same characters),
so ``align_to_source`` projects a system's word boundaries back onto the
input's own characters whenever they differ.

>>> align_to_source("a b c", "a_b c")
'a_b c'
>>> align_to_source("x y , z", "x_y z")   # peer dropped the comma
'x_y , z'
>>> align_to_source("hoà bình", "hòa_bình")   # tone rewrite: back to the input's spelling
'hoà_bình'
"""

from __future__ import annotations

import difflib
import importlib.metadata
import importlib.util
import os
import platform
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

#: Systems in display order; ``tachtu-vncorenlp`` is tachtu's RDRsegmenter profile.
SYSTEMS = ("tachtu", "tachtu-vncorenlp", "pyvi", "underthesea")
PEERS = ("pyvi", "underthesea")

#: A short sentence used to trigger lazy model loading (counted as load time).
WARMUP_SENTENCE = "Hôm nay trời đẹp nên chúng tôi đi dạo quanh hồ Hoàn Kiếm."


class SystemUnavailable(Exception):
    """A system cannot be used here; the message says why."""


@dataclass
class System:
    """A loaded segmenter.

    Attributes:
        name: display name (``tachtu``, ``pyvi`` ...).
        version: the installed distribution's version.
        segment_line: one line without newline -> ``_``-joined words.
    """

    name: str
    version: str
    segment_line: Callable[[str], str]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def is_installed(name: str) -> bool:
    """Whether the module behind a system name can be imported (cheap check)."""
    if name.startswith("tachtu"):
        if importlib.util.find_spec("tachtu") is None:
            return False
        if name == "tachtu-vncorenlp":
            return _vncorenlp_importable()
        return True
    return importlib.util.find_spec(name) is not None


def _vncorenlp_importable() -> bool:
    try:
        from tachtu.profiles.vncorenlp import RDRSegmenter  # noqa: F401
    except ImportError:
        return False
    return True


def available_systems(names: tuple[str, ...] = SYSTEMS) -> list[str]:
    """The subset of ``names`` that is installed here, in order."""
    return [n for n in names if is_installed(n)]


def load_system(name: str, model: str | Path | None = None) -> System:
    """Import and load one system, ready to segment.

    Args:
        name: one of ``SYSTEMS``.
        model: a tachtu model file (only for ``tachtu``); None = bundled model.

    Raises:
        SystemUnavailable: not installed, or loading failed (message says why).
        ValueError: unknown name.
    """
    if name not in SYSTEMS:
        raise ValueError(f"unknown system {name!r} (expected one of {', '.join(SYSTEMS)})")
    if not is_installed(name):
        raise SystemUnavailable(f"{name} is not installed / importable")
    try:
        return _LOADERS[name](model)
    except SystemUnavailable:
        raise
    except Exception as exc:  # a peer failing to load is reported, not fatal
        raise SystemUnavailable(f"{name} failed to load: {type(exc).__name__}: {exc}") from exc


def _load_tachtu(model: str | Path | None) -> System:
    import tachtu

    seg = tachtu.Segmenter(model)
    seg.segment_line(WARMUP_SENTENCE)
    return System("tachtu", tachtu.__version__, seg.segment_line)


def _load_tachtu_vncorenlp(model: str | Path | None) -> System:
    import tachtu

    seg = tachtu.Segmenter(profile="vncorenlp")
    seg.segment_line(WARMUP_SENTENCE)
    return System("tachtu-vncorenlp", tachtu.__version__, seg.segment_line)


def _load_pyvi(model: str | Path | None) -> System:
    from pyvi import ViTokenizer  # loads its CRF model at import

    tokenize: Callable[[str], str] = ViTokenizer.tokenize
    tokenize(WARMUP_SENTENCE)
    return System("pyvi", _version("pyvi"), tokenize)


def _load_underthesea(model: str | Path | None) -> System:
    from underthesea import word_tokenize  # loads its CRF model on first call

    def segment_line(line: str) -> str:
        result: str = word_tokenize(line, format="text")
        return result

    segment_line(WARMUP_SENTENCE)
    return System("underthesea", _version("underthesea"), segment_line)


_LOADERS: dict[str, Callable[[str | Path | None], System]] = {
    "tachtu": _load_tachtu,
    "tachtu-vncorenlp": _load_tachtu_vncorenlp,
    "pyvi": _load_pyvi,
    "underthesea": _load_underthesea,
}


def machine_info() -> dict[str, str]:
    """CPU model, core count, Python version, tachtu scorer kind."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        from tachtu.model import _scorer  # noqa: F401

        info["tachtu_scorer"] = "compiled"
    except ImportError:
        info["tachtu_scorer"] = "reference (pure Python)"
    return info


# -- character alignment -------------------------------------------------------
def _chars_and_cuts(segmented: str) -> tuple[str, list[int]]:
    """Characters (no whitespace, no ``_``) of a segmented line and its word ends."""
    chars: list[str] = []
    cuts: list[int] = []
    for token in unicodedata.normalize("NFC", segmented).split():
        piece = token.replace("_", "")
        if piece:
            chars.append(piece)
            cuts.append((cuts[-1] if cuts else 0) + len(piece))
    return "".join(chars), cuts


def same_characters(source: str, segmented: str) -> bool:
    """Whether ``segmented`` has exactly the characters of ``source`` (NFC, sans spaces/``_``)."""
    return _chars_and_cuts(source)[0] == _chars_and_cuts(segmented)[0]


def same_length(source: str, segmented: str) -> bool:
    """Whether the scorer can line the two up (same character count)."""
    return len(_chars_and_cuts(source)[0]) == len(_chars_and_cuts(segmented)[0])


def align_to_source(source: str, segmented: str) -> str:
    """Re-draw ``segmented``'s word boundaries on the characters of ``source``.

    ``source`` is the raw input line (syllables separated by spaces);
    ``segmented`` is a system's output that may have changed, dropped or
    inserted characters.  The characters are aligned with ``difflib``; each
    output word end is mapped to the matching source position (inside a
    replaced stretch, proportionally).  Source syllables that no output
    boundary separates are joined with ``_``.

    Args:
        source: the input line, whitespace-separated syllables.
        segmented: the system's ``_``-segmented output for it.

    Returns:
        ``source`` re-segmented; same characters as ``source``.
    """
    src_tokens = unicodedata.normalize("NFC", source).split()
    src_chars = "".join(src_tokens)
    out_chars, out_cuts = _chars_and_cuts(segmented)
    if src_chars == out_chars:
        return " ".join(unicodedata.normalize("NFC", segmented).split())
    # Each output cut point j maps to the source cut points lo[j]..hi[j]; they
    # differ only where the system dropped characters (a deletion), and then
    # both ends become cuts, so the dropped stretch is a word of its own.
    lo = [len(src_chars)] * (len(out_chars) + 1)
    hi = [0] * (len(out_chars) + 1)
    matcher = difflib.SequenceMatcher(None, src_chars, out_chars, autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2 + 1):
            if j2 == j1:
                src_lo, src_hi = i1, i2
            else:
                src_lo = src_hi = i1 + round((j - j1) * (i2 - i1) / (j2 - j1))
            lo[j] = min(lo[j], src_lo)
            hi[j] = max(hi[j], src_hi)
    cuts = {lo[c] for c in out_cuts} | {hi[c] for c in out_cuts}
    cuts.add(len(src_chars))
    # Rebuild: walk source syllables, splitting at cut points.
    words: list[str] = []
    current: list[str] = []
    pos = 0
    for syllable in src_tokens:
        for ch in syllable:
            current.append(ch)
            pos += 1
            if pos in cuts:
                words.append("".join(current))
                current = []
        if current:
            current.append("_")
    if current:
        words.append("".join(current).rstrip("_"))
    return " ".join(w.strip("_") for w in words if w.strip("_"))
