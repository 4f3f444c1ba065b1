"""Interruptions: a signal or a full disk ends the session with a controlled retreat.

SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal closed) ask the Supervisor for a
retreat (``Supervisor.request_stop("interrupted")``): the tool withdraws along the
normal, the log is closed, ``summary.json`` and ``report.html`` are written with
``ended_because = "interrupted: SIGINT"`` (…) and the command exits 4. A second signal
stops at once: ``robot.stop()`` and no further command.

A full disk (any ``OSError`` while writing the log) does the same with
``ended_because = "disk_full"``; later log writes are dropped.
"""

from __future__ import annotations

import contextlib
import errno
import signal
import sys
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from backstroke.errors import SessionInterrupted

SIGNALS = tuple(
    s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None
)
DISK_FULL = "disk_full"
INTERRUPTED = "interrupted"


class Interrupts:
    """Signal handlers for one session (a context manager; restores the old handlers).

    Before ``attach`` (loading, planning) a signal ends the command at once with
    ``SessionInterrupted`` (nothing has touched the client). After ``attach`` the first
    signal asks for a retreat, the second calls ``hard_stop`` and raises
    ``SessionInterrupted`` (a ``SafetyFault``: the runner still writes its summary).

    Attributes:
        reason: why the session is ending early (``interrupted: SIGINT``,
            ``disk_full`` …), ``None`` while nothing happened.
        immediate: a second signal stopped the robot at once.
        t_s: session time of the last tick seen (for the events), when known.
    """

    def __init__(self) -> None:
        self.reason: str | None = None
        self.immediate = False
        self.count = 0
        self._request: Callable[[str], None] | None = None
        self._hard_stop: Callable[[], Any] | None = None
        self._saved: dict[int, Any] = {}
        self._defer = 0
        self._pending: SessionInterrupted | None = None
        self._detached = False

    # ------------------------------------------------------------ context
    def __enter__(self) -> Interrupts:
        for sig in SIGNALS:
            with contextlib.suppress(ValueError, OSError):  # not the main thread: none
                self._saved[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, old in self._saved.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, old)
        self._saved.clear()

    # ------------------------------------------------------------ wiring
    def attach(self, request_stop: Callable[[str], None], hard_stop: Callable[[], Any]) -> None:
        """The session is live: signals now retreat (``request_stop``) or stop at once."""
        self._request = request_stop
        self._hard_stop = hard_stop
        if self.reason is not None:  # a signal raced the start
            request_stop(INTERRUPTED)

    def detach(self) -> None:
        """The robot is done: later signals are only noted (outputs still get written)."""
        self._request = None
        self._hard_stop = None
        self._detached = True

    def note(self, reason: str) -> None:
        """An interruption that is not a signal (a full disk): retreat, once."""
        if self.reason is None:
            self.reason = reason
        if self._request is not None:
            self._request(INTERRUPTED)

    # ------------------------------------------------------------ the handler
    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.count += 1
        if self.count == 1:
            if self.reason is None:
                self.reason = f"interrupted: {name}"
            if self._request is not None:
                self._request(INTERRUPTED)
                _say(f"backstroke: {name}: retreating (press Ctrl-C again to stop at once)")
                return
            if not self._detached:
                raise SessionInterrupted(self.reason, t_s=0.0)
            return
        if self._hard_stop is None:
            return  # the robot is already done; let the outputs finish
        self.immediate = True
        hard_stop, self._hard_stop = self._hard_stop, None
        self._request = None
        with contextlib.suppress(Exception):
            hard_stop()
        exc = SessionInterrupted(self.reason or f"interrupted: {name}", t_s=0.0, immediate=True)
        if self._defer:
            self._pending = exc  # raised when the log write in progress completes
            return
        raise exc

    # ------------------------------------------------------------ deferral
    def hold(self) -> None:
        self._defer += 1

    def release(self) -> None:
        self._defer -= 1
        if self._defer == 0 and self._pending is not None:
            exc, self._pending = self._pending, None
            raise exc


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # a closed terminal
        print(line, file=sys.stderr, flush=True)


class GuardedLog:
    """A session log writer whose failures (a full disk) retreat instead of crashing.

    Wraps any writer with ``on_chunk``, ``write_json`` and ``close``. The first
    ``OSError`` asks ``interrupts`` for a retreat (``disk_full`` when the error is
    ENOSPC/EDQUOT/EFBIG, else ``log_write_failed``) and every later write is dropped; a
    signal's immediate stop never lands in the middle of a write.

    Attributes:
        error: the first write error, or ``None``.
    """

    def __init__(self, writer: Any, interrupts: Interrupts) -> None:
        self.writer = writer
        self.interrupts = interrupts
        self.error: OSError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.error is not None:
            return
        self.interrupts.hold()
        try:
            fn(*args)
        except OSError as exc:
            self.error = exc
            full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG)
            self.interrupts.note(DISK_FULL if full else "log_write_failed")
        finally:
            self.interrupts.release()

    def on_chunk(self, *args: Any) -> None:
        self._call(self.writer.on_chunk, *args)

    def write_json(self, *args: Any) -> None:
        self._call(self.writer.write_json, *args)

    def close(self) -> None:
        """Close the writer (always; a write error here is recorded, not raised)."""
        self.interrupts.hold()
        try:
            self.writer.close()
        except OSError as exc:
            if self.error is None:
                self.error = exc
                self.interrupts.note(DISK_FULL if exc.errno == errno.ENOSPC else "log_write_failed")
        finally:
            self.interrupts.release()
