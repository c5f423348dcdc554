"""N-gram codes (``layout.py``, ``_resolve.pyx``) and the positional tables built from them (``_ngrams.pyx``).

The codes must name exactly the keys of the n-gram templates (every one of
them, or the compiled scorer would lose a weight), map back to the same keys,
survive the model file, and score as the hashed keys do.
"""

from __future__ import annotations

from array import array
from dataclasses import replace

import pytest

from tachtu.model import layout, spec
from tachtu.model.features import BOS_ID, EOS_ID, PAD, PLAIN_LINE_NAMESPACE, feature_key
from tachtu.model.model import Model
from tachtu.model.scorer_ref import ReferenceScorer

from test_spec import EXTRA, _weighted

_resolve = pytest.importorskip("tachtu.model._resolve")
_scorer = pytest.importorskip("tachtu.model._scorer")


def _ngram_keys(model: Model, lines: list, namespace: int = 0) -> set[int]:  # type: ignore[type-arg]
    """Every key the model's n-gram templates fire on ``lines`` with all ids in
    the vocabulary (the others stay hashed), by hand."""
    fired = set()
    for g in spec.ngram_groups(model.templates):
        for index, _ in g.members:
            t = model.templates[index]
            for ids, _ in lines:
                padded = [BOS_ID] * PAD + list(ids) + [EOS_ID] * PAD
                for gap in range(len(ids) - 1):
                    values = [padded[PAD + gap + slot.offset] for slot in t.slots]
                    if all(v < model.n_ids for v in values):
                        fired.add(feature_key(t.number + namespace, *values))
    return fired


def test_groups_of_the_shipped_templates() -> None:
    groups = spec.ngram_groups(spec.TEMPLATES)
    names = [[spec.TEMPLATES[i].name for i, _ in g.members] for g in groups]
    assert names == [["AB", "BC", "CD", "ZA", "DE"], ["ABC", "BCD", "ZAB", "CDE"], ["AC", "BD"],
                     ["PLAIN_AB", "PLAIN_BC", "PLAIN_CD"], ["PLAIN_ABC", "PLAIN_BCD"]]
    # a member scores gap p - shift for the n-gram at p: ZA (id:-2 id:-1) at p is gap p + 2
    assert dict((spec.TEMPLATES[i].name, shift) for i, shift in groups[0].members)["ZA"] == -2


def test_codes_name_exactly_the_ngram_keys() -> None:
    model, lines = _weighted(spec.TEMPLATES + EXTRA)
    codes = layout.resolve(model)
    coded = {k for k, c in zip(model.keys, codes) if c}
    assert coded == _ngram_keys(model, lines) & set(model.keys)
    assert len(coded) > 1000
    back = layout.keys_of_codes(array("Q", [c for c in codes if c]), model.templates)
    assert list(back) == [k for k, c in zip(model.keys, codes) if c]


def test_keys_of_codes_in_python_equal_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = _weighted(spec.TEMPLATES)
    codes = array("Q", [c for c in layout.resolve(model) if c][:500])
    compiled = layout.keys_of_codes(codes, model.templates)
    monkeypatch.delattr(_resolve, "keys_of_codes")  # the import in layout then fails: the Python loop
    assert layout.keys_of_codes(codes, model.templates) == compiled
    with pytest.raises(ValueError):
        layout.keys_of_codes(array("Q", [(5000 << 48) | 1]), model.templates)


def test_plain_line_namespace_codes() -> None:
    model, lines = _weighted(spec.TEMPLATES)
    extra = _ngram_keys(model, lines[:50], PLAIN_LINE_NAMESPACE)  # the plain-line namespace's n-gram keys
    both = replace(model, keys=array("Q", list(model.keys) + sorted(extra)),
                   weights=array("i", list(model.weights) + [7] * len(extra)), plain_lines=True)
    codes = layout.resolve(both)
    assert {k for k, c in zip(both.keys, codes) if c >> 48 > layout.CHAINS_PER_NAMESPACE} == extra
    compiled, reference = _scorer.CompiledScorer(both), ReferenceScorer(both)
    for ids, shapes in lines[:80]:
        assert compiled.scores(ids, shapes, plain_line=True) == reference.scores(ids, shapes, plain_line=True)


def test_codes_survive_the_model_file_and_score_the_same() -> None:
    model, lines = _weighted(spec.TEMPLATES + EXTRA[:1])
    data = model.to_bytes()
    loaded = Model.from_bytes(data)
    assert loaded.ngram_codes is not None and sum(1 for c in loaded.ngram_codes if c) > 1000
    assert dict(zip(loaded.keys, loaded.weights)) == dict(zip(model.keys, model.weights))
    assert Model.from_bytes(loaded.to_bytes()).to_bytes() == data  # saving again changes nothing
    from_codes, from_keys = _scorer.CompiledScorer(loaded), _scorer.CompiledScorer(model)
    reference = ReferenceScorer(model)
    for ids, shapes in lines:
        assert from_codes.scores(ids, shapes) == from_keys.scores(ids, shapes) == reference.scores(ids, shapes)


def test_a_model_without_codes_scores_the_same() -> None:
    model, lines = _weighted(spec.TEMPLATES)
    plain = replace(model)
    plain.ngram_codes = array("Q", bytes(8 * len(model.keys)))  # every key hashed (no compiled resolver)
    hashed, grouped = _scorer.CompiledScorer(plain), _scorer.CompiledScorer(model)
    for ids, shapes in lines:
        assert hashed.scores(ids, shapes) == grouped.scores(ids, shapes)


def test_folded_tables_score_the_same_even_at_the_int32_limits() -> None:
    """``_scorer.fold_tables`` adds small tables into bigger ones; with weights at
    the int32 limits some folds would overflow and must not be made."""
    model, lines = _weighted(spec.TEMPLATES + EXTRA)
    for extreme in ((2**31 - 1,), (-(2**31), 2**31 - 1)):
        edge = replace(model, weights=array("i", [extreme[i % len(extreme)] for i in range(len(model.weights))]))
        compiled, reference = _scorer.CompiledScorer(edge), ReferenceScorer(edge)
        for ids, shapes in lines[:60]:
            assert compiled.scores(ids, shapes) == reference.scores(ids, shapes)


def test_trigrams_stay_hashed_when_leftovers_cannot_be_ruled_out() -> None:
    """Keys no step recognises (here: a hashed template whose id is not its
    first slot) leave trigram keys possibly unresolved; past the brute-force
    budget the trigram templates keep their hashed keys, and still score the same."""
    odd = spec.Template(95, "SHAPES_C", (spec.SHAPE(0), spec.SHAPE(1), spec.ID(1)))
    model, lines = _weighted(spec.TEMPLATES + (odd,))
    args = (model.keys, tuple(model.templates), model.dims, 1, PLAIN_LINE_NAMESPACE, model.n_ids, model.n_plain)
    full, capped = _resolve.resolve_keys(*args), _resolve.resolve_keys(*args, brute_force_max=0)
    lengths = {c: len(model.templates[((c >> 48) - 1) % layout.CHAINS_PER_NAMESPACE].slots) for c in full if c}
    assert any(lengths[c] == 3 for c in full if c)  # with the budget, trigram keys are resolved ...
    assert all(lengths[c] == 2 for c in capped if c) and any(capped)  # ... without it, only bigrams
    limited = replace(model)
    limited.ngram_codes = capped
    compiled, reference = _scorer.CompiledScorer(limited), ReferenceScorer(model)
    for ids, shapes in lines:
        assert compiled.scores(ids, shapes) == reference.scores(ids, shapes)


@pytest.mark.parametrize("which", ["small", "bundled"])
def test_every_home_is_a_slot(which: str) -> None:
    """A lookup reads its home slot first: every home of every open-addressing table is
    a slot, then an empty one ends the last search (the last entries' homes may lie short
    of the table's end, and a lookup's home anywhere in it)."""
    model = _weighted(spec.TEMPLATES)[0] if which == "small" else Model.load()
    tables = _scorer.CompiledScorer(model).table_slots()
    assert len(tables) >= 5
    for homes, slots in tables:
        assert slots > homes
