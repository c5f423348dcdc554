"""All error types of tachtu, in one place, each naming its cause."""

from __future__ import annotations


class TachtuError(ValueError):
    """Base class: bad input, model or arguments (a ``ValueError``)."""


class ModelError(TachtuError):
    """A model file is missing, corrupt, or of another version."""


class InputError(TachtuError):
    """Input that cannot be read (e.g. not UTF-8); says where."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 byte_offset: int | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if byte_offset is not None:
            where.append(f"byte {byte_offset}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")
        self.path = path
        self.line = line
        self.byte_offset = byte_offset


class DictionaryError(TachtuError):
    """A user dictionary line is invalid; says which line."""


class UsageError(TachtuError):
    """Options, inputs and output that do not fit together (e.g. a directory input without ``-o``)."""


class OutputError(TachtuError):
    """Output that cannot be written (missing directory, full disk); names the file."""


class WorkerError(TachtuError):
    """A worker process died while segmenting (killed, out of memory); names the input."""
