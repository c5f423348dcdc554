"""How a line becomes gap features (the reference, pure-Python version).

The model decides, for each gap between two neighbouring pieces of a line,
whether they belong to the same word.  A gap's score is the sum of the weights
of its active features; it is joined when the score is positive.

Every feature is a 64-bit key ``feature_key(template, values...)`` so the
weight table is one flat ``uint64 -> int32`` map, identical for training,
this reference scorer and the compiled scorer (``_scorer.pyx``), which must
compute the very same keys.  The templates themselves are data
(``spec.TEMPLATES``); this module reads a line's values for their slots
(``line_rows``) and turns each template into keys (``gap_features``).
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache
from typing import Callable, Sequence

from ..pretokenize import Kind
from .corpus_stats import N_VIEWS, PAIR_UNKNOWN, SYL_UNKNOWN, ModelStats
from .spec import DICT_MATCH, DICT_WORD, MAX_DICT_WORD, N_DICTS, STAT_SOURCES, TEMPLATES, Source, Template

MASK64 = (1 << 64) - 1
_SEED = 0x9E3779B97F4A7C15
_MULT = 0xBF58476D1CE4E5B9

TITLE_LINE_MIN = 4  # Title Case lines with at least this many syllables are read as lower case
PAD = 2  # BOS/EOS cells on each side of a line's rows: slots read z..e without bounds checks


class Shape(IntEnum):
    """Coarse class of a piece: case, Vietnamese-ness, kind."""

    BOS = 0
    EOS = 1
    LOWER = 2
    TITLE = 3
    UPPER = 4
    FOREIGN_LOWER = 5
    FOREIGN_TITLE = 6
    FOREIGN_UPPER = 7
    NUMBER = 8
    PUNCT = 9
    LOCKED = 10
    MIXED = 11


class Relation(IntEnum):
    """Where a gap lies relative to a dictionary match."""

    INSIDE = 0
    LEFT = 1  # the gap just before the match
    RIGHT = 2  # the gap just after the match


# Special syllable ids; the vocabulary proper starts after them.
BOS_ID = 0
EOS_ID = 1
NUMBER_ID = 2
UNK_BASE = 3  # UNK_BASE + shape: an unknown piece is known by its shape
N_SPECIAL = UNK_BASE + len(Shape)


def feature_key(template: int, *values: int) -> int:
    """64-bit key of a feature; must equal ``_scorer.pyx``'s ``fkey``."""
    h = ((template + 1) * _SEED) & MASK64
    for v in values:
        h = ((h ^ v) * _MULT) & MASK64
    return h ^ (h >> 31)


# Vietnamese syllable: optional onset, a vowel nucleus, optional coda (after tone
# removal).  Used only to tell Vietnamese from foreign words for the shape class.
_ONSET = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
_NUCLEUS = "(?:[aăâeêioôơuưy]{1,3})"
_CODA = "(?:ch|ng|nh|[cmnpt])?"
VIET_SYLLABLE = re.compile(f"{_ONSET}{_NUCLEUS}{_CODA}")
_TONED_VOWELS = {
    "a": "àáảãạ", "ă": "ằắẳẵặ", "â": "ầấẩẫậ", "e": "èéẻẽẹ", "ê": "ềếểễệ", "i": "ìíỉĩị",
    "o": "òóỏõọ", "ô": "ồốổỗộ", "ơ": "ờớởỡợ", "u": "ùúủũụ", "ư": "ừứửữự", "y": "ỳýỷỹỵ",
}
_STRIP_TONE = str.maketrans({"ð": "đ", **{t: base for base, toned in _TONED_VOWELS.items() for t in toned}})


def shape_of(text: str, kind: Kind) -> Shape:
    """The shape class of a piece (``text`` as in the input, NFC)."""
    if kind == Kind.NUMBER:
        return Shape.NUMBER
    if kind == Kind.PUNCT:
        return Shape.PUNCT
    if kind in (Kind.LOCKED, Kind.UNDERSCORE):
        return Shape.LOCKED
    lower = text.lower()
    viet = VIET_SYLLABLE.fullmatch(lower.translate(_STRIP_TONE)) is not None
    if text == lower:
        return Shape.LOWER if viet else Shape.FOREIGN_LOWER
    if text[0].isupper() and text[1:] == lower[1:]:
        return Shape.TITLE if viet else Shape.FOREIGN_TITLE
    if text == text.upper():
        return Shape.UPPER if viet else Shape.FOREIGN_UPPER
    return Shape.MIXED


_JOINABLE = frozenset({Kind.WORD, Kind.NUMBER, Kind.LOCKED})


def joinable(left_kind: Kind, right_kind: Kind, space_between: bool) -> bool:
    """Whether the model may join two neighbouring pieces at all.

    Punctuation and literal-underscore pieces are always words of their own,
    and pieces written together without a space (``Rafah,``) were split on
    purpose by the rules.
    """
    return space_between and left_kind in _JOINABLE and right_kind in _JOINABLE


def dict_matches(
    ids: Sequence[int], dictionaries: Sequence[frozenset[int] | set[int]]
) -> list[tuple[int, int, int]]:
    """All dictionary matches ``(dict_index, start, length)`` of 2+ pieces."""
    found: list[tuple[int, int, int]] = []
    n = len(ids)
    seed = ((DICT_WORD + 1) * _SEED) & MASK64
    for start in range(n - 1):
        h = ((seed ^ ids[start]) * _MULT) & MASK64
        for end in range(start + 1, min(n, start + MAX_DICT_WORD)):
            h = ((h ^ ids[end]) * _MULT) & MASK64
            key = h ^ (h >> 31)
            for d, entries in enumerate(dictionaries):
                if key in entries:
                    found.append((d, start, end - start + 1))
    return found


def dict_word_key(ids: Sequence[int]) -> int:
    """Key of a dictionary entry from its syllable ids."""
    return feature_key(DICT_WORD, *ids)


def fold_title_line(shapes: Sequence[int]) -> Sequence[int]:
    """The shapes of a line, with Title Case read as lower case.

    Why: in running text a capitalised syllable marks a name, the model's
    strongest cue for joining.  A heading or product name written In Title
    Case capitalises every syllable, so the cue fires everywhere.  A line with
    at least ``TITLE_LINE_MIN`` Vietnamese syllables, all capitalised and none
    lower-case, is scored by its lower-case shapes, which the lower-case copies
    in training prepared the model for; running text always has a lower-case
    syllable, so it never changes.
    """
    titles = 0
    for shape in shapes:
        if shape == Shape.LOWER:
            return shapes
        titles += shape == Shape.TITLE
    if titles < TITLE_LINE_MIN:
        return shapes
    return [Shape.LOWER if shape == Shape.TITLE else shape for shape in shapes]


# Characters that carry a diacritic in NFC text: Latin letters with marks
# (Latin-1 Supplement through Latin Extended-B, Vietnamese's block in Latin
# Extended Additional) and the combining marks left over.  ``_line.pyx``'s
# ``has_diacritic`` is the same test in C.
DIACRITIC_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0x0300, 0x036F))
_DIACRITIC = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in DIACRITIC_RANGES) + "]")
PLAIN_LINE_NAMESPACE = 1 << 10  # added to the template numbers of a line without any diacritic


def line_is_plain(text: str) -> bool:
    """Whether ``text`` (NFC) has no diacritic at all: typed without them, or
    not Vietnamese.  Such a line is scored by weights of its own (the model's
    ``plain_lines``); a line with some marks left is scored as accented text
    (training's partly stripped copies teach those weights the missing marks)."""
    return _DIACRITIC.search(text) is None


def line_rows(
    ids: Sequence[int],
    shapes: Sequence[int],
    matches: Sequence[tuple[int, int, int]],
    n_dicts: int = N_DICTS,
    plain_ids: Sequence[int] | None = None,
    stats: ModelStats | None = None,
    stat_ids: Sequence[Sequence[int]] | None = None,
) -> dict[tuple[Source, int], list[int]]:
    """The value of every slot source at every piece (or gap) of a line.

    Each row is padded with ``PAD`` cells on both sides, so the value of a slot
    at offset ``o`` from piece ``b`` of gap ``i`` is ``row[PAD + i + o]``.  Ids
    and shapes are padded with BOS/EOS, dictionary rows with 0.  ``plain_ids``
    (diacritic-free ids, ``Encoder``) default to ``ids``.  The statistics rows
    come from ``stats`` and the pieces' stats ids of each view (``stat_ids``);
    without them every syllable reads as unknown to the statistics.  Dictionary
    rows hold uncapped lengths; a slot caps them as it reads
    (``min(max(lengths), cap) == max(min(length, cap))``).

    ``_scorer.pyx``'s ``score_line`` computes the same rows in C.
    """
    n = len(ids)
    rows: dict[tuple[Source, int], list[int]] = {
        (Source.ID, 0): [BOS_ID] * PAD + list(ids) + [EOS_ID] * PAD,
        (Source.PLAIN, 0): [BOS_ID] * PAD + list(ids if plain_ids is None else plain_ids) + [EOS_ID] * PAD,
        (Source.SHAPE, 0): [Shape.BOS] * PAD + list(shapes) + [Shape.EOS] * PAD,
    }
    for d in range(n_dicts):
        for source in (Source.PAIR, Source.END, Source.BEGIN, Source.COVER):
            rows[source, d] = [0] * (n + 2 * PAD)
    for d, start, length in matches:
        end = start + length - 1
        ends, begins, covers = rows[Source.END, d], rows[Source.BEGIN, d], rows[Source.COVER, d]
        ends[PAD + end] = max(ends[PAD + end], length)
        begins[PAD + start] = max(begins[PAD + start], length)
        for gap in range(start, end):
            covers[PAD + gap] = max(covers[PAD + gap], length)
        if length == 2:
            rows[Source.PAIR, d][PAD + start] = 1
    for view in range(N_VIEWS):
        pair = [PAIR_UNKNOWN] * (n + 2 * PAD)  # pairs with the line's start or end: unknown
        right = [SYL_UNKNOWN] * (n + 2 * PAD)
        left = [SYL_UNKNOWN] * (n + 2 * PAD)
        if stats is not None and stat_ids is not None:
            v, sids = stats.views[view], stat_ids[view]
            for i in range(n - 1):
                pair[PAD + i] = v.pair_class(sids[i], sids[i + 1])
            for i, sid in enumerate(sids):
                if sid:
                    right[PAD + i] = v.right[sid - 1]
                    left[PAD + i] = v.left[sid - 1]
        rows[Source.STAT_PAIR, view] = pair
        rows[Source.STAT_RIGHT, view] = right
        rows[Source.STAT_LEFT, view] = left
    return rows


@lru_cache(maxsize=16)
def _template_function(templates: tuple[Template, ...]) -> Callable[..., list[list[int]]]:
    """A function ``(n_gaps, rows, fk, namespace) -> keys per gap`` for ``templates``.

    Generated once per template list as plain Python source (one ``fk(...)``
    call per template, each slot an index into its row), so the trainer runs
    as fast as hand-written feature code while the table stays the only
    place templates are written.
    """
    row_names: dict[tuple[Source, int], str] = {}
    calls = []
    for t in templates:
        args = [f"{t.number} + ns"]
        for slot in t.slots:
            if slot.source == Source.CONST:
                args.append(str(slot.value))
                continue
            key = (slot.source, slot.dict if slot.is_dict or slot.source in STAT_SOURCES else 0)
            name = row_names.setdefault(key, f"r{len(row_names)}")
            cell = f"{name}[i + {PAD + slot.offset}]"
            args.append(f"min({cell}, {slot.cap})" if slot.cap else cell)
        calls.append(f"fk({', '.join(args)})")
    lines = ["def keys(n_gaps, rows, fk, ns):"]
    lines += [f"    {name} = rows[{key[0].value}, {key[1]}]" for key, name in row_names.items()]
    lines.append(f"    return [[{', '.join(calls)}] for i in range(n_gaps)]")
    namespace: dict[str, object] = {}
    exec("\n".join(lines), {"__builtins__": {"min": min, "range": range}}, namespace)  # noqa: S102 - our own table
    return namespace["keys"]  # type: ignore[return-value]


def gap_features(
    ids: Sequence[int],
    shapes: Sequence[int],
    matches: Sequence[tuple[int, int, int]],
    templates: tuple[Template, ...] = TEMPLATES,
    n_dicts: int = N_DICTS,
    plain_ids: Sequence[int] | None = None,
    stats: ModelStats | None = None,
    stat_ids: Sequence[Sequence[int]] | None = None,
    namespace: int = 0,
) -> list[list[int]]:
    """Feature keys of every gap ``i`` (between piece ``i`` and ``i + 1``) of a line.

    Returns one list per gap, ``len(ids) - 1`` lists in all; the caller skips
    gaps that :func:`joinable` rules out.  ``shapes`` go through
    :func:`fold_title_line` first.  After the templates' keys come the
    ``DICT_MATCH`` keys of every dictionary match: ``(dict, INSIDE, length)``
    on the gaps inside it, ``LEFT``/``RIGHT`` on the gaps just outside.
    ``namespace`` is added to every template number: a line without any
    diacritic is scored by its own weights (``PLAIN_LINE_NAMESPACE``).
    """
    n = len(ids)
    if n < 2:
        return []
    shapes = fold_title_line(shapes)
    line = line_rows(ids, shapes, matches, n_dicts, plain_ids, stats, stat_ids)
    rows = {(source.value, d): row for (source, d), row in line.items()}
    out = _template_function(tuple(templates))(n - 1, rows, feature_key, namespace)
    fk = feature_key
    match = DICT_MATCH + namespace
    for d_index, start, length in matches:
        for gap in range(start, start + length - 1):
            out[gap].append(fk(match, d_index, Relation.INSIDE, length))
        if start > 0:
            out[start - 1].append(fk(match, d_index, Relation.LEFT, length))
        if start + length - 1 < n - 1:
            out[start + length - 1].append(fk(match, d_index, Relation.RIGHT, length))
    return out
