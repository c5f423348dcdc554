"""User dictionaries: words to always join, or syllable runs to always split.

A user dictionary is a post-filter on the model's gap decisions: it never
changes the pieces, only whether neighbouring pieces are joined into one word.

File format (UTF-8, one entry per line)::

    # comments and blank lines are ignored; "#" after whitespace starts a comment
    FIS Bank          # join: these syllables are always one word
    học_máy           # "_" and spaces both separate syllables
    -cho biết         # split: "cho" and "biết" are never joined to each other
    =Apple Pay        # "=": match the exact case ("apple pay" is left alone)

Rules:

* **Syllables.**  An entry's syllables are separated by spaces or ``_``.  Each
  syllable must be one piece of the pretokenizer (a syllable, foreign word,
  number or code such as ``COVID-19``); punctuation cannot be part of an entry.
  A join entry needs at least two syllables.
* **Case and tone placement.**  By default an entry matches regardless of case
  and of old/new tone placement (``hoà``/``hòa``): both sides are compared by
  ``tachtu.normalize.model_key`` after NFC.  An entry written with a leading
  ``=`` (after the ``-``, if any: ``-=Foo Bar``) matches only text with exactly
  the same characters (after NFC).
* **Join.**  A join entry matching pieces ``[s, e)`` joins them into one word
  that also stands alone: the gaps before ``s`` and after ``e - 1`` are split.
* **Split.**  A split entry matching pieces ``[s, e)`` splits every gap inside
  the span; the gaps at its edges keep the model's decision.
* **Overlaps.**  Matching scans left to right; at each position the longest
  entry wins, and the next match starts after it (leftmost, then longest).  An
  exact (``=``) entry beats a case-insensitive one of the same length.  When
  the same syllables are listed twice, the later line wins.
* Entries match only across whitespace: pieces written together (``Rafah,``)
  or punctuation are never joined.

>>> ud = UserDict.load(["FIS Bank", "-cho biết"])
>>> len(ud)
2
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Sequence

from .errors import DictionaryError
from .model.features import joinable
from . import normalize as _normalize
from .normalize import fold_tone, model_key
from .pretokenize import Kind, Piece, pretokenize

__all__ = ["UserDict"]

_PLAIN_WORD = re.compile(r"[^\W\d_]+")  # fast path: letters only → one WORD piece
_NEVER_JOINED = (Kind.PUNCT, Kind.UNDERSCORE)
_INLINE_COMMENT = re.compile(r"\s+#.*$")
# Characters ``model_key`` folds into others (after lower-casing), e.g. ð → đ:
# applied to a whole line, so matching sees what ``model_key`` would.
_LOOKALIKES = _normalize.LOOKALIKES
_LOOKALIKE_CHARS = tuple(chr(c) for c in _LOOKALIKES)

# Entry: (number of pieces, split?)  Stored under a tuple of piece keys.
_Entry = tuple[int, bool]


def _syllable_ok(syllable: str) -> str | None:
    """None if ``syllable`` is exactly one joinable piece, else why not."""
    if _PLAIN_WORD.fullmatch(syllable):
        return None
    pieces = pretokenize(syllable)
    if len(pieces) != 1:
        parts = ", ".join(repr(syllable[p.start : p.end]) for p in pieces)
        return f"{syllable!r} is not one syllable (it splits into {parts})"
    if pieces[0].kind in _NEVER_JOINED:
        return f"{syllable!r} is punctuation or contains '_'; it cannot be part of a word"
    return None


def _tone_variants(key: str) -> tuple[str, ...]:
    """Lower-case spellings whose ``model_key`` is ``key`` (old and new placement)."""
    new = fold_tone(key, "new")
    return (key,) if new == key or model_key(new) != key else (key, new)


class UserDict:
    """A compiled user dictionary (see the module docstring for the format).

    Lookups are hashed: entries are stored under the tuple of their syllable
    keys, and a per-first-syllable table lists the lengths to try, longest
    first, so matching costs one or two dict lookups per piece however large
    the dictionary is.
    """

    __slots__ = ("_folded", "_lookup", "_exact", "_folded_first", "_exact_first", "_count")

    def __init__(self) -> None:
        # case-insensitive entries: key = model_key of each syllable (lower case, old tone placement)
        self._folded: dict[tuple[str, ...], _Entry] = {}
        # the same entries under every lower-case spelling (old/new tone placement), for matching
        self._lookup: dict[tuple[str, ...], _Entry] = {}
        self._exact: dict[tuple[str, ...], _Entry] = {}
        # first syllable (lower case, either tone placement / exact) → lengths, longest first
        self._folded_first: dict[str, list[int]] = {}
        self._exact_first: dict[str, list[int]] = {}
        self._count = 0

    # -- building ------------------------------------------------------------
    @classmethod
    def load(cls, source: str | os.PathLike[str] | Iterable[str] | UserDict) -> UserDict:
        """Build a dictionary from a file path or from entry strings.

        Args:
            source: a path (``str`` or ``Path``) to a UTF-8 file, an iterable
                of entries (one per string, same syntax as a file line), or a
                ``UserDict`` (returned as is).

        Returns:
            The compiled ``UserDict``.

        Raises:
            DictionaryError: a line is invalid, or the file cannot be read;
                the message names the file (if any) and the 1-based line number.

        >>> UserDict.load(["học máy", "# comment", "", "-cho biết"]).entries()
        [('học máy', False, False), ('cho biết', True, False)]
        """
        if isinstance(source, UserDict):
            return source
        ud = cls()
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                raise _error(f"not UTF-8 ({exc.reason} at byte {exc.start})", str(path), None) from exc
            except OSError as exc:
                raise _error(f"cannot read user dictionary: {exc.strerror or exc}", str(path), None) from exc
            ud._add_lines(text.splitlines(), str(path))
        else:
            ud._add_lines(source, None)
        return ud

    def _add_lines(self, lines: Iterable[str], path: str | None) -> None:
        # Real dictionaries reuse a few thousand syllables: check and key each once.
        keys: dict[str, tuple[str, ...]] = {}  # syllable → its lower-case spellings, model_key first
        for number, line in enumerate(lines, 1):
            if not isinstance(line, str):
                raise _error(f"entries must be strings, not {type(line).__name__}", path, number)
            entry = line.strip()
            if not entry or entry[0] == "#":
                continue
            if "#" in entry:  # an inline comment starts at whitespace + "#"
                entry = _INLINE_COMMENT.sub("", entry)
            self._add(entry, path, number, keys)

    def _add(self, entry: str, path: str | None, number: int, keys: dict[str, tuple[str, ...]]) -> None:
        raw = entry
        split = entry[0] == "-"
        if split:
            entry = entry[1:]
        exact = entry[:1] == "="
        if exact:
            entry = entry[1:]
            if not split and entry[:1] == "-":  # "=-foo bar" is accepted too
                split, entry = True, entry[1:]
        if not unicodedata.is_normalized("NFC", entry):
            entry = unicodedata.normalize("NFC", entry)
        syllables = entry.replace("_", " ").split()
        if not syllables:
            raise _error(f"empty entry {raw!r}", path, number)
        if len(syllables) < 2:
            what = "split" if split else "join"
            raise _error(f"a {what} entry needs at least two syllables: {raw!r}", path, number)
        spellings = []
        folded = []
        several = False  # some syllable has two tone placements
        for syllable in syllables:
            variants = keys.get(syllable)
            if variants is None:
                why = _syllable_ok(syllable)
                if why is not None:
                    raise _error(f"{why}: {raw!r}", path, number)
                variants = keys[syllable] = _tone_variants(model_key(syllable))
            spellings.append(variants)
            folded.append(variants[0])
            if len(variants) > 1:
                several = True
        value: _Entry = (len(syllables), split)
        if exact:
            entry_key = tuple(syllables)
            table, first, heads = self._exact, self._exact_first, (syllables[0],)
        else:
            entry_key = tuple(folded)
            table, first, heads = self._folded, self._folded_first, spellings[0]
        if entry_key not in table:
            self._count += 1
            lengths = first.get(heads[0])
            if lengths is None:
                lengths = [value[0]]
                for head in heads:
                    first[head] = lengths  # the spellings share one list
            elif value[0] not in lengths:
                lengths.append(value[0])
                lengths.sort(reverse=True)
        table[entry_key] = value
        if not exact:
            if several:
                for spelling in itertools.product(*spellings):
                    self._lookup[spelling] = value
            else:
                self._lookup[entry_key] = value

    # -- inspection ----------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"UserDict({self._count} entries)"

    def entries(self) -> list[tuple[str, bool, bool]]:
        """``(syllables joined by spaces, is_split, is_exact)`` for each entry, in load order.

        Case-insensitive entries are listed by their key (lower case, old tone placement).
        """
        out = [(" ".join(k), split, False) for k, (_, split) in self._folded.items()]
        out += [(" ".join(k), split, True) for k, (_, split) in self._exact.items()]
        return out

    def first_pairs(self) -> set[tuple[str, str]]:
        """The first two syllables of every entry (keys of case-insensitive ones)."""
        return {(k[0], k[1]) for table in (self._folded, self._exact) for k in table}

    def to_lines(self) -> list[str]:
        """Entries in file syntax; ``UserDict.load(ud.to_lines())`` matches exactly like ``ud``.

        >>> UserDict.load(["FIS Bank", "-=Hà Nội"]).to_lines()
        ['fis bank', '-=Hà Nội']
        """
        return [("-" if split else "") + ("=" if exact else "") + words for words, split, exact in self.entries()]

    # -- applying ------------------------------------------------------------
    def apply(self, text: str, pieces: Sequence[Piece], joins: Sequence[bool]) -> list[bool]:
        """Apply the dictionary to the model's decisions for one line.

        Args:
            text: the NFC line.
            pieces: its pieces (``pretokenize(text)``).
            joins: ``joins[i]`` is the model's decision for the gap between
                ``pieces[i]`` and ``pieces[i + 1]``.

        Returns:
            A new list of decisions (``joins`` is not modified).

        >>> from tachtu.pretokenize import pretokenize
        >>> line = "Ông ấy cho biết"
        >>> UserDict.load(["ông ấy"]).apply(line, pretokenize(line), [False, True, True])
        [True, False, True]
        """
        active = [joinable(a.kind, b.kind, b.space_before) for a, b in zip(pieces, pieces[1:])]
        new = self.apply_spans(text, [p.start for p in pieces], [p.end for p in pieces], active, joins)
        return list(joins) if new is None else new

    def apply_spans(
        self,
        text: str,
        starts: Sequence[int],
        ends: Sequence[int],
        active: Sequence[int],
        joins: Sequence[int],
    ) -> list[bool] | None:
        """``apply`` on plain arrays (what the compiled fast path has at hand).

        Args:
            text: the NFC line; piece ``i`` is ``text[starts[i]:ends[i]]``.
            active: ``active[i]`` true: the model may join gap ``i`` (``features.joinable``).
            joins: the model's decision for each gap (bools, or bytes of 0/1).

        Returns:
            The new decisions, or None when no entry matches (nothing to change).
        """
        n = len(starts)
        if n < 2 or not self._count:
            return None
        # One cheap pass finds the pieces that may start an entry; only those cost more.
        low = text.lower()
        for ch in _LOOKALIKE_CHARS:
            if ch in low:
                low = low.translate(_LOOKALIKES)
                break
        if len(low) == len(text):  # offsets kept (always, for Vietnamese)
            words = [low[s:e] for s, e in zip(starts, ends)]
        else:
            words = [text[s:e].lower().translate(_LOOKALIKES) for s, e in zip(starts, ends)]
        folded_first = self._folded_first
        candidates = [i for i, w in enumerate(words) if w in folded_first]
        exact_first = self._exact_first
        if exact_first:
            also = [i for i, (s, e) in enumerate(zip(starts, ends)) if text[s:e] in exact_first]
            if also:
                candidates = sorted(set(candidates).union(also))
        if not candidates:
            return None
        out = [bool(j) for j in joins]
        done = 0  # the next match may not start before this piece
        for i in candidates:
            if i < done or i >= n - 1:
                continue
            f_lengths = folded_first.get(words[i])
            e_lengths = exact_first.get(text[starts[i] : ends[i]]) if exact_first else None
            longest = max(f_lengths[0] if f_lengths else 0, e_lengths[0] if e_lengths else 0)
            # pieces [i, limit): joinable and whitespace-separated, at most ``longest`` of them
            stop = min(n, i + longest)
            limit = i + 1
            while limit < stop and active[limit - 1]:
                limit += 1
            avail = limit - i
            if avail < 2:
                continue
            best: _Entry | None = None
            if e_lengths:
                for length in e_lengths:
                    if length <= avail:
                        hit = self._exact.get(tuple(text[starts[k] : ends[k]] for k in range(i, i + length)))
                        if hit is not None:
                            best = hit
                            break
            if f_lengths:
                for length in f_lengths:
                    if length > avail or (best is not None and length <= best[0]):
                        continue
                    hit = self._lookup.get(tuple(words[i : i + length]))
                    if hit is not None:
                        best = hit
                        break
            if best is None:
                continue
            length, split = best
            end = i + length
            for g in range(i, end - 1):
                out[g] = not split
            if not split:
                if i > 0:
                    out[i - 1] = False
                if end - 1 < len(out):
                    out[end - 1] = False
            done = end
        return out


def _error(message: str, path: str | None, line: int | None) -> DictionaryError:
    where = ", ".join(x for x in (path, f"line {line}" if line is not None else None) if x)
    err = DictionaryError(f"{where}: {message}" if where else message)
    err.path = path  # type: ignore[attr-defined]
    err.line = line  # type: ignore[attr-defined]
    return err

