"""The batch engine behind ``tachtu segment``: files and directories in, files out.

``segment_paths`` is the one entry point: it checks the inputs and the output
against each other, then streams every input through a ``LineProcessor``
(one input line -> one output line), in worker processes for large files, and
writes each output atomically (``textio.atomic_output``).  The command line
only parses arguments and calls it.

Errors are ``InputError`` (unreadable input, exit 1), ``OutputError``
(unwritable output, exit 1) and ``UsageError`` (inputs and output that do not
fit together, exit 2), each naming the file.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Sequence

from .errors import InputError, OutputError, UsageError
from .settings import Settings
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

__all__ = ["DEFAULT_CHUNK_SIZE", "LineProcessor", "SegmentOptions", "segment_paths"]

Warn = Callable[[str], None]


def os_message(exc: OSError, what: str) -> str:
    """``cannot <what> <file>: <reason>`` for an ``OSError``."""
    name = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"cannot {what} {name}: {reason}".replace("  ", " ")


# -- one line into one line -----------------------------------------------------------
@dataclass(frozen=True)
class SegmentOptions:
    """Everything a (worker) process needs to build its line processor; picklable."""

    settings: Settings = Settings()
    pretokenized: bool = False
    jsonl: bool = False
    field: str = "text"
    output_field: str | None = None
    skip_bad: bool = False
    errors: DecodeErrors = "strict"


@dataclass
class Processed:
    """Output of a block of lines: encoded text and one warning per line passed through."""

    data: bytes
    warnings: list[str]


class LineProcessor:
    """Turns one decoded input line into one output line (without terminator)."""

    def __init__(self, options: SegmentOptions) -> None:
        self.options = options
        self._segmenter: Any = None
        if not options.pretokenized:
            self._segmenter = options.settings.segmenter()

    def text(self, text: str) -> str:
        """Segment (or, pretokenized, tidy) a string that may span lines."""
        return "\n".join(self._one_line(part) for part in text.split("\n"))

    def _one_line(self, line: str) -> str:
        if self._segmenter is not None:
            return str(self._segmenter.segment_line(line))
        tokens = line.split()
        normalize = self.options.settings.normalize
        if normalize != "none":
            from .normalize import normalize_output

            tokens = [
                normalize_output(t.replace("_", " "), normalize).replace(" ", "_")  # type: ignore[arg-type]
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
        return Processed("".join(parts).encode("utf-8"), warnings)


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


# -- driving files --------------------------------------------------------
class Progress:
    """A tqdm bar in bytes on stderr when enabled; no-op otherwise."""

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
    """One batch run: a lazily built processor and pool."""

    def __init__(self, options: SegmentOptions, jobs: int, chunk_size: int, progress: Progress, warn: Warn) -> None:
        self.options = options
        self.jobs = jobs
        self.chunk_size = chunk_size
        self.progress = progress
        self.warn = warn
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
            self.warn(warning)
        self.skipped += len(result.warnings)
        try:
            out.write(result.data)
            if flush:
                out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write output: {exc.strerror or exc}") from None

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
                raise InputError(os_message(exc, "read")) from None
            size = None
            if name != "<stdin>":
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    size = os.fstat(source.fileno()).st_size
            parallel = self.jobs > 1 and size is not None and size > self.chunk_size
            try:
                done = self.stream(source, name, out, parallel=parallel, flush=name == "<stdin>")
            except (BrokenPipeError, OutputError):
                raise
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
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
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield handle
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise
    try:
        context.__exit__(None, None, None)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _check_paths(inputs: Sequence[str], output: str | None) -> bool:
    """Refuse inputs and output that do not fit together; True when directories are mirrored."""
    for item in inputs:
        if item != "-" and not os.path.exists(item):
            raise InputError(f"cannot read {item}: No such file or directory")
    mirror = any(os.path.isdir(item) for item in inputs)
    if mirror and (output is None or output == "-"):
        raise UsageError("a directory input needs -o OUTDIR (the tree of .txt files is mirrored there)")
    if mirror and os.path.exists(output) and not os.path.isdir(output):  # type: ignore[arg-type]
        raise UsageError(f"-o {output} must be a directory when an input is a directory")
    if not mirror and output not in (None, "-") and os.path.isdir(output):  # type: ignore[arg-type]
        raise UsageError(f"-o {output} is a directory; give an output file name")
    if mirror and "-" in inputs:
        raise UsageError("stdin cannot be mixed with directory inputs")
    return mirror


def segment_paths(
    inputs: Sequence[str],
    output: str | None,
    options: SegmentOptions,
    *,
    jobs: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = False,
    warn: Warn = lambda message: None,
) -> int:
    """Segment ``inputs`` (files, directories, ``"-"`` for stdin) into ``output``.

    Args:
        inputs: what to read; files are concatenated into ``output``, directories
            mirror their ``.txt`` files into the directory ``output``.
        output: a file (written atomically), a directory, or None/``"-"`` for stdout.
        options: how to turn a line into a line.
        jobs: worker processes for files larger than ``chunk_size``.
        chunk_size: bytes of whole lines per parallel work unit.
        progress: draw a progress bar on stderr.
        warn: called with each warning (a bad line passed through).

    Returns:
        The number of bad lines passed through (``skip_bad``).

    Raises:
        InputError, OutputError, UsageError: see the module docstring.
        TachtuError: a bad model or dictionary (before any output exists).
    """
    if options.output_field is not None and not options.jsonl:
        raise UsageError("--output-field needs --jsonl")
    if options.skip_bad and not options.jsonl:
        raise UsageError("--skip-bad needs --jsonl")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    inputs = list(inputs) or ["-"]
    mirror = _check_paths(inputs, output)
    total = 0
    for item in inputs:
        with contextlib.suppress(OSError):
            if item != "-" and os.path.isfile(item):
                total += os.path.getsize(item)
    bar = Progress(progress, total or None)
    run = SegmentRun(options, jobs, chunk_size, bar, warn)
    try:
        run.processor  # noqa: B018 - build it now: a bad model or dictionary fails before any output exists
        if mirror:
            outdir = Path(output)  # type: ignore[arg-type]
            for source, target in _mirror_targets(inputs, outdir):
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise OutputError(os_message(exc, "create directory")) from None
                with _output(str(target)) as out:
                    run.segment_file(source, out)
        else:
            with _output(output) as out:
                for item in inputs:
                    run.segment_file(item, out)
    finally:
        run.close()
        bar.close()
    return run.skipped
