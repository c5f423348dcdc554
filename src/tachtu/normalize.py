"""Unicode and tone-mark normalisation, with a map back to the original text.

Why: the model must see one spelling per syllable (NFC, lower case, one tone
placement), while the output must keep the user's characters.  So NFC is applied
to a *copy* of the line together with an alignment into the original, and tone
folding is a per-syllable key function that never changes the text we return.

Tone placement: Vietnamese has two conventions for the open diphthongs
``oa``, ``oe`` and ``uy``: the old one puts the mark on the second vowel
(``hoà``, ``khoẻ``, ``thuỷ``), the new one on the first (``hòa``, ``khỏe``,
``thủy``).  Both are 1:1 per code point in NFC, so folding never changes length.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass
from typing import Literal, Sequence

NormalizeMode = Literal["none", "nfc", "tone-old", "tone-new"]
NORMALIZE_MODES: tuple[str, ...] = ("none", "nfc", "tone-old", "tone-new")

# The five tone marks over each base vowel, in the order
# grave, acute, hook above, tilde, dot below.
_TONED = {
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "o": "òóỏõọ",
    "u": "ùúủũụ",
    "y": "ỳýỷỹỵ",
}


def _pairs() -> tuple[dict[str, str], dict[str, str]]:
    """Build new→old and old→new tables for the final diphthongs oa, oe, uy."""
    new_to_old: dict[str, str] = {}
    old_to_new: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in range(5):
            for upper_first, upper_second in ((False, False), (True, False), (True, True)):
                f_plain = first.upper() if upper_first else first
                s_plain = second.upper() if upper_second else second
                f_toned = _TONED[first][tone].upper() if upper_first else _TONED[first][tone]
                s_toned = _TONED[second][tone].upper() if upper_second else _TONED[second][tone]
                new, old = f_toned + s_plain, f_plain + s_toned
                new_to_old[new] = old
                old_to_new[old] = new
    return new_to_old, old_to_new


NEW_TO_OLD, OLD_TO_NEW = _pairs()
_LETTERS = re.compile(r"[^\W\d_]+")


def _fold_syllable_end(word: str, table: dict[str, str]) -> str:
    """Move the tone mark of a word-final ``oa``/``oe``/``uy`` per ``table``.

    Only the last two letters of a syllable move: with a final consonant
    (``hoàng``) both conventions agree.  ``qu`` + ``y`` (``quý``) is an onset
    plus a vowel, not the ``uy`` diphthong, so it is left alone.
    """
    if len(word) < 2:
        return word
    tail = word[-2:]
    repl = table.get(tail)
    if repl is None:
        return word
    if len(word) >= 3 and word[-3] in "qQ":
        return word
    return word[:-2] + repl


def fold_tone(word: str, style: Literal["old", "new"] = "old") -> str:
    """Return ``word`` with the oa/oe/uy tone placement of ``style``.

    >>> fold_tone("hòa"), fold_tone("thủy", "old"), fold_tone("hoà", "new")
    ('hoà', 'thuỷ', 'hòa')
    """
    return _fold_syllable_end(word, NEW_TO_OLD if style == "old" else OLD_TO_NEW)


# Look-alikes the model should not tell apart: Icelandic eth (Ð, ð) typed for Đ, đ.
LOOKALIKES = str.maketrans({"ð": "đ"})


def model_key(syllable: str) -> str:
    """The spelling the model sees: lower case, old-style tone placement, ð → đ."""
    return _fold_syllable_end(syllable.lower().translate(LOOKALIKES), NEW_TO_OLD)


# A new-style tail at the end of a word, not after "q" (see ``_fold_syllable_end``).
def _tail_pattern() -> str:
    """A regex for the lower-case new-style tails of ``NEW_TO_OLD`` at the end of a
    word, not after ``q``.  Written to start with one character class, which the
    regex engine scans for quickly (thirty alternatives are several times slower):
    ``[òó…ùú…](?:(?<=[òó…])[ae]|(?<=[ùú…])y)(?<!q..)(?!\\S)``."""
    firsts: dict[str, set[str]] = {}
    for tail in NEW_TO_OLD:
        if tail == tail.lower():
            firsts.setdefault(tail[1], set()).add(tail[0])
    every = "".join(sorted(set().union(*firsts.values())))
    branches = "|".join(f"(?<=[{''.join(sorted(f))}]){second}" for second, f in sorted(firsts.items()))
    return rf"[{every}](?:{branches})(?<!q..)(?!\S)"


_NEW_TAIL_AT_END = re.compile(_tail_pattern())


def model_key_words(text: str) -> str:
    """``text`` with every whitespace-separated word replaced by its ``model_key``
    (whitespace kept): three passes over the whole text instead of a Python call
    per word, for building large user dictionaries.

    Why it is the same: whitespace is neither cased nor case-ignorable, so
    ``str.lower`` lower-cases each word as it would alone (Greek final sigma
    included) and never changes the whitespace; the tone tail of a word is the
    text just before whitespace or the end.

    >>> model_key_words("Hòa Bình  QUÝ Ðà")
    'hoà bình  quý đà'
    """
    text = text.lower()
    if any(chr(c) in text for c in LOOKALIKES):  # translate is slow on long text
        text = text.translate(LOOKALIKES)
    return _NEW_TAIL_AT_END.sub(lambda m: NEW_TO_OLD[m.group()], text)


@dataclass(frozen=True, slots=True)
class Normalized:
    """NFC text plus, for each of its characters, the original span it came from.

    ``starts[i]``/``ends[i]`` give the original span of the combining cluster that
    produced normalised character ``i``; ``None`` means the text was already NFC
    and offsets are the identity (the common case, kept allocation-free).
    """

    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty normalised span ``[start, end)`` to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


_RUNS = re.compile(r"\S+|\s+")
# Where composing a run at once equals composing each cluster on its own: no
# two starters compose in these blocks (Latin, Greek, Cyrillic, combining marks,
# Latin Extended Additional with Vietnamese's precomposed letters, punctuation,
# symbols, CJK punctuation, full-width forms, emoji); elsewhere they can (Hangul
# jamo, Indic two-part vowels), so such text goes cluster by cluster.
# ``tests/test_normalize.py`` re-checks the claim on this Python's Unicode data.
CLUSTER_SAFE_RANGES = (
    (0x0000, 0x08FF), (0x1DC0, 0x2BFF), (0x2E00, 0x2E7F), (0x3000, 0x303F),
    (0xFE00, 0xFE2F), (0xFF00, 0xFFEF), (0x1F000, 0x1FAFF),
)
_NOT_CLUSTER_SAFE = re.compile(
    "[^" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in CLUSTER_SAFE_RANGES) + "]"
)
_SAFE_MARKS = frozenset(
    chr(c) for lo, hi in CLUSTER_SAFE_RANGES for c in range(lo, hi + 1) if unicodedata.combining(chr(c))
)


# Clusters longer than this are composed by ``compose_cluster``'s linear route.
LONG_CLUSTER = 32
_LONG_MARK_RUN = re.compile(f"[{''.join(sorted(map(re.escape, _SAFE_MARKS)))}]{{{LONG_CLUSTER},}}")


def compose_cluster(cluster: str) -> str:
    """NFC of one cluster (a starter and the marks after it), in time linear in its length.

    ``unicodedata`` puts combining marks in canonical order by insertion sort,
    quadratic on a long run of marks out of order (``"a" + "\u0323\u0301" * 50000``
    took 15 s).  A long cluster is therefore decomposed one character at a time
    (each decomposition is short and already ordered), its runs of marks are
    sorted stably by combining class (the canonical ordering algorithm, with
    Python's sort), and only then composed: the same string as NFC, since NFC
    is composition after exactly that decomposition and ordering.
    """
    if len(cluster) <= LONG_CLUSTER:
        return unicodedata.normalize("NFC", cluster)
    normalize, combining = unicodedata.normalize, unicodedata.combining
    decomposed = "".join([normalize("NFD", ch) for ch in cluster])
    ordered: list[str] = []
    run: list[str] = []
    for ch in decomposed:
        if combining(ch):
            run.append(ch)
            continue
        if run:
            ordered += sorted(run, key=combining)
            run = []
        ordered.append(ch)
    ordered += sorted(run, key=combining)
    return normalize("NFC", "".join(ordered))


def _compose_at_once(text: str, a: int, b: int) -> tuple[str, list[int]] | None:
    """NFC of ``text[a:b]`` in one call, with the start of each cluster, when that
    equals composing cluster by cluster and every cluster gives one character
    (true of all NFD Vietnamese) and no cluster is long; None otherwise."""
    chunk = text[a:b]
    if _NOT_CLUSTER_SAFE.search(chunk) is not None or _LONG_MARK_RUN.search(chunk) is not None:
        return None
    composed = unicodedata.normalize("NFC", chunk)
    firsts = [a + k for k, ch in enumerate(chunk) if k == 0 or ch not in _SAFE_MARKS]
    return (composed, firsts) if len(composed) == len(firsts) else None


def to_nfc(text: str) -> Normalized:
    """NFC-normalise ``text`` cluster by cluster, keeping an offset map.

    A cluster is a starter followed by its combining marks; NFC never moves a
    character across a starter for Vietnamese (or any Latin/Cyrillic/Greek
    text), so composing each cluster on its own equals NFC of the whole and
    lets every output character point at the exact original characters.

    Fast cases, same result: a line whose clusters each give one character
    (all of NFD Vietnamese) is composed in one call, character ``k`` pointing
    at cluster ``k``; otherwise runs that are already NFC map one to one and
    the others try the same at-once composition before the per-cluster loop.
    The maps are compact integer arrays, so a 10 MB line costs memory in
    proportion.
    """
    if unicodedata.is_normalized("NFC", text):
        return Normalized(text)
    at_once = _compose_at_once(text, 0, len(text))
    if at_once is not None:
        composed, firsts = at_once
        ends = array("q", firsts)
        del ends[0]
        ends.append(len(text))
        return Normalized(composed, array("q", firsts), ends)
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    is_nfc = unicodedata.is_normalized
    for run in _RUNS.finditer(text):
        a, b = run.span()
        chunk = run.group()
        if is_nfc("NFC", chunk):
            out.append(chunk)
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
            continue
        at_once = _compose_at_once(text, a, b)
        if at_once is not None:
            out.append(at_once[0])
            starts.extend(at_once[1])
            ends.extend(at_once[1][1:])
            ends.append(b)
            continue
        _compose_clusters(text, a, b, out, starts, ends)
    return Normalized("".join(out), starts, ends)


def _compose_clusters(text: str, a: int, b: int, out: list[str], starts: array, ends: array) -> None:
    """Append the NFC of ``text[a:b]``, one cluster at a time, and its offset maps."""
    i = a
    while i < b:
        j = i + 1
        while j < b and unicodedata.combining(text[j]):
            j += 1
        piece = compose_cluster(text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j


def normalize_output(text: str, mode: NormalizeMode) -> str:
    """Apply a user-requested output normalisation to one token's text."""
    if mode == "none":
        return text
    text = unicodedata.normalize("NFC", text)
    if mode == "nfc":
        return text
    table = NEW_TO_OLD if mode == "tone-old" else OLD_TO_NEW
    return _LETTERS.sub(lambda m: _fold_syllable_end(m.group(), table), text)


def _diacritic_table() -> dict[int, str]:
    """Every precomposed Latin letter whose decomposition is an ASCII letter plus
    combining marks, mapped to that letter; and the barred/eth d's to ``d``."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x2000):  # Latin-1 Supplement .. Latin Extended Additional
        decomposed = unicodedata.normalize("NFD", chr(code))
        base = decomposed[0]
        if len(decomposed) > 1 and base.isascii() and base.isalpha() and all(
            unicodedata.combining(mark) for mark in decomposed[1:]
        ):
            table[code] = base
    # đ has no decomposition; ð/Ð are the look-alikes model_key already reads as đ.
    table.update({ord("đ"): "d", ord("Đ"): "D", ord("ð"): "d", ord("Ð"): "D"})
    return table


_DIACRITIC_TABLE = _diacritic_table()


def strip_diacritics(text: str) -> str:
    """``text`` written without diacritics, as in search queries and chat
    (``Đà Nẵng`` → ``Da Nang``): tone marks go, ``ă â ê ô ơ ư đ`` become
    ``a a e o o u d``, case is kept.

    Why 1:1 per code point: offsets into the stripped text are offsets into the
    original, so a segmentation of one is a segmentation of the other.  That
    holds on NFC text, where every Vietnamese letter is one code point; a
    combining mark left over (decomposed input, or a mark no letter composes
    with) is kept as it is, so NFC-normalise first to strip those too.

    >>> strip_diacritics("Trường Đại học Bách khoa Hà Nội")
    'Truong Dai hoc Bach khoa Ha Noi'
    """
    return text.translate(_DIACRITIC_TABLE)
