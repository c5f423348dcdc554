"""Feature templates of the gap classifier (the reference, pure-Python version).

The model decides, for each gap between two neighbouring pieces of a line,
whether they belong to the same word.  A gap's score is the sum of the weights
of its active features; it is joined when the score is positive.

Every feature is a 64-bit key ``feature_key(template, values...)`` so the
weight table is one flat ``uint64 → int32`` map, identical for training,
this reference scorer and the compiled scorer (``_scorer.pyx``), which must
compute the very same keys.

Worked example, gap between ``kế`` and ``hoạch`` in ``về kế hoạch tấn``:
positions are ``a=về, b=kế | c=hoạch, d=tấn``; the lexical templates fire on
``b``, ``c``, ``a``, ``d``, ``(a,b)``, ``(b,c)``, ``(c,d)``, ``(a,b,c)``,
``(b,c,d)``; shapes on ``(sb, sc)`` and ``(sa, sb, sc, sd)``; and, since
``kế hoạch`` is a dictionary word of length 2, the dictionary template
``(dict, INSIDE, 2)`` fires too.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import Sequence

from ..pretokenize import Kind

MASK64 = (1 << 64) - 1
_SEED = 0x9E3779B97F4A7C15
_MULT = 0xBF58476D1CE4E5B9

MAX_DICT_WORD = 8  # longest dictionary word (in pieces) that is matched
N_DICTS = 2  # 0: lexicons shipped with the package, 1: words seen in training
SPAN_CAP = 4  # match lengths in the DICT_SPAN templates are capped here
AFFIX_CAP = 3  # match lengths in the DICT_END_C / B_DICT_BEGIN templates are capped here
TITLE_LINE_MIN = 4  # Title Case lines with at least this many syllables are read as lower case


class Template(IntEnum):
    """Feature templates; the number is part of the key, so never renumber."""

    BIAS = 0
    B = 1
    C = 2
    A = 3
    D = 4
    AB = 5
    BC = 6
    CD = 7
    ABC = 8
    BCD = 9
    ZA = 10
    DE = 11
    SHAPE_BC = 12
    SHAPE_ABCD = 13
    SHAPE_B_C = 14  # shape of b with word c
    B_SHAPE_C = 15  # word b with shape of c
    DICT = 16  # (dictionary, relation, length)
    DICT_WORD = 17  # key of a dictionary entry (not a weight: the lexicon itself)
    ZAB = 18
    CDE = 19
    AC = 20
    BD = 21
    BC_SHAPES = 22  # the bigram across the gap together with both shapes
    DICT_OVERLAP = 23  # (dictionary, ab, bc, cd are 2-piece entries)
    DICT_SPAN = 24  # (dictionary, match ending at b, starting at c, covering the gap)
    DICT_SPAN_BOTH = 25  # DICT_SPAN of both dictionaries in one key
    DICT_END_C = 26  # (dictionary, longest match ending at b, syllable c)
    B_DICT_BEGIN = 27  # (dictionary, syllable b, longest match starting at c)
    DICT_COVER_SHAPES = 28  # (dictionary, longest match covering the gap, shapes of b and c)


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
    seed = ((Template.DICT_WORD + 1) * _SEED) & MASK64
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
    return feature_key(Template.DICT_WORD, *ids)


def fold_title_line(shapes: Sequence[int]) -> Sequence[int]:
    """The shapes of a line, with Title Case read as lower case.

    Why: in running text a capitalised syllable marks a name, the model's
    strongest cue for joining.  A heading or product name written In Title
    Case capitalises every syllable, so the cue fires everywhere (67-72 F1).
    A line with at least ``TITLE_LINE_MIN`` Vietnamese syllables, all
    capitalised and none lower-case, is scored by its lower-case shapes
    (98.3 F1), which the lower-case copies in training prepared the model for;
    running text always has a lower-case syllable, so it never changes.
    """
    titles = 0
    for shape in shapes:
        if shape == Shape.LOWER:
            return shapes
        titles += shape == Shape.TITLE
    if titles < TITLE_LINE_MIN:
        return shapes
    return [Shape.LOWER if shape == Shape.TITLE else shape for shape in shapes]


def gap_features(
    ids: Sequence[int],
    shapes: Sequence[int],
    matches: Sequence[tuple[int, int, int]],
) -> list[list[int]]:
    """Feature keys of every gap ``i`` (between piece ``i`` and ``i + 1``) of a line.

    Returns one list per gap, ``len(ids) - 1`` lists in all; the caller skips
    gaps that :func:`joinable` rules out.  ``shapes`` go through
    :func:`fold_title_line` first.
    """
    n = len(ids)
    if n < 2:
        return []
    shapes = fold_title_line(shapes)
    w = [BOS_ID, BOS_ID, *ids, EOS_ID, EOS_ID]  # w[i + 2] is piece i
    s = [Shape.BOS, Shape.BOS, *shapes, Shape.EOS, Shape.EOS]
    fk = feature_key
    out: list[list[int]] = []
    for i in range(n - 1):
        z, a, b, c, d, e = w[i], w[i + 1], w[i + 2], w[i + 3], w[i + 4], w[i + 5]
        sa, sb, sc, sd = s[i + 1], s[i + 2], s[i + 3], s[i + 4]
        out.append(
            [
                fk(Template.BIAS),
                fk(Template.B, b),
                fk(Template.C, c),
                fk(Template.A, a),
                fk(Template.D, d),
                fk(Template.AB, a, b),
                fk(Template.BC, b, c),
                fk(Template.CD, c, d),
                fk(Template.ABC, a, b, c),
                fk(Template.BCD, b, c, d),
                fk(Template.ZA, z, a),
                fk(Template.DE, d, e),
                fk(Template.SHAPE_BC, sb, sc),
                fk(Template.SHAPE_ABCD, sa, sb, sc, sd),
                fk(Template.SHAPE_B_C, sb, c),
                fk(Template.B_SHAPE_C, b, sc),
                fk(Template.ZAB, z, a, b),
                fk(Template.CDE, c, d, e),
                fk(Template.AC, a, c),
                fk(Template.BD, b, d),
                fk(Template.BC_SHAPES, b, c, sb, sc),
            ]
        )
    for d_index, start, length in matches:
        for gap in range(start, start + length - 1):
            out[gap].append(fk(Template.DICT, d_index, Relation.INSIDE, length))
        if start > 0:
            out[start - 1].append(fk(Template.DICT, d_index, Relation.LEFT, length))
        if start + length - 1 < n - 1:
            out[start + length - 1].append(fk(Template.DICT, d_index, Relation.RIGHT, length))
    _add_dict_context(out, ids, shapes, matches)
    return out


def _add_dict_context(
    out: list[list[int]],
    ids: Sequence[int],
    shapes: Sequence[int],
    matches: Sequence[tuple[int, int, int]],
) -> None:
    """Conjunctions of the matches around each gap (overlap ambiguity).

    The DICT features are additive: they cannot tell ``b c`` standing alone
    from ``b c`` where ``a b`` or ``c d`` is a word too, or a long word ending
    at ``b`` from one running across the gap.  These templates see the whole
    local picture in one key: which neighbouring pairs are entries, and the
    longest match ending at ``b``, starting at ``c`` and covering the gap
    (lengths capped at ``SPAN_CAP``), per dictionary and for both at once.

    The affix templates pair a match with the syllable across the gap: the
    longest word ending at ``b`` with the syllable ``c`` (does ``c`` extend a
    complete word, as a suffix does?), and the syllable ``b`` with the longest
    word starting at ``c`` (lengths capped at ``AFFIX_CAP``).

    ``DICT_COVER_SHAPES`` pairs the match across the gap with the case of
    ``b`` and ``c``: a dictionary word written ``Title Title`` is a name even
    where position alone says otherwise (sentence-initial ``Nhà Trắng``, where
    most ``Title Title`` starts are ``Ông Nguyễn``, split).
    """
    n = len(ids)
    ends = [[0] * n for _ in range(N_DICTS)]  # longest match ending at piece j
    begins = [[0] * n for _ in range(N_DICTS)]  # longest match starting at piece j
    covers = [[0] * n for _ in range(N_DICTS)]  # longest match covering gap j
    pairs = [[0] * (n + 1) for _ in range(N_DICTS)]  # a 2-piece match starts at piece j
    for d, start, length in matches:
        end = start + length - 1
        capped = min(length, SPAN_CAP)
        ends[d][end] = max(ends[d][end], capped)
        begins[d][start] = max(begins[d][start], capped)
        for gap in range(start, end):
            covers[d][gap] = max(covers[d][gap], capped)
        if length == 2:
            pairs[d][start] = 1
    fk = feature_key
    for i in range(n - 1):
        keys = out[i]
        spans = []
        for d in range(N_DICTS):
            pair = pairs[d]
            keys.append(fk(Template.DICT_OVERLAP, d, pair[i - 1] if i else 0, pair[i], pair[i + 1]))
            span = (ends[d][i], begins[d][i + 1], covers[d][i])
            keys.append(fk(Template.DICT_SPAN, d, *span))
            spans.extend(span)
            keys.append(fk(Template.DICT_END_C, d, min(span[0], AFFIX_CAP), ids[i + 1]))
            keys.append(fk(Template.B_DICT_BEGIN, d, ids[i], min(span[1], AFFIX_CAP)))
            keys.append(fk(Template.DICT_COVER_SHAPES, d, span[2], shapes[i], shapes[i + 1]))
        keys.append(fk(Template.DICT_SPAN_BOTH, *spans))
