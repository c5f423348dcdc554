"""Explicit line backends: ``Segmenter.backend`` names the one in use, and a
missing compiled core is said once, on stderr, instead of silently running slow."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from tachtu import backends
from tachtu.api import Segmenter
from tachtu.info import collect, render


def test_backend_names() -> None:
    assert Segmenter(compiled=False).backend == "python"
    assert Segmenter(profile="vncorenlp").backend == "vncorenlp"
    pytest.importorskip("tachtu.model._line")
    assert Segmenter().backend == "compiled"


def test_missing_compiled_core_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tachtu.model.compiled", None)  # import fails as if never built
    monkeypatch.setattr(backends, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = Segmenter()
        second = Segmenter()
    assert first.backend == second.backend == "python"
    slow = [w for w in caught if issubclass(w.category, backends.SlowPathWarning)]
    assert len(slow) == 1
    assert "50-100x slower" in str(slow[0].message) and "C compiler" in str(slow[0].message)
    assert first.segment("Nhà Trắng cho biết") == "Nhà_Trắng cho biết"


def test_no_warning_when_python_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tachtu.model.compiled", None)
    monkeypatch.setattr(backends, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Segmenter(compiled=False)
    assert not caught


def test_info_facts() -> None:
    facts = collect()
    model = facts["model"]
    assert isinstance(model, dict)
    assert facts["backend"] in ("compiled", "python")
    assert model["templates"][6] == "6 BC id:0 id:1"
    assert model["templates"] == [str(t) for t in Segmenter().model.templates]  # type: ignore[union-attr]
    assert model["vocabulary"] > 1000 and len(model["dictionaries"]) == 2
    assert 0 < model["ngram_codes"] < model["features"]  # the bundled file stores its n-gram keys as codes
    assert "templates" in render(facts) and "backend" in render(facts)


def test_info_cli_json() -> None:
    out = subprocess.run([sys.executable, "-m", "tachtu", "info", "--json"], capture_output=True, text=True, check=True)
    facts = json.loads(out.stdout)
    assert {"version", "backend", "model"} <= set(facts) and facts["model"]["templates"]


def test_segmenter_with_own_statistics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``Segmenter(stats=...)`` puts a user's table in place of the model's, and pickles with it."""
    import pickle

    pytest.importorskip("sklearn")
    from pathlib import Path

    from tachtu.model.corpus_stats import ModelStats
    from tachtu.model.train import train
    from tachtu.stats import SyllableStats

    lines = (Path(__file__).parent / "data" / "tiny_train.wseg.txt").read_text(encoding="utf-8").splitlines()
    raw = [line.replace("_", " ") for line in lines]
    model_file = tmp_path / "tiny.bin"
    stats = ModelStats.from_syllable_stats(SyllableStats.build([raw]))
    train(lines, c=1.0, stats=stats, plain_fraction=0.0, partial_fraction=0.0, log=lambda _: None).save(model_file)
    table = tmp_path / "my.stats"
    SyllableStats.build([["Nhà Trắng cho biết kế hoạch tấn công"] * 5]).save(table)
    seg = Segmenter(model_file, stats=table)
    assert seg.model is not None and seg.model.stats is not None
    assert seg.model.stats.views[0].syllables == ("biết", "cho", "công", "hoạch", "kế", "nhà", "trắng", "tấn")
    assert seg.segment(raw[0]) == Segmenter(model_file, stats=table, compiled=False).segment(raw[0])
    again = pickle.loads(pickle.dumps(seg))
    assert again.model.stats == seg.model.stats  # type: ignore[union-attr]
    with pytest.raises(Exception, match="not supported"):
        Segmenter(profile="vncorenlp", stats=table)
    without = tmp_path / "plain.bin"
    train(lines, c=1.0, plain_fraction=0.0, partial_fraction=0.0, log=lambda _: None).save(without)
    with pytest.raises(Exception, match="without raw-text statistics"):
        Segmenter(without, stats=table)
