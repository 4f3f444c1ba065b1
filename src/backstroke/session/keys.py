"""Client controls from the terminal: ``s`` stop, ``l`` lighter, ``f`` firmer,
``t`` too much here, ``n`` skip this technique.

Active only when standard input is a terminal; restores the terminal on exit (and
stops quietly when the terminal goes away: SIGHUP, end of input).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

KEYS = {"s": "stop", "l": "lighter", "f": "firmer", " ": "stop", "t": "too_much", "n": "skip"}


class KeyControls:
    """Reads single keys in a daemon thread and calls ``press(signal)`` for each."""

    def __init__(self, press: Callable[[str], None]) -> None:
        self.press = press
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: list[Any] | None = None

    def __enter__(self) -> KeyControls:
        if not sys.stdin.isatty():
            return self
        import termios
        import tty

        fd = sys.stdin.fileno()
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        self._thread = threading.Thread(target=self._loop, name="client-keys", daemon=True)
        self._thread.start()
        print(
            "client controls: s = stop, l = lighter, f = firmer, t = too much here, n = skip",
            file=sys.stderr,
        )
        return self

    def _loop(self) -> None:
        import select

        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([sys.stdin], [], [], 0.05)
                key = sys.stdin.read(1).lower() if ready else None
            except (OSError, ValueError):  # the terminal is gone (SIGHUP)
                return
            if key == "":  # end of input: the terminal closed
                return
            if key in KEYS:
                self.press(KEYS[key])

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=0.5)
        if self._saved is not None:
            import termios

            with contextlib.suppress(termios.error, OSError, ValueError):  # terminal closed
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
