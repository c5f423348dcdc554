"""File and stream helpers for the command line: decoding, chunking, atomic output.

Policies (see ``docs/guarantees.md``):

* Input is UTF-8.  A byte-order mark at the very start of a file is dropped.
  A line ends at ``\\n``; a ``\\r`` right before it (CRLF) is dropped too,
  and output lines always end with ``\\n``.  A last line without a line break
  stays without one.
* Invalid UTF-8 raises ``InputError`` naming the file, the line (1-based) and
  the absolute byte offset (0-based) of the first bad byte; with
  ``errors="replace"`` bad bytes become U+FFFD instead.
* Output files are written atomically: into a temporary file in the same
  directory, renamed over the final name only when everything succeeded.
  Only regular files are replaced that way: a device, FIFO or socket is
  written through, and a symbolic link is followed (its target is replaced).

>>> import io
>>> [(line.number, line.text, line.newline) for line in iter_lines(io.BytesIO(b"\\xef\\xbb\\xbfa\\r\\nb"), path="x")]
[(1, 'a', True), (2, 'b', False)]
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Literal

from .errors import InputError

BOM = b"\xef\xbb\xbf"
DecodeErrors = Literal["strict", "replace"]
DEFAULT_CHUNK_SIZE = 1024 * 1024  # bytes of whole lines per parallel work unit (small enough to balance 2+ workers)


@dataclass(frozen=True, slots=True)
class Line:
    """One decoded input line.

    ``text`` has no line terminator (``\\n`` and a preceding ``\\r`` removed);
    ``newline`` says whether the input line had one.  ``number`` is 1-based,
    ``byte_offset`` is the offset of the line's first byte in the file.
    """

    number: int
    byte_offset: int
    text: str
    newline: bool


@dataclass(frozen=True, slots=True)
class Chunk:
    """A block of whole lines of a file, with where it starts."""

    data: bytes
    first_line: int
    byte_offset: int


def decode_line(raw: bytes, *, path: str, number: int, byte_offset: int, errors: DecodeErrors = "strict") -> Line:
    """Decode one raw line (terminator included) into a ``Line``.

    A BOM is stripped only when ``byte_offset`` is 0 (start of the file).

    Raises:
        InputError: ``raw`` is not valid UTF-8 and ``errors`` is ``"strict"``.
    """
    start = 0
    if byte_offset == 0 and raw.startswith(BOM):
        start = len(BOM)
    end = len(raw)
    newline = raw.endswith(b"\n")
    if newline:
        end -= 1
        if end > start and raw[end - 1 : end] == b"\r":
            end -= 1
    elif raw.endswith(b"\r") and end > start:
        end -= 1  # CRLF file whose last "\n" was cut off: treat the same
    body = raw[start:end]
    try:
        text = body.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"invalid UTF-8 ({exc.reason}); use --errors replace to substitute U+FFFD",
            path=path,
            line=number,
            byte_offset=byte_offset + start + exc.start,
        ) from None
    return Line(number, byte_offset, text, newline)


def iter_lines(
    stream: BinaryIO,
    *,
    path: str,
    errors: DecodeErrors = "strict",
    first_line: int = 1,
    byte_offset: int = 0,
) -> Iterator[Line]:
    """Decode a binary stream line by line (memory bounded by the longest line)."""
    number = first_line
    offset = byte_offset
    for raw in stream:
        yield decode_line(raw, path=path, number=number, byte_offset=offset, errors=errors)
        number += 1
        offset += len(raw)


def iter_chunk_lines(chunk: Chunk, *, path: str, errors: DecodeErrors = "strict") -> Iterator[Line]:
    """The lines of a ``Chunk``, with their true file line numbers and offsets."""
    data = chunk.data
    number = chunk.first_line
    pos = 0
    n = len(data)
    while pos < n:
        end = data.find(b"\n", pos)
        end = n if end < 0 else end + 1
        yield decode_line(data[pos:end], path=path, number=number, byte_offset=chunk.byte_offset + pos, errors=errors)
        number += 1
        pos = end


def read_chunks(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Chunk]:
    """Split a binary stream into blocks of about ``chunk_size`` bytes of whole lines."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    number = 1
    offset = 0
    while True:
        data = stream.read(chunk_size)
        if not data:
            return
        if not data.endswith(b"\n"):
            data += stream.readline()  # finish the last line
        yield Chunk(data, number, offset)
        number += data.count(b"\n")
        offset += len(data)


def _set_mode(fd: int, mode: int | None) -> None:
    """Give a mkstemp file (0600) ``mode``, or the permissions a plain ``open`` would."""
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.fchmod(fd, mode)


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """Write a regular file atomically: temp file in the same directory, then ``os.replace``.

    If the body raises (or the process dies), the final name is untouched and
    the temporary file is removed (on any exception, Ctrl-C and handled signals
    included).  ``mode`` (e.g. the permissions of the file being replaced)
    defaults to what a plain ``open`` would give.

    Raises:
        OSError: the directory is missing or not writable.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        _set_mode(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def output_file(path: str | Path) -> Iterator[BinaryIO]:
    """Open ``path`` for writing the way its kind of file needs.

    A regular file (or a new name) is written atomically with ``atomic_output``,
    keeping the permissions of a file it replaces.  Anything else -- a device
    such as ``/dev/null``, a FIFO, a terminal -- is written through: replacing
    it would destroy it (and a FIFO's reader would wait forever).  A symbolic
    link is followed: its target is written, the link stays.

    Raises:
        OSError: the file or its directory cannot be written.
    """
    try:
        info = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        info = None  # a new file (or a dangling link: its target is created)
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "wb") as handle:
            yield handle
        return
    mode = None if info is None else stat.S_IMODE(info.st_mode)
    with atomic_output(os.path.realpath(path), mode) as handle:
        yield handle


@contextlib.contextmanager
def open_input(path: str | None) -> Iterator[tuple[BinaryIO, str]]:
    """A binary input stream and its display name; ``None`` or ``"-"`` is stdin.

    Raises:
        OSError: the file is missing, a directory or unreadable.
    """
    if path is None or path == "-":
        stdin = sys.stdin
        if stdin is None:  # started with stdin closed (``<&-``)
            raise OSError(errno.EBADF, "stdin is closed", "<stdin>")
        yield getattr(stdin, "buffer", stdin), "<stdin>"
        return
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a directory", path)
    with open(path, "rb") as handle:
        yield handle, path


def stdout_binary() -> BinaryIO:
    """``sys.stdout`` as a binary stream (after flushing pending text)."""
    sys.stdout.flush()
    return getattr(sys.stdout, "buffer", sys.stdout)
