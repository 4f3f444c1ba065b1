"""Before touching anyone: can the arm follow the whole plan with margin?

Inverse kinematics over the plan's TCP poses with the arm's own kinematics (the model
libfranka builds from the URDF the arm serves), warm-started pose to pose the way the
impedance controller moves continuously, with a null-space pull toward the start
posture (the controller's posture task). Every pose must be reached (1 mm, 1°) with
every joint at least ``margin_rad`` inside the arm's limits; the first pose that fails
is one line: when, where on the back, which joint or how far off.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from backstroke.errors import BackstrokeError

FloatArray = NDArray[np.float64]
PREFLIGHT_DEPTH_M = 0.02  # the reach check presses every contact pose this deep
POS_TOL_M = 1e-3
ROT_TOL_RAD = math.radians(1.0)


class FrankaSetupError(BackstrokeError):
    """The arm cannot safely start (exit 2, before it moves): reach, zeroing, network."""

    exit_code = 2


@dataclass(frozen=True)
class JointLimits:
    """Joint position limits (rad), (7,) each, in joint order."""

    lower: FloatArray
    upper: FloatArray

    @classmethod
    def from_urdf(cls, urdf: str, n: int = 7) -> JointLimits:
        """The limits of the first ``n`` revolute joints of a URDF document."""
        root = ET.fromstring(urdf)
        lo, hi = [], []
        for j in root.iter("joint"):
            if j.get("type") != "revolute":
                continue
            lim = j.find("limit")
            if lim is None:
                continue
            lo.append(float(lim.get("lower", "nan")))
            hi.append(float(lim.get("upper", "nan")))
        if len(lo) < n or not all(math.isfinite(x) for x in lo[:n] + hi[:n]):
            raise FrankaSetupError(f"the arm's URDF lists {len(lo)} limited joints (need {n})")
        return cls(np.asarray(lo[:n]), np.asarray(hi[:n]))

    def margin_rad(self, q: FloatArray) -> FloatArray:
        """(7,) distance of each joint from its nearer limit."""
        return np.minimum(np.asarray(q) - self.lower, self.upper - np.asarray(q))


class Kinematics:
    """The arm's forward kinematics and Jacobian at the end effector (franky ``Model``).

    Args:
        model: ``franky.Robot.model``.
        frame: ``franky.Frame.EndEffector``.
        f_t_ee, ee_t_k: the end-effector transforms (``franky.Affine``) the arm uses.
    """

    def __init__(self, model: Any, frame: Any, f_t_ee: Any, ee_t_k: Any) -> None:
        self.model, self.frame, self.f_t_ee, self.ee_t_k = model, frame, f_t_ee, ee_t_k

    def pose(self, q: FloatArray) -> FloatArray:
        a = self.model.pose(self.frame, q, self.f_t_ee, self.ee_t_k)
        return np.asarray(a.matrix, dtype=np.float64)

    def jacobian(self, q: FloatArray) -> FloatArray:
        j = self.model.zero_jacobian(self.frame, q, self.f_t_ee, self.ee_t_k)
        return np.asarray(j, dtype=np.float64)


def pose_error(target: FloatArray, current: FloatArray) -> FloatArray:
    """(6,) ``[Δp (m), rotation vector (rad)]`` from ``current`` to ``target`` (4×4)."""
    dp = target[:3, 3] - current[:3, 3]
    rot = Rotation.from_matrix(target[:3, :3] @ current[:3, :3].T).as_rotvec()
    return np.concatenate([dp, rot])


def solve_ik(
    kin: Kinematics,
    target: FloatArray,
    q_seed: FloatArray,
    limits: JointLimits,
    q_rest: FloatArray,
    *,
    iterations: int = 100,
    damping: float = 0.02,
    posture_gain: float = 0.05,
) -> tuple[FloatArray, float, float]:
    """Damped least squares from ``q_seed``; returns ``(q, position error m, angle rad)``."""
    q = np.clip(np.asarray(q_seed, dtype=np.float64), limits.lower, limits.upper)
    lam2 = damping * damping
    err = pose_error(target, kin.pose(q))
    for _ in range(iterations):
        if (
            np.linalg.norm(err[:3]) < 0.2 * POS_TOL_M
            and np.linalg.norm(err[3:]) < 0.2 * ROT_TOL_RAD
        ):
            break
        j = kin.jacobian(q)
        jjt = j @ j.T + lam2 * np.eye(6)
        dq = j.T @ np.linalg.solve(jjt, err)
        null = np.eye(7) - j.T @ np.linalg.solve(jjt, j)
        dq += null @ (posture_gain * (q_rest - q))
        step = float(np.max(np.abs(dq)))
        if step > 0.3:
            dq *= 0.3 / step
        q = np.clip(q + dq, limits.lower, limits.upper)
        err = pose_error(target, kin.pose(q))
    return q, float(np.linalg.norm(err[:3])), float(np.linalg.norm(err[3:]))


def check_reach(
    kin: Kinematics,
    targets: FloatArray,
    labels: list[str],
    q_start: FloatArray,
    limits: JointLimits,
    margin_rad: float,
) -> FloatArray:
    """Solve every target (N, 4, 4) in order; returns the joint path (N, 7).

    Raises:
        FrankaSetupError: a pose is out of reach or too close to a joint limit (one line,
            naming the pose's label and what failed).
    """
    q = np.asarray(q_start, dtype=np.float64)
    rest = q.copy()
    out = np.zeros((targets.shape[0], 7))
    for i, target in enumerate(targets):
        q, ep, er = solve_ik(kin, target, q, limits, rest)
        if ep > POS_TOL_M or er > ROT_TOL_RAD:
            raise FrankaSetupError(
                f"plan not reachable by the arm at {labels[i]}: off by {ep * 1e3:.1f} mm, "
                f"{math.degrees(er):.1f}° (move the arm or the table; --body-pose)"
            )
        m = limits.margin_rad(q)
        j = int(np.argmin(m))
        if m[j] < margin_rad:
            raise FrankaSetupError(
                f"plan too close to joint {j + 1}'s limit at {labels[i]}: "
                f"{math.degrees(m[j]):.1f}° left (need {math.degrees(margin_rad):.0f}°; "
                "move the arm or the table; --body-pose)"
            )
        out[i] = q
    return out


def plan_poses(
    samples: Mapping[str, Any], every_s: float = 0.1
) -> tuple[FloatArray, FloatArray, list[str]] | None:
    """The TCP poses to check of a plan's sample columns (plan.json names), in B.

    Args:
        samples: ``t_s, u, v, x_m, y_m, z_m, nx, ny, nz, ax, ay, az, in_contact`` columns.
        every_s: pose spacing checked (the plan is smooth in between).

    Returns:
        ``(points (N, 3), axes (N, 3), labels)``, contact poses ``PREFLIGHT_DEPTH_M``
        below the model surface; ``None`` for an empty plan.
    """
    t = np.asarray(samples["t_s"], dtype=np.float64)
    if t.size == 0:
        return None
    step = max(1, round(every_s / max(float(np.median(np.diff(t))) if t.size > 1 else 1.0, 1e-6)))
    idx = np.arange(0, t.size, step)
    pts = np.stack([np.asarray(samples[c])[idx] for c in ("x_m", "y_m", "z_m")], axis=1)
    # in contact the TCP works below the model surface: check it pressed 2 cm deep
    normal = np.stack([np.asarray(samples[c])[idx] for c in ("nx", "ny", "nz")], axis=1)
    deep = (np.asarray(samples["in_contact"])[idx] > 0)[:, None]
    pts = pts - np.where(deep, PREFLIGHT_DEPTH_M * normal, 0.0)
    axes = np.stack([np.asarray(samples[c])[idx] for c in ("ax", "ay", "az")], axis=1)
    u, v = np.asarray(samples["u"])[idx], np.asarray(samples["v"])[idx]
    labels = [
        f"t={t[i]:.2f} s (u={uu:.3f}, v={vv:+.3f} m)"
        for i, uu, vv in zip(idx.tolist(), u.tolist(), v.tolist(), strict=True)
    ]
    return pts, axes, labels
