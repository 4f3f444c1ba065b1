"""Differential IK for the UR5: mink at a low rate, a first-order correction every tick.

Every ``1 / ik_rate_hz`` (default 25 Hz) mink solves one differential IK step (a QP,
solver ``daqp``) from the previous IK configuration toward the latest command: a
frame task on the TCP site (position and full orientation: z = tool axis, x = the
body's cranial direction made orthogonal to it), under

* joint position limits (``ConfigurationLimit``, kept ``joint_margin_rad`` inside),
* joint velocity limits (``VelocityLimit``, the URDF's),
* collision avoidance (``CollisionAvoidanceLimit``) between the arm's links and the
  table and client proxies, and between the tool housing and the table and head.

At every control tick the joint target is ``q_ik + J⁺ e`` with ``J`` the TCP Jacobian
at ``q_ik`` (damped inverse, cached per IK solve) and ``e`` the 6-D error between the
command and the TCP pose at ``q_ik``: the 1 kHz force loop's depth changes reach the
joints without waiting for the next QP. The correction spans one IK period of motion
(≤ 1.2 mm at 3 cm/s); the step between two successive linearisations (second order,
micrometres) is faded out over one IK period so the joint targets never jump (a jump
every 40 ms showed as force pulses at light touch). The caller then applies the joint
position and velocity limits.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BACKEND = "mujoco"


def axis_rotation(ax: float, ay: float, az: float) -> tuple[float, ...]:
    """TCP orientation for a unit tool axis: row-major 3×3 (columns x, y, z in B).

    z is the axis; x is the body's cranial direction (1, 0, 0) made orthogonal to it.
    """
    xx, xy, xz = 1.0 - ax * ax, -ax * ay, -ax * az
    n = math.sqrt(xx * xx + xy * xy + xz * xz)
    if n < 1e-6:  # axis along x: fall back to y
        xx, xy, xz = -ay * ax, 1.0 - ay * ay, -ay * az
        n = math.sqrt(xx * xx + xy * xy + xz * xz)
    xx, xy, xz = xx / n, xy / n, xz / n
    yx, yy, yz = ay * xz - az * xy, az * xx - ax * xz, ax * xy - ay * xx
    return (xx, yx, ax, xy, yy, ay, xz, yz, az)


class DiffIK:
    """mink differential IK on the scene's model (its own ``MjData``).

    Args:
        model: the scene's MjModel (arm joints first, ``tcp`` site).
        arm_geoms, env_geoms, tool_geoms, tool_env_geoms: collision avoidance groups.
        ik_rate_hz: rate of the QP solves.
        control_rate_hz: rate of :meth:`correct` calls (one per control tick).
        joint_margin_rad: distance kept from every joint limit.
        min_distance_m: clearance kept between the avoidance pairs.
        damping: damping of the per-tick Jacobian inverse.
    """

    def __init__(
        self,
        model: Any,
        *,
        arm_geoms: tuple[str, ...],
        env_geoms: tuple[str, ...],
        tool_geoms: tuple[str, ...],
        tool_env_geoms: tuple[str, ...],
        velocity_limits_rad_s: dict[str, float],
        ik_rate_hz: float = 25.0,
        control_rate_hz: float = 1000.0,
        joint_margin_rad: float = math.radians(5.0),
        min_distance_m: float = 0.02,
        damping: float = 1e-3,
    ) -> None:
        import mink
        import mujoco

        self._mujoco = mujoco
        self._mink = mink
        self.model = model
        self.dt_s = 1.0 / ik_rate_hz
        self.configuration = mink.Configuration(model)
        self.task = mink.FrameTask("tcp", "site", position_cost=1.0, orientation_cost=0.5)
        self.tasks = [self.task]
        self.limits = [
            mink.ConfigurationLimit(model, min_distance_from_limits=joint_margin_rad),
            mink.VelocityLimit(model, velocity_limits_rad_s),
            mink.CollisionAvoidanceLimit(
                model,
                [(list(arm_geoms), list(env_geoms)), (list(tool_geoms), list(tool_env_geoms))],
                minimum_distance_from_collisions=min_distance_m,
                collision_detection_distance=min_distance_m + 0.08,
            ),
        ]
        self.nq = 6
        self._site = model.site("tcp").id
        self._damping2 = damping * damping
        self._jacp = np.zeros((3, model.nv))
        self._jacr = np.zeros((3, model.nv))
        self.q_ik: list[float] = [0.0] * self.nq
        self.p_ik: tuple[float, ...] = (0.0, 0.0, 0.0)
        self.r_ik: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
        self.j_inv: list[list[float]] = [[0.0] * 6 for _ in range(self.nq)]
        self._jump = [0.0] * self.nq
        self._fade = 0.0
        self._fade_step = 1.0 / max(1.0, round(control_rate_hz / ik_rate_hz))
        self.solves = 0
        self.solve_s = 0.0
        self.failures = 0

    # ------------------------------------------------------------------ state
    def reset(self, q: FloatArray) -> None:
        """Set the IK configuration (e.g. the closed-form start) and cache its Jacobian."""
        self.configuration.update(np.asarray(q, dtype=np.float64))
        self._cache()
        self._fade = 0.0

    def _cache(self) -> None:
        mj = self._mujoco
        m, d = self.model, self.configuration.data
        self.q_ik = d.qpos[: self.nq].tolist()
        self.p_ik = tuple(d.site_xpos[self._site].tolist())
        self.r_ik = tuple(d.site_xmat[self._site].tolist())
        mj.mj_jacSite(m, d, self._jacp, self._jacr, self._site)
        jac = np.vstack([self._jacp[:, : self.nq], self._jacr[:, : self.nq]])
        inv = jac.T @ np.linalg.inv(jac @ jac.T + self._damping2 * np.eye(6))
        self.j_inv = inv.tolist()

    # ------------------------------------------------------------------ solve
    def solve(self, position_m: tuple[float, float, float], rotation: tuple[float, ...]) -> None:
        """One QP step from the current IK configuration toward a TCP pose (frame B).

        Args:
            position_m: TCP position (m, B).
            rotation: TCP orientation, row-major 3×3 (see :func:`axis_rotation`).
        """
        mink = self._mink
        t0 = time.perf_counter()
        before = self.correct(position_m, rotation, fade=False)
        target = np.eye(4)
        target[:3, :3] = np.asarray(rotation).reshape(3, 3)
        target[:3, 3] = position_m
        self.task.set_target(mink.SE3.from_matrix(target))
        try:
            vel = mink.solve_ik(
                self.configuration,
                self.tasks,
                self.dt_s,
                solver="daqp",
                damping=1e-6,
                limits=self.limits,
            )
        except mink.NoSolutionFound:
            # Infeasible step (e.g. squeezed between limits): hold this IK period.
            self.failures += 1
            vel = np.zeros(self.model.nv)
        self.configuration.integrate_inplace(vel, self.dt_s)
        self._cache()
        # The new linearisation differs from the old one by second-order terms (µm):
        # fade that step out over one IK period so the joint targets stay continuous.
        after = self.correct(position_m, rotation, fade=False)
        self._jump = [b - a for a, b in zip(after, before, strict=True)]
        self._fade = 1.0
        self.solves += 1
        self.solve_s += time.perf_counter() - t0

    def correct(
        self,
        position_m: tuple[float, float, float],
        rotation: tuple[float, ...],
        *,
        fade: bool = True,
    ) -> list[float]:
        """Joint target (6,) for a TCP pose near the IK configuration's: ``q_ik + J⁺ e``.

        With ``fade`` (once per control tick) the step between the previous and the
        latest linearisation is faded out linearly over one IK period. Pure Python (a
        6×6 product): cheaper than numpy at this size.
        """
        px, py, pz = self.p_ik
        a = self.r_ik
        b = rotation
        # small rotation R_cmd R_ikᵀ as a vector: ½ Σ_j (column j of R_ik) × (column j of R_cmd)
        wx = wy = wz = 0.0
        for j in range(3):
            a0, a1, a2 = a[j], a[3 + j], a[6 + j]
            b0, b1, b2 = b[j], b[3 + j], b[6 + j]
            wx += a1 * b2 - a2 * b1
            wy += a2 * b0 - a0 * b2
            wz += a0 * b1 - a1 * b0
        e = (
            position_m[0] - px,
            position_m[1] - py,
            position_m[2] - pz,
            0.5 * wx,
            0.5 * wy,
            0.5 * wz,
        )
        out = [
            q + r[0] * e[0] + r[1] * e[1] + r[2] * e[2] + r[3] * e[3] + r[4] * e[4] + r[5] * e[5]
            for q, r in zip(self.q_ik, self.j_inv, strict=True)
        ]
        if fade and self._fade > 0.0:
            f = self._fade
            out = [x + f * j for x, j in zip(out, self._jump, strict=True)]
            self._fade = f - self._fade_step
        return out

    def stats(self) -> dict[str, float]:
        n = max(self.solves, 1)
        return {
            "ik_rate_hz": round(1.0 / self.dt_s, 3),
            "ik_solves": self.solves,
            "ik_failures": self.failures,
            "ik_solve_us_mean": round(1e6 * self.solve_s / n, 1),
        }
