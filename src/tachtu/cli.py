"""The ``tachtu`` command: ``segment``, ``evaluate``, ``train``, ``stats``, ``serve``, ``info``.

Each subcommand is a thin wrapper over a library function
(``Segmenter.segment_line``, ``evaluate.score_lines``, ``model.train.train``).

Exit codes: 0 success; 1 unreadable or invalid input, unwritable output;
2 bad arguments, model or data (any ``TachtuError``); 130 interrupted;
141 output pipe closed early (quietly, like ``cat``); 128 + N ended by
signal N (SIGTERM 143, SIGHUP 129), after removing temporary files.

>>> main(["evaluate", "--help"])  # doctest: +ELLIPSIS
usage: tachtu evaluate ...
0
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from .batch import DEFAULT_CHUNK_SIZE, SegmentOptions, os_message, segment_paths
from .errors import InputError, OutputError, TachtuError, WorkerError
from .model.train import DEFAULT_C, DEFAULT_CASE_COPIES, DEFAULT_PARTIAL_COPIES, DEFAULT_PLAIN_COPIES
from .normalize import NORMALIZE_MODES
from .settings import PROFILES, Settings
from .signals import Terminated, ending_signals_unwind
from .textio import DecodeErrors, iter_lines, open_input, output_file

PROG = "tachtu"


class CliError(Exception):
    """A user-facing failure: message for stderr and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _warn(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# -- segment ---------------------------------------------------------------------
def _is_tty(stream: object) -> bool:
    """Whether ``stream`` is an open terminal (False for None: a closed standard stream)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def cmd_segment(args: argparse.Namespace) -> int:
    options = SegmentOptions(
        settings=Settings(args.profile, args.normalize, args.user_dict, args.model, args.stats),
        pretokenized=args.pretokenized,
        jsonl=args.jsonl,
        field=args.field,
        output_field=args.output_field,
        skip_bad=args.skip_bad,
        errors=args.errors,
    )
    # No bar over what the user is typing: not when stdin is read from a terminal.
    show = not args.quiet and _is_tty(sys.stderr) and not ("-" in (args.inputs or ["-"]) and _is_tty(sys.stdin))
    skipped = segment_paths(args.inputs, args.output, options, jobs=args.jobs, chunk_size=args.chunk_size,
                            progress=show, warn=_warn)
    if skipped:
        _warn(f"skipped {skipped} bad line{'s' if skipped != 1 else ''} (passed through unchanged)")
    return 0


# -- evaluate --------------------------------------------------------------------
def _read_lines(path: str, errors: DecodeErrors) -> list[str]:
    try:
        with open_input(path) as (source, name):
            return [line.text for line in iter_lines(source, path=name, errors=errors)]
    except OSError as exc:
        raise CliError(os_message(exc, "read")) from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import read_vocabulary, score_lines

    vocabulary = read_vocabulary(_read_lines(args.train_vocab, args.errors)) if args.train_vocab else None
    score = score_lines(_read_lines(args.gold, args.errors), _read_lines(args.pred, args.errors), vocabulary=vocabulary)
    print(score.report())
    return 0


# -- train -------------------------------------------------------------------------
_TRAIN_MODULES = ("numpy", "scipy", "sklearn")


def cmd_train(args: argparse.Namespace) -> int:
    from .model import train as train_module

    lines = _read_lines(args.train, args.errors)
    dev = _read_lines(args.dev, args.errors) if args.dev else None
    lexicons = [Path(p) for p in args.lexicon]
    for path in lexicons:
        if not path.is_file():
            raise CliError(f"cannot read lexicon {path}: No such file")
    log: Callable[[str], None] = (lambda msg: None) if args.quiet else (lambda msg: _warn(msg))
    try:
        stats = None
        if args.stats:
            from .model.corpus_stats import ModelStats
            from .stats import SyllableStats

            stats = ModelStats.from_syllable_stats(SyllableStats.load(args.stats))
        model = train_module.train(lines, lexicons, c=args.c, case_fraction=args.case_copies,
                                   plain_fraction=args.plain_copies, partial_fraction=args.partial_copies,
                                   stats=stats, log=log)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in _TRAIN_MODULES:
            raise CliError(f"training needs scikit-learn and numpy ({exc.name} is missing): pip install tachtu[train]") from None
        raise
    except ValueError as exc:  # e.g. no training sentences
        if isinstance(exc, TachtuError):
            raise
        raise CliError(f"cannot train on {args.train}: {exc}", 2) from None
    output = Path(args.output)
    try:
        with output_file(output) as handle:  # = model.save(output), but atomic for a regular file
            handle.write(model.to_bytes())
    except OSError as exc:
        raise CliError(os_message(exc, "write model to")) from None
    _warn(f"model written to {output}")
    if dev is not None:
        from .api import Segmenter
        from .evaluate import score_lines

        segmenter = Segmenter(model)
        predictions = [segmenter.segment_line(line.replace("_", " ")) for line in dev]
        print(f"dev: {score_lines(dev, predictions).report()}")
    return 0


# -- serve -------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import importlib.util

    missing = [name for name in ("starlette", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise CliError(f"the server needs {' and '.join(missing)}: pip install \"tachtu[server]\"", 2)
    if args.workers < 1:
        raise CliError("--workers must be at least 1", 2)
    if not 0 <= args.port <= 65535:
        raise CliError("--port must be between 0 and 65535", 2)
    from .server import ServerSettings, serve

    settings = ServerSettings(profile=args.profile, normalize=args.normalize, user_dict=args.user_dict,
                              max_body=args.max_body)
    try:
        serve(settings, host=args.host, port=args.port, workers=args.workers)
    except OSError as exc:
        raise CliError(str(exc)) from None
    return 0


# -- stats -------------------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import SyllableStats

    target = Path(args.output)
    if target.is_dir() or not target.resolve().parent.is_dir():
        raise CliError(f"cannot write statistics to {target}: {'is a directory' if target.is_dir() else 'no such directory'}")
    from .model.corpus_stats import bundled_stats_path

    base = SyllableStats.load(bundled_stats_path() if args.base == "bundled" else args.base) if args.base else None
    try:
        stats = SyllableStats.build(args.inputs, progress=not args.quiet and sys.stderr.isatty(), base=base,
                                    min_count=args.min_count, min_pair_count=args.min_count, errors=args.errors)
    except OSError as exc:
        raise CliError(os_message(exc, "read")) from None
    data = stats.to_bytes()
    try:
        with output_file(args.output) as handle:
            handle.write(data)
    except OSError as exc:
        raise CliError(os_message(exc, "write statistics to")) from None
    if not args.quiet:
        _warn(f"{stats.lines} lines, {stats.tokens} syllables, {len(stats.syllables())} distinct kept: "
              f"{args.output} ({len(data)} bytes)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from . import info

    facts = info.collect(args.model)
    print(json.dumps(facts, ensure_ascii=False, indent=2) if args.json else info.render(facts))
    return 0


# -- argument parsing ----------------------------------------------------------------
def _add_errors_option(parser: argparse.ArgumentParser) -> None:
    """``--errors``, which every invalid-UTF-8 message suggests: so every command that reads text has it."""
    parser.add_argument("--errors", choices=("strict", "replace"), default="strict",
                        help="invalid UTF-8: 'strict' stops with an error naming file, line and byte; 'replace' "
                             "substitutes U+FFFD (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Vietnamese word segmentation: joins the syllables of each word with '_'."
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{segment,evaluate,train,stats,serve,info}")

    seg = sub.add_parser(
        "segment",
        help="segment text files or stdin, one output line per input line",
        description=(
            "Segment UTF-8 text line by line (streaming). Exactly one output line per input line; blank "
            "lines stay blank. CRLF line ends are written as LF; a BOM at the start of a file is dropped."
        ),
    )
    seg.add_argument("inputs", nargs="*", metavar="FILE|DIR",
                     help="input files ('-' = stdin, the default); a directory mirrors its .txt files into -o OUTDIR")
    seg.add_argument("-o", "--output", metavar="OUT", default=None,
                     help="output file (written atomically), or output directory for directory inputs "
                          "(default: stdout)")
    seg.add_argument("--jobs", "-j", type=int, default=_available_cpus(), metavar="N",
                     help="worker processes for large files (default: all available cores, here %(default)s)")
    seg.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, metavar="BYTES",
                     help="bytes of whole lines per parallel work unit; files no larger are done in one "
                          "process (default: %(default)s)")
    seg.add_argument("--quiet", "-q", action="store_true", help="no progress bar (shown only when stderr is a terminal)")
    _add_errors_option(seg)
    seg.add_argument("--profile", choices=PROFILES, default="default",
                     help="'default' = the learned model; 'vncorenlp' = RDRsegmenter-identical output "
                          "(default: %(default)s)")
    seg.add_argument("--normalize", choices=NORMALIZE_MODES, default="none",
                     help="output spelling: input characters as they are, NFC, old-style tones (hoà) or "
                          "new-style tones (hòa) (default: %(default)s)")
    seg.add_argument("--model", metavar="PATH", default=None, help="model file (default: the bundled model)")
    seg.add_argument("--user-dict", metavar="FILE", default=None,
                     help="user dictionary: one word per line to always join; '-word' to always split")
    seg.add_argument("--stats", metavar="STATS", default=None,
                     help="syllable statistics of your own raw text (tachtu stats DIR --base bundled -o STATS), "
                          "used in place of the model's: adapts it to a domain without annotation")
    seg.add_argument("--pretokenized", action="store_true",
                     help="input is already segmented: tokens are kept as they are, whitespace runs become one "
                          "space (no re-joining across existing boundaries)")
    seg.add_argument("--jsonl", action="store_true", help="input is JSON Lines; segment the string field --field")
    seg.add_argument("--field", default="text", metavar="NAME",
                     help="with --jsonl: the field to segment (default: %(default)s)")
    seg.add_argument("--output-field", default=None, metavar="NAME",
                     help="with --jsonl: write the result into this field (default: replace --field in place)")
    seg.add_argument("--skip-bad", action="store_true",
                     help="with --jsonl: pass bad lines through unchanged with a warning instead of stopping")
    seg.set_defaults(func=cmd_segment)

    ev = sub.add_parser("evaluate", help="word precision/recall/F1 of a segmented file against gold",
                        description="Compare two '_'-segmented files line by line (same line count); lines whose "
                                    "text differs are reported and scored as errors.")
    ev.add_argument("gold", metavar="GOLD", help="gold segmentation ('_' joins syllables)")
    ev.add_argument("pred", metavar="PRED", help="predicted segmentation, same lines as GOLD")
    ev.add_argument("--train-vocab", metavar="FILE", default=None,
                    help="training data ('_'-segmented) or a word list (one word per line, '_' or spaces): "
                         "also report recall of gold words in (R_iv) and out of (R_oov) its vocabulary")
    _add_errors_option(ev)
    ev.set_defaults(func=cmd_evaluate)

    tr = sub.add_parser("train", help="train a model from '_'-segmented sentences (needs tachtu[train])",
                        description="Train the gap classifier (a linear SVM); needs scikit-learn.")
    tr.add_argument("--train", required=True, metavar="FILE", help="training sentences, one per line, '_'-joined words")
    tr.add_argument("--dev", default=None, metavar="FILE", help="held-out sentences to score the new model on (optional)")
    tr.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                    help="word list, one entry per line (repeatable; default: none)")
    tr.add_argument("--c", type=float, default=DEFAULT_C, metavar="FLOAT",
                    help="inverse regularisation strength (default: %(default)s)")
    tr.add_argument("--case-copies", type=float, default=DEFAULT_CASE_COPIES, metavar="FRACTION",
                    help="share of the lines also learnt upper-cased, and another lower-cased, so that "
                         "all-caps and lower-case text segment well; 0 for none, at most 0.5 "
                         "(default: %(default)s)")
    tr.add_argument("--plain-copies", type=float, default=DEFAULT_PLAIN_COPIES, metavar="FRACTION",
                    help="share of the distinct lines also learnt without diacritics (default: %(default)s)")
    tr.add_argument("--partial-copies", type=float, default=DEFAULT_PARTIAL_COPIES, metavar="FRACTION",
                    help="share of the distinct lines also learnt with the diacritics of some syllables missing "
                         "(default: %(default)s)")
    tr.add_argument("--stats", default=None, metavar="STATS",
                    help="syllable statistics of raw text (from 'tachtu stats') for the model to learn from "
                         "and carry (default: none)")
    tr.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model file")
    tr.add_argument("--quiet", "-q", action="store_true", help="no training log on stderr")
    _add_errors_option(tr)
    tr.set_defaults(func=cmd_train)

    inf = sub.add_parser("info", help="version, backend, model file and its templates (for bug reports)")
    inf.add_argument("--model", default=None, help="a model file (default: the bundled model)")
    inf.add_argument("--json", action="store_true", help="print the facts as JSON")
    inf.set_defaults(func=cmd_info)

    srv = sub.add_parser("serve", help="serve segmentation over HTTP (needs tachtu[server])",
                         description="An HTTP server: VnCoreNLP's server protocol (its clients work unchanged), "
                                     "a JSON API (POST /segment, /tokenize) and a page at / for browsers.")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s, loopback only)")
    srv.add_argument("--port", type=int, default=9000, help="port to listen on (default: %(default)s)")
    srv.add_argument("--workers", type=int, default=1, metavar="N",
                     help="server processes sharing the port, to use N cores (default: %(default)s)")
    srv.add_argument("--profile", choices=("default", "vncorenlp"), default="default",
                     help="the default profile; 'vncorenlp' makes /handle answer exactly as VnCoreNLP "
                          "(default: %(default)s)")
    srv.add_argument("--normalize", choices=("none", "nfc", "tone-old", "tone-new"), default="none",
                     help="the default output spelling, as for segment (default: %(default)s)")
    srv.add_argument("--user-dict", metavar="FILE", default=None, help="user dictionary for the default profile")
    srv.add_argument("--max-body", type=int, default=4 * 1024 * 1024, metavar="BYTES",
                     help="larger request bodies get 413 (default: %(default)s)")
    srv.set_defaults(func=cmd_serve)

    st = sub.add_parser("stats", help="syllable statistics from raw text, to adapt a model to a domain",
                        description="Count syllables and neighbour pairs of raw UTF-8 text (streaming) into a "
                                    "statistics table (tachtu.stats.SyllableStats).")
    st.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="text files; directories are read for *.txt")
    st.add_argument("-o", "--output", required=True, metavar="STATS", help="table to write (atomically)")
    st.add_argument("--base", metavar="STATS|bundled", default=None,
                    help="extend this table (its class bins are kept); 'bundled': the table the bundled model "
                         "learnt from, so your counts add to it and keep its classes' meaning")
    st.add_argument("--min-count", type=int, default=2, metavar="N",
                    help="keep syllables and pairs seen at least N times; with --base, the base's "
                         "threshold applies (default: %(default)s)")
    st.add_argument("--errors", choices=("strict", "replace"), default="strict",
                    help="invalid UTF-8: 'strict' stops with an error naming file, line and byte; 'replace' "
                         "reads U+FFFD (default: %(default)s)")
    st.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")
    st.set_defaults(func=cmd_stats)
    return parser


def _silence_stdout() -> None:
    """After EPIPE: point fd 1 at /dev/null so the exit-time flush is quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (never raises for user errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        with ending_signals_unwind():
            code: int = args.func(args)
            if sys.stdout is not None:
                sys.stdout.flush()
        return code
    except Terminated as exc:
        return 128 + exc.signum
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        _warn(str(exc))
        return exc.code
    except (InputError, OutputError, WorkerError) as exc:
        _warn(str(exc))
        return 1
    except TachtuError as exc:
        _warn(str(exc))
        return 2
    except OSError as exc:
        _warn(os_message(exc, "access"))
        return 1
