"""The ``tachtu`` command: ``segment``, ``evaluate``, ``train``, ``stats``.

Each subcommand is a thin wrapper over a library function
(``Segmenter.segment_line``, ``evaluate.score_lines``, ``model.train.train``).

Exit codes: 0 success; 1 unreadable or invalid input, unwritable output;
2 bad arguments, model or data (any ``TachtuError``); 130 interrupted;
141 output pipe closed early (quietly, like ``cat``).

>>> main(["evaluate", "--help"])  # doctest: +ELLIPSIS
usage: tachtu evaluate ...
0
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Sequence

from .errors import InputError, TachtuError
from .model.train import DEFAULT_C, DEFAULT_CASE_COPIES
from .textio import (
    DEFAULT_CHUNK_SIZE,
    Chunk,
    DecodeErrors,
    Line,
    atomic_output,
    iter_chunk_lines,
    iter_lines,
    open_input,
    read_chunks,
    stdout_binary,
)

PROG = "tachtu"


class CliError(Exception):
    """A user-facing failure: message for stderr and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _warn(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _os_message(exc: OSError, what: str) -> str:
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"cannot {what} {name}: {reason}".replace("  ", " ")


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# -- segment: turning one line into one line ----------------------------------
@dataclass(frozen=True)
class SegmentOptions:
    """Everything a (worker) process needs to build its line processor; picklable."""

    model: str | None = None
    profile: str = "default"
    normalize: str = "none"
    user_dict: str | None = None
    pretokenized: bool = False
    jsonl: bool = False
    field: str = "text"
    output_field: str | None = None
    skip_bad: bool = False
    errors: DecodeErrors = "strict"


@dataclass
class Processed:
    """Output of a block of lines: encoded text, warnings, skipped-line count."""

    data: bytes
    warnings: list[str]
    skipped: int


class LineProcessor:
    """Turns one decoded input line into one output line (without terminator)."""

    def __init__(self, options: SegmentOptions) -> None:
        self.options = options
        self._segmenter: Any = None
        if not options.pretokenized:
            from .api import Segmenter

            self._segmenter = Segmenter(
                options.model,
                profile=options.profile,  # type: ignore[arg-type]
                normalize=options.normalize,  # type: ignore[arg-type]
                user_dict=options.user_dict,
            )

    def text(self, text: str) -> str:
        """Segment (or, pretokenized, tidy) a string that may span lines."""
        return "\n".join(self._one_line(part) for part in text.split("\n"))

    def _one_line(self, line: str) -> str:
        if self._segmenter is not None:
            return str(self._segmenter.segment_line(line))
        tokens = line.split()
        if self.options.normalize != "none":
            from .normalize import normalize_output

            tokens = [
                normalize_output(t.replace("_", " "), self.options.normalize).replace(" ", "_")  # type: ignore[arg-type]
                for t in tokens
            ]
        return " ".join(tokens)

    def line(self, line: Line, path: str) -> tuple[str, str | None]:
        """(output text, warning or None) for one input line.

        Raises:
            InputError: a bad JSON line when ``skip_bad`` is off.
        """
        if not self.options.jsonl:
            return self._one_line(line.text), None
        if not line.text.strip():
            return line.text, None  # blank lines stay blank
        problem = None
        try:
            record = json.loads(line.text)
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON ({exc.msg} at column {exc.colno})"
        else:
            field = self.options.field
            if not isinstance(record, dict):
                problem = f"not a JSON object (got {type(record).__name__})"
            elif field not in record:
                problem = f"no field {field!r}"
            elif not isinstance(record[field], str):
                problem = f"field {field!r} is not a string (got {type(record[field]).__name__})"
            else:
                record[self.options.output_field or field] = self.text(record[field])
                return json.dumps(record, ensure_ascii=False), None
        if not self.options.skip_bad:
            raise InputError(f"{problem}; use --skip-bad to pass such lines through", path=path, line=line.number)
        return line.text, f"{path}: line {line.number}: {problem}; passed through unchanged"

    def lines(self, lines: Iterable[Line], path: str) -> Processed:
        """Process a block of lines into one encoded output block."""
        parts: list[str] = []
        warnings: list[str] = []
        for line in lines:
            text, warning = self.line(line, path)
            parts.append(text + "\n" if line.newline else text)
            if warning is not None:
                warnings.append(warning)
        return Processed("".join(parts).encode("utf-8"), warnings, len(warnings))


# -- worker processes ------------------------------------------------------------
_worker: LineProcessor | None = None
_worker_error: BaseException | None = None
_parent_processor: LineProcessor | None = None  # inherited by forked workers: no second model load


def _init_worker(options: SegmentOptions) -> None:
    global _worker, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        inherited = _parent_processor
        _worker = inherited if inherited is not None and inherited.options == options else LineProcessor(options)
    except Exception as exc:  # noqa: BLE001 - re-raised by _work: reported per chunk, with its real message
        _worker_error = exc


def _work(chunk: Chunk, path: str, errors: DecodeErrors) -> Processed:
    if _worker_error is not None:
        raise _worker_error
    assert _worker is not None, "worker initializer did not run"
    return _worker.lines(iter_chunk_lines(chunk, path=path, errors=errors), path)


# -- segment: driving files --------------------------------------------------------
class _Progress:
    """A tqdm bar in bytes on a TTY stderr; no-op otherwise."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:  # the bar is a nicety; never fail for it
                return
            self._bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                             dynamic_ncols=True, leave=False)

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class SegmentRun:
    """One ``tachtu segment`` invocation: a lazily built processor and pool."""

    def __init__(self, options: SegmentOptions, jobs: int, chunk_size: int, progress: _Progress) -> None:
        self.options = options
        self.jobs = jobs
        self.chunk_size = chunk_size
        self.progress = progress
        self.skipped = 0
        self._processor: LineProcessor | None = None
        self._pool: ProcessPoolExecutor | None = None

    @property
    def processor(self) -> LineProcessor:
        global _parent_processor
        if self._processor is None:
            self._processor = _parent_processor = LineProcessor(self.options)
        return self._processor

    def close(self) -> None:
        # Not multiprocessing.Pool: its terminate() deadlocks when a worker is blocked writing a
        # large result (e.g. after SIGPIPE).  Here queued chunks are cancelled and the at most
        # ``jobs`` running ones finish, their results drained by the executor.
        global _parent_processor
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        _parent_processor = None

    def _emit(self, result: Processed, out: BinaryIO, flush: bool = False) -> None:
        for warning in result.warnings:
            _warn(warning)
        self.skipped += result.skipped
        try:
            out.write(result.data)
            if flush:
                out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CliError(f"cannot write output: {exc.strerror or exc}") from None

    def stream(self, source: BinaryIO, path: str, out: BinaryIO, *, parallel: bool, flush: bool = False) -> int:
        """Segment ``source`` into ``out``, in parallel chunks if asked; returns bytes counted as progress."""
        if parallel:
            return self._parallel(source, path, out)
        processor = self.processor
        done = 0
        for line in iter_lines(source, path=path, errors=self.options.errors):
            self.progress.update(line.byte_offset - done)  # progress lags one line: cheap and close enough
            done = line.byte_offset
            self._emit(processor.lines([line], path), out, flush)
        return done

    def _parallel(self, source: BinaryIO, path: str, out: BinaryIO) -> int:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, initializer=_init_worker, initargs=(self.options,))
        pending: collections.deque[tuple[Future[Processed], int]] = collections.deque()
        limit = 2 * self.jobs  # bounded read-ahead: memory stays ~ 2 * jobs * chunk_size
        for chunk in read_chunks(source, self.chunk_size):
            pending.append((self._pool.submit(_work, chunk, path, self.options.errors), len(chunk.data)))
            while len(pending) >= limit:
                self._collect(pending, out)
        while pending:
            self._collect(pending, out)
        return source.tell()

    def _collect(self, pending: collections.deque[tuple[Future[Processed], int]], out: BinaryIO) -> None:
        result, size = pending.popleft()
        self._emit(result.result(), out)
        self.progress.update(size)

    def segment_file(self, path: str | None, out: BinaryIO) -> None:
        """Segment one input (a file path, or stdin for None/"-") into ``out``."""
        with contextlib.ExitStack() as stack:
            try:
                source, name = stack.enter_context(open_input(path))
            except OSError as exc:
                raise CliError(_os_message(exc, "read")) from None
            size = None
            if name != "<stdin>":
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    size = os.fstat(source.fileno()).st_size
            parallel = self.jobs > 1 and size is not None and size > self.chunk_size
            try:
                done = self.stream(source, name, out, parallel=parallel, flush=name == "<stdin>")
            except (BrokenPipeError, CliError):
                raise
            except OSError as exc:
                raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
            if size:
                self.progress.update(max(0, size - done))


def _mirror_targets(inputs: Sequence[str], outdir: Path) -> Iterator[tuple[str, Path]]:
    """(input file, output file) pairs: directories mirrored as trees of ``.txt`` files."""
    out_real = os.path.realpath(outdir)
    for item in inputs:
        if not os.path.isdir(item):
            yield item, outdir / os.path.basename(item)
            continue
        for root, dirs, files in os.walk(item):
            dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(root, d)) != out_real)
            for name in sorted(files):
                if name.endswith(".txt"):
                    source = os.path.join(root, name)
                    yield source, outdir / os.path.relpath(source, item)


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[BinaryIO]:
    if path is None or path == "-":
        out = stdout_binary()
        yield out
        out.flush()
        return
    try:
        context = atomic_output(path)
        handle = context.__enter__()
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield handle
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise
    try:
        context.__exit__(None, None, None)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def cmd_segment(args: argparse.Namespace) -> int:
    options = SegmentOptions(
        model=args.model,
        profile=args.profile,
        normalize=args.normalize,
        user_dict=args.user_dict,
        pretokenized=args.pretokenized,
        jsonl=args.jsonl,
        field=args.field,
        output_field=args.output_field,
        skip_bad=args.skip_bad,
        errors=args.errors,
    )
    if args.output_field is not None and not args.jsonl:
        raise CliError("--output-field needs --jsonl", 2)
    if args.skip_bad and not args.jsonl:
        raise CliError("--skip-bad needs --jsonl", 2)
    if args.jobs < 1:
        raise CliError("--jobs must be at least 1", 2)
    if args.chunk_size < 1:
        raise CliError("--chunk-size must be at least 1", 2)
    inputs: list[str] = args.inputs or ["-"]
    for item in inputs:
        if item != "-" and not os.path.exists(item):
            raise CliError(f"cannot read {item}: No such file or directory")
    mirror = any(os.path.isdir(item) for item in inputs)
    if mirror and (args.output is None or args.output == "-"):
        raise CliError("a directory input needs -o OUTDIR (the tree of .txt files is mirrored there)", 2)
    if mirror and os.path.exists(args.output) and not os.path.isdir(args.output):
        raise CliError(f"-o {args.output} must be a directory when an input is a directory", 2)
    if not mirror and args.output not in (None, "-") and os.path.isdir(args.output):
        raise CliError(f"-o {args.output} is a directory; give an output file name", 2)
    if mirror and "-" in inputs:
        raise CliError("stdin cannot be mixed with directory inputs", 2)

    total = 0
    for item in inputs:
        with contextlib.suppress(OSError):
            if item != "-" and os.path.isfile(item):
                total += os.path.getsize(item)
    show = not args.quiet and sys.stderr.isatty()
    progress = _Progress(show, total or None)
    run = SegmentRun(options, args.jobs, args.chunk_size, progress)
    try:
        run.processor  # noqa: B018 - build it now: a bad model or dictionary fails before any output exists
        if mirror:
            outdir = Path(args.output)
            for source, target in _mirror_targets(inputs, outdir):
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise CliError(_os_message(exc, "create directory")) from None
                with _output(str(target)) as out:
                    run.segment_file(source, out)
        else:
            with _output(args.output) as out:
                for item in inputs:
                    run.segment_file(item, out)
    finally:
        run.close()
        progress.close()
    if run.skipped:
        _warn(f"skipped {run.skipped} bad line{'s' if run.skipped != 1 else ''} (passed through unchanged)")
    return 0


# -- evaluate --------------------------------------------------------------------
def _read_lines(path: str) -> list[str]:
    try:
        with open_input(path) as (source, name):
            return [line.text for line in iter_lines(source, path=name)]
    except OSError as exc:
        raise CliError(_os_message(exc, "read")) from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import score_lines

    score = score_lines(_read_lines(args.gold), _read_lines(args.pred))
    print(score.report())
    return 0


# -- train -------------------------------------------------------------------------
_TRAIN_MODULES = ("numpy", "scipy", "sklearn")


def cmd_train(args: argparse.Namespace) -> int:
    from .model import train as train_module

    lines = _read_lines(args.train)
    dev = _read_lines(args.dev) if args.dev else None
    lexicons = [Path(p) for p in args.lexicon]
    for path in lexicons:
        if not path.is_file():
            raise CliError(f"cannot read lexicon {path}: No such file")
    log: Callable[[str], None] = (lambda msg: None) if args.quiet else (lambda msg: _warn(msg))
    try:
        model = train_module.train(lines, lexicons, c=args.c, case_fraction=args.case_copies, log=log)
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
        with atomic_output(output) as handle:  # = model.save(output), but atomic
            handle.write(model.to_bytes())
    except OSError as exc:
        raise CliError(_os_message(exc, "write model to")) from None
    _warn(f"model written to {output}")
    if dev is not None:
        from .api import Segmenter
        from .evaluate import score_lines

        segmenter = Segmenter(model)
        predictions = [segmenter.segment_line(line.replace("_", " ")) for line in dev]
        print(f"dev: {score_lines(dev, predictions).report()}")
    return 0


# -- stats -------------------------------------------------------------------------
def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import SyllableStats

    target = Path(args.output)
    if target.is_dir() or not target.resolve().parent.is_dir():
        raise CliError(f"cannot write statistics to {target}: {'is a directory' if target.is_dir() else 'no such directory'}")
    base = SyllableStats.load(args.base) if args.base else None
    try:
        stats = SyllableStats.build(args.inputs, progress=not args.quiet and sys.stderr.isatty(), base=base,
                                    min_count=args.min_count, min_pair_count=args.min_count, errors=args.errors)
    except OSError as exc:
        raise CliError(_os_message(exc, "read")) from None
    data = stats.to_bytes()
    try:
        with atomic_output(args.output) as handle:
            handle.write(data)
    except OSError as exc:
        raise CliError(_os_message(exc, "write statistics to")) from None
    if not args.quiet:
        _warn(f"{stats.lines} lines, {stats.tokens} syllables, {len(stats.syllables())} distinct kept: "
              f"{args.output} ({len(data)} bytes)")
    return 0


# -- argument parsing ----------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Vietnamese word segmentation: joins the syllables of each word with '_'."
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{segment,evaluate,train,stats}")

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
    seg.add_argument("--errors", choices=("strict", "replace"), default="strict",
                     help="invalid UTF-8: 'strict' stops with an error naming file, line and byte; 'replace' "
                          "substitutes U+FFFD (default: %(default)s)")
    seg.add_argument("--profile", choices=("default", "vncorenlp"), default="default",
                     help="'default' = the learned model; 'vncorenlp' = RDRsegmenter-identical output "
                          "(default: %(default)s)")
    seg.add_argument("--normalize", choices=("none", "nfc", "tone-old", "tone-new"), default="none",
                     help="output spelling: input characters as they are, NFC, old-style tones (hoà) or "
                          "new-style tones (hòa) (default: %(default)s)")
    seg.add_argument("--model", metavar="PATH", default=None, help="model file (default: the bundled model)")
    seg.add_argument("--user-dict", metavar="FILE", default=None,
                     help="user dictionary: one word per line to always join; '-word' to always split")
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
                        description="Compare two '_'-segmented files line by line (same text, same line count).")
    ev.add_argument("gold", metavar="GOLD", help="gold segmentation ('_' joins syllables)")
    ev.add_argument("pred", metavar="PRED", help="predicted segmentation, same lines as GOLD")
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
    tr.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model file")
    tr.add_argument("--quiet", "-q", action="store_true", help="no training log on stderr")
    tr.set_defaults(func=cmd_train)

    st = sub.add_parser("stats", help="syllable statistics from raw text, to adapt a model to a domain",
                        description="Count syllables and neighbour pairs of raw UTF-8 text (streaming) into a "
                                    "statistics table (tachtu.stats.SyllableStats).")
    st.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="text files; directories are read for *.txt")
    st.add_argument("-o", "--output", required=True, metavar="STATS", help="table to write (atomically)")
    st.add_argument("--base", metavar="STATS", default=None,
                    help="extend this table (its class bins are kept), e.g. the bundled one")
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
        code: int = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        return 130
    except CliError as exc:
        _warn(str(exc))
        return exc.code
    except InputError as exc:
        _warn(str(exc))
        return 1
    except TachtuError as exc:
        _warn(str(exc))
        return 2
    except OSError as exc:
        _warn(_os_message(exc, "access"))
        return 1
