"""The live dashboard: a running session in the browser, and the client's buttons.

A :class:`LiveDashboard` is a view of a :class:`~backstroke.session.progress.SessionWatch`.
It serves a viser page on ``http://HOST:PORT`` (local; viser's client is part of the
package, nothing is fetched from the network) and redraws it about ten times a second
from its own thread: the tool and its measured force, the path behind it coloured by
pressure, keep-out zones, knots as they are found, the regions the client marked, the
block / pass / beat, force vs target, breathing, elapsed and remaining time.

The buttons (Stop, Lighter, Firmer, Skip, Too much here) call
:meth:`SessionWatch.press` in viser's callback thread: the press is queued for the next
control tick and acknowledged on the page and in the terminal at once.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from backstroke.session.progress import PRESS_WORDS, Heard, SessionWatch
from backstroke.web.view import SessionScene, check_port, import_viser, pressure_of, status_markdown

REFRESH_S = 0.1  # status text and tool
PATH_EVERY = 10  # path and chart every this many refreshes
CHART_WINDOW_S = 20.0
BUTTONS = (
    ("Stop", "stop", "red", "hand-stop"),
    ("Lighter", "lighter", "blue", "arrow-down"),
    ("Firmer", "firmer", "teal", "arrow-up"),
    ("Skip", "skip", "gray", "player-skip-forward"),
    ("Too much here", "too_much", "orange", "alert-triangle"),
)


class LiveDashboard:
    """Serve the live view of a session.

    Args:
        port: TCP port (local).
        host: interface to listen on (default: this machine only).
        linger_s: how long the page stays up after the session ended (its outputs are
            written by then).

    Raises:
        BackstrokeError: the web extra is missing or the port is taken.
    """

    def __init__(self, port: int = 8080, host: str = "127.0.0.1", linger_s: float = 2.0) -> None:
        self.viser = import_viser()
        check_port(host, port)
        self.host, self.port, self.linger_s = host, port, linger_s
        self.server: Any = None
        self.scene: SessionScene | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._drawn = 0
        self._regions = -1
        self.buttons: dict[str, Any] = {}
        self._ended = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ view protocol
    def start(self, watch: SessionWatch) -> None:
        self.server = self.viser.ViserServer(host=self.host, port=self.port, verbose=False)
        routine = watch.runner.routine.name if watch.runner is not None else "session"
        self.scene = SessionScene(self.server, watch.back, f"backstroke live · {routine}")
        gui = self.server.gui
        for label, kind, color, icon in BUTTONS:
            button = gui.add_button(label, color=color, icon=icon, hint=PRESS_WORDS[kind])
            button.on_click(lambda _event, k=kind: watch.press(k))
            self.buttons[kind] = button
        self.scene.show_knots([], list(getattr(watch.runner, "known_knots", ())))
        if not watch.quiet:
            print(f"live view: {self.url}", flush=True)
        self._thread = threading.Thread(
            target=self._loop, args=(watch,), name="live-view", daemon=True
        )
        self._thread.start()

    def heard(self, watch: SessionWatch, press: Heard) -> None:
        if self.scene is not None:
            self.scene.ack.content = f"**{press.text}**"
            self.server.flush()  # skip viser's message window: the ack goes out now

    def finish(self, watch: SessionWatch, summary: dict[str, Any], text: str) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._draw(watch, ended=text)
        for button in self.buttons.values():
            button.disabled = True
        self._ended = True

    def close(self) -> None:
        """Stop serving (after ``linger_s`` when the session ended, so the page shows how)."""
        self._stop.set()
        if self.server is not None:
            if self._ended:
                time.sleep(self.linger_s)
            self.server.stop()
            self.server = None

    # ------------------------------------------------------------------ drawing
    def _loop(self, watch: SessionWatch) -> None:
        n = 0
        while not self._stop.wait(REFRESH_S):
            n += 1
            self._draw(watch, full=n % PATH_EVERY == 0)

    def _draw(self, watch: SessionWatch, ended: str = "", full: bool = True) -> None:
        scene = self.scene
        tick = watch.latest
        if scene is None or tick is None:
            return
        with watch.lock:
            new = watch.path[max(self._drawn - 1, 0) :] if full else []
            self._drawn = len(watch.path) if full else self._drawn
            hist = [h for h in watch.history if h.t_s >= tick.t_s - CHART_WINDOW_S] if full else []
        if len(new) >= 2:
            xyz = np.array([k.position_m for k in new], dtype=np.float64)
            on = np.array([k.normal_force_n for k in new], dtype=np.float64)
            scene.add_path(xyz, pressure_of(on, [k.tool for k in new]))
        scene.show_tool(tick.position_m, tick.force_n)
        runner = watch.runner
        scene.show_knots(list(runner.knots_found), list(runner.known_knots))
        bumps = runner.voice.regions.bumps
        if len(bumps) != self._regions or ended:
            self._regions = len(bumps)
            scene.show_regions(bumps)
        if hist:
            step = max(1, len(hist) // 300)
            h = hist[::step]
            scene.show_chart(
                np.array([k.t_s for k in h]),
                np.array([k.normal_force_n for k in h]),
                np.array([k.target_force_n for k in h]),
            )
        beat = None
        if watch.grid is not None:
            beat = int(watch.grid.first_beat_at_or_after(tick.t_s))
        scene.status.content = status_markdown(
            t_s=tick.t_s,
            technique=watch.technique(tick.block)
            or ("lead-in" if tick.block >= 0 else "approach / lift-off"),
            block=tick.block,
            blocks=len(watch.techniques),
            pass_index=tick.pass_index,
            beat=beat,
            force_n=tick.normal_force_n,
            target_n=tick.target_force_n,
            scale=tick.scale * tick.region_scale,
            planned_s=watch.planned_s,
            breathing_bpm=runner.breathing_rate_bpm,
            mode=tick.mode,
            ended=ended,
        )
