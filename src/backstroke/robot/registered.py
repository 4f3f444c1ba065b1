"""A Robot seen through a registration: the system plans in the *fitted* body frame.

The system knows the client only through a scan (``body/scan_registration``): it plans
and measures in the fitted frame B_fit, while a simulated backend presses on the true
body in B_true. ``RegisteredRobot`` wraps such a backend and maps every command from
B_fit into B_true and every measured state back (positions, axes, forces, torques), so
the geometry error of the scan reaches the force loop exactly as it would on a person.

For the summary's ``sim_truth`` it adds what only the truth can tell (sampled every
``SAMPLE_TICKS`` control periods while the tool presses): ``bone_contact_s`` (time the
tool's centre pressed a true bony keep-out zone harder than the bony-zone force limit),
``surface_error_m {mean, max}`` (distance between the fitted and the true unloaded skin
under the path), the registration itself, and ``knots[].world_m`` (true knots in the
robot base frame S).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.scan_registration import Registration
from backstroke.body.scanned_back import ScannedBack
from backstroke.errors import RobotError
from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.tools import Tool

SAMPLE_TICKS = 10
CONTACT_N = 1.0


class RegisteredRobot:
    """Wraps ``inner`` (frame B_true) to take commands and report states in B_fit.

    Args:
        inner: a simulated backend working in the true body frame.
        true_from_fit: ``(4, 4)`` transform B_fit → B_true.
        true_back: the simulated client's true BackModel (for ``sim_truth`` only).
        fit: the fitted body the system plans on.
        s_from_true: ``(4, 4)`` B_true → robot base frame S (for ``world_m``).
        bone_force_limit_n: the force limit over bone per tool name (``sim_truth``).
    """

    def __init__(
        self,
        inner: Robot,
        true_from_fit: ArrayLike,
        true_back: BackModel,
        fit: ScannedBack,
        s_from_true: ArrayLike,
        bone_force_limit_n: dict[str, float],
    ) -> None:
        t = np.asarray(true_from_fit, dtype=np.float64)
        self.inner = inner
        self.name = inner.name
        self.control_rate_hz = inner.control_rate_hz
        self._r = t[:3, :3]
        self._t = t[:3, 3]
        self._true_back = true_back
        self._fit = fit
        self._s_from_true = np.asarray(s_from_true, dtype=np.float64)
        self._bone_limit_n = dict(bone_force_limit_n)
        self._tick = 0
        self._samples: list[tuple[float, float, float, float, str]] = []

    # ------------------------------------------------------------------ frames
    def _to_true(self, p: Vec3) -> Vec3:
        q = self._r @ np.asarray(p) + self._t
        return (float(q[0]), float(q[1]), float(q[2]))

    def _dir_to_true(self, v: Vec3) -> Vec3:
        q = self._r @ np.asarray(v)
        return (float(q[0]), float(q[1]), float(q[2]))

    def _dir_to_fit(self, v: Vec3) -> Vec3:
        q = self._r.T @ np.asarray(v)
        return (float(q[0]), float(q[1]), float(q[2]))

    def _to_fit_state(self, s: RobotState) -> RobotState:
        p = self._r.T @ (np.asarray(s.position_m) - self._t)
        return replace(
            s,
            position_m=(float(p[0]), float(p[1]), float(p[2])),
            axis=self._dir_to_fit(s.axis),
            force_n=self._dir_to_fit(s.force_n),
            torque_nm=self._dir_to_fit(s.torque_nm),
            force_joint_n=None if s.force_joint_n is None else self._dir_to_fit(s.force_joint_n),
            body_shift_m=None if s.body_shift_m is None else self._dir_to_fit(s.body_shift_m),
        )

    def _record(self, s: RobotState) -> None:
        self._tick += 1
        if self._tick % SAMPLE_TICKS:
            return
        f = float(np.dot(s.force_n, s.axis))
        if f > CONTACT_N:
            x, y, z = s.position_m
            self._samples.append((x, y, z, f, Tool(s.tool).value))

    # ------------------------------------------------------------------ Robot
    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        s = self.inner.start(tool, self._to_true(position_m), self._dir_to_true(axis))
        return self._to_fit_state(s)

    def step(self, command: RobotCommand) -> RobotState:
        true_cmd = replace(
            command,
            position_m=self._to_true(command.position_m),
            axis=self._dir_to_true(command.axis),
        )
        s = self.inner.step(true_cmd)
        self._record(s)
        return self._to_fit_state(s)

    def stop(self) -> RobotState:
        return self._to_fit_state(self.inner.stop())

    def close(self) -> None:
        self.inner.close()

    # ------------------------------------------------------------------ truth
    def world_m(self, fit_points_m: ArrayLike) -> NDArray[np.float64]:
        """Points ``(..., 3)`` in B_fit → robot base frame S, as the system believes."""
        return self._fit.to_scan(fit_points_m)

    def sim_truth(self) -> dict[str, Any]:
        inner = getattr(self.inner, "sim_truth", None)
        out: dict[str, Any] = dict(inner()) if callable(inner) else {}
        out.update(self._geometry_truth())
        knots = []
        tissue = getattr(self.inner, "tissue", None)
        for k in tissue.knots() if tissue is not None else []:
            p = np.array([k["x_m"], k["y_m"], k["z_m"]])
            w = self._s_from_true[:3, :3] @ p + self._s_from_true[:3, 3]
            knots.append({**k, "world_m": [round(float(c), 5) for c in w]})
        out["knots"] = knots
        return out

    def _geometry_truth(self) -> dict[str, Any]:
        ang = float(np.degrees(np.arccos(np.clip((np.trace(self._r) - 1) / 2, -1.0, 1.0))))
        reg = {
            "offset_m": round(float(np.linalg.norm(self._t)), 5),
            "rotation_deg": round(ang, 4),
            "fit_rms_m": self._fit.quality.get("fit_rms_m"),
            "coverage": self._fit.quality.get("coverage"),
        }
        if not self._samples:
            return {
                "bone_contact_s": 0.0,
                "surface_error_m": {"mean": None, "max": None},
                "registration": reg,
            }
        a = np.asarray([r[:4] for r in self._samples], dtype=np.float64)
        tools = [r[4] for r in self._samples]
        u, v = self._true_back.project(a[:, :3])
        skin_true = self._true_back.point(u, v)
        inside = self._true_back.keep_out_clearance_m(u, v) < 0.0
        lim = np.array([self._bone_limit_n.get(t, 0.0) for t in tools])
        dt = SAMPLE_TICKS / self.control_rate_hz
        bone_s = float(np.count_nonzero(inside & (a[:, 3] > lim))) * dt
        skin_fit_frame = (skin_true - self._t) @ self._r  # Rᵀ(p - t), row-wise
        uf, vf = self._fit.project(skin_fit_frame)
        err = np.linalg.norm(self._fit.point(uf, vf) - skin_fit_frame, axis=1)
        return {
            "bone_contact_s": round(bone_s, 4),
            "bone_zone_contact_s": round(float(np.count_nonzero(inside)) * dt, 4),
            "surface_error_m": {
                "mean": round(float(err.mean()), 6),
                "max": round(float(err.max()), 6),
            },
            "registration": reg,
        }


def registered_robot(robot: Robot, registration: Registration | None) -> Robot:
    """``robot`` seen through ``registration`` (unchanged when there is none)."""
    if registration is None:
        return robot
    true_back = getattr(robot, "back", None)
    if not isinstance(true_back, BackModel):
        raise RobotError(f"backend '{robot.name}' has no true body to register a scan on")
    from backstroke.tools import BONE_LIMIT_FACTOR, TOOLS

    bone = {t.value: TOOLS[t].max_force_n * BONE_LIMIT_FACTOR for t in Tool}
    return RegisteredRobot(
        robot,
        registration.true_from_fit,
        true_back,
        registration.fit,
        registration.s_from_true,
        bone,
    )
