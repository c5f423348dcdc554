"""The model: vocabulary, feature weights and dictionaries, in one versioned file.

File layout (all integers little-endian)::

    b"TACHTU\\0" + uint8 format version
    uint32 n, then n bytes of JSON header   (config: scale, counts)
    uint32 n, then n bytes of UTF-8 vocabulary, entries separated by "\\n"
    uint64[n_features]  feature keys (sorted)
    int32[n_features]   weights, quantised: real weight * scale
    uint64[n_dict0]     dictionary 0 entry keys (lexicons), sorted
    uint64[n_dict1]     dictionary 1 entry keys (words seen in training), sorted

Training and prediction read the same templates from ``features.py``, so a
model file cannot disagree with the code that scores it; the header's
``features`` version is checked on load.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import ModelError
from ..normalize import model_key
from ..pretokenize import Kind, pretokenize
from .features import N_DICTS, N_SPECIAL, dict_word_key

MAGIC = b"TACHTU\0"
FORMAT_VERSION = 1
FEATURES_VERSION = 3
DEFAULT_MODEL = "default.bin"


def _sorted_array(typecode: str, values: object) -> array:
    arr = array(typecode, sorted(values))  # type: ignore[call-overload]
    return arr


@dataclass
class Model:
    """A trained gap classifier.

    Args:
        vocab: syllable spellings (``model_key`` form); id = N_SPECIAL + index.
        keys, weights: feature key → quantised weight, as parallel arrays.
        dictionaries: entry keys of each dictionary (see ``features.N_DICTS``).
        scale: weights are ``round(real_weight * scale)``.
    """

    vocab: list[str]
    keys: array
    weights: array
    dictionaries: list[array]
    scale: float = 1000.0
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.weights):
            raise ModelError("feature keys and weights differ in length")
        if len(self.dictionaries) > N_DICTS:
            raise ModelError(f"at most {N_DICTS} dictionaries, not {len(self.dictionaries)}")
        self.vocab_index: dict[str, int] = {s: i + N_SPECIAL for i, s in enumerate(self.vocab)}

    # -- serialisation ---------------------------------------------------
    def to_bytes(self) -> bytes:
        header = {
            "features": FEATURES_VERSION,
            "scale": self.scale,
            "n_features": len(self.keys),
            "n_dicts": [len(d) for d in self.dictionaries],
            "meta": self.meta,
        }
        hjson = json.dumps(header, ensure_ascii=False).encode("utf-8")
        vocab = "\n".join(self.vocab).encode("utf-8")
        parts = [MAGIC, bytes([FORMAT_VERSION]), struct.pack("<I", len(hjson)), hjson]
        parts += [struct.pack("<I", len(vocab)), vocab]
        for arr in (self.keys, self.weights, *self.dictionaries):
            if sys.byteorder != "little":
                arr = array(arr.typecode, arr)
                arr.byteswap()
            parts.append(arr.tobytes())
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        head = len(MAGIC) + 1
        if len(data) < head + 4 or data[: len(MAGIC)] != MAGIC:
            raise ModelError("not a tachtu model file (bad magic)")
        if data[len(MAGIC)] != FORMAT_VERSION:
            raise ModelError(f"model format {data[len(MAGIC)]} is not supported (expected {FORMAT_VERSION})")
        pos = head
        try:
            (n,) = struct.unpack_from("<I", data, pos)
            header = json.loads(data[pos + 4 : pos + 4 + n].decode("utf-8"))
            pos += 4 + n
            (n,) = struct.unpack_from("<I", data, pos)
            vocab_blob = data[pos + 4 : pos + 4 + n].decode("utf-8")
            pos += 4 + n
        except (struct.error, ValueError) as exc:
            raise ModelError(f"corrupt model header: {exc}") from None
        if header.get("features") != FEATURES_VERSION:
            raise ModelError(f"model features version {header.get('features')} != {FEATURES_VERSION}")
        sizes = [("Q", header["n_features"]), ("i", header["n_features"])]
        sizes += [("Q", k) for k in header["n_dicts"]]
        arrays: list[array] = []
        for typecode, count in sizes:
            arr = array(typecode)
            nbytes = count * arr.itemsize
            if pos + nbytes > len(data):
                raise ModelError("model file is truncated")
            arr.frombytes(data[pos : pos + nbytes])
            if sys.byteorder != "little":
                arr.byteswap()
            arrays.append(arr)
            pos += nbytes
        if pos != len(data):
            raise ModelError("model file has trailing bytes")
        vocab = vocab_blob.split("\n") if vocab_blob else []
        return cls(vocab, arrays[0], arrays[1], arrays[2:], float(header["scale"]), header.get("meta", {}))

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Model":
        """Load ``path``, or the model shipped inside the package."""
        if path is None:
            data = resources.files("tachtu").joinpath("data", DEFAULT_MODEL).read_bytes()
        else:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
        return cls.from_bytes(data)

    # -- lookups -----------------------------------------------------------
    def entry_ids(self, entry: str) -> list[int] | None:
        """Ids of a dictionary entry's pieces, or None if one is unknown."""
        ids = []
        for piece in pretokenize(entry):
            if piece.kind == Kind.NUMBER:
                return None
            idx = self.vocab_index.get(model_key(entry[piece.start : piece.end]))
            if idx is None:
                return None
            ids.append(idx)
        return ids

    def entry_key(self, entry: str) -> int | None:
        ids = self.entry_ids(entry)
        return dict_word_key(ids) if ids and len(ids) > 1 else None
