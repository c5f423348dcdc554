"""The word lists RDRsegmenter consults, read from the bundled data files."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

_DATA = "tachtu.profiles.vncorenlp.data"


def read_text(name: str) -> str:
    """One bundled data file (``lists/x.txt`` style names) as text."""
    node = resources.files(_DATA)
    for part in name.split("/"):
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def _entries(name: str) -> frozenset[str]:
    return frozenset(s for s in (l.strip() for l in read_text(name).splitlines()) if s)


@dataclass(frozen=True)
class Lexicon:
    """All lists, lower-case, multi-syllable entries joined by single spaces."""

    # Multi-syllable words the longest match may form: VnVocab + VN
    # locations + long country names.
    words: frozenset[str]
    # First two syllables of every entry of ``words``: a cheap pre-test that
    # spares the longest match for almost every position.
    word_starts: frozenset[str]
    family_names: frozenset[str]
    middle_names: frozenset[str]
    # Capitalised single syllables that must not start a name: sentence-initial
    # words, short country names, world companies.
    not_name_starts: frozenset[str]
    # First two syllables -> most syllables of an entry of ``words`` starting
    # with them (the keys are ``word_starts``); never modified after ``load``.
    start_lengths: dict[str, int] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls) -> "Lexicon":
        words = _entries("VnVocab.txt") | _entries("lists/vn_locations.txt") | _entries(
            "lists/country_l_name.txt"
        )
        start_lengths: dict[str, int] = {}
        for word in words:
            syllables = word.split(" ")
            start = " ".join(syllables[:2])
            start_lengths[start] = max(start_lengths.get(start, 0), len(syllables))
        return cls(
            start_lengths=start_lengths,
            words=words,
            word_starts=frozenset(" ".join(w.split(" ")[:2]) for w in words),
            family_names=_entries("lists/vn_family_names.txt"),
            middle_names=_entries("lists/vn_middle_names.txt"),
            not_name_starts=_entries("lists/vn_first_sent_words.txt")
            | _entries("lists/country_s_name.txt")
            | _entries("lists/world_company.txt"),
        )
