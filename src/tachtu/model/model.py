"""The model: vocabulary, feature templates and weights, dictionaries, in one versioned file.

File layout (all integers little-endian)::

    b"TACHTU\\0" + uint8 format version
    uint32 n, then n bytes of JSON header   (templates, scale, counts, checksum)
    uint32 n, then n bytes of UTF-8 vocabulary, entries separated by "\\n"
    uint64[n_features]  feature keys: the hashed ones (sorted), then the n-gram codes (``layout.py``)
    int32[n_features]   weights, quantised: real weight * scale
    uint64[n_dict]      entry keys of each dictionary in turn, sorted
    stats_bytes bytes   raw-text statistics classes (``corpus_stats.ModelStats``), if any

The header lists the feature templates the model was trained with
(``spec.Template`` in text form), and both scorers build from that list, so a
model file cannot disagree with the code that scores it.  A features-3 header
(the models before templates were data) names no list: it means
``spec.V3_TEMPLATES``.  ``checksum`` is the CRC-32 of everything after the
header, so a damaged file is refused instead of scoring garbage.  Features 5
added ``ngram_codes``: how many of the keys are stored as n-gram codes (the
compiled scorer's positional tables are built from them; ``keys`` in memory
holds every key hashed, recomputed from the codes at load).
"""

from __future__ import annotations

import json
import mmap
import os
import stat
import struct
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import ModelError
from ..normalize import strip_diacritics
from .corpus_stats import PAIR_UNKNOWN, SYL_UNKNOWN, ModelStats
from .features import N_SPECIAL, Shape
from .spec import (MAX_DICT_WORD, MAX_DICTS, TEMPLATES, V3_TEMPLATES, Dims, Template, check_templates,
                   parse_template)

MAGIC = b"TACHTU\0"
FORMAT_VERSION = 1
FEATURES_VERSION = 5
DEFAULT_MODEL = "default.bin"
MAX_MODEL_BYTES = 1 << 30  # a larger "model" is refused before it is read (a path to /dev/zero, say)


def plain_vocabulary(vocab: list[str]) -> list[str]:
    """The diacritic-free spellings of a vocabulary, sorted: plain id = N_SPECIAL + index.
    Derived, not stored, so training and prediction cannot disagree on them."""
    return sorted({strip_diacritics(s) for s in vocab})


@dataclass
class Model:
    """A trained gap classifier.

    Args:
        vocab: syllable spellings (``model_key`` form); id = N_SPECIAL + index.
        keys, weights: feature key → quantised weight, as parallel arrays.
        dictionaries: entry keys of each dictionary (0: lexicons, 1: words
            seen in training).
        scale: weights are ``round(real_weight * scale)``.
        templates: the feature templates the weights belong to.
        stats: raw-text statistics the ``STAT_*`` templates read (None: none).
        plain_lines: lines without any diacritic have weights of their own
            (``features.PLAIN_LINE_NAMESPACE``).

    ``ngram_codes`` is the n-gram code of each key (``layout.py``; 0: none), or
    None until ``layout.ngram_codes`` resolves them; it is not an argument, so
    a ``dataclasses.replace`` copy (other keys or templates) resolves its own.
    """

    vocab: list[str]
    keys: array
    weights: array
    dictionaries: list[array]
    scale: float = 1000.0
    meta: dict[str, object] = field(default_factory=dict)
    templates: tuple[Template, ...] = TEMPLATES
    stats: ModelStats | None = None
    plain_lines: bool = False
    ngram_codes: array | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.weights):
            raise ModelError("feature keys and weights differ in length")
        if len(self.dictionaries) > MAX_DICTS:
            raise ModelError(f"at most {MAX_DICTS} dictionaries, not {len(self.dictionaries)}")
        self.templates = tuple(self.templates)
        check_templates(self.templates)
        self.vocab_index: dict[str, int] = {s: i + N_SPECIAL for i, s in enumerate(self.vocab)}
        self.plain_vocab = plain_vocabulary(self.vocab)
        self.plain_index: dict[str, int] = {s: i + N_SPECIAL for i, s in enumerate(self.plain_vocab)}

    @property
    def dims(self) -> Dims:
        """How many values the bounded slot kinds take in this model."""
        if self.stats is None:  # every syllable reads as unknown to the statistics
            return Dims(len(Shape), PAIR_UNKNOWN + 1, SYL_UNKNOWN + 1)
        return Dims(len(Shape), self.stats.n_pair_classes, self.stats.n_syllable_classes)

    @property
    def n_ids(self) -> int:
        """Syllable ids in use: the special ids and the vocabulary's."""
        return N_SPECIAL + len(self.vocab)

    @property
    def n_plain(self) -> int:
        """Plain (diacritic-free) ids in use."""
        return N_SPECIAL + len(self.plain_vocab)

    @property
    def n_namespaces(self) -> int:
        """Weight namespaces: 2 when lines without diacritics have weights of their own."""
        return 2 if self.plain_lines else 1

    @property
    def n_dicts(self) -> int:
        """Dictionaries the scorers keep rows for: the model's, and any a template reads."""
        read = [slot.dict + 1 for t in self.templates for slot in t.slots if slot.is_dict]
        return max([len(self.dictionaries), *read])

    # -- serialisation ---------------------------------------------------
    def to_bytes(self) -> bytes:
        """The model file: hashed keys, then the n-gram codes in table order
        (``layout.py``; resolved here if the model has none yet, which needs
        the compiled core: without it every key is written hashed)."""
        from .layout import ngram_codes, stored_order

        vocab = "\n".join(self.vocab).encode("utf-8")
        body = [struct.pack("<I", len(vocab)), vocab]
        codes = ngram_codes(self)
        hashed = [i for i, code in enumerate(codes) if code == 0]
        coded = stored_order(self, [i for i, code in enumerate(codes) if code != 0])
        keys = array("Q", [self.keys[i] for i in hashed] + [codes[i] for i in coded])
        weights = array("i", [self.weights[i] for i in hashed + coded])
        for arr in (keys, weights, *self.dictionaries):
            if sys.byteorder != "little":
                arr = array(arr.typecode, arr)
                arr.byteswap()
            body.append(arr.tobytes())
        stats = b"" if self.stats is None else self.stats.to_bytes()
        body.append(stats)
        blob = b"".join(body)
        header = {
            "features": FEATURES_VERSION,
            "templates": [str(t) for t in self.templates],
            "max_dict_word": MAX_DICT_WORD,
            "scale": self.scale,
            "n_features": len(self.keys),
            "ngram_codes": len(coded),
            "n_dicts": [len(d) for d in self.dictionaries],
            "stats_bytes": len(stats),
            "plain_lines": self.plain_lines,
            "checksum": zlib.crc32(blob),
            "meta": self.meta,
        }
        hjson = json.dumps(header, ensure_ascii=False).encode("utf-8")
        return b"".join([MAGIC, bytes([FORMAT_VERSION]), struct.pack("<I", len(hjson)), hjson, blob])

    @classmethod
    def from_bytes(cls, data: bytes | mmap.mmap) -> "Model":
        """Parse a model file (its bytes, or a map of them); anything malformed raises
        ``ModelError`` saying what."""
        head = len(MAGIC) + 1
        if len(data) < head + 4 or data[: len(MAGIC)] != MAGIC:
            raise ModelError("not a tachtu model file (bad magic)")
        if data[len(MAGIC)] != FORMAT_VERSION:
            raise ModelError(f"model format {data[len(MAGIC)]} is not supported (expected {FORMAT_VERSION})")
        pos = head
        try:
            (n,) = struct.unpack_from("<I", data, pos)
            if pos + 4 + n > len(data):
                raise ModelError("model file is truncated (header)")
            header = json.loads(data[pos + 4 : pos + 4 + n].decode("utf-8"))
        except (struct.error, ValueError, RecursionError) as exc:
            raise ModelError(f"corrupt model header: {exc}") from None
        pos += 4 + n
        fields = _header_fields(header)
        # released even on an error, so that a map of the file can be closed
        with memoryview(data) as view:  # slices of it are not copies
            return cls._from_view(view, pos, fields)

    @classmethod
    def _from_view(cls, data: memoryview, pos: int, fields: dict) -> "Model":  # type: ignore[type-arg]
        """``from_bytes`` after the header, on a memoryview of the file."""
        if fields["checksum"] is not None and zlib.crc32(data[pos:]) != fields["checksum"]:
            raise ModelError("model file is damaged (checksum mismatch)")
        try:
            (n,) = struct.unpack_from("<I", data, pos)
            if pos + 4 + n > len(data):
                raise ModelError("model file is truncated (vocabulary)")
            vocab_blob = str(data[pos + 4 : pos + 4 + n], "utf-8")
        except (struct.error, UnicodeDecodeError) as exc:
            raise ModelError(f"corrupt model vocabulary: {exc}") from None
        pos += 4 + n
        n_features = fields["n_features"]
        sizes = [("Q", n_features), ("i", n_features)] + [("Q", k) for k in fields["n_dicts"]]
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
        stats = None
        if fields["stats_bytes"]:
            stats = ModelStats.from_bytes(data[pos : pos + fields["stats_bytes"]].tobytes())
            pos += fields["stats_bytes"]
        if pos != len(data):
            raise ModelError("model file has trailing bytes")
        vocab = vocab_blob.split("\n") if vocab_blob else []
        keys, codes = arrays[0], None
        n_codes = fields["ngram_codes"]
        if n_codes:
            from .layout import keys_of_codes

            if n_codes > n_features:
                raise ModelError("corrupt model header: more n-gram codes than features")
            n_hashed = n_features - n_codes
            codes = array("Q", bytes(8 * n_hashed))
            codes.frombytes(memoryview(keys).cast("B")[8 * n_hashed :])
            try:  # the codes' keys in place of the codes (no copies of 10 MB arrays)
                keys[n_hashed:] = keys_of_codes(memoryview(keys)[n_hashed:], fields["templates"])
            except ValueError as exc:
                raise ModelError(f"corrupt model n-gram codes: {exc}") from None
        model = cls(vocab, keys, arrays[1], arrays[2:], fields["scale"], fields["meta"], fields["templates"],
                    stats, fields["plain_lines"])
        model.ngram_codes = codes
        return model

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Model":
        """Load ``path``, or the model shipped inside the package.

        Only a regular file of at most ``MAX_MODEL_BYTES`` is read: a device or
        a FIFO given by mistake is refused instead of read until memory runs out.
        The shipped model is mapped, not read: its pages come from the page cache
        as the parser reads them, instead of a copy in fresh memory (30 MB that
        every process would first fault in and zero).  A file of the user's is
        read, since a map of a file that another process truncates meanwhile
        (a model being re-saved) crashes the reader instead of failing cleanly.
        """
        if path is None:
            with resources.as_file(resources.files("tachtu").joinpath("data", DEFAULT_MODEL)) as bundled:
                return cls._load_file(bundled, mapped=True)
        return cls._load_file(path, mapped=False)

    @classmethod
    def _load_file(cls, path: str | Path, mapped: bool) -> "Model":
        try:
            with open(path, "rb") as f:
                info = os.fstat(f.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise ModelError(f"cannot read model {path}: not a regular file")
                if info.st_size > MAX_MODEL_BYTES:
                    raise ModelError(f"cannot read model {path}: {info.st_size} bytes is too large for a model")
                if mapped and info.st_size:
                    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                        return cls.from_bytes(data)
                return cls.from_bytes(f.read(MAX_MODEL_BYTES + 1))
        except OSError as exc:
            raise ModelError(f"cannot read model {path}: {exc.strerror}") from None


def _header_fields(header: object) -> dict:  # type: ignore[type-arg]
    """The header's fields, checked for type and range (``ModelError`` otherwise)."""
    if not isinstance(header, dict):
        raise ModelError("corrupt model header: not a JSON object")
    version = header.get("features")
    if version not in (3, 4, FEATURES_VERSION):
        raise ModelError(f"model features version {version!r} is not supported (expected 3 to {FEATURES_VERSION})")

    def get(name: str, kind: type | tuple[type, ...], default: object = ...) -> object:
        value = header.get(name, default)
        if value is ... or not isinstance(value, kind) or isinstance(value, bool):
            raise ModelError(f"corrupt model header: {name!r} missing or of the wrong type")
        return value

    n_features = get("n_features", int)
    n_dicts = get("n_dicts", list)
    scale = get("scale", (int, float))
    meta = get("meta", dict, {})
    checksum = get("checksum", int, 0) if version >= 4 else None
    ngram_codes = get("ngram_codes", int, 0) if version >= 5 else 0
    if ngram_codes < 0:  # type: ignore[operator]
        raise ModelError("corrupt model header: negative ngram_codes")
    stats_bytes = get("stats_bytes", int, 0)
    plain_lines = header.get("plain_lines", False)
    if not isinstance(plain_lines, bool):
        raise ModelError("corrupt model header: 'plain_lines' must be true or false")
    if stats_bytes < 0:  # type: ignore[operator]
        raise ModelError("corrupt model header: negative stats_bytes")
    if n_features < 0 or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in n_dicts):  # type: ignore[operator, union-attr]
        raise ModelError("corrupt model header: negative or non-integer counts")
    if not scale > 0:  # type: ignore[operator]
        raise ModelError("corrupt model header: scale must be positive")
    if version == 3:
        templates = V3_TEMPLATES
    else:
        texts = get("templates", list)
        if not all(isinstance(t, str) for t in texts):  # type: ignore[union-attr]
            raise ModelError("corrupt model header: templates must be strings")
        templates = tuple(parse_template(t) for t in texts)  # type: ignore[union-attr]
        if get("max_dict_word", int) != MAX_DICT_WORD:
            raise ModelError(f"model matches dictionary words of up to {header['max_dict_word']} pieces, "
                             f"this tachtu {MAX_DICT_WORD}")
    return {"n_features": n_features, "n_dicts": n_dicts, "scale": float(scale), "meta": meta,  # type: ignore[arg-type]
            "checksum": checksum, "templates": templates, "stats_bytes": stats_bytes, "plain_lines": plain_lines,
            "ngram_codes": ngram_codes}
