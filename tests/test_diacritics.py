"""strip_diacritics: Vietnamese typed without diacritics, 1:1 per code point."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tachtu.normalize import strip_diacritics

# Every Vietnamese vowel letter with every tone (none, grave, acute, hook, tilde, dot).
BASES = {"a": "aăâ", "e": "eê", "i": "i", "o": "oôơ", "u": "uư", "y": "y"}
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]


def test_every_vietnamese_letter_loses_its_marks() -> None:
    for plain, letters in BASES.items():
        for letter in letters:
            for tone in TONES:
                lower = unicodedata.normalize("NFC", letter + tone)
                assert len(lower) == 1
                assert strip_diacritics(lower) == plain
                assert strip_diacritics(lower.upper()) == plain.upper()
    assert strip_diacritics("đĐ") == "dD"


def test_sentence_and_what_is_left_alone() -> None:
    assert strip_diacritics("Đà Nẵng, Huế và Thừa Thiên–Huế: 100%!") == "Da Nang, Hue va Thua Thien–Hue: 100%!"
    assert strip_diacritics("toi song o ha noi") == "toi song o ha noi"
    assert strip_diacritics("中文 Ελληνικά ß") == "中文 Ελληνικά ß"  # only Latin letters on an ASCII base


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_one_code_point_for_one_on_nfc_text(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    stripped = strip_diacritics(nfc)
    assert len(stripped) == len(nfc)
    assert strip_diacritics(stripped) == stripped
    for before, after in zip(nfc, stripped):
        assert before == after or (after.isascii() and after.isalpha())
