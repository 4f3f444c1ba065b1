"""Ctrl-C and SIGTERM during a session: retreat from the skin, then end normally.

While the session runs, SIGINT and SIGTERM ask the Supervisor for a controlled retreat
(``Supervisor.request_stop(kind)`` when it offers one, else ``start_retreat`` with kind
``interrupt``); the runner then lifts the tool clear and the session writes its summary
as after any safety stop. Further signals during the retreat are ignored (the retreat
is what makes stopping safe); the previous handlers come back afterwards. Only the main
thread can install handlers; elsewhere this does nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def retreat_on_signals(supervisor: Any) -> Iterator[list[int]]:
    """Install the handlers for the ``with`` block; yields the signals received."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) > 1:
            return
        kind = "sigterm" if signum == signal.SIGTERM else "interrupt"
        request = getattr(supervisor, "request_stop", None)
        if callable(request):
            request(kind)
            return
        last = supervisor.last_state
        t = last.t_s if last is not None else 0.0
        supervisor.start_retreat(t, kind, float(signum), 0.0)

    saved = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, handler)
    try:
        yield received
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
