"""``tachtu.settings.Settings``: one checked, hashable value for the four segmentation settings."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import tachtu
from tachtu.settings import Settings
from tachtu.userdict import UserDict


def test_sources_become_plain_hashable_data(tmp_path: Path) -> None:
    entries = Settings(user_dict=["Nhà Trắng"])
    assert entries.user_dict == ("Nhà Trắng",)
    assert entries == Settings(user_dict=iter(["Nhà Trắng"])) and hash(entries) == hash(Settings(user_dict=("Nhà Trắng",)))
    assert Settings(user_dict=UserDict.load(["Nhà Trắng"])).user_dict == ("nhà trắng",)
    path = Settings(user_dict=tmp_path / "d.txt", model=tmp_path / "m.bin")
    assert path.user_dict == str(tmp_path / "d.txt") and path.model == str(tmp_path / "m.bin")
    assert pickle.loads(pickle.dumps(entries)) == entries
    assert entries.as_dict() == {"profile": "default", "normalize": "none", "user_dict": ["Nhà Trắng"], "model": None,
                                 "stats": None}


@pytest.mark.parametrize(
    "kwargs", [{"profile": "nope"}, {"normalize": "lower"}, {"profile": "vncorenlp", "user_dict": ["a b"]}]
)
def test_bad_settings_are_refused_before_any_loading(kwargs: dict[str, object]) -> None:
    with pytest.raises(tachtu.TachtuError):
        Settings(**kwargs)  # type: ignore[arg-type]


def test_segmenter_follows_the_settings() -> None:
    seg = Settings(normalize="tone-new", user_dict=["học máy"]).segmenter()
    assert seg.segment("học máy hoà bình").split() == tachtu.Segmenter(
        normalize="tone-new", user_dict=["học máy"]
    ).segment("học máy hoà bình").split()
    assert seg.segment("học máy").startswith("học_máy")
    assert seg.normalize == "tone-new"
