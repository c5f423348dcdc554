"""NFC with offset maps, and tone-placement folding."""

from __future__ import annotations

import unicodedata

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from tachtu.normalize import fold_tone, model_key, model_key_words, normalize_output, to_nfc

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
