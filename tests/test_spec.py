"""The template table (``model/spec.py``): one source of truth for every scorer.

* the keys it gives are the very keys of the hand-written features it replaced
  (so the shipped model scores as before);
* a template added to a copy of the table scores the same in the compiled and
  the reference scorer, with no other edit;
* the model file records its templates, and every malformed header is a
  ``ModelError``.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
from array import array
from dataclasses import replace
from pathlib import Path

import pytest

from tachtu.errors import ModelError
from tachtu.model import spec
from tachtu.model.features import N_SPECIAL, Shape, dict_matches, gap_features
from tachtu.model.model import DEFAULT_MODEL, MAGIC, Model
from tachtu.model.scorer_ref import ReferenceScorer
from tachtu.model.spec import BEGIN, CONST, COVER, END, ID, PAIR, SHAPE, Template, parse_template


def _cases() -> list[tuple[list[int], list[int], list[tuple[int, int, int]]]]:
    rng = random.Random(2024)
    out = []
    for _ in range(300):
        n = rng.randint(1, 14)
        ids = [rng.choice([0, 1, 2, rng.randrange(3, 20), rng.randrange(20, 5000)]) for _ in range(n)]
        shapes = [rng.randrange(12) for _ in range(n)]
        matches = []
        for _ in range(rng.randint(0, 4)):
            length = rng.randint(2, min(8, n)) if n >= 2 else 0
            if length:
                matches.append((rng.randrange(2), rng.randrange(n - length + 1), length))
        out.append((ids, shapes, matches))
    return out


def test_keys_equal_the_hand_written_features() -> None:
    """Digest of every gap's keys on random lines, as computed by the
    hand-written ``gap_features`` of features version 3 (before the table)."""
    h = hashlib.sha256()
    for ids, shapes, matches in _cases():
        for keys in gap_features(ids, shapes, matches, spec.V3_TEMPLATES):
            h.update(b"".join(k.to_bytes(8, "little") for k in sorted(keys)) + b"|")
    assert h.hexdigest() == "611ad47c4826b1d2c741e6ef57977c778b1290d6086b11a7b564f4e51be20e8f"


def test_template_text_round_trips() -> None:
    for t in spec.TEMPLATES:
        assert parse_template(str(t)) == t
    assert str(spec.TEMPLATES[6]) == "6 BC id:0 id:1"
    assert parse_template("25 X end1:0/4 cover0:-1/2 pair1:1 const:7 shape:-2").slots == (
        END(1, 0, 4), COVER(0, -1, 2), PAIR(1, 1), CONST(7), SHAPE(-2))


@pytest.mark.parametrize("text", ["", "6", "x BC id:0", "6 bc id:0", "6 BC id:4", "6 BC id0:0", "6 BC end:0/4",
                                  "6 BC end0:0", "6 BC end0:0/0", "6 BC const:-1", "6 BC what:0", "16 DICT id:0",
                                  "6 BC " + " ".join(["id:0"] * 9)])
def test_bad_templates_are_model_errors(text: str) -> None:
    with pytest.raises(ModelError):
        spec.check_templates((parse_template(text),))


# -- a new template needs no other edit ----------------------------------------------
EXTRA = (
    Template(90, "AD", (ID(-1), ID(2))),  # two ids: hashed
    Template(91, "SHAPE_Z_E", (SHAPE(-2), SHAPE(3))),  # shapes only: dense
    Template(92, "E_COVER1", (ID(3), COVER(1, 0, 2))),  # one id and a capped row: per id
    Template(93, "PAIRS_BOTH", (PAIR(0, 0), PAIR(1, 0), BEGIN(0, 2, 3), END(1, -1, 8))),  # other offsets, dense
    Template(94, "WIDE", (CONST(3), ID(0), SHAPE(0), SHAPE(1), SHAPE(2))),  # too many combos: hashed
)


def _weighted(templates: tuple[Template, ...]) -> tuple[Model, list[tuple[list[int], list[int]]]]:
    """A model over ``templates`` with a random weight on every key that fires on random lines."""
    rng = random.Random(5)
    vocab = [f"s{i}" for i in range(300)]
    n_ids = N_SPECIAL + len(vocab)
    lines = []
    for _ in range(300):
        n = rng.randint(1, 20)
        ids = [rng.choice([rng.randrange(N_SPECIAL), rng.randrange(N_SPECIAL, N_SPECIAL + 12),
                           rng.randrange(n_ids), n_ids + rng.randrange(20)]) for _ in range(n)]
        lines.append((ids, [rng.choice([int(s) for s in Shape]) for _ in ids]))
    entries = {tuple(ids[s : s + k]) for ids, _ in lines for k in (2, 3, 5) for s in range(0, max(0, len(ids) - k), 4)}
    from tachtu.model.features import dict_word_key

    dicts = [array("Q", sorted({dict_word_key(list(e)) for i, e in enumerate(entries) if i % 3 != d})) for d in range(2)]
    frozen = [frozenset(d) for d in dicts]
    keys = {k for ids, shapes in lines for gap in gap_features(ids, shapes, dict_matches(ids, frozen), templates, 2)
            for k in gap}
    model = Model(vocab, array("Q", sorted(keys)), array("i", [rng.randint(-999, 999) for _ in keys]), dicts,
                  templates=templates)
    return model, lines


def test_added_template_compiled_equals_reference() -> None:
    _scorer = pytest.importorskip("tachtu.model._scorer")
    model, lines = _weighted(spec.TEMPLATES + EXTRA)
    reference, compiled = ReferenceScorer(model), _scorer.CompiledScorer(model)
    fired = 0
    for ids, shapes in lines:
        expected = reference.scores(ids, shapes)
        assert compiled.scores(ids, shapes) == expected
        fired += any(expected)
    assert fired > 250
    # the extra templates do change the scores (they are not silently dropped)
    base = replace(model, templates=spec.TEMPLATES)
    assert any(ReferenceScorer(base).scores(i, s) != ReferenceScorer(model).scores(i, s) for i, s in lines)
    assert any(_scorer.CompiledScorer(base).scores(i, s) != compiled.scores(i, s) for i, s in lines)


# -- the model file ----------------------------------------------------------------
def test_templates_round_trip_through_the_file() -> None:
    model, _ = _weighted(spec.TEMPLATES + EXTRA[:2])
    loaded = Model.from_bytes(model.to_bytes())
    assert loaded.templates == spec.TEMPLATES + EXTRA[:2]
    assert dict(zip(loaded.keys, loaded.weights)) == dict(zip(model.keys, model.weights))
    assert len(loaded.keys) == len(model.keys)


def _with_header(data: bytes, edit: object) -> bytes:
    """``data`` with its JSON header replaced by ``edit(header)``."""
    pos = len(MAGIC) + 1
    (n,) = struct.unpack_from("<I", data, pos)
    header = json.loads(data[pos + 4 : pos + 4 + n])
    new = edit(header)  # type: ignore[operator]
    blob = new if isinstance(new, bytes) else json.dumps(new).encode()
    return data[:pos] + struct.pack("<I", len(blob)) + blob + data[pos + 4 + n :]


def test_an_old_header_means_the_v3_templates() -> None:
    model, _ = _weighted(spec.TEMPLATES)

    def old(header: dict) -> dict:  # type: ignore[type-arg]
        for name in ("templates", "checksum", "max_dict_word", "ngram_codes"):
            del header[name]
        return {**header, "features": 3}

    assert Model.from_bytes(_with_header(model.to_bytes(), old)).templates == spec.V3_TEMPLATES


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: b"[1, 2]",
        lambda h: b"{" * 100_000,
        lambda h: b"\xff\xfe",
        lambda h: {**h, "features": 99},
        lambda h: {k: v for k, v in h.items() if k != "n_features"},
        lambda h: {**h, "n_features": "12"},
        lambda h: {**h, "n_features": -1},
        lambda h: {**h, "n_dicts": [1.5]},
        lambda h: {**h, "n_dicts": "ab"},
        lambda h: {**h, "scale": 0},
        lambda h: {**h, "scale": True},
        lambda h: {**h, "meta": []},
        lambda h: {**h, "templates": [1]},
        lambda h: {**h, "templates": ["6 BC id:9"]},
        lambda h: {**h, "max_dict_word": 5},
        lambda h: {**h, "checksum": h["checksum"] ^ 1},
        lambda h: {**h, "n_features": h["n_features"] + 1},
    ],
)
def test_malformed_headers_are_model_errors(edit: object) -> None:
    model, _ = _weighted(spec.TEMPLATES)
    with pytest.raises(ModelError):
        Model.from_bytes(_with_header(model.to_bytes(), edit))


def test_flipped_body_byte_is_caught() -> None:
    model, _ = _weighted(spec.TEMPLATES)
    data = bytearray(model.to_bytes())
    data[-20] ^= 0x40
    with pytest.raises(ModelError, match="checksum"):
        Model.from_bytes(bytes(data))


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "."])
def test_non_regular_model_paths_are_refused(path: str) -> None:
    if not Path(path).exists():
        pytest.skip(f"{path} absent")
    with pytest.raises(ModelError):
        Model.load(path)


@pytest.mark.parametrize("cut", [0, 3, 200])
def test_mapped_model_files_load_and_fail_as_bytes_do(tmp_path: Path, cut: int) -> None:
    """A mapped model file (the shipped one is mapped) loads as its bytes do, and the
    map is released afterwards (nothing keeps it alive); an empty or cut one is a
    ModelError (the map is released on the error path too)."""
    model, _ = _weighted(spec.TEMPLATES)
    path = tmp_path / "m.bin"
    path.write_bytes(model.to_bytes())
    maps = Path("/proc/self/maps")
    assert Model._load_file(path, mapped=True) == Model.from_bytes(path.read_bytes()) == Model.load(path)
    Model.load()
    if maps.exists():
        assert str(path) not in maps.read_text() and DEFAULT_MODEL not in maps.read_text()
    path.write_bytes(model.to_bytes()[:cut])
    with pytest.raises(ModelError):
        Model._load_file(path, mapped=True)
    if maps.exists():
        assert str(path) not in maps.read_text()


def test_statistics_slots_compiled_equal_reference() -> None:
    """The STAT_* slots read the model's statistics alike in both scorers."""
    _scorer = pytest.importorskip("tachtu.model._scorer")
    from tachtu.model.corpus_stats import ModelStats
    from tachtu.stats import SyllableStats

    rng = random.Random(11)
    words = [f"s{i}" for i in range(40)] + ["hà", "nội", "đà", "nẵng"]
    text = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(400)]
    stats = ModelStats.from_syllable_stats(SyllableStats.build([text]))
    assert stats.views[0].pair_keys and stats.views[1].syllables
    model, lines = _weighted(spec.TEMPLATES)
    n0, n1 = len(stats.views[0].syllables), len(stats.views[1].syllables)
    with_ids = [(ids, shapes, ([rng.randint(0, n0) for _ in ids], [rng.randint(0, n1) for _ in ids]))
                for ids, shapes in lines]
    keys = {k for ids, shapes, sids in with_ids
            for gap in gap_features(ids, shapes, [], spec.TEMPLATES, 2, None, stats, sids) for k in gap}
    model = Model(model.vocab, array("Q", sorted(keys)), array("i", [rng.randint(-999, 999) for _ in keys]),
                  model.dictionaries, stats=stats)
    loaded = Model.from_bytes(model.to_bytes())
    assert loaded.stats == stats
    reference, compiled = ReferenceScorer(loaded), _scorer.CompiledScorer(loaded)
    for ids, shapes, sids in with_ids:
        assert compiled.scores(ids, shapes, None, sids) == reference.scores(ids, shapes, None, sids)
    assert any(reference.scores(i, s, None, d) != reference.scores(i, s) for i, s, d in with_ids)


def test_plain_lines_have_weights_of_their_own() -> None:
    """With ``plain_lines``, a line without diacritics is scored by its own keys
    (``PLAIN_LINE_NAMESPACE``), alike in both scorers."""
    _scorer = pytest.importorskip("tachtu.model._scorer")
    from tachtu.model.features import PLAIN_LINE_NAMESPACE, line_is_plain

    assert line_is_plain("toi song o ha noi") and not line_is_plain("tôi sống ở hà nội")
    base, lines = _weighted(spec.TEMPLATES)
    rng = random.Random(3)
    keys = {k for ids, shapes in lines for ns in (0, PLAIN_LINE_NAMESPACE)
            for gap in gap_features(ids, shapes, [], spec.TEMPLATES, 2, None, None, None, ns) for k in gap}
    model = Model.from_bytes(Model(base.vocab, array("Q", sorted(keys)), array("i", [rng.randint(-999, 999) for _ in keys]),
                                   base.dictionaries, plain_lines=True).to_bytes())
    assert model.plain_lines
    reference, compiled = ReferenceScorer(model), _scorer.CompiledScorer(model)
    differ = 0
    for ids, shapes in lines:
        for plain in (False, True):
            expected = reference.scores(ids, shapes, None, None, plain)
            assert compiled.scores(ids, shapes, None, None, plain) == expected
        differ += reference.scores(ids, shapes, None, None, True) != reference.scores(ids, shapes)
    assert differ > 200
