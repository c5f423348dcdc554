"""The gap classifier's feature templates, as data.

A model decides, for each gap between piece ``b`` and piece ``c`` of a line,
whether they belong to one word.  Its features are *templates*: a template
number plus a tuple of *slots*, each slot a small value read around the gap.
The 64-bit key of a feature is ``feature_key(number, *slot values)``.

This table is the one place where templates are written.  The trainer and the
reference scorer (``features.gap_features``) interpret it in Python; the
compiled scorer (``_tables.pyx``) reads the same list from the model and sizes
its tables from the slots' sizes.  A model file records the templates it was
trained with (``Model.templates``), so a model always scores with its own list.

Adding a template over existing slot kinds is one line in ``TEMPLATES``.  A new
kind of slot is one ``Source`` member plus its value in ``features.line_rows``
(Python) and in ``_scorer.pyx``'s ``score_line`` and ``_tables.pyx``'s ``build_spec`` (C).

Worked example: the gap between ``kế`` and ``hoạch`` in ``về kế hoạch tấn``
has ``a=về, b=kế | c=hoạch, d=tấn``.  ``Template(6, "BC", (ID(0), ID(1)))``
gives ``feature_key(6, id(kế), id(hoạch))``; since ``kế hoạch`` is a lexicon
word, ``SPAN`` of dictionary 0 reads ``(end at b, begin at c, cover) = (0, 0, 2)``
and ``Template(24, "DICT_SPAN", (CONST(0), END(0, 0, 4), BEGIN(0, 1, 4),
COVER(0, 0, 4)))`` gives ``feature_key(24, 0, 0, 0, 2)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from ..errors import ModelError


class Source(IntEnum):
    """Where a slot reads its value; the number is shared with ``_tables.pyx``."""

    ID = 0  # syllable id of the piece at ``offset`` from b (open-ended: vocabulary size)
    SHAPE = 1  # shape class of the piece at ``offset``
    PAIR = 2  # 1 if a 2-piece entry of dictionary ``dict`` starts at the piece at ``offset``
    END = 3  # longest entry of ``dict`` ending at the piece at ``offset``, capped at ``cap``
    BEGIN = 4  # longest entry of ``dict`` starting at the piece at ``offset``, capped at ``cap``
    COVER = 5  # longest entry of ``dict`` covering the gap at ``offset``, capped at ``cap``
    CONST = 6  # the number ``value`` (distinguishes per-dictionary copies of a template)
    PLAIN = 7  # diacritic-free id of the piece at ``offset`` (``toi`` for tôi, tới, tối ...), open-ended
    # Raw-text statistics (``corpus_stats``); ``dict`` is the view: 0 model keys, 1 without diacritics.
    STAT_PAIR = 8  # class of the pair (piece at ``offset``, the next piece): association x frequency
    STAT_RIGHT = 9  # right branching-entropy class of the piece at ``offset``
    STAT_LEFT = 10  # left branching-entropy class of the piece at ``offset``


_DICT_SOURCES = (Source.PAIR, Source.END, Source.BEGIN, Source.COVER)
STAT_SOURCES = (Source.STAT_PAIR, Source.STAT_RIGHT, Source.STAT_LEFT)
_NUMBERED = _DICT_SOURCES + STAT_SOURCES  # written with their dictionary or view: ``end1:0/4``, ``statpair0:0``
_NAMES = {Source.ID: "id", Source.SHAPE: "shape", Source.PAIR: "pair", Source.END: "end",
          Source.BEGIN: "begin", Source.COVER: "cover", Source.CONST: "const", Source.PLAIN: "plain",
          Source.STAT_PAIR: "statpair", Source.STAT_RIGHT: "statright", Source.STAT_LEFT: "statleft"}
_BY_NAME = {name: source for source, name in _NAMES.items()}
OFFSETS = range(-2, 4)  # z a b | c d e: every source reads within two pieces of the gap


@dataclass(frozen=True)
class Dims:
    """The numbers of values the bounded slot kinds take in one model."""

    n_shapes: int
    n_pair_classes: int = 1
    n_syllable_classes: int = 1


@dataclass(frozen=True)
class Slot:
    """One value of a template.  ``size`` is its number of distinct values
    (None for syllable ids, whose number is the model's vocabulary).
    ``dict`` is the dictionary of a dictionary slot and the view of a
    statistics slot."""

    source: Source
    offset: int = 0
    dict: int = 0
    cap: int = 0
    value: int = 0

    @property
    def is_dict(self) -> bool:
        """Whether the slot reads a dictionary's matches."""
        return self.source in _DICT_SOURCES

    def size(self, dims: Dims) -> int | None:
        if self.source in (Source.ID, Source.PLAIN):
            return None
        if self.source == Source.SHAPE:
            return dims.n_shapes
        if self.source == Source.STAT_PAIR:
            return dims.n_pair_classes
        if self.source in (Source.STAT_RIGHT, Source.STAT_LEFT):
            return dims.n_syllable_classes
        if self.source == Source.PAIR:
            return 2
        if self.source == Source.CONST:
            return 1
        return self.cap + 1

    def __str__(self) -> str:
        name = _NAMES[self.source]
        if self.source == Source.CONST:
            return f"{name}:{self.value}"
        if self.source in _NUMBERED:
            name += str(self.dict)
        text = f"{name}:{self.offset}"
        return text + f"/{self.cap}" if self.source in (Source.END, Source.BEGIN, Source.COVER) else text


_SLOT_RE = re.compile(r"([a-z]+)(\d*):(-?\d+)(?:/(\d+))?")


def parse_slot(text: str) -> Slot:
    """Inverse of ``str(Slot)``: ``"end1:0/4"`` → ``END(1, 0, 4)``."""
    m = _SLOT_RE.fullmatch(text)
    source = _BY_NAME.get(m.group(1)) if m else None
    if m is None or source is None:
        raise ModelError(f"bad template slot {text!r}")
    number, dict_text, cap_text = int(m.group(3)), m.group(2), m.group(4)
    numbered = source in _NUMBERED
    if bool(dict_text) != numbered or (cap_text is not None) != (source in (Source.END, Source.BEGIN, Source.COVER)):
        raise ModelError(f"bad template slot {text!r}")
    if source == Source.CONST:
        if number < 0:
            raise ModelError(f"bad template slot {text!r}")
        return Slot(source, value=number)
    if number not in OFFSETS:
        raise ModelError(f"template slot {text!r} reads outside z..e")
    cap = int(cap_text) if cap_text is not None else 0
    if cap_text is not None and not 1 <= cap <= 255:
        raise ModelError(f"template slot {text!r}: cap must be 1..255")
    return Slot(source, number, int(dict_text) if dict_text else 0, cap)


@dataclass(frozen=True)
class Template:
    """A feature template: ``number`` goes into every key, so never reuse one."""

    number: int
    name: str
    slots: tuple[Slot, ...] = ()

    @property
    def reads_statistics(self) -> bool:
        """Whether a slot reads the raw-text statistics (a model without them has nothing there)."""
        return any(slot.source in STAT_SOURCES for slot in self.slots)

    def __str__(self) -> str:
        return " ".join([str(self.number), self.name, *map(str, self.slots)])


def parse_template(text: str) -> Template:
    """Inverse of ``str(Template)``: ``"6 BC id:0 id:1"``."""
    parts = text.split()
    if len(parts) < 2 or not parts[0].isdigit() or not re.fullmatch(r"[A-Z][A-Z0-9_]*", parts[1]):
        raise ModelError(f"bad template {text!r}")
    return Template(int(parts[0]), parts[1], tuple(parse_slot(p) for p in parts[2:]))


# -- slot constructors ---------------------------------------------------------
def ID(offset: int) -> Slot:  # noqa: N802 - reads as the table's notation
    return Slot(Source.ID, offset)


def PLAIN(offset: int) -> Slot:  # noqa: N802
    return Slot(Source.PLAIN, offset)


def SHAPE(offset: int) -> Slot:  # noqa: N802
    return Slot(Source.SHAPE, offset)


def PAIR(d: int, offset: int) -> Slot:  # noqa: N802
    return Slot(Source.PAIR, offset, d)


def END(d: int, offset: int, cap: int) -> Slot:  # noqa: N802
    return Slot(Source.END, offset, d, cap)


def BEGIN(d: int, offset: int, cap: int) -> Slot:  # noqa: N802
    return Slot(Source.BEGIN, offset, d, cap)


def COVER(d: int, offset: int, cap: int) -> Slot:  # noqa: N802
    return Slot(Source.COVER, offset, d, cap)


def CONST(value: int) -> Slot:  # noqa: N802
    return Slot(Source.CONST, value=value)


def STAT_PAIR(view: int, offset: int) -> Slot:  # noqa: N802
    return Slot(Source.STAT_PAIR, offset, view)


def STAT_RIGHT(view: int, offset: int) -> Slot:  # noqa: N802
    return Slot(Source.STAT_RIGHT, offset, view)


def STAT_LEFT(view: int, offset: int) -> Slot:  # noqa: N802
    return Slot(Source.STAT_LEFT, offset, view)


# -- the model's parameters ------------------------------------------------------
MAX_DICT_WORD = 8  # longest dictionary entry (in pieces) that is matched
N_DICTS = 2  # 0: lexicons shipped with the package, 1: words seen in training
SPAN_CAP = 4  # match lengths in the DICT_SPAN templates are capped here
AFFIX_CAP = 3  # match lengths in the DICT_END_C / B_DICT_BEGIN templates are capped here
DICT_MATCH = 16  # number of the (dictionary, relation, length) template of each match
DICT_WORD = 17  # number of dictionary entry keys (the lexicon itself, not a weight)


def _per_dict(d: int) -> list[Template]:
    """The dictionary-context templates of dictionary ``d`` (overlap ambiguity,
    affixes, case): see ``features.gap_features``."""
    end, begin, cover = END(d, 0, SPAN_CAP), BEGIN(d, 1, SPAN_CAP), COVER(d, 0, SPAN_CAP)
    return [
        Template(23, "DICT_OVERLAP", (CONST(d), PAIR(d, -1), PAIR(d, 0), PAIR(d, 1))),
        Template(24, "DICT_SPAN", (CONST(d), end, begin, cover)),
        Template(26, "DICT_END_C", (CONST(d), END(d, 0, AFFIX_CAP), ID(1))),
        Template(27, "B_DICT_BEGIN", (CONST(d), ID(0), BEGIN(d, 1, AFFIX_CAP))),
        Template(28, "DICT_COVER_SHAPES", (CONST(d), cover, SHAPE(0), SHAPE(1))),
    ]


# fmt: off
TEMPLATES: tuple[Template, ...] = (
    Template(0, "BIAS"),
    Template(1, "B", (ID(0),)),
    Template(2, "C", (ID(1),)),
    Template(3, "A", (ID(-1),)),
    Template(4, "D", (ID(2),)),
    Template(5, "AB", (ID(-1), ID(0))),
    Template(6, "BC", (ID(0), ID(1))),
    Template(7, "CD", (ID(1), ID(2))),
    Template(8, "ABC", (ID(-1), ID(0), ID(1))),
    Template(9, "BCD", (ID(0), ID(1), ID(2))),
    Template(10, "ZA", (ID(-2), ID(-1))),
    Template(11, "DE", (ID(2), ID(3))),
    Template(12, "SHAPE_BC", (SHAPE(0), SHAPE(1))),
    Template(13, "SHAPE_ABCD", (SHAPE(-1), SHAPE(0), SHAPE(1), SHAPE(2))),
    Template(14, "SHAPE_B_C", (SHAPE(0), ID(1))),
    Template(15, "B_SHAPE_C", (ID(0), SHAPE(1))),
    Template(18, "ZAB", (ID(-2), ID(-1), ID(0))),
    Template(19, "CDE", (ID(1), ID(2), ID(3))),
    Template(20, "AC", (ID(-1), ID(1))),
    Template(21, "BD", (ID(0), ID(2))),
    Template(22, "BC_SHAPES", (ID(0), ID(1), SHAPE(0), SHAPE(1))),
    *_per_dict(0),
    *_per_dict(1),
    Template(25, "DICT_SPAN_BOTH", tuple(
        slot for d in range(N_DICTS) for slot in (END(d, 0, SPAN_CAP), BEGIN(d, 1, SPAN_CAP), COVER(d, 0, SPAN_CAP))
    )),
)
# fmt: on

# The list of the models whose header names none (features version 3).
V3_TEMPLATES = TEMPLATES

# Text typed without diacritics (or with some missing): each piece also speaks
# through its diacritic-free spelling, so ``toi song o ha noi`` and
# ``tôi sống ở hà nội`` share these keys, and a line with only some marks
# missing reads as one spelling to them.
_PLAIN_OF = ("B", "C", "A", "D", "AB", "BC", "CD", "ABC", "BCD", "SHAPE_B_C", "B_SHAPE_C")


def _plain_view(template: Template, number: int) -> Template:
    """``template`` with each syllable id read by its diacritic-free spelling."""
    slots = tuple(PLAIN(s.offset) if s.source == Source.ID else s for s in template.slots)
    return Template(number, f"PLAIN_{template.name}", slots)


PLAIN_TEMPLATES: tuple[Template, ...] = tuple(
    _plain_view(next(t for t in V3_TEMPLATES if t.name == name), 29 + k) for k, name in enumerate(_PLAIN_OF)
)

# What raw text says about the syllables around the gap (``corpus_stats``),
# the model's evidence about words no annotated sentence contains.
def _per_view(v: int) -> list[Template]:
    pair, right_b, left_c = STAT_PAIR(v, 0), STAT_RIGHT(v, 0), STAT_LEFT(v, 1)
    return [
        Template(40, "STAT_BC", (CONST(v), pair)),
        Template(41, "STAT_AB_BC_CD", (CONST(v), STAT_PAIR(v, -1), pair, STAT_PAIR(v, 1))),
        Template(42, "STAT_BC_ENTROPY", (CONST(v), pair, right_b, left_c)),
        Template(43, "STAT_BC_SHAPES", (CONST(v), pair, SHAPE(0), SHAPE(1))),
        Template(44, "STAT_BC_WORD", (CONST(v), pair, COVER(1, 0, SPAN_CAP), END(1, 0, AFFIX_CAP), BEGIN(1, 1, AFFIX_CAP))),
        Template(45, "STAT_ENTROPY_ABCD", (CONST(v), STAT_RIGHT(v, -1), right_b, left_c, STAT_LEFT(v, 2))),
    ]


STAT_TEMPLATES: tuple[Template, ...] = (*_per_view(0), *_per_view(1))
TEMPLATES = V3_TEMPLATES + PLAIN_TEMPLATES + STAT_TEMPLATES


MAX_SLOTS = 8  # values in one template (the compiled scorer's fixed-size slot arrays)
MAX_DICTS = 31  # dictionaries a model may have (bits of the compiled entry table's mask)


def check_templates(templates: tuple[Template, ...]) -> None:
    """Refuse a template list no scorer can run (a clear ``ModelError``)."""
    seen: set[tuple[int, tuple[Slot, ...]]] = set()
    for t in templates:
        if t.number in (DICT_MATCH, DICT_WORD) or t.number < 0:
            raise ModelError(f"template number {t.number} is reserved")
        if len(t.slots) > MAX_SLOTS:
            raise ModelError(f"template {t} has more than {MAX_SLOTS} slots")
        if any(slot.is_dict and slot.dict >= MAX_DICTS for slot in t.slots):
            raise ModelError(f"template {t} reads a dictionary beyond {MAX_DICTS}")
        if any(slot.source in STAT_SOURCES and slot.dict >= 2 for slot in t.slots):
            raise ModelError(f"template {t} reads a statistics view other than 0 and 1")
        if (t.number, t.slots) in seen:
            raise ModelError(f"template {t} is listed twice")
        seen.add((t.number, t.slots))


# -- positional layout -------------------------------------------------------------
MAX_NGRAM = 3  # n-gram templates of up to this many ids share positional weights
MAX_MEMBERS = 8  # templates in one n-gram group (the compiled scorer's fixed-size arrays)


@dataclass(frozen=True)
class NgramGroup:
    """Templates that read the same n-gram of syllable ids, each at its own
    distance from the gap (``ZA``, ``AB``, ``BC``, ``CD``, ``DE`` all read two
    neighbouring ids).  The compiled scorer looks the n-gram at piece ``p`` up
    once and adds member ``j``'s weight to gap ``p - shift``, instead of one
    hashed lookup per template per gap (vaporetto's ``PositionalWeight``).

    ``pattern``: the ids' offsets from the n-gram's first piece, in slot order
    (a key hashes its values in slot order); ``members``: ``(index in the
    template list, shift)``, shift being the template's smallest offset.
    """

    source: Source
    pattern: tuple[int, ...]
    members: tuple[tuple[int, int], ...]


def ngram_groups(templates: tuple[Template, ...]) -> list[NgramGroup]:
    """The n-gram groups of a template list: every template of 2 to ``MAX_NGRAM``
    slots that all read ids (or all plain ids), grouped by source and pattern,
    at most ``MAX_MEMBERS`` to a group.  Other templates are scored as before.

    >>> [(g.pattern, g.members) for g in ngram_groups(TEMPLATES[:12])]
    [((0, 1), ((5, -1), (6, 0), (7, 1), (10, -2), (11, 2))), ((0, 1, 2), ((8, -1), (9, 0)))]
    """
    found: dict[tuple[Source, tuple[int, ...]], list[tuple[int, int]]] = {}
    for index, t in enumerate(templates):
        sources = {slot.source for slot in t.slots}
        if not 2 <= len(t.slots) <= MAX_NGRAM or len(sources) != 1 or not sources <= {Source.ID, Source.PLAIN}:
            continue
        offsets = [slot.offset for slot in t.slots]
        if len(set(offsets)) != len(offsets):
            continue
        shift = min(offsets)
        found.setdefault((t.slots[0].source, tuple(o - shift for o in offsets)), []).append((index, shift))
    groups = []
    for (source, pattern), members in found.items():
        for k in range(0, len(members), MAX_MEMBERS):
            groups.append(NgramGroup(source, pattern, tuple(members[k : k + MAX_MEMBERS])))
    return groups
