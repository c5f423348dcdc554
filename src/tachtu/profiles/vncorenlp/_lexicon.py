"""The word lists RDRsegmenter consults, read from the bundled data files."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from importlib import resources

_PACKAGE = "tachtu.profiles.vncorenlp"  # a regular package: its files are found inside a zip too
MAX_WORD = 4  # syllables in the longest dictionary word or name considered


def read_text(name: str) -> str:
    """One bundled data file (``lists/x.txt`` style names) as text."""
    node = resources.files(_PACKAGE).joinpath("data")  # "data" has no __init__: not importable from a zip
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def _entries(name: str) -> frozenset[str]:
    return frozenset(s for s in (l.strip() for l in read_text(name).splitlines()) if s)


@dataclass(frozen=True)
class Lexicon:
    """All lists, lower-case, multi-syllable entries joined by single spaces."""

    # Entries of 3 to ``MAX_WORD`` syllables of the word list (VnVocab + VN
    # locations + long country names): the only ones the longest match looks
    # up whole (two syllables are found in ``pairs``).  Without the ~29,000
    # two-syllable entries the set is a small table, mostly in cache.
    long_words: frozenset[str]
    family_names: frozenset[str]
    middle_names: frozenset[str]
    # Capitalised single syllables that must not start a name: sentence-initial
    # words, short country names, world companies.
    not_name_starts: frozenset[str]
    # First syllable -> second syllable -> 2 * (most syllables, at most
    # ``MAX_WORD``, of a word-list entry starting with these two)
    # + (1 if the two alone are an entry), so a pair is found without
    # building its string.  Never modified after ``load``.
    pairs: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls) -> "Lexicon":
        words = _entries("VnVocab.txt") | _entries("lists/vn_locations.txt") | _entries(
            "lists/country_l_name.txt"
        )
        pairs: dict[str, dict[str, int]] = {}
        for word in words:
            # Interned, as ``TokenInfo.lower`` is: lookups succeed on identity.
            syllables = list(map(sys.intern, word.split(" ")))
            if len(syllables) < 2:
                continue
            seconds = pairs.setdefault(syllables[0], {})
            code = seconds.get(syllables[1], 0)
            seconds[syllables[1]] = max(code & ~1, 2 * min(len(syllables), MAX_WORD)) | code & 1 | (len(syllables) == 2)
        return cls(
            pairs=pairs,
            long_words=frozenset(w for w in words if 3 <= len(w.split(" ")) <= MAX_WORD),
            family_names=_entries("lists/vn_family_names.txt"),
            middle_names=_entries("lists/vn_middle_names.txt"),
            not_name_starts=_entries("lists/vn_first_sent_words.txt")
            | _entries("lists/country_s_name.txt")
            | _entries("lists/world_company.txt"),
        )
