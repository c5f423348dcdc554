"""Glue for the compiled per-line path (``_scorer.pyx``).

Two things live here, both pure Python:

* ``GAP_TEMPLATES``: the lexical/shape templates of ``features.gap_features``
  written as data, which the compiled scorer turns into flat tables at load
  time.  **When a template is added to ``gap_features``, add the same line
  here** (value order matters: it is part of the 64-bit key);
  ``tests/test_compiled.py`` checks the two agree key for key.
* ``FastPath``: the compiled line segmenter wired to this package's own
  pretokenizer regex, encoder and normaliser, so its output is identical to
  ``Segmenter(compiled=False)``.  It returns ``None`` for the rare line it
  hands back to the reference path.

Positions are relative to the gap between piece ``b`` and piece ``c``::

    z  a  b | c  d  e        ids:    "z" "a" "b" "c" "d" "e"
                             shapes: "sz" "sa" "sb" "sc" "sd" "se"

Worked example: ``(Template.BC_SHAPES, "b c sb sc")`` is
``feature_key(Template.BC_SHAPES, b, c, sb, sc)``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from ..pretokenize import Kind
from .features import Shape, Template, feature_key

# fmt: off
GAP_TEMPLATES: tuple[tuple[int, str], ...] = (
    (Template.BIAS, ""),
    (Template.B, "b"),
    (Template.C, "c"),
    (Template.A, "a"),
    (Template.D, "d"),
    (Template.AB, "a b"),
    (Template.BC, "b c"),
    (Template.CD, "c d"),
    (Template.ABC, "a b c"),
    (Template.BCD, "b c d"),
    (Template.ZA, "z a"),
    (Template.DE, "d e"),
    (Template.SHAPE_BC, "sb sc"),
    (Template.SHAPE_ABCD, "sa sb sc sd"),
    (Template.SHAPE_B_C, "sb c"),
    (Template.B_SHAPE_C, "b sc"),
    (Template.ZAB, "z a b"),
    (Template.CDE, "c d e"),
    (Template.AC, "a c"),
    (Template.BD, "b d"),
    (Template.BC_SHAPES, "b c sb sc"),
)
# fmt: on

_POSITIONS = {"z": -2, "a": -1, "b": 0, "c": 1, "d": 2, "e": 3}


def parse_template(spec: str) -> list[tuple[int, bool]]:
    """``"b sc"`` → ``[(0, False), (1, True)]``: (offset from b, is a shape)."""
    out: list[tuple[int, bool]] = []
    for name in spec.split():
        is_shape = name.startswith("s")
        out.append((_POSITIONS[name[1:] if is_shape else name], is_shape))
    return out


def template_keys(ids: Sequence[int], shapes: Sequence[int]) -> list[list[int]]:
    """Pure-Python keys of ``GAP_TEMPLATES`` per gap (the non-dictionary part of
    ``features.gap_features``); used by the tests to check the table above."""
    n = len(ids)
    w = [0, 0, *ids, 1, 1]
    s = [int(Shape.BOS)] * 2 + [int(x) for x in shapes] + [int(Shape.EOS)] * 2
    parsed = [(t, parse_template(spec)) for t, spec in GAP_TEMPLATES]
    return [
        [feature_key(t, *[(s if sh else w)[i + 2 + off] for off, sh in vals]) for t, vals in parsed]
        for i in range(n - 1)
    ]


def chunk_pieces_function() -> Callable[[str, int, int], list[tuple[int, int, Kind]] | None]:
    """``chunk_pieces(text, start, end)``: the pieces ``pretokenize(text)`` has in
    ``text[start:end]``, a run of non-whitespace characters, as ``(start, end, kind)``.

    Matches as ``pretokenize.pretokenize`` does (kinds from ``piece_kind``);
    the regex runs on the whole line, so its look-arounds see the real context.
    Returns None if the matches do not tile the run exactly.
    """
    from ..pretokenize import PIECE_RE, piece_kind

    match = PIECE_RE.match

    def chunk_pieces(text: str, start: int, end: int) -> list[tuple[int, int, Kind]] | None:
        out = []
        pos = start
        while pos < end:
            m = match(text, pos)
            if m is None:
                return None
            s, e = m.span()
            if s != pos or e > end or e <= s:
                return None
            kind = piece_kind(m)
            out.append((s, e, kind))
            pos = e
        return out

    return chunk_pieces


_LETTER_PROBES = ("a", "Nguyễn", "TP", "Tp", "PGS", "ThS", "www", "http", "ftp", "com", "vn", "v", "N", "Đ", "ĐH", "²", "Ⅻ")


def _letters_are_one_word(chunk_pieces: Callable[[str, int, int], list[tuple[int, int, Kind]] | None]) -> bool:
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


class FastPath:
    """Compiled per-line segmentation, byte-identical to the reference path.

    Args:
        model: the loaded ``Model``.
        lookup: ``Encoder.lookup`` (called only for text not seen before).
        normalize: the Segmenter's output normalisation mode.
        user_dict: a ``UserDict`` to apply to the join decisions, or None
            (matched in C: ``_scorer.user_dict_apply``).

    ``segment_line``/``tokenize_line`` return ``None`` when the line must go
    through the reference path (whitespace the pretokenizer turns into a
    piece, such as U+3000); callers then use the reference path.
    """

    def __init__(self, model: object, lookup: object, normalize: str = "none", user_dict: object = None) -> None:
        import unicodedata

        from .. import normalize as normalize_module
        from .. import pretokenize as pretokenize_module
        from ._scorer import CompiledScorer, LineSegmenter

        scorer = model if isinstance(model, CompiledScorer) else CompiledScorer(model)
        self.scorer = scorer
        normalizer = None
        if normalize != "none":
            mode = normalize

            def normalizer(form: str) -> str:
                return normalize_module.normalize_output(form, mode)  # type: ignore[arg-type]

        chunk_pieces = chunk_pieces_function()
        self._line = LineSegmenter(
            scorer,
            chunk_pieces,
            pretokenize_module.PIECE_RE,
            lookup,
            normalize_module.to_nfc,
            unicodedata.is_normalized,
            normalizer,
            Kind.WORD if _letters_are_one_word(chunk_pieces) else None,
            user_dict,
        )
        self._crosses_space = pretokenize_module.CROSSES_SPACE.search

    # The chunk cache assumes no piece spans whitespace; lines where one does
    # (a spaced number, see ``pretokenize.CROSSES_SPACE``) go back to the reference path.
    def segment_line(self, line: str) -> str | None:
        """``Segmenter.segment_line`` of ``line``, or None: use the reference path."""
        if " . " in line and self._crosses_space(line):
            return None
        return self._line.segment_line(line)  # type: ignore[no-any-return]

    def tokenize_line(self, line: str) -> list[tuple[str, int, int, str]] | None:
        """``(text, start, end, form)`` of each word, or None: use the reference path."""
        if " . " in line and self._crosses_space(line):
            return None
        return self._line.tokenize_line(line)  # type: ignore[no-any-return]


def load_fast_path(
    model: object, lookup: object, normalize: str = "none", user_dict: object = None
) -> FastPath | None:
    """A ``FastPath``, or None when the extension is not built."""
    try:
        from . import _scorer  # noqa: F401
    except ImportError:
        return None
    return FastPath(model, lookup, normalize, user_dict)
