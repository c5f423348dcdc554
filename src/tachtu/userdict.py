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
  A join entry needs at least two syllables, and no entry more than
  ``MAX_ENTRY_SYLLABLES`` (32): matching tries every entry that starts at a
  piece, so the cap bounds the work per piece (one 200,000-syllable entry
  once made a 40,000-syllable line take 6.5 s).
* **Case and tone placement.**  By default an entry matches regardless of case
  and of old/new tone placement (``hoà``/``hòa``): both sides are compared by
  ``tachtu.normalize.model_key`` after NFC.  An entry written with a leading
  ``=`` (after the ``-``, if any: ``-=Foo Bar``) matches only text with exactly
  the same characters (after NFC).
* **Text without diacritics.**  A case-insensitive entry also matches the same
  syllables typed without any diacritics: ``Hà Nội`` matches ``ha noi`` and
  ``HA NOI`` (not ``hà noi``, where some marks are left).  An entry listed
  without diacritics itself (``-ha noi``) takes precedence over that.  Exact
  (``=``) entries match only their own spelling.
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

import os
import re
import unicodedata
from pathlib import Path
from typing import Iterable, NoReturn, Sequence

from .errors import DictionaryError
from .model.features import joinable
from .normalize import model_key, model_key_words, strip_diacritics
from .pretokenize import Kind, Piece, pretokenize

__all__ = ["UserDict"]

_PLAIN_WORD = re.compile(r"[^\W\d_]+")  # letters only → one WORD piece
_NEVER_JOINED = (Kind.PUNCT, Kind.UNDERSCORE)
_INLINE_COMMENT = re.compile(r"\s+#.*$")
# On the entries joined by "\n" (one per line):
_ODD_SPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # whitespace other than one " " between syllables
_EDGE_SPACE = re.compile(r"^ | $", re.MULTILINE)
_ONE_SYLLABLE = re.compile(r"\n[^ \n]*\n")  # in "\n" + text + "\n"
MAX_ENTRY_SYLLABLES = 32
_TOO_LONG = re.compile(rf"^(?:[^ \n]+ ){{{MAX_ENTRY_SYLLABLES}}}", re.MULTILINE)  # a line of 33+ syllables


def _syllable_ok(syllable: str) -> str | None:
    """None if ``syllable`` (NFC) is exactly one joinable piece, else why not."""
    if syllable.isalpha() or _PLAIN_WORD.fullmatch(syllable):  # isalpha: a faster subset
        return None
    pieces = pretokenize(syllable)
    if len(pieces) != 1:
        parts = ", ".join(repr(syllable[p.start : p.end]) for p in pieces)
        return f"{syllable!r} is not one syllable (it splits into {parts})"
    if pieces[0].kind in _NEVER_JOINED:
        return f"{syllable!r} is punctuation or contains '_'; it cannot be part of a word"
    return None


# Lines are numbered as editors number them: at \n, \r\n or \r, not at the \f, \x1c or U+2028
# that str.splitlines also breaks at (error messages would name the wrong line).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _entry_of_line(line: str) -> str | None:
    """The entry on a line (stripped, inline comment removed), or None for a blank/comment line."""
    entry = line.strip()
    if not entry or entry[0] == "#":
        return None
    if "#" in entry:  # an inline comment starts at whitespace + "#"
        entry = _INLINE_COMMENT.sub("", entry)
    return entry


def _flags(entry: str) -> tuple[str, bool, bool]:
    """``(rest, split?, exact?)`` of an entry starting with ``-`` or ``=``."""
    split = entry[0] == "-"
    if split:
        entry = entry[1:]
    exact = entry[:1] == "="
    if exact:
        entry = entry[1:]
        if not split and entry[:1] == "-":  # "=-foo bar" is accepted too
            split, entry = True, entry[1:]
    return entry, split, exact


class UserDict:
    """A compiled user dictionary (see the module docstring for the format).

    Entries are stored as one string each, their syllables separated by one
    space: case-insensitive entries by the ``model_key`` of each syllable,
    exact ones by their NFC text.  Matching looks up the pieces' keys joined
    the same way, trying only the entry lengths that the first syllable
    starts, so it costs the same however large the dictionary is.  The
    compiled segmenter matches in C (``model/_scorer.pyx``) with tries built
    from ``compiled_tables``.
    """

    __slots__ = ("_folded", "_exact", "_plain", "_first")

    def __init__(self) -> None:
        self._folded: dict[str, bool] = {}  # "key key ..." → split?, in load order
        self._exact: dict[str, bool] = {}  # "Text Text ..." → split?
        self._plain: dict[str, bool] = {}  # diacritic-free forms of the folded entries (not listed by entries())
        # built on first use (not pickled): first syllable → entry lengths, longest first
        # (case-insensitive, exact), and the case-insensitive table as matched
        self._first: tuple[dict[str, list[int]], dict[str, list[int]], dict[str, bool]] | None = None

    def __getstate__(self) -> tuple[dict[str, bool], dict[str, bool], dict[str, bool]]:
        return self._folded, self._exact, self._plain

    def __setstate__(self, state: tuple[dict[str, bool], dict[str, bool], dict[str, bool]]) -> None:
        self.__init__()  # type: ignore[misc]
        self._folded, self._exact, self._plain = state

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
            ud._add_lines(_LINE_BREAK.split(text), str(path))
        else:
            ud._add_lines(source, None)
        return ud

    def _add_lines(self, source: Iterable[str], path: str | None) -> None:
        """Sort the lines' entries by kind, then finish each kind in bulk.

        Per line, only comments and the ``-``/``=`` prefixes are handled in
        Python; ``_add_entries`` does the rest on all entries of a kind at once.
        Any invalid line sends the lines to ``_raise_first_error``.
        """
        lines = source if isinstance(source, list) else list(source)
        folded: list[str] = []
        folded_split: list[bool] = []
        exact: list[str] = []
        exact_split: list[bool] = []
        for line in lines:
            if not isinstance(line, str):
                _raise_first_error(lines, path)
            entry = _entry_of_line(line)
            if entry is None:
                continue
            if entry[0] == "-" or entry[0] == "=":
                entry, split, is_exact = _flags(entry)
                if is_exact:
                    exact.append(entry)
                    exact_split.append(split)
                    continue
                folded.append(entry)
                folded_split.append(split)
            else:
                folded.append(entry)
                folded_split.append(False)
        if not (self._add_entries(folded, folded_split, True) and self._add_entries(exact, exact_split, False)):
            _raise_first_error(lines, path)

    def _add_entries(self, entries: list[str], splits: list[bool], fold: bool) -> bool:
        r"""Add entries (prefixes removed) to a table; False if one is invalid.

        The entries are joined by ``"\n"`` and each step runs over the whole
        text at C speed: ``_`` to space, NFC, one space between syllables, a
        search for a line of fewer than two syllables, the check that every
        syllable is one piece (in Python only for syllables that are not all
        letters), then ``model_key`` of each syllable (``model_key_words``)
        for case-insensitive entries.  Every step keeps to its line and its
        syllables: whitespace never takes part in NFC, lower-casing or tone
        folding.
        """
        if not entries:
            return True
        text = "\n".join(entries)
        if text.count("\n") != len(entries) - 1:  # an entry string with a line break in it
            text = "\n".join(e.replace("\n", " ") for e in entries)
        if "_" in text:
            text = text.replace("_", " ")
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        letters = text.replace(" ", "").replace("\n", "").isalpha()  # then " " and "\n" are all the whitespace
        if not letters or "  " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " ":
            text = _EDGE_SPACE.sub("", _ODD_SPACE.sub(" ", text))
        if _ONE_SYLLABLE.search(f"\n{text}\n") or _TOO_LONG.search(text):
            return False
        if not letters and any(_syllable_ok(s) is not None for s in {s for s in text.split() if not s.isalpha()}):
            return False
        if fold:
            text = model_key_words(text)
            plain = strip_diacritics(text)  # 1:1 per character: the same lines and syllables
            if plain != text:
                self._plain.update((p, split) for p, k, split in zip(plain.split("\n"), text.split("\n"), splits)
                                   if p != k)
        table = self._folded if fold else self._exact
        table.update(zip(text.split("\n"), splits))  # the later line wins, in the first one's place
        return True

    def _matching_folded(self) -> dict[str, bool]:
        """The case-insensitive table as matched: the entries, and the
        diacritic-free forms that no entry lists itself."""
        if not self._plain:
            return self._folded
        return {**{k: v for k, v in self._plain.items() if k not in self._folded}, **self._folded}

    # -- inspection ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._folded) + len(self._exact)

    def __repr__(self) -> str:
        return f"UserDict({len(self)} entries)"

    def entries(self) -> list[tuple[str, bool, bool]]:
        """``(syllables joined by spaces, is_split, is_exact)`` for each entry, in load order.

        Case-insensitive entries are listed by their key (lower case, old tone placement).
        """
        out = [(words, split, False) for words, split in self._folded.items()]
        out += [(words, split, True) for words, split in self._exact.items()]
        return out

    def to_lines(self) -> list[str]:
        """Entries in file syntax; ``UserDict.load(ud.to_lines())`` matches exactly like ``ud``.

        >>> UserDict.load(["FIS Bank", "-=Hà Nội"]).to_lines()
        ['fis bank', '-=Hà Nội']
        """
        return [("-" if split else "") + ("=" if exact else "") + words for words, split, exact in self.entries()]

    # -- the compiled matcher's view ---------------------------------------
    def compiled_tables(self) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
        """The (case-insensitive, exact) tables for the compiled matcher.

        Each is ``(entries one per line, syllables separated by one space;
        one byte per entry, 1 for a split entry)``.  A piece matches a syllable
        of a case-insensitive entry when its ``model_key`` is that syllable, of
        an exact entry when its (NFC) text is.

        >>> UserDict.load(["Hòa Bình", "-cho biết", "=Apple Pay"]).compiled_tables()
        (('hoà bình\\ncho biết', b'\\x00\\x01'), ('Apple Pay', b'\\x00'))
        """
        tables = (self._matching_folded(), self._exact)
        return tuple(("\n".join(table), bytes(table.values())) for table in tables)  # type: ignore[return-value]

    # -- applying ------------------------------------------------------------
    def _first_lengths(self) -> tuple[dict[str, list[int]], dict[str, list[int]], dict[str, bool]]:
        """First syllable → lengths of the entries it starts, longest first
        (case-insensitive, exact), and the case-insensitive table as matched;
        built once, for ``apply``."""
        if self._first is None:
            folded = self._matching_folded()
            both: list[dict[str, list[int]]] = []
            for table in (folded, self._exact):
                lengths: dict[str, set[int]] = {}
                for words in table:
                    syllables = words.split(" ")
                    lengths.setdefault(syllables[0], set()).add(len(syllables))
                both.append({first: sorted(ls, reverse=True) for first, ls in lengths.items()})
            self._first = (both[0], both[1], folded)
        return self._first

    def apply(self, text: str, pieces: Sequence[Piece], joins: Sequence[bool]) -> list[bool]:
        """Apply the dictionary to the model's decisions for one line.

        This is the pure-Python path; the compiled segmenter does the same in
        C (``_scorer.pyx``, ``user_dict_apply``) and the tests check that both agree.

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
        out = [bool(j) for j in joins]
        n = len(pieces)
        if n < 2 or not len(self):
            return out
        folded_first, exact_first, folded = self._first_lengths()
        # a piece with whitespace inside (a spaced number) is no syllable: "" never matches
        texts = [text[p.start : p.end] for p in pieces]
        texts = ["" if len(t.split()) != 1 else t for t in texts]
        keys = [model_key(t) for t in texts]
        i = 0  # the next match may not start before this piece
        while i < n - 1:
            f_lengths = folded_first.get(keys[i])
            x_lengths = exact_first.get(texts[i])
            if not f_lengths and not x_lengths:
                i += 1
                continue
            longest = max(f_lengths[0] if f_lengths else 0, x_lengths[0] if x_lengths else 0)
            # pieces [i, limit): joinable and whitespace-separated, at most ``longest`` of them
            stop = min(n, i + longest)
            limit = i + 1
            while limit < stop and joinable(pieces[limit - 1].kind, pieces[limit].kind, pieces[limit].space_before):
                limit += 1
            best: tuple[int, bool] | None = None  # (length, split)
            # exact entries first: a case-insensitive one must be longer to win
            for lengths, words, table in ((x_lengths, texts, self._exact), (f_lengths, keys, folded)):
                for length in lengths or ():
                    if length > limit - i or (best is not None and length <= best[0]):
                        continue
                    split = table.get(" ".join(words[i : i + length]))
                    if split is not None:
                        best = (length, split)
                        break
            if best is None:
                i += 1
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
            i = end
        return out


def _raise_first_error(lines: Sequence[object], path: str | None) -> NoReturn:
    """Read ``lines`` one at a time and raise the error of the first invalid one."""
    for number, line in enumerate(lines, 1):
        if not isinstance(line, str):
            raise _error(f"entries must be strings, not {type(line).__name__}", path, number)
        raw = _entry_of_line(line)
        if raw is None:
            continue
        entry, split, _ = _flags(raw) if raw[0] in "-=" else (raw, False, False)
        syllables = unicodedata.normalize("NFC", entry).replace("_", " ").split()
        if not syllables:
            raise _error(f"empty entry {raw!r}", path, number)
        if len(syllables) < 2:
            what = "split" if split else "join"
            raise _error(f"a {what} entry needs at least two syllables: {raw!r}", path, number)
        if len(syllables) > MAX_ENTRY_SYLLABLES:
            raise _error(
                f"an entry may have at most {MAX_ENTRY_SYLLABLES} syllables, this one has {len(syllables)}: "
                f"{raw[:40]!r}...", path, number,
            )
        for syllable in syllables:
            why = _syllable_ok(syllable)
            if why is not None:
                raise _error(f"{why}: {raw!r}", path, number)
    raise AssertionError("no invalid line found")  # _add_lines found one


def _error(message: str, path: str | None, line: int | None) -> DictionaryError:
    where = ", ".join(x for x in (path, f"line {line}" if line is not None else None) if x)
    err = DictionaryError(f"{where}: {message}" if where else message)
    err.path = path  # type: ignore[attr-defined]
    err.line = line  # type: ignore[attr-defined]
    return err

