"""SIGTERM and SIGHUP end a command the way Ctrl-C does: by unwinding.

Left to their default action they kill the process on the spot: an output's
temporary file stays behind and worker processes, waiting on a queue whose
other end they hold themselves, wait forever.  Raised as ``Terminated``
instead, they run every ``finally`` and ``except BaseException`` on the way
out (``textio.atomic_output`` removes its temporary file, ``batch`` ends its
workers), and the command exits with 128 + the signal number.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

__all__ = ["ENDING_SIGNALS", "Terminated", "ending_signals_unwind", "raise_if_terminated"]

ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl-C, so temp files are removed and workers ended."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_terminated: int | None = None  # the signal received, for when its exception was swallowed


def raise_if_terminated() -> None:
    """Raise ``Terminated`` if an ending signal arrived (in case its own exception was swallowed)."""
    if _terminated is not None:
        raise Terminated(_terminated)


@contextlib.contextmanager
def ending_signals_unwind() -> Iterator[None]:
    """While the body runs, SIGTERM and SIGHUP raise ``Terminated`` (unless ignored, as under nohup).

    Python runs the handler between two bytecodes of the main thread; when that is inside
    a finaliser the exception is only printed, so the signal is also recorded and checked
    before each block is written and before an output file is put in place.
    """
    global _terminated
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        global _terminated
        _terminated = signum
        raise Terminated(signum)

    previous = {}
    for number in ENDING_SIGNALS:
        if signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, handler)
    try:
        yield
        raise_if_terminated()
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
        _terminated = None
