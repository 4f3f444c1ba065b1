"""Fault injection around any Robot: what the Supervisor must survive.

``FaultInjector(robot, faults, seed)`` wraps a backend and corrupts what passes through
it, from a start time drawn from the seed (or given with ``@T``):

==========  ======================  =================================================
kind        parameter (default)     what happens
==========  ======================  =================================================
dropout     duration ms (50)        no new samples: the last state repeats, seq frozen
stale       duration ms (30)        the same sample repeats (seq frozen), robot moves
nan         duration ms (10)        force and torque become NaN
spike       newtons (60)            one sample with a force spike along the normal
drift       N per second (2)        sensor bias grows linearly from the start
                                    (negative: the sensor reads ever lower)
latency     delay ms (20)           measurements arrive late, with ±25 % jitter
move        centimetres (2)         the client shifts over 0.3 s (along a random
                                    direction, 1/3 of it toward the tool) and stays
stop        —                       the client presses stop
kill        —                       the process is killed (SIGKILL) at the start time
==========  ======================  =================================================

Spec strings: ``KIND``, ``KIND:PARAM`` or ``KIND:PARAM@T_S`` (e.g. ``dropout:50``,
``move:3@40``).
"""

from __future__ import annotations

import math
import os
import signal
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from backstroke.errors import InputFileError
from backstroke.robot.body_camera import SimulatedBodyCamera
from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.tools import Tool

MOVE_DURATION_S = 0.3
# Named directions of a client's shift (frame B: x cranial, y to the client's left,
# z posterior = toward the tool).
MOVE_DIRECTIONS: dict[str, Vec3] = {
    "toward": (0.0, 0.0, 1.0),
    "left": (0.0, 1.0, 0.0),
    "right": (0.0, -1.0, 0.0),
    "cranial": (1.0, 0.0, 0.0),
    "caudal": (-1.0, 0.0, 0.0),
}

FAULT_KINDS: dict[str, float | None] = {
    "dropout": 50.0,
    "stale": 30.0,
    "nan": 10.0,
    "spike": 60.0,
    "drift": 2.0,
    "latency": 20.0,
    "move": 2.0,
    "stop": None,
    "kill": None,
}
_PARAM_RANGE: dict[str, tuple[float, float]] = {
    "dropout": (1.0, 5000.0),
    "stale": (1.0, 5000.0),
    "nan": (1.0, 5000.0),
    "spike": (1.0, 500.0),
    "drift": (-50.0, 50.0),  # N/s; negative = the sensor reads low, |rate| ≥ 0.01
    "latency": (1.0, 500.0),
    "move": (0.1, 10.0),
}


@dataclass(frozen=True)
class FaultSpec:
    """One fault: its kind, parameter (unit per kind) and start time (None = drawn)."""

    kind: str
    param: float | None
    at_s: float | None = None

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Parse ``KIND[:PARAM][@T_S]``; raises InputFileError naming ``--inject``."""
        body, _, at = text.partition("@")
        kind, colon, param = body.partition(":")
        if colon and not param.strip():
            raise InputFileError(
                "':' needs a parameter after it (or leave the ':' out for the default)",
                key="--inject",
                value=text,
            )
        kind = kind.strip().lower()
        if kind not in FAULT_KINDS:
            raise InputFileError(
                "unknown fault kind", key="--inject", value=text, allowed=", ".join(FAULT_KINDS)
            )
        value = FAULT_KINDS[kind]
        if param:
            if value is None:
                raise InputFileError(
                    f"fault '{kind}' takes no parameter", key="--inject", value=text
                )
            try:
                value = float(param)
            except ValueError:
                raise InputFileError(
                    "parameter is not a number", key="--inject", value=text
                ) from None
            lo, hi = _PARAM_RANGE[kind]
            tiny = kind == "drift" and abs(value) < 0.01
            if not (math.isfinite(value) and lo <= value <= hi) or tiny:
                allowed = f"{lo:g}..{hi:g}" + (", |rate| ≥ 0.01" if kind == "drift" else "")
                raise InputFileError(
                    "parameter out of range", key="--inject", value=text, allowed=allowed
                )
        at_s = None
        if at:
            try:
                at_s = float(at)
            except ValueError:
                raise InputFileError(
                    "time after @ is not a number", key="--inject", value=text
                ) from None
            if not (math.isfinite(at_s) and 0.0 <= at_s <= 36_000.0):
                raise InputFileError(
                    "time out of range", key="--inject", value=text, allowed="0..36000 s"
                )
        return cls(kind, value, at_s)


class FaultInjector:
    """A Robot that forwards to ``robot`` and injects ``faults``.

    Args:
        robot: the wrapped backend.
        faults: what to inject.
        seed: draws start times (uniform in ``window_s``) and fault details.
        window_s: start-time range for faults without ``@T``.
        move_direction: direction (frame B) of a ``move`` fault, or one of
            :data:`MOVE_DIRECTIONS`; None = drawn from the seed (random direction with a
            third of the shift toward the tool).
    """

    def __init__(
        self,
        robot: Robot,
        faults: list[FaultSpec],
        *,
        seed: int,
        window_s: tuple[float, float] = (5.0, 60.0),
        move_direction: Vec3 | str | None = None,
    ) -> None:
        self.robot = robot
        self.name = f"{robot.name}+faults"
        self.control_rate_hz = robot.control_rate_hz
        self.force_direction_error_n = float(getattr(robot, "force_direction_error_n", 0.0))
        rng = np.random.default_rng(seed)
        self.faults = [
            replace(f, at_s=f.at_s if f.at_s is not None else float(rng.uniform(*window_s)))
            for f in faults
        ]
        direction = rng.normal(size=3)
        direction[2] = abs(direction[2])  # toward the tool: the client pushes up
        direction /= np.linalg.norm(direction)
        direction[2] /= 3.0  # a third of it toward the tool
        if move_direction is not None:
            named = MOVE_DIRECTIONS.get(move_direction) if isinstance(move_direction, str) else None
            if isinstance(move_direction, str) and named is None:
                raise InputFileError(
                    "unknown move direction",
                    key="move_direction",
                    value=move_direction,
                    allowed=", ".join(MOVE_DIRECTIONS),
                )
            d = np.asarray(named if named is not None else move_direction, dtype=np.float64)
            norm = float(np.linalg.norm(d))
            if not (d.shape == (3,) and math.isfinite(norm) and norm > 1e-9):
                raise InputFileError(
                    "move direction must be a non-zero 3-vector",
                    key="move_direction",
                    value=str(move_direction),
                )
            direction = d / norm
        self._move_dir = direction
        self._jitter = rng
        self._held: RobotState | None = None
        self._queue: deque[RobotState] = deque()
        self._spiked = False
        self._last_off: Vec3 = (0.0, 0.0, 0.0)
        self._camera = SimulatedBodyCamera(seed=seed)
        self.injected: list[tuple[float, str]] = []

    def _active(self, kind: str, t_s: float) -> FaultSpec | None:
        for f in self.faults:
            if f.kind != kind or f.at_s is None or t_s < f.at_s:
                continue
            if kind in ("dropout", "stale", "nan", "latency"):
                if t_s <= f.at_s + (f.param or 0.0) / 1000.0:
                    return f
                continue
            return f
        return None

    def _note(self, t_s: float, kind: str) -> None:
        if not any(k == kind for _, k in self.injected):
            self.injected.append((t_s, kind))

    def _offset(self, t_s: float) -> Vec3:
        f = self._active("move", t_s)
        if f is None:
            return (0.0, 0.0, 0.0)
        self._note(t_s, "move")
        # A person shifts on the table over a few hundred milliseconds, not in one tick.
        ramp = min(1.0, (t_s - (f.at_s or 0.0)) / MOVE_DURATION_S)
        d = (f.param or 0.0) / 100.0 * ramp * ramp * (3.0 - 2.0 * ramp)
        return (
            float(self._move_dir[0] * d),
            float(self._move_dir[1] * d),
            float(self._move_dir[2] * d),
        )

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        st = self.robot.start(tool, position_m, axis)
        self._held = st
        return st

    def step(self, command: RobotCommand) -> RobotState:
        t = command.t_s
        if self._active("kill", t) is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        off = self._offset(t)
        shift = getattr(self.robot, "set_client_offset", None)
        if callable(shift):
            # The backend moves the skin itself (the arm's dynamics unaffected).
            dt = 1.0 / self.control_rate_hz
            p = self._last_off
            vel = ((off[0] - p[0]) / dt, (off[1] - p[1]) / dt, (off[2] - p[2]) / dt)
            self._last_off = off
            shift(off, vel)
            return self._seen(self._corrupt(self.robot.step(command), t), t, off)
        # Otherwise: in the client's (simulated) frame the tool goes to command − off;
        # what the robot measures is reported back in the model frame. (The arm's lag
        # then also acts on the client's motion: a gentler push than a real one.)
        inner = RobotCommand(
            command.tool,
            (
                command.position_m[0] - off[0],
                command.position_m[1] - off[1],
                command.position_m[2] - off[2],
            ),
            command.axis,
            t,
        )
        st = self.robot.step(inner)
        p = st.position_m
        st = replace(st, position_m=(p[0] + off[0], p[1] + off[1], p[2] + off[2]))
        return self._seen(self._corrupt(st, t), t, off)

    def _seen(self, st: RobotState, t: float, off: Vec3) -> RobotState:
        # The cell's depth camera watches the client whatever the sensors do.
        return replace(st, body_shift_m=self._camera.observe(t, off))

    def _corrupt(self, st: RobotState, t: float) -> RobotState:
        if self._active("stop", t) is not None:
            self._note(t, "stop")
            st = replace(st, client_signal="stop")
        f = self._active("drift", t)
        if f is not None and f.at_s is not None:
            self._note(t, "drift")
            bias = (f.param or 0.0) * (t - f.at_s)
            fx, fy, fz = st.force_n
            ax, ay, az = st.axis
            st = replace(st, force_n=(fx + bias * ax, fy + bias * ay, fz + bias * az))
        f = self._active("spike", t)
        if f is not None and not self._spiked:
            self._spiked = True
            self._note(t, "spike")
            fx, fy, fz = st.force_n
            ax, ay, az = st.axis
            s = f.param or 0.0
            st = replace(st, force_n=(fx + s * ax, fy + s * ay, fz + s * az))
        if self._active("nan", t) is not None:
            self._note(t, "nan")
            nan = float("nan")
            st = replace(st, force_n=(nan, nan, nan), torque_nm=(nan, nan, nan))
        f = self._active("latency", t)
        if f is not None:
            self._note(t, "latency")
            self._queue.append(st)
            delay_ticks = (f.param or 0.0) / 1000.0 * self.control_rate_hz
            delay_ticks *= float(self._jitter.uniform(0.75, 1.25))
            while len(self._queue) > max(1, round(delay_ticks)) + 1:
                self._queue.popleft()
            st = self._queue[0]
        else:
            self._queue.clear()
        if self._active("dropout", t) is not None and self._held is not None:
            self._note(t, "dropout")
            return self._held
        if self._active("stale", t) is not None and self._held is not None:
            self._note(t, "stale")
            held = self._held
            return replace(st, seq=held.seq, force_n=held.force_n, position_m=held.position_m)
        self._held = st
        return st

    def stop(self) -> RobotState:
        return self.robot.stop()

    def close(self) -> None:
        self.robot.close()

    def __getattr__(self, name: str) -> Any:
        # A backend's extras (loop_stats, preflight, …) pass through the injector.
        if name == "robot":
            raise AttributeError(name)
        return getattr(self.robot, name)

    @property
    def on_fault(self) -> Any:
        """The wrapped arm's fault callback (wall-clock arms), set through the injector."""
        return getattr(self.robot, "on_fault", None)

    @on_fault.setter
    def on_fault(self, callback: Any) -> None:
        if hasattr(self.robot, "on_fault"):
            self.robot.on_fault = callback

    def sim_truth(self) -> dict[str, object]:
        truth = getattr(self.robot, "sim_truth", None)
        out: dict[str, object] = dict(truth()) if callable(truth) else {}
        out["faults_injected"] = [{"t_s": round(t, 4), "kind": k} for t, k in self.injected]
        return {k: _finite(v) for k, v in out.items()}


def _finite(x: object) -> object:
    """Non-finite floats → None (the summary must be valid JSON)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x
