"""NFC with offset maps, and tone-placement folding."""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from tachtu.normalize import (
    CLUSTER_SAFE_RANGES,
    LONG_CLUSTER,
    compose_cluster,
    fold_tone,
    model_key,
    model_key_words,
    normalize_output,
    to_nfc,
)

# fmt: off
TONE_PAIRS = [  # (new style, old style)
    ("hòa", "hoà"), ("khỏe", "khoẻ"), ("thủy", "thuỷ"), ("Hòa", "Hoà"), ("HÒA", "HOÀ"),
    ("họa", "hoạ"), ("tùy", "tuỳ"), ("Ủy", "Uỷ"),
]
UNCHANGED = ["hoàng", "quý", "Quý", "thuyền", "a", "", "hoa", "toán"]
# fmt: on


@pytest.mark.parametrize(("new", "old"), TONE_PAIRS)
def test_fold_both_ways(new: str, old: str) -> None:
    assert fold_tone(new, "old") == old
    assert fold_tone(old, "new") == new
    assert model_key(new) == model_key(old) == old.lower()


@pytest.mark.parametrize("word", UNCHANGED)
def test_fold_leaves_others(word: str) -> None:
    assert fold_tone(word, "old") == word
    assert fold_tone(word, "new") == word


def test_nfc_identity_fast_path() -> None:
    norm = to_nfc("Hà Nội")
    assert norm.text == "Hà Nội"
    assert norm.span(0, 2) == (0, 2)


def test_nfd_offsets_point_into_original() -> None:
    original = unicodedata.normalize("NFD", "Hà Nội ơi")
    norm = to_nfc(original)
    assert norm.text == "Hà Nội ơi"
    s, e = norm.span(3, 6)  # "Nội"
    assert unicodedata.normalize("NFC", original[s:e]) == "Nội"
    assert original[e] == " "


def _to_nfc_cluster_by_cluster(text: str) -> tuple[str, list[int], list[int]]:
    """The specification of ``to_nfc``: NFC runs map one to one, other runs
    are composed one cluster (a character and the combining marks after it) at a time."""
    out, starts, ends = [], [], []
    for run in re.finditer(r"\S+|\s+", text):
        a, b = run.span()
        if unicodedata.is_normalized("NFC", run.group()):
            out.append(run.group())
            starts += range(a, b)
            ends += range(a + 1, b + 1)
            continue
        # a cluster starts at the run's start and at every character that is not a combining mark
        cuts = [k for k in range(a, b) if k == a or not unicodedata.combining(text[k])] + [b]
        for i, j in zip(cuts, cuts[1:]):
            piece = unicodedata.normalize("NFC", text[i:j])
            out.append(piece)
            starts += [i] * len(piece)
            ends += [j] * len(piece)
    return "".join(out), starts, ends


# NFD Vietnamese, marks that do not compose or expand (U+0344), singletons (U+212B, U+2000),
# starters that compose with each other (Hangul jamo, Oriya two-part vowel), whitespace.
_NFC_CHARS = (
    unicodedata.normalize("NFD", "Hòa Nội ỨNG ạ ễ") + "aAeo\u0301\u0323\u0300\u0302\u031b\u0344\u0340\u1dc0\u20d0"
    "\u212b\u2000\u1100\u1161\u11a8\u0b47\u0b3e\u0958ạ  \t"
)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(_NFC_CHARS), max_size=40) | st.text(max_size=40))
def test_to_nfc_equals_cluster_by_cluster(text: str) -> None:
    norm = to_nfc(text)
    if unicodedata.is_normalized("NFC", text):
        assert norm.text == text and norm.starts is None
        return
    assert (norm.text, list(norm.starts), list(norm.ends)) == _to_nfc_cluster_by_cluster(text)
    assert isinstance(norm.starts, array)


def test_cluster_safe_ranges_hold_no_composing_starters() -> None:
    """``to_nfc`` composes whole words inside CLUSTER_SAFE_RANGES; that is right only
    while no two starters there compose (re-checked on this Python's Unicode data)."""
    def safe(c: int) -> bool:
        return any(lo <= c <= hi for lo, hi in CLUSTER_SAFE_RANGES)

    found = []
    for c in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) != 2 or parts[0].startswith("<"):
            continue
        first, second = (int(x, 16) for x in parts)
        pair = chr(first) + chr(second)
        if unicodedata.combining(chr(second)) == 0 and unicodedata.normalize("NFC", pair) != pair:
            found.append((first, second))
    assert len(found) > 10  # the Indic two-part vowels and others exist ...
    assert not [p for p in found if safe(p[0]) or safe(p[1])]  # ... but none in the safe ranges
    jamo = "\u1100\u1161"  # Hangul composes algorithmically, outside the ranges too
    assert unicodedata.normalize("NFC", jamo) != jamo and not any(safe(ord(ch)) for ch in jamo)


def test_normalize_output_modes() -> None:
    nfd = unicodedata.normalize("NFD", "hòa")
    assert normalize_output(nfd, "none") == nfd
    assert normalize_output(nfd, "nfc") == "hòa"
    assert normalize_output(nfd, "tone-old") == "hoà"
    assert normalize_output("hoà bình", "tone-new") == "hòa bình"


# Letters whose lower case depends on context or changes length, tone tails, "q", look-alikes, whitespace.
_KEY_CHARS = "aAoOeEuUyYqQòÒóỏõọùúủũụỳàáÀoaOAΣσςΑİIıðÐđ\u0301\u0323'. \t\u00a0\u2003\n\x1c"


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(_KEY_CHARS), max_size=40) | st.text(max_size=40))
def test_model_key_words_is_model_key_per_word(text: str) -> None:
    got = model_key_words(text)
    assert got.split() == [model_key(w) for w in text.split()]
    assert [c for c in got if c.isspace()] == [c for c in text if c.isspace()]  # whitespace kept


_MARKS = ["\u0301", "\u0323", "\u0302", "\u0344", "\u0f73", "\u0f71", "\u1dc0", "\u05b0", "\u0308", "\u031b"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["a", "ấ", "ạ", "Ω", "\u0f40", "ǖ", "\u0308"]),
       st.lists(st.sampled_from(_MARKS), min_size=LONG_CLUSTER - 2, max_size=3 * LONG_CLUSTER))
def test_compose_cluster_is_nfc(base: str, marks: list[str]) -> None:
    cluster = base + "".join(marks)
    assert compose_cluster(cluster) == unicodedata.normalize("NFC", cluster)


_REAL_NORMALIZE = unicodedata.normalize  # ordering_work must not count itself


def ordering_work(text: str) -> int:
    """Swaps canonical ordering needs on ``text``: the pairs of marks in one run of
    its full decomposition whose combining classes are out of order (what
    ``unicodedata``'s insertion sort does, one swap each)."""
    work = 0
    seen: dict[int, int] = {}  # combining class -> marks so far in this run
    for ch in "".join(_REAL_NORMALIZE("NFD", c) for c in text):
        ccc = unicodedata.combining(ch)
        if not ccc:
            seen = {}
            continue
        work += sum(n for c, n in seen.items() if c > ccc)
        seen[ccc] = seen.get(ccc, 0) + 1
    return work


@pytest.mark.parametrize("profile", ["default", "vncorenlp"])
def test_long_mark_runs_need_linear_ordering_work(monkeypatch: pytest.MonkeyPatch, profile: str) -> None:
    """Regression: a letter with 2 x 50,000 alternating marks took 15 s (5 s in the
    vncorenlp profile): unicodedata sorted the whole run by insertion.  Counted:
    the ordering work of every string handed to ``unicodedata.normalize``."""
    import tachtu

    text = "Hà " + "a" + "\u0323\u0301" * 2000 + " Nội"
    segmenter = tachtu.Segmenter(profile=profile)
    work = 0

    def counting(form: str, s: str) -> str:
        nonlocal work
        if form in ("NFC", "NFD") and len(s) > 1:
            work += ordering_work(s)
        return _REAL_NORMALIZE(form, s)

    monkeypatch.setattr(unicodedata, "normalize", counting)
    out = segmenter.segment(text)
    monkeypatch.undo()
    assert [w.replace("_", "") for w in out.split(" ")][0] == "Hà"
    assert work <= 10 * len(text), f"{work} swaps for {len(text)} characters"
