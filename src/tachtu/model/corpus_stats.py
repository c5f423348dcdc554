"""Raw-text statistics as the model carries them: per-syllable and per-pair classes.

``tachtu.stats.SyllableStats`` counts a raw corpus and derives small classes
from it (pair association x frequency, branching entropy); this is the
read-only part of it a model needs, in both views (0: model keys, 1: without
diacritics), compact enough to live inside the model file and load fast.

Each piece gets a *stats id* per view (``ids``): 1 + its index among the
syllables the table knows, 0 when unknown.  The ``STAT_*`` slots of ``spec``
read, for the pieces around a gap, their pair class (``pair_class``) and the
right / left branching-entropy classes of a syllable.  The compiled scorer
builds the same lookups from ``pair_keys``/``pair_values`` and ``left``/``right``.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import ModelError

BUNDLED_STATS = "default.stats"  # the counts the bundled model's classes come from (package data)


def bundled_stats_path() -> Path:
    """The bundled statistics table, to extend with ``tachtu stats --base bundled``."""
    return Path(str(resources.files("tachtu").joinpath("data", BUNDLED_STATS)))

# The class numbers of tachtu.stats, which the stored tables use.
PAIR_UNSEEN = 0  # both syllables known, the pair never seen (the default)
PAIR_UNKNOWN = 1  # a syllable unknown, or a pair with the line's start or end
SYL_UNKNOWN = 0
N_VIEWS = 2


def _below(data: bytes, n: int) -> bool:
    """Whether every byte of ``data`` is below ``n`` (``max()`` iterates a million
    of them in Python; deleting the allowed ones is one C pass)."""
    return not data.translate(None, bytes(range(n)))


@dataclass(frozen=True)
class StatsView:
    """One view's classes: syllables (sorted keys), their entropy classes, pair classes."""

    syllables: tuple[str, ...]
    left: bytes
    right: bytes
    pair_keys: array  # sorted (b_sid << 32) | c_sid of every pair whose class is not PAIR_UNSEEN
    pair_values: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", dict(zip(self.syllables, range(1, len(self.syllables) + 1))))

    def sid(self, key: str) -> int:
        return self.index.get(key, 0)  # type: ignore[attr-defined, no-any-return]

    def pair_class(self, b: int, c: int) -> int:
        """Class of the pair of stats ids (b, c).  The pair dictionary is built on
        first use: only the reference scorer asks here (the compiled one has its own table)."""
        if b == 0 or c == 0:
            return PAIR_UNKNOWN
        pairs = self.__dict__.get("_pairs")
        if pairs is None:
            pairs = dict(zip(self.pair_keys, self.pair_values))
            object.__setattr__(self, "_pairs", pairs)
        return pairs.get((b << 32) | c, PAIR_UNSEEN)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ModelStats:
    """Both views, and the number of classes (the slots' sizes)."""

    views: tuple[StatsView, StatsView]
    n_pair_classes: int
    n_syllable_classes: int

    @classmethod
    def from_syllable_stats(cls, stats: object) -> "ModelStats":
        """The classes of a ``tachtu.stats.SyllableStats`` (both views)."""
        views = []
        for name in ("full", "nodia"):
            syllables = stats.syllables(name)  # type: ignore[attr-defined]
            index = {s: i + 1 for i, s in enumerate(syllables)}
            keys, values = array("Q"), bytearray()
            for b, c, value in stats.pairs(name):  # type: ignore[attr-defined]
                keys.append((index[b] << 32) | index[c])
                values.append(value)
            order = sorted(range(len(keys)), key=keys.__getitem__)
            views.append(StatsView(
                tuple(syllables),
                bytes(stats.left_class(s, name) for s in syllables),  # type: ignore[attr-defined]
                bytes(stats.right_class(s, name) for s in syllables),  # type: ignore[attr-defined]
                array("Q", [keys[i] for i in order]),
                bytes(values[i] for i in order),
            ))
        return cls((views[0], views[1]), stats.n_pair_classes, stats.n_syllable_classes)  # type: ignore[attr-defined]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ModelStats":
        """The classes of a statistics table written by ``tachtu stats`` (None: the
        bundled one).  Deriving the diacritic-free view takes a few seconds."""
        from ..stats import SyllableStats

        return cls.from_syllable_stats(SyllableStats.load(path if path is not None else bundled_stats_path()))

    def ids(self, key: str, plain_key: str) -> tuple[int, int]:
        """Stats ids of a piece with model key ``key`` and its diacritic-free
        spelling ``plain_key``, in both views (0: unknown)."""
        return self.views[0].sid(key), self.views[1].sid(plain_key)

    # -- storage inside the model file -------------------------------------------------
    def to_bytes(self) -> bytes:
        parts = []
        head = {"pair_classes": self.n_pair_classes, "syllable_classes": self.n_syllable_classes, "views": []}
        for v in self.views:
            text = "\n".join(v.syllables).encode("utf-8")
            keys = v.pair_keys
            if sys.byteorder != "little":
                keys = array("Q", keys)
                keys.byteswap()
            head["views"].append([len(text), len(v.syllables), len(v.pair_keys)])  # type: ignore[attr-defined]
            parts += [text, v.left, v.right, keys.tobytes(), v.pair_values]
        blob = json.dumps(head).encode("utf-8")
        return struct.pack("<I", len(blob)) + blob + b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> "ModelStats":
        try:
            (n,) = struct.unpack_from("<I", data, 0)
            head = json.loads(data[4 : 4 + n])
            pos = 4 + n
            views = []
            for n_text, n_syl, n_pairs in head["views"]:
                text = data[pos : pos + n_text].decode("utf-8")
                pos += n_text
                left, right = data[pos : pos + n_syl], data[pos + n_syl : pos + 2 * n_syl]
                pos += 2 * n_syl
                keys = array("Q")
                keys.frombytes(data[pos : pos + 8 * n_pairs])
                if sys.byteorder != "little":
                    keys.byteswap()
                pos += 8 * n_pairs
                values = data[pos : pos + n_pairs]
                pos += n_pairs
                syllables = tuple(text.split("\n")) if text else ()
                if len(syllables) != n_syl or len(left) != n_syl or len(right) != n_syl or len(values) != n_pairs:
                    raise ValueError("sizes disagree")
                views.append(StatsView(syllables, left, right, keys, values))
            if pos != len(data) or len(views) != N_VIEWS:
                raise ValueError("sizes disagree")
            n_pair, n_syl = int(head["pair_classes"]), int(head["syllable_classes"])
            for v in views:
                if not (PAIR_UNKNOWN < n_pair <= 255 and SYL_UNKNOWN < n_syl <= 255 and _below(v.pair_values, n_pair)
                        and _below(v.left, n_syl) and _below(v.right, n_syl)):
                    raise ValueError("a class is out of range")
            return cls((views[0], views[1]), n_pair, n_syl)
        except (struct.error, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"corrupt statistics in the model file: {exc}") from None
