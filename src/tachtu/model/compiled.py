"""The compiled backend: the C line path (``_line.pyx``) wired to this
package's own pretokenizer regex, encoder and normaliser, so its output is
identical to the Python backend's.  The few lines the C path does not take
(``LineSegmenter`` returns None) go to the Python backend.

Importing this module fails with ``ImportError`` when the extension is not
built; ``backends.model_backend`` then uses the Python backend.
"""

from __future__ import annotations

from typing import Callable

from ..pretokenize import Kind
from ..render import join_words
from ..underscores import tokenize_with_underscores
from ._line import LineSegmenter
from ._scorer import CompiledScorer

ChunkPieces = Callable[[str, int, int], "list[tuple[int, int, Kind]] | None"]


def chunk_pieces_function() -> ChunkPieces:
    """``chunk_pieces(text, start, end)``: the pieces ``pretokenize(text)`` has in
    ``text[start:end]`` (``pretokenize.chunk_pieces``)."""
    from ..pretokenize import chunk_pieces

    return chunk_pieces


BLOCK_CHARS = 1 << 18  # characters of whole lines per call into C in segment_block

_LETTER_PROBES = ("a", "Nguyễn", "TP", "Tp", "PGS", "ThS", "www", "http", "ftp", "com", "vn", "v", "N", "Đ", "ĐH", "²", "Ⅻ")


def _letters_are_one_word(chunk_pieces: ChunkPieces) -> bool:
    """Whether a run of letters is one WORD piece in every context, as the
    pretokenizer regex is written today; the compiled path then skips the
    regex for such runs.  Checked on probes at load time (and by the tests)."""
    for probe in _LETTER_PROBES:
        for line in (probe, f"{probe} a", f"{probe} 1", f"x {probe} . a", f"{probe}  .", f". {probe}"):
            if chunk_pieces(line, line.index(probe), line.index(probe) + len(probe)) != [
                (line.index(probe), line.index(probe) + len(probe), Kind.WORD)
            ]:
                return False
    return True


# Punctuation the compiled path may split off a run of letters without the regex (a
# chunk such as ``(kỳ``, ``muốn,`` or ``lớn".``): one character before it, one after
# it, or two after it of which the first is a closing one.  A "." right after the
# letters only when they are lower case and three or more (``TP.``, ``N.``, ``tr.``
# are abbreviations).  Each is used only if the regex splits it so on the probes.
_LEAD_CANDIDATES = "(\"“‘[«"
_TRAIL_CANDIDATES = ",.\"):;!?…”’]»"
_PAIR_FIRST_CANDIDATES = "\")”’]»"
_EDGE_PROBES = ("a", "TP", "www", "http", "N", "tr", "ĐH", "²")


def _splits(chunk_pieces: ChunkPieces, before: str, word: str, after: str) -> bool:
    """Whether ``before + word + after`` is one PUNCT piece per character of
    ``before`` and ``after`` around one WORD piece, alone and between others."""
    chunk = before + word + after
    for left, right in (("", ""), ("x ", " a")):
        line = left + chunk + right
        s = len(left)
        w = s + len(before)
        expected = [(s + i, s + i + 1, Kind.PUNCT) for i in range(len(before))]
        expected.append((w, w + len(word), Kind.WORD))
        expected += [(w + len(word) + i, w + len(word) + i + 1, Kind.PUNCT) for i in range(len(after))]
        if chunk_pieces(line, s, s + len(chunk)) != expected:
            return False
    return True


def _period_probes() -> list[str]:
    """The words a "." after letters is checked on: those the C path would split
    it from (lower case, three letters or more), abbreviations included."""
    from ..pretokenize import ABBREVIATION_WORDS

    return [w for w in (*_EDGE_PROBES, *ABBREVIATION_WORDS, "nhà", "trường") if w.islower() and len(w) >= 3]


def edge_punctuation(chunk_pieces: ChunkPieces) -> tuple[str, str, str]:
    """The characters of ``_LEAD_CANDIDATES``, ``_TRAIL_CANDIDATES`` and
    ``_PAIR_FIRST_CANDIDATES`` the regex splits off letters as the compiled path
    would (checked on probes at load time, so a change to the regex turns the
    shortcut off rather than changing the output)."""
    lead = "".join(c for c in _LEAD_CANDIDATES if all(_splits(chunk_pieces, c, w, "") for w in _EDGE_PROBES))
    trail = "".join(
        c for c in _TRAIL_CANDIDATES
        if all(_splits(chunk_pieces, "", w, c) for w in (_period_probes() if c == "." else _EDGE_PROBES))
    )
    pair_first = "".join(
        c for c in _PAIR_FIRST_CANDIDATES
        if c in trail and all(_splits(chunk_pieces, "", "a", c + d) for d in trail)
    )
    return lead, trail, pair_first


class CompiledBackend:
    """Compiled per-line segmentation, byte-identical to ``PythonBackend``.

    Args:
        model: the loaded ``Model`` (or its ``CompiledScorer``, to share one).
        python: the ``PythonBackend`` of the same model and settings: its
            encoder fills the C caches, and it takes the lines the C path hands back.
        normalize: the output normalisation mode.
        user_dict: a ``UserDict`` to apply to the join decisions, or None
            (matched in C: ``_usertrie.user_dict_apply``).
    """

    name = "compiled"

    def __init__(self, model: object, python: object, normalize: str = "none", user_dict: object = None) -> None:
        import unicodedata

        from .. import normalize as normalize_module
        from .. import pretokenize as pretokenize_module

        self.scorer = model if isinstance(model, CompiledScorer) else CompiledScorer(model)
        self.python = python
        self.normalize = normalize
        normalizer = None
        if normalize != "none":
            mode = normalize

            def normalizer(form: str) -> str:
                return normalize_module.normalize_output(form, mode)  # type: ignore[arg-type]

        chunk_pieces = chunk_pieces_function()
        letters = _letters_are_one_word(chunk_pieces)
        self._line = LineSegmenter(
            self.scorer,
            chunk_pieces,
            pretokenize_module.PIECE_RE,
            python.encoder.lookup,  # type: ignore[attr-defined]
            normalize_module.to_nfc,
            unicodedata.is_normalized,
            normalizer,
            Kind.WORD if letters else None,
            user_dict,
            edge_punctuation(chunk_pieces) if letters else ("", "", ""),
            Kind.PUNCT,
            self._segment_line,
        )
        self._crosses_space = pretokenize_module.CROSSES_SPACE.search
        # ``_segment_line`` with its common case in C: no Python frame per line
        self.segment_line = self._line.segment

    # The chunk cache assumes no piece spans whitespace; lines where one does
    # (a spaced number, see ``pretokenize.CROSSES_SPACE``) go to the Python backend.
    def _segment_line(self, line: str) -> str:
        if "_" in line:  # scored with spaces for "_" (see ``underscores``)
            return join_words(line, self.tokenize_line(line))
        if not (" . " in line and self._crosses_space(line)):
            out = self._line.segment_line(line)
            if out is not None:
                return out  # type: ignore[no-any-return]
        return self.python.segment_line(line)  # type: ignore[attr-defined, no-any-return]

    def segment_block(self, text: str) -> str:
        """``segment_line`` of each line of ``text`` joined by newlines: one call into C
        per ``BLOCK_CHARS`` or so of whole lines (its output stays small enough to
        stay in cache)."""
        segment_block = self._line.segment_block
        if len(text) <= BLOCK_CHARS:
            return segment_block(text, self._segment_line)  # type: ignore[no-any-return]
        parts = []
        start = 0
        while True:
            end = text.find("\n", start + BLOCK_CHARS)
            if end < 0:
                parts.append(segment_block(text[start:], self._segment_line))
                return "\n".join(parts)
            parts.append(segment_block(text[start:end], self._segment_line))
            start = end + 1

    def tokenize_line(self, line: str) -> list[tuple[str, int, int, str]]:
        if "_" in line:
            return tokenize_with_underscores(line, self._tokenize_plain, self.normalize)  # type: ignore[arg-type]
        return self._tokenize_plain(line)

    def _tokenize_plain(self, line: str) -> list[tuple[str, int, int, str]]:
        if not (" . " in line and self._crosses_space(line)):
            out = self._line.tokenize_line(line)
            if out is not None:
                return out  # type: ignore[no-any-return]
        return self.python.tokenize_line(line)  # type: ignore[attr-defined, no-any-return]
