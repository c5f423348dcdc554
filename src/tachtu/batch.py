"""The batch engine behind ``tachtu segment``: files and directories in, files out.

``segment_paths`` is the one entry point: it checks the inputs and the output
against each other, then streams every input through a ``LineProcessor``
(one input line -> one output line), in worker processes for large files, and
writes each output with ``textio.output_file`` (atomically for regular
files).  The command line only parses arguments and calls it.

Errors are ``InputError`` (unreadable input, exit 1), ``OutputError``
(unwritable output, exit 1), ``WorkerError`` (a worker process died, exit 1)
and ``UsageError`` (inputs and output that do not fit together, exit 2),
each naming the file.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Iterator, Sequence

from .errors import InputError, OutputError, UsageError, WorkerError
from .jsonl import BadLine, splice_field
from .settings import Settings
from .signals import ENDING_SIGNALS, raise_if_terminated
from .textio import (
    BOM,
    DEFAULT_CHUNK_SIZE,
    Chunk,
    DecodeErrors,
    Line,
    iter_chunk_lines,
    iter_lines,
    open_input,
    output_file,
    read_chunks,
    stdout_binary,
)

if TYPE_CHECKING:  # the pool is imported when --jobs asks for one (a fifth of the CLI's imports)
    from concurrent.futures import Future, ProcessPoolExecutor

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
        try:
            return splice_field(line.text, self.options.field, self.options.output_field, self.text), None
        except BadLine as exc:
            problem = str(exc)
        if not self.options.skip_bad:
            raise InputError(f"{problem}; use --skip-bad to pass such lines through", path=path, line=line.number)
        return line.text, f"{path}: line {line.number}: {problem}; passed through unchanged"

    def chunk(self, chunk: Chunk, path: str, errors: DecodeErrors) -> Processed:
        """Process a chunk of whole lines: plain text is decoded once, segmented as
        one block (``Segmenter.segment``) and encoded once; anything else, and a
        chunk that is not valid UTF-8 (for the exact error, or U+FFFD per line),
        goes line by line.  Both give the same bytes: lines end at ``\\n``, a
        ``\\r`` before it is dropped, and so is a ``\\r`` ending the last line
        (see ``textio.decode_line``)."""
        data = chunk.data
        if self.options.jsonl or self._segmenter is None:
            return self.lines(iter_chunk_lines(chunk, path=path, errors=errors), path)
        start = len(BOM) if chunk.byte_offset == 0 and data.startswith(BOM) else 0
        try:
            text = data[start:].decode("utf-8") if start else data.decode("utf-8")
        except UnicodeDecodeError:
            return self.lines(iter_chunk_lines(chunk, path=path, errors=errors), path)
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        newline = text.endswith("\n")
        if newline:
            text = text[:-1]
        elif text.endswith("\r"):
            text = text[:-1]
        data = self._segmenter.segment(text).encode("utf-8")
        return Processed(data + b"\n" if newline else data, [])

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


def _end_with_parent() -> None:
    """Linux: have the kernel send this worker SIGTERM when the parent dies, even by SIGKILL.

    A worker waits on a queue whose other end it holds itself, so it would
    otherwise wait forever for a parent that is gone.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


def _init_worker(options: SegmentOptions, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    for number in ENDING_SIGNALS:  # a handler inherited from the parent must not keep a worker alive
        signal.signal(number, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # blocked by the parent around the fork (see _submit)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING_SIGNALS)
    _end_with_parent()
    try:  # the parent may have died before prctl took effect
        os.kill(parent, 0)
    except ProcessLookupError:
        os._exit(1)
    except OSError:
        pass
    _load_worker(options)


def _load_worker(options: SegmentOptions) -> None:
    global _worker, _worker_error
    try:
        inherited = _parent_processor
        _worker = inherited if inherited is not None and inherited.options == options else LineProcessor(options)
    except Exception as exc:  # noqa: BLE001 - re-raised by _work: reported per chunk, with its real message
        _worker_error = exc


def _work(chunk: Chunk, path: str, errors: DecodeErrors) -> Processed:
    if _worker_error is not None:
        raise _worker_error
    assert _worker is not None, "worker initializer did not run"
    return _worker.chunk(chunk, path, errors)


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
        """End the workers (after success, an error or a signal alike).

        Not multiprocessing.Pool, and no terminate(): a worker killed while writing a large
        result leaves the pool's reader waiting forever for the rest of it (as Pool.terminate()
        deadlocks, e.g. after SIGPIPE).  Here queued chunks are cancelled and the at most
        ``jobs`` running ones finish, their results drained by the executor.
        """
        global _parent_processor
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        _parent_processor = None

    def _emit(self, result: Processed, out: BinaryIO, out_name: str, flush: bool = False) -> None:
        raise_if_terminated()
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
            raise OutputError(f"cannot write {out_name}: {exc.strerror or exc}") from None

    def stream(self, source: BinaryIO, path: str, out: BinaryIO, out_name: str, *, parallel: bool,
               flush: bool = False) -> int:
        """Segment ``source`` into ``out``, in parallel chunks if asked; returns bytes counted as progress."""
        if parallel:
            return self._parallel(source, path, out, out_name)
        processor = self.processor
        done = 0
        if not flush:  # a file: chunks of lines, as a worker takes them (stdin goes line by line)
            for chunk in read_chunks(source, self.chunk_size):
                self._emit(processor.chunk(chunk, path, self.options.errors), out, out_name)
                done += len(chunk.data)
                self.progress.update(len(chunk.data))
            return done
        for line in iter_lines(source, path=path, errors=self.options.errors):
            self.progress.update(line.byte_offset - done)  # progress lags one line: cheap and close enough
            done = line.byte_offset
            self._emit(processor.lines([line], path), out, out_name, flush)
        return done

    def _parallel(self, source: BinaryIO, path: str, out: BinaryIO, out_name: str) -> int:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, initializer=_init_worker, initargs=(self.options, os.getpid()))
        pending: collections.deque[tuple[Future[Processed], int]] = collections.deque()
        limit = 2 * self.jobs  # bounded read-ahead: memory stays ~ 2 * jobs * chunk_size
        try:
            for chunk in read_chunks(source, self.chunk_size):
                pending.append((self._submit(chunk, path), len(chunk.data)))
                while len(pending) >= limit:
                    self._collect(pending, out, out_name)
            while pending:
                self._collect(pending, out, out_name)
        except BrokenProcessPool:
            raise WorkerError(f"a worker process segmenting {path} died (killed, or out of memory); "
                              "nothing was written to an output file") from None
        return source.tell()

    def _submit(self, chunk: Chunk, path: str) -> Future[Processed]:
        """Submit a chunk with SIGTERM/SIGHUP held back: a submit may fork the workers, and a
        handler that raises during a fork is swallowed (in an at-fork hook) or breaks the pool."""
        assert self._pool is not None
        if not hasattr(signal, "pthread_sigmask"):
            return self._pool.submit(_work, chunk, path, self.options.errors)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING_SIGNALS)
        try:
            return self._pool.submit(_work, chunk, path, self.options.errors)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def _collect(self, pending: collections.deque[tuple[Future[Processed], int]], out: BinaryIO, out_name: str) -> None:
        result, size = pending.popleft()
        self._emit(result.result(), out, out_name)
        self.progress.update(size)

    def segment_file(self, path: str | None, out: BinaryIO, out_name: str) -> None:
        """Segment one input (a file path, or stdin for None/"-") into ``out``, named ``out_name`` in errors."""
        with contextlib.ExitStack() as stack:
            try:
                source, name = stack.enter_context(open_input(path))
            except OSError as exc:
                raise InputError(os_message(exc, "read")) from None
            size = None
            if name != "<stdin>":
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    info = os.fstat(source.fileno())
                    size = info.st_size if stat.S_ISREG(info.st_mode) else None
            parallel = self.jobs > 1 and size is not None and size > self.chunk_size
            try:
                done = self.stream(source, name, out, out_name, parallel=parallel, flush=name == "<stdin>")
            except (BrokenPipeError, OutputError):
                raise
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
            if size:
                self.progress.update(max(0, size - done))


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def _inside(path: str, directory: str) -> bool:
    """Whether real path ``path`` is ``directory`` or lies under it."""
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def mirror_plan(inputs: Sequence[str], outdir: str, suffix: str, warn: Warn) -> list[tuple[str, Path]]:
    """(input file, output file) pairs: each directory's tree of ``suffix`` files mirrored under ``outdir``.

    Computed whole before anything is written, so writing cannot feed the walk;
    an ``outdir`` inside an input directory is left out of that walk.

    Raises:
        UsageError: ``outdir`` is an input directory, two inputs would be written
            to the same file, or an output would replace an input.
    """
    out_real = _real(outdir)
    plan: list[tuple[str, Path]] = []
    for item in inputs:
        if not os.path.isdir(item):
            plan.append((item, Path(outdir) / os.path.basename(item)))
            continue
        if _real(item) == out_real:
            raise UsageError(f"-o {outdir} is the input directory {item}: its files would be overwritten")
        found = 0
        for root, dirs, files in os.walk(item):
            dirs[:] = sorted(d for d in dirs if not _inside(_real(os.path.join(root, d)), out_real))
            for name in sorted(files):
                if name.endswith(suffix):
                    source = os.path.join(root, name)
                    plan.append((source, Path(outdir) / os.path.relpath(source, item)))
                    found += 1
        if not found:
            warn(f"{item}: no {suffix} files found")
    written: dict[str, str] = {}
    sources = {_real(source) for source, _ in plan}
    for source, target in plan:
        key = _real(target)
        if key in written:
            raise UsageError(f"{written[key]} and {source} would both be written to {target}; nothing was written")
        if key in sources:
            raise UsageError(f"{source} would be written to {target}, which is an input; nothing was written")
        written[key] = source
    return plan


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[tuple[BinaryIO, str]]:
    """The output stream and its name for messages: a file (see ``output_file``) or stdout."""
    if path is None or path == "-":
        if sys.stdout is None:
            raise OutputError("cannot write <stdout>: it is closed")
        out = stdout_binary()
        yield out, "<stdout>"
        try:
            out.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write <stdout>: {exc.strerror or exc}") from None
        return
    try:
        context = output_file(path)
        handle = context.__enter__()
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        yield handle, path
    except BaseException:
        context.__exit__(*sys.exc_info())
        raise
    try:
        raise_if_terminated()
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
        raise UsageError("a directory input needs -o OUTDIR (the tree of files is mirrored there)")
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
            mirror their ``.txt`` files (``.jsonl`` with ``options.jsonl``) into
            the directory ``output``.
        output: a file (see ``textio.output_file``), a directory, or None/``"-"`` for stdout.
        options: how to turn a line into a line.
        jobs: worker processes for files larger than ``chunk_size``.
        chunk_size: bytes of whole lines per parallel work unit.
        progress: draw a progress bar on stderr.
        warn: called with each warning (a bad line passed through, an empty directory).

    Returns:
        The number of bad lines passed through (``skip_bad``).

    Raises:
        InputError, OutputError, UsageError, WorkerError: see the module docstring.
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
    if _check_paths(inputs, output):
        plan = mirror_plan(inputs, output, ".jsonl" if options.jsonl else ".txt", warn)  # type: ignore[arg-type]
    else:
        plan = None
    total = 0
    for source in inputs if plan is None else (source for source, _ in plan):
        with contextlib.suppress(OSError):
            if source != "-" and os.path.isfile(source):
                total += os.path.getsize(source)
    bar = Progress(progress, total or None)
    run = SegmentRun(options, jobs, chunk_size, bar, warn)
    try:
        run.processor  # noqa: B018 - build it now: a bad model or dictionary fails before any output exists
        if plan is not None:
            for source, target in plan:
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise OutputError(os_message(exc, "create directory")) from None
                with _output(str(target)) as (out, name):
                    run.segment_file(source, out, name)
        else:
            with _output(output) as (out, name):
                for item in inputs:
                    run.segment_file(item, out, name)
    finally:
        run.close()
        bar.close()
    return run.skipped
