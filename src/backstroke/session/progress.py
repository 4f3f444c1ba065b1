"""Watching a session as it runs: the runner's observer, the client's presses, the terminal.

:class:`SessionWatch` sits between a running :class:`~backstroke.session.runner.SessionRunner`
and the people beside the table. The runner calls :meth:`SessionWatch.observe` with a
:class:`Tick` every few control ticks (its own thread); buttons and keys call
:meth:`SessionWatch.press` from any thread. The watch keeps the latest state and a short
history for views (the terminal progress line here, the browser dashboard in
``backstroke.web.live``), echoes every press at once (well within 100 ms of wall time),
and paces a simulated robot to the wall clock when asked (``speed``).
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from backstroke.errors import BackstrokeError, SafetyFault

PRESS_KINDS = ("stop", "lighter", "firmer", "skip", "too_much")
PRESS_WORDS = {
    "stop": "stop",
    "lighter": "lighter",
    "firmer": "firmer",
    "skip": "skip this technique",
    "too_much": "too much here",
}
TECHNIQUE_WORDS = {
    "rest": "the rest",
    "glide": "the palm glide",
    "forearm": "the forearm stroke",
    "thumb_strip": "the thumb strip",
}


@dataclass(frozen=True, slots=True)
class Tick:
    """What the runner reports every few control ticks (observer payload).

    Attributes:
        t_s: session time (s).
        position_m: measured tool position (m, frame B).
        force_n: measured force of the skin on the tool (N, frame B).
        normal_force_n: measured normal force (N).
        target_force_n: the force asked for at this tick (N), after every scale.
        u, v: the plan's chart point (``v`` in metres).
        block: block index (-1 outside blocks: approach, lift-off).
        pass_index: pass within the block.
        mode: the Supervisor's mode: ``running``, ``retreating`` or ``stopped``.
        scale: the overall force scale now (trust × the client's preference).
        region_scale: the regional preference's factor at this point.
        tool: the active tool's name.
    """

    t_s: float
    position_m: tuple[float, float, float]
    force_n: tuple[float, float, float]
    normal_force_n: float
    target_force_n: float
    u: float
    v: float
    block: int
    pass_index: int
    mode: str
    scale: float
    region_scale: float
    tool: str = ""


@dataclass(frozen=True)
class Heard:
    """One press as the watch acknowledged it."""

    kind: str
    t_s: float
    wall_s: float
    u: float
    v: float
    text: str


class View(Protocol):
    """Something that shows a session (terminal line, browser dashboard)."""

    def start(self, watch: SessionWatch) -> None: ...
    def heard(self, watch: SessionWatch, press: Heard) -> None: ...
    def finish(self, watch: SessionWatch, summary: dict[str, Any], text: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class SessionWatch:
    """The live state of one session and the client's controls.

    Args:
        quiet: no terminal output at all (for scripts).
        speed: pace a simulated backend to ``speed`` × the wall clock (``None``: as fast
            as it runs).
        views: extra views (e.g. the browser dashboard).
        presses: scripted presses ``(t_s, kind)``, pressed when session time passes
            ``t_s`` (demos, tests).
        history_s: how much session time the strip-chart history keeps.
    """

    quiet: bool = False
    speed: float | None = None
    views: list[Any] = field(default_factory=list)
    presses: tuple[tuple[float, str], ...] = ()
    history_s: float = 30.0
    runner: Any = None
    back: Any = None
    grid: Any = None
    techniques: tuple[str, ...] = ()
    planned_s: float | None = None
    latest: Tick | None = None
    history: deque[Tick] = field(default_factory=lambda: deque(maxlen=6000))
    path: list[Tick] = field(default_factory=list)
    heard: list[Heard] = field(default_factory=list)
    retreat_wall_s: float | None = None
    retreat_t_s: float | None = None
    wall0: float = 0.0
    ended: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._pending = sorted(self.presses)
        self._last_path_t = -1.0
        self._terminal = None if self.quiet else TerminalProgress()
        for t, kind in self._pending:
            if kind not in PRESS_KINDS:
                raise BackstrokeError(f"scripted press '{kind}' at {t} s: allowed {PRESS_KINDS}")

    # ------------------------------------------------------------------ wiring
    def pace(self, robot: Any) -> Any:
        """The robot, paced to the wall clock when ``speed`` is set."""
        if self.speed is None:
            return robot
        from backstroke.robot.pacing import PacedRobot

        return PacedRobot(robot, self.speed)

    def attach(self, runner: Any, back: Any, grid: Any) -> None:
        """Before ``runner.run()``: remember what is watched and start every view."""
        self.runner, self.back, self.grid = runner, back, grid
        self.techniques = tuple(b.technique for b in runner.routine.blocks)
        try:
            from backstroke.plan.planner import compile_plan

            self.planned_s = float(compile_plan(runner.routine, back, grid).duration_s)
        except BackstrokeError:
            self.planned_s = None
        self.wall0 = time.perf_counter()
        for view in self._views():
            view.start(self)

    def _views(self) -> list[Any]:
        return [*self.views, *([self._terminal] if self._terminal is not None else [])]

    # ------------------------------------------------------------------ runner thread
    def observe(self, tick: Tick) -> None:
        """The runner's observer (called every few control ticks, the runner's thread)."""
        with self.lock:
            self.latest = tick
            self.history.append(tick)
            if tick.t_s - self._last_path_t >= 0.05:
                self.path.append(tick)
                self._last_path_t = tick.t_s
            first_retreat = tick.mode != "running" and self.retreat_wall_s is None
            if first_retreat:
                self.retreat_wall_s = time.perf_counter()
                self.retreat_t_s = tick.t_s
        while self._pending and tick.t_s >= self._pending[0][0]:
            self.press(self._pending.pop(0)[1])
        if first_retreat and self._terminal is not None:
            self._terminal.say(self._retreat_line())
        if self._terminal is not None:
            self._terminal.update(self)

    def _retreat_line(self) -> str:
        stops = [h for h in self.heard if h.kind == "stop"]
        after = ""
        if stops and self.retreat_wall_s is not None:
            after = f" ({1000 * (self.retreat_wall_s - stops[0].wall_s):.0f} ms after the press)"
        return f"the tool is retreating at {self.retreat_t_s or 0.0:.1f} s{after}"

    # ------------------------------------------------------------------ any thread
    def press(self, kind: str) -> Heard:
        """The client's control (buttons, keys): applied at the next control tick.

        Raises:
            BackstrokeError: an unknown kind.
        """
        if kind not in PRESS_KINDS:
            raise BackstrokeError(f"unknown client control '{kind}' (allowed: {PRESS_KINDS})")
        wall = time.perf_counter()
        if self.runner is not None:
            self.runner.supervisor.press(kind)
        tick = self.latest
        t = tick.t_s if tick is not None else 0.0
        u = tick.u if tick is not None else float("nan")
        v = tick.v if tick is not None else float("nan")
        where = "" if tick is None else f" (u {u:.2f}, v {100 * v:+.1f} cm)"
        h = Heard(kind, t, wall, u, v, f"heard: {PRESS_WORDS[kind]} at {t:.1f} s{where}")
        with self.lock:
            self.heard.append(h)
        for view in self._views():
            view.heard(self, h)
        return h

    def technique(self, block: int) -> str:
        return self.techniques[block] if 0 <= block < len(self.techniques) else ""

    def finish(self, summary: dict[str, Any], fault: SafetyFault | None) -> str:
        """After the run: tell every view how it ended; returns the plain sentence."""
        self.ended = ending_sentence(summary, fault)
        for view in self._views():
            view.finish(self, summary, self.ended)
        return self.ended

    def close(self) -> None:
        for view in self._views():
            view.close()


def ending_sentence(summary: dict[str, Any], fault: SafetyFault | None) -> str:
    """How the session ended, in one plain sentence.

    e.g. ``"stopped by the client at 53 s, during the thumb strip; the tool retreated"``.
    """
    duration = float(summary.get("duration_s") or 0.0)
    if fault is None:
        return f"the session ran to its end ({duration:.0f} s)"
    blocks = summary.get("blocks") or []
    during = ""
    if blocks:
        during = f", during {TECHNIQUE_WORDS.get(blocks[-1]['technique'], blocks[-1]['technique'])}"
    if fault.kind == "client_stop":
        return f"stopped by the client at {fault.t_s:.0f} s{during}; the tool retreated"
    return (
        f"safety stop at {fault.t_s:.1f} s{during}: {fault.kind} {fault.value:.4g} "
        f"(limit {fault.limit:.4g}); the tool retreated"
    )


class TerminalProgress:
    """A one-line progress display on stderr (rich), press echoes and retreat notices.

    On a terminal the line is redrawn at most 5 times a second; elsewhere (logs, CI) a
    line is printed when the block or pass changes.
    """

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True, highlight=False, soft_wrap=True)
        self.tty = bool(sys.stderr.isatty())
        self._shown = 0.0
        self._key: tuple[int, int] | None = None
        self._live: Any = None

    def start(self, watch: SessionWatch) -> None:
        if self.tty:
            from rich.live import Live

            self._live = Live(
                "", console=self.console, refresh_per_second=5, transient=True, auto_refresh=False
            )
            self._live.start()

    def line(self, watch: SessionWatch) -> str:
        tick = watch.latest
        if tick is None:
            return "starting"
        tech = watch.technique(tick.block) or ("approach" if tick.t_s < 5 else "lift-off")
        left = ""
        if watch.planned_s is not None:
            left = f" of ≈{watch.planned_s:.0f} s"
        where = tech
        if tick.block >= 0:
            step = "lead-in" if tick.pass_index < 0 else f"pass {tick.pass_index + 1}"
            where = f"block {tick.block + 1}/{len(watch.techniques)} {tech}, {step}"
        return (
            f"{where} · {tick.t_s:5.1f} s{left} · force {tick.normal_force_n:5.1f} N "
            f"(target {tick.target_force_n:4.1f} N, ×{tick.scale * tick.region_scale:.2f})"
        )

    def update(self, watch: SessionWatch) -> None:
        tick = watch.latest
        if tick is None:
            return
        if self._live is not None:
            now = time.perf_counter()
            if now - self._shown >= 0.2:
                self._shown = now
                self._live.update(self.line(watch), refresh=True)
            return
        key = (tick.block, tick.pass_index)
        if key != self._key:
            self._key = key
            self.console.print(self.line(watch))

    def say(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text)
        else:
            self.console.print(text)

    def heard(self, watch: SessionWatch, press: Heard) -> None:
        self.say(press.text)

    def finish(self, watch: SessionWatch, summary: dict[str, Any], text: str) -> None:
        self.close()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
