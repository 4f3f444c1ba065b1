"""Registration of body frame B to the robot base O, and tool poses in both frames.

The Franka reports everything in its base frame O (``O_T_EE``); backstroke works in body
frame B (DESIGN §4). :class:`BodyPose` is the registration: where B's origin sits in O
and how far B is turned about O's vertical axis (the client lies prone on a level table,
so B's z is O's z). Today it comes from ``--body-pose x,y,z,yaw``; a scan registration
can hand over the same object.

Tool orientation: the protocol's tool ``axis`` points from the skin into the tool; the
Franka's end-effector z axis points out of the flange, into the skin, so
``z_EE = −axis``. The end effector's x axis is B's +x (cranial) projected onto the plane
normal to ``z_EE``; the palms' two pads then lie along ``y_EE`` (pad at chart offset
``+v`` sits at ``y_EE = −v``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import BackstrokeError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BodyPose:
    """Body frame B in the robot base frame O.

    Attributes:
        position_m: B's origin in O (m).
        yaw_rad: rotation of B about O's z axis (B's x = O's (cos yaw, sin yaw, 0)).
    """

    position_m: tuple[float, float, float]
    yaw_rad: float

    @classmethod
    def parse(cls, text: str, *, what: str = "--body-pose") -> BodyPose:
        """``"x,y,z,yaw_deg"`` (metres, degrees) → BodyPose; BackstrokeError otherwise."""
        parts = [p.strip() for p in str(text).split(",")]
        allowed = "x,y,z,yaw: four numbers, metres and degrees, e.g. 0.5,-0.25,-0.05,90"
        if len(parts) != 4:
            raise BackstrokeError(f"{what} {text!r}: {allowed}")
        try:
            x, y, z, yaw = (float(p) for p in parts)
        except ValueError:
            raise BackstrokeError(f"{what} {text!r}: {allowed}") from None
        if not all(math.isfinite(a) for a in (x, y, z, yaw)):
            raise BackstrokeError(f"{what} {text!r}: {allowed}")
        if math.hypot(x, y) > 1.2 or abs(z) > 1.0:
            raise BackstrokeError(
                f"{what} {text!r}: the body must lie within 1.2 m of the arm's base (|z| ≤ 1 m)"
            )
        return cls((x, y, z), math.radians(yaw))

    def text(self) -> str:
        x, y, z = self.position_m
        return f"{x:.9g},{y:.9g},{z:.9g},{math.degrees(self.yaw_rad):.9g}"

    def rotation(self) -> FloatArray:
        """3×3 rotation O ← B."""
        c, s = math.cos(self.yaw_rad), math.sin(self.yaw_rad)
        return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])

    def matrix(self) -> FloatArray:
        """4×4 transform O ← B."""
        t = np.eye(4)
        t[:3, :3] = self.rotation()
        t[:3, 3] = self.position_m
        return t

    def to_base(self, p_b: FloatArray) -> FloatArray:
        """Points (..., 3) from B to O."""
        return np.asarray(p_b) @ self.rotation().T + np.asarray(self.position_m)

    def to_body(self, p_o: FloatArray) -> FloatArray:
        """Points (..., 3) from O to B."""
        return (np.asarray(p_o) - np.asarray(self.position_m)) @ self.rotation()

    def vec_to_base(self, v_b: FloatArray) -> FloatArray:
        return np.asarray(v_b) @ self.rotation().T

    def vec_to_body(self, v_o: FloatArray) -> FloatArray:
        return np.asarray(v_o) @ self.rotation()


def ee_rotation(axis_o: FloatArray, cranial_o: FloatArray) -> FloatArray:
    """End-effector rotation (3×3, columns x, y, z in O) for a tool ``axis`` in O.

    Args:
        axis_o: the tool axis (skin → tool), unit, in O.
        cranial_o: B's +x axis in O (the end effector's x follows it).
    """
    z = -np.asarray(axis_o, dtype=np.float64)
    z = z / np.linalg.norm(z)
    x = np.asarray(cranial_o, dtype=np.float64) - float(np.dot(cranial_o, z)) * z
    nx = float(np.linalg.norm(x))
    if nx < 1e-6:  # the axis along B's x: take B's y instead (never in a plan)
        x = np.cross(np.array([0.0, 0.0, 1.0]), z)
        nx = float(np.linalg.norm(x))
    x = x / nx
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=1)


def ee_poses(pose: BodyPose, points_b: FloatArray, axes_b: FloatArray) -> FloatArray:
    """4×4 end-effector targets in O, ``(N, 4, 4)``, for TCP points and axes in B (N, 3)."""
    p = pose.to_base(np.atleast_2d(points_b))
    a = pose.vec_to_base(np.atleast_2d(axes_b))
    cranial = pose.rotation()[:, 0]
    out = np.zeros((p.shape[0], 4, 4))
    out[:, 3, 3] = 1.0
    for i in range(p.shape[0]):
        out[i, :3, :3] = ee_rotation(a[i], cranial)
    out[:, :3, 3] = p
    return out


def quaternion_xyzw(rot: FloatArray) -> tuple[float, float, float, float]:
    """Unit quaternion (x, y, z, w) of a 3×3 rotation (Shepperd's method)."""
    m = np.asarray(rot, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0.0:
        s = math.sqrt(tr + 1.0) * 2.0
        w, x = 0.25 * s, (m[2, 1] - m[1, 2]) / s
        y, z = (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2.0
        w, x = (m[2, 1] - m[1, 2]) / s, 0.25 * s
        y, z = (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s
    elif m[1, 1] > m[2, 2]:
        s = math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2.0
        w, x = (m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s
        y, z = 0.25 * s, (m[1, 2] + m[2, 1]) / s
    else:
        s = math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2.0
        w, x = (m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s
        y, z = (m[1, 2] + m[2, 1]) / s, 0.25 * s
    n = math.sqrt(w * w + x * x + y * y + z * z)
    return x / n, y / n, z / n, w / n
