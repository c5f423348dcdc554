"""The settings that choose how text is segmented, as one value.

``model``, ``profile``, ``normalize``, ``user_dict`` and ``stats`` travel together from the
command line, the Hugging Face and Spark helpers and the spaCy tokenizer to a
``Segmenter``.  ``Settings`` holds them as plain, hashable, picklable data
(paths as strings, dictionary entries as a tuple), checks them once, and builds
the ``Segmenter``; so a worker process or executor receives a few strings, not a
model, and a per-process cache can key on the value itself.

>>> Settings(user_dict=["Nhà Trắng"]).segmenter().segment("Nhà Trắng cho biết").split()[0]
'Nhà_Trắng'
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .errors import TachtuError
from .normalize import NORMALIZE_MODES

if TYPE_CHECKING:  # pragma: no cover
    from .api import Segmenter

__all__ = ["PROFILES", "Settings"]

PROFILES: tuple[str, ...] = ("default", "vncorenlp")


@dataclass(frozen=True)
class Settings:
    """How to segment: which model, profile, output spelling and user dictionary.

    Args:
        profile: ``"default"`` (the learned model) or ``"vncorenlp"``.
        normalize: ``"none"``, ``"nfc"``, ``"tone-old"`` or ``"tone-new"``.
        user_dict: a path (kept as a string: it must exist wherever the
            segmenter is built), entry strings or a ``UserDict`` (kept as a
            tuple of entries), or None.
        model: a model file path, or None for the bundled model.
        stats: a syllable-statistics table (``tachtu stats``) replacing the
            model's, or None.

    Raises:
        TachtuError: an unknown profile or normalisation, or a user
            dictionary with the ``vncorenlp`` profile.
    """

    profile: str = "default"
    normalize: str = "none"
    user_dict: str | tuple[str, ...] | None = None
    model: str | None = None
    stats: str | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise TachtuError(f"unknown profile {self.profile!r} (expected 'default' or 'vncorenlp')")
        if self.normalize not in NORMALIZE_MODES:
            raise TachtuError(f"normalize must be one of {', '.join(NORMALIZE_MODES)}, not {self.normalize!r}")
        if self.model is not None:
            object.__setattr__(self, "model", os.fspath(self.model))
        if self.stats is not None:
            object.__setattr__(self, "stats", os.fspath(self.stats))
        object.__setattr__(self, "user_dict", _plain_user_dict(self.user_dict))
        if self.profile == "vncorenlp" and (self.user_dict is not None or self.stats is not None):
            raise TachtuError("user_dict and stats are not supported with profile='vncorenlp', whose output must "
                              "match RDRsegmenter")

    def segmenter(self) -> Segmenter:
        """A new ``Segmenter`` with these settings.

        Raises:
            ModelError, DictionaryError: the model or the dictionary cannot be loaded.
        """
        from .api import Segmenter

        return Segmenter(self.model, profile=self.profile, normalize=self.normalize,  # type: ignore[arg-type]
                         user_dict=self.user_dict, stats=self.stats)

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data (a user dictionary's entries as a list)."""
        data = asdict(self)
        if isinstance(self.user_dict, tuple):
            data["user_dict"] = list(self.user_dict)
        return data


def _plain_user_dict(source: Any) -> str | tuple[str, ...] | None:
    """A user dictionary source as a string path or a tuple of entries."""
    if source is None or isinstance(source, str):
        return source
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    from .userdict import UserDict

    if isinstance(source, UserDict):
        return tuple(source.to_lines())
    return tuple(source)
