"""What this installation is: version, backend, model and data (``tachtu info``).

Like ``spacy info``: the first thing to paste into a bug report, and a way
for scripts (``--json``) to check which backend and model they run on.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib import resources
from pathlib import Path

from . import __version__
from .backends import compiled_available
from .model.model import DEFAULT_MODEL, Model


def _compiled(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return getattr(sys.modules[module], "__file__", "").endswith((".so", ".pyd"))


def collect(model_path: str | Path | None = None) -> dict[str, object]:
    """Facts about tachtu and the model at ``model_path`` (None: the bundled one)."""
    model = Model.load(model_path)  # first: it refuses what is not a model file (a device, say)
    if model_path is None:
        data = resources.files("tachtu").joinpath("data", DEFAULT_MODEL).read_bytes()
        source = f"bundled ({DEFAULT_MODEL})"
    else:
        data = Path(model_path).read_bytes()
        source = str(model_path)
    backend = "compiled" if compiled_available() else "python"
    return {
        "version": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "backend": backend,
        "model": {
            "file": source,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "vocabulary": len(model.vocab),
            "features": len(model.keys),
            "ngram_codes": len(model.ngram_codes) - model.ngram_codes.count(0) if model.ngram_codes else 0,
            "dictionaries": [len(d) for d in model.dictionaries],
            "templates": [str(t) for t in model.templates],
            "meta": model.meta,
        },
        "profiles": {
            "default": {"backend": backend},
            "vncorenlp": {"compiled": _compiled("tachtu.profiles.vncorenlp.segmenter"),
                          "data": sorted(p.name for p in resources.files("tachtu.profiles.vncorenlp").joinpath("data").iterdir())},
        },
    }


def render(facts: dict[str, object]) -> str:
    """``collect``'s facts as aligned text for people."""
    model = facts["model"]
    assert isinstance(model, dict)
    rows = [
        ("tachtu", facts["version"]),
        ("python", f"{facts['python']} ({facts['platform']})"),
        ("backend", facts["backend"]),
        ("model", f"{model['file']}, {model['bytes']:,} bytes, sha256 {str(model['sha256'])[:16]}"),
        ("vocabulary", f"{model['vocabulary']:,} syllables"),
        ("weights", f"{model['features']:,} ({model['ngram_codes']:,} in positional n-gram tables)"),
        ("dictionaries", ", ".join(f"{n:,} entries" for n in model["dictionaries"])),
        ("templates", f"{len(model['templates'])}"),
    ]
    lines = [f"{name:<13} {value}" for name, value in rows]
    lines += [f"  {t}" for t in model["templates"]]
    profiles = facts["profiles"]
    assert isinstance(profiles, dict)
    vnc = profiles["vncorenlp"]
    lines.append(f"{'vncorenlp':<13} {'compiled' if vnc['compiled'] else 'pure Python'}, data: {', '.join(vnc['data'])}")
    return "\n".join(lines)
