"""N-gram codes: the keys of the n-gram templates as template and ids.

Why: the compiled scorer looks each n-gram of a line up once for all the
templates that read it (``spec.ngram_groups``, ``_ngrams.pyx``), so it needs
the ids behind those keys, which a hash does not give.  A model file stores
them as codes, ``chain << 48 | z << 32 | y << 16 | x`` (``chain``: ``1 +
namespace * CHAINS_PER_NAMESPACE + template index``; ids in slot order), and
the full keys are recomputed from the codes at load (``keys_of_codes``).
A model without codes (trained just now, or an older file) gets them from
``_resolve.resolve_keys``, which inverts the hashes; without the compiled
core there are none and every key stays hashed, which scores the same.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from . import spec
from .features import PLAIN_LINE_NAMESPACE, feature_key

if TYPE_CHECKING:
    from .model import Model

CHAINS_PER_NAMESPACE = 1024  # _ngrams.pxd: the same constant


def ngram_codes(model: Model) -> array:
    """The code of each of ``model.keys`` (0: hashed), resolved once and kept."""
    if model.ngram_codes is None:
        model.ngram_codes = resolve(model)
    return model.ngram_codes


def resolve(model: Model) -> array:
    """Codes of a model's keys by inverting their hashes (all 0 without the compiled core)."""
    try:
        from ._resolve import resolve_keys
    except ImportError:
        return array("Q", bytes(8 * len(model.keys)))
    return resolve_keys(model.keys, tuple(model.templates), model.dims, model.n_namespaces, PLAIN_LINE_NAMESPACE,
                        model.n_ids, model.n_plain)


def stored_order(model: Model, coded: list[int]) -> list[int]:
    """The keys ``coded`` (indices of non-zero codes) in the order a model file
    stores them: by group, home slot and n-gram, so that loading inserts them
    into the tables front to back (``_ngrams.code_order``)."""
    try:
        from ._ngrams import code_order
    except ImportError:
        return coded
    codes = ngram_codes(model)
    order = code_order(array("Q", [codes[i] for i in coded]), tuple(model.templates),
                       model.n_namespaces, model.n_ids, model.n_plain)
    return [coded[k] for k in order]


def keys_of_codes(codes: array, templates: tuple[spec.Template, ...]) -> array:
    """``features.feature_key`` of each code (in C when compiled: a model has a million)."""
    numbers = [t.number for t in templates]
    lengths = [len(t.slots) for t in templates]
    try:
        from ._resolve import keys_of_codes as compiled
    except ImportError:
        pass
    else:
        return compiled(codes, numbers, lengths, PLAIN_LINE_NAMESPACE)  # type: ignore[no-any-return]
    keys = array("Q")
    for code in codes:
        ns, index = divmod((code >> 48) - 1, CHAINS_PER_NAMESPACE)
        if not 0 <= ns < 2 or index >= len(templates) or lengths[index] > spec.MAX_NGRAM:
            raise ValueError("n-gram code of an unknown template")
        keys.append(feature_key(numbers[index] + ns * PLAIN_LINE_NAMESPACE,
                                *((code >> (16 * k)) & 0xFFFF for k in range(lengths[index]))))
    return keys
