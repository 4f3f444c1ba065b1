"""The UR5 arm from ``example-robot-data``: its URDF, kinematics and closed-form IK.

The arm's files are found at run time from the installed ``example-robot-data``
distribution (a cmeel package: ``cmeel.prefix/share/example-robot-data/robots/``);
nothing is downloaded. The joint-limited UR5 description is used (every joint within
±π), so "joint limits never reached" is a real constraint.

Frames:

* ``base_link``: the URDF root, mounted on the pedestal; rotated by π about z from the
  Denavit–Hartenberg (DH) base frame of the UR documentation.
* ``tool0``: the flange frame of the UR controller (z out of the flange); it coincides
  with the DH frame 6.

The closed-form inverse kinematics (8 branches) follows Hawkins, "Analytic inverse
kinematics for the Universal Robots UR-5/UR-10 arms" (2013); it is used to place the
base and to seed the differential IK, never in the control loop.
"""

from __future__ import annotations

import importlib.metadata
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import RobotError

FloatArray = NDArray[np.float64]
BACKEND = "mujoco"

# UR5 DH parameters (m, rad), from the UR documentation; the URDF matches them.
D1, A2, A3, D4, D5, D6 = 0.089159, -0.42500, -0.39225, 0.10915, 0.09465, 0.0823
ALPHA = (math.pi / 2, 0.0, 0.0, math.pi / 2, -math.pi / 2, 0.0)
DH_D = (D1, 0.0, 0.0, D4, D5, D6)
DH_A = (0.0, A2, A3, 0.0, 0.0, 0.0)
JOINTS = (
    "shoulder_pan_joint",
    "shoulder_lift_joint",
    "elbow_joint",
    "wrist_1_joint",
    "wrist_2_joint",
    "wrist_3_joint",
)
URDF_RELATIVE = "robots/ur_description/urdf/ur5_joint_limited_robot.urdf"


def robots_root() -> Path:
    """``.../share/example-robot-data`` of the installed package (no download).

    Raises:
        MissingExtraError: the ``mujoco`` extra (example-robot-data) is not installed.
        RobotError: the package is installed but the UR5 files are missing.
    """
    from backstroke.errors import MissingExtraError

    try:
        dist = importlib.metadata.distribution("example-robot-data")
    except importlib.metadata.PackageNotFoundError as exc:
        raise MissingExtraError("mujoco", "example-robot-data") from exc
    for f in dist.files or ():
        text = str(f).replace("\\", "/")
        if text.endswith(URDF_RELATIVE):
            path = Path(str(dist.locate_file(f))).resolve()
            return path.parents[len(Path(URDF_RELATIVE).parts) - 1]
    raise RobotError(f"example-robot-data {dist.version} has no {URDF_RELATIVE}", backend=BACKEND)


@dataclass(frozen=True)
class Link:
    """One URDF link with the joint that carries it.

    Attributes:
        name: link name.
        parent: parent link name ('' for the root).
        joint: joint name ('' for fixed joints).
        pos_m: joint origin in the parent frame (3,).
        rpy_rad: joint origin roll-pitch-yaw.
        axis: joint axis in the link frame (3,).
        limits_rad: (lower, upper).
        velocity_rad_s: velocity limit.
        effort_nm: torque limit.
        mass_kg, com_m, inertia_diag: inertial (diagonal inertia, kg·m²).
        mesh: collision mesh file (absolute path) or ''.
    """

    name: str
    parent: str
    joint: str
    pos_m: tuple[float, float, float]
    rpy_rad: tuple[float, float, float]
    axis: tuple[float, float, float]
    limits_rad: tuple[float, float]
    velocity_rad_s: float
    effort_nm: float
    mass_kg: float
    com_m: tuple[float, float, float]
    inertia_diag: tuple[float, float, float]
    mesh: str


Vec3 = tuple[float, float, float]


def _vec3(el: ET.Element | None, attr: str, default: Vec3 = (0.0, 0.0, 0.0)) -> Vec3:
    """Three floats from an XML attribute (``default`` when absent)."""
    text = el.get(attr) if el is not None else None
    if not text:
        return default
    parts = [float(x) for x in text.split()]
    if len(parts) != 3:
        raise RobotError(f"URDF attribute {attr}={text!r} is not three numbers", backend=BACKEND)
    return parts[0], parts[1], parts[2]


def _attr(el: ET.Element | None, path: str, attr: str, default: str = "0") -> str:
    sub = el.find(path) if el is not None else None
    return sub.get(attr, default) if sub is not None else default


def _link(el: ET.Element, parent: str, joint: ET.Element | None, root: Path) -> Link:
    """One chain element from its URDF link and the joint that carries it."""
    inert = el.find("inertial")
    mass = float(_attr(inert, "mass", "value"))
    com = _vec3(inert.find("origin") if inert is not None else None, "xyz")
    diag = (
        float(_attr(inert, "inertia", "ixx")),
        float(_attr(inert, "inertia", "iyy")),
        float(_attr(inert, "inertia", "izz")),
    )
    mesh = ""
    mesh_el = el.find("collision/geometry/mesh")
    if mesh_el is not None:
        rel = mesh_el.get("filename", "").split("example-robot-data/", 1)[-1]
        mesh = str(root / rel)
    name = ""
    pos: Vec3 = (0.0, 0.0, 0.0)
    rpy: Vec3 = (0.0, 0.0, 0.0)
    axis: Vec3 = (0.0, 0.0, 1.0)
    lim, vel, eff = (0.0, 0.0), 0.0, 0.0
    if joint is not None and parent:
        org = joint.find("origin")
        pos, rpy = _vec3(org, "xyz"), _vec3(org, "rpy")
        if joint.get("type") == "revolute":
            name = joint.get("name", "")
            axis = _vec3(joint.find("axis"), "xyz", axis)
            le = joint.find("limit")
            if le is not None:
                lim = (float(le.get("lower", "0")), float(le.get("upper", "0")))
                vel = float(le.get("velocity", "0"))
                eff = float(le.get("effort", "0"))
    return Link(
        el.get("name", ""), parent, name, pos, rpy, axis, lim, vel, eff, mass, com, diag, mesh
    )


def load_ur5() -> tuple[list[Link], Path]:
    """The UR5 chain ``base_link → … → wrist_3_link`` (revolute joints in order)."""
    root = robots_root()
    urdf = root / URDF_RELATIVE
    try:
        tree = ET.parse(urdf)
    except (OSError, ET.ParseError) as exc:
        raise RobotError(f"cannot read {urdf}: {exc}", backend=BACKEND) from exc
    robot = tree.getroot()
    links = {el.get("name", ""): el for el in robot.findall("link")}
    joints: dict[str, ET.Element] = {}
    parents: dict[str, str] = {}
    for el in robot.findall("joint"):
        child = _attr(el, "child", "link", "")
        joints[child] = el
        parents[child] = _attr(el, "parent", "link", "")
    chain: list[Link] = []
    name, parent = "base_link", ""
    while True:
        if name not in links:
            raise RobotError(f"{urdf}: no link {name!r}", backend=BACKEND)
        chain.append(_link(links[name], parent, joints.get(name), root))
        if name == "wrist_3_link":
            break
        nxt = [
            c
            for c, p in parents.items()
            if p == name and c in links and joints[c].get("type") == "revolute"
        ]
        if len(nxt) != 1:
            raise RobotError(f"{urdf}: cannot follow the chain after {name}", backend=BACKEND)
        parent, name = name, nxt[0]
    if [lk.joint for lk in chain[1:]] != list(JOINTS):
        raise RobotError(f"{urdf}: unexpected joints {[lk.joint for lk in chain]}", backend=BACKEND)
    return chain, root


def rpy_to_quat(rpy: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """URDF roll-pitch-yaw (fixed axes x, y, z) → MuJoCo quaternion (w, x, y, z)."""
    r, p, y = (0.5 * a for a in rpy)
    cr, sr, cp, sp, cy, sy = (
        math.cos(r),
        math.sin(r),
        math.cos(p),
        math.sin(p),
        math.cos(y),
        math.sin(y),
    )
    return (
        cr * cp * cy + sr * sp * sy,
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
    )


# ---------------------------------------------------------------------------- kinematics
def _dh(theta: FloatArray, i: int) -> FloatArray:
    """DH transform of joint ``i`` for angles ``theta`` (N,) → (N, 4, 4)."""
    ct, st = np.cos(theta), np.sin(theta)
    ca, sa = math.cos(ALPHA[i]), math.sin(ALPHA[i])
    n = theta.shape[0]
    t = np.zeros((n, 4, 4))
    t[:, 0, 0], t[:, 0, 1], t[:, 0, 2], t[:, 0, 3] = ct, -st * ca, st * sa, DH_A[i] * ct
    t[:, 1, 0], t[:, 1, 1], t[:, 1, 2], t[:, 1, 3] = st, ct * ca, -ct * sa, DH_A[i] * st
    t[:, 2, 1], t[:, 2, 2], t[:, 2, 3] = sa, ca, DH_D[i]
    t[:, 3, 3] = 1.0
    return t


# base_link → DH base: a rotation by π about z.
BASELINK_FROM_DH = np.diag([-1.0, -1.0, 1.0, 1.0])


def fk(q: FloatArray) -> FloatArray:
    """Flange (``tool0``) poses in ``base_link``: ``q`` (N, 6) rad → (N, 4, 4)."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float64))
    t = np.broadcast_to(BASELINK_FROM_DH, (q.shape[0], 4, 4)).copy()
    for i in range(6):
        t = t @ _dh(q[:, i], i)
    return t


def _rigid_inv(t: FloatArray) -> FloatArray:
    """Inverse of rigid transforms (..., 4, 4)."""
    out = np.zeros_like(t)
    rt = np.swapaxes(t[..., :3, :3], -1, -2)
    out[..., :3, :3] = rt
    out[..., :3, 3] = -np.einsum("...ij,...j->...i", rt, t[..., :3, 3])
    out[..., 3, 3] = 1.0
    return out


def ik(
    pose: FloatArray, shoulder: int, wrist: int, elbow: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Closed-form IK of one branch for flange poses in ``base_link``.

    Args:
        pose: (N, 4, 4) flange poses in ``base_link``.
        shoulder, wrist, elbow: branch signs (+1 or -1).

    Returns:
        ``q`` (N, 6) in (-π, π] and ``ok`` (N,) bool (reachable on this branch).
    """
    t = BASELINK_FROM_DH @ np.asarray(pose, dtype=np.float64)  # DH base ← base_link
    n = t.shape[0]
    px, py = t[:, 0, 3], t[:, 1, 3]
    zx, zy = t[:, 0, 2], t[:, 1, 2]
    # Wrist point (origin of frame 5).
    p5x, p5y = px - D6 * zx, py - D6 * zy
    r5 = np.hypot(p5x, p5y)
    ok = r5 > abs(D4) + 1e-9
    c = np.clip(D4 / np.maximum(r5, 1e-12), -1.0, 1.0)
    q1 = np.arctan2(p5y, p5x) + shoulder * np.arccos(c) + math.pi / 2
    s1, c1 = np.sin(q1), np.cos(q1)
    c5 = (px * s1 - py * c1 - D4) / D6
    ok &= np.abs(c5) <= 1.0
    q5 = wrist * np.arccos(np.clip(c5, -1.0, 1.0))
    s5 = np.sin(q5)
    ok &= np.abs(s5) > 1e-6
    s5s = np.where(np.abs(s5) > 1e-6, s5, 1e-6)
    # x and y axes of the base frame seen from frame 6: rows of R06.
    xx, xy = t[:, 0, 0], t[:, 0, 1]
    yx, yy = t[:, 1, 0], t[:, 1, 1]
    q6 = np.arctan2((-xy * s1 + yy * c1) / s5s, (xx * s1 - yx * c1) / s5s)
    # T14 = T01⁻¹ · T06 · T56⁻¹ · T45⁻¹
    t01 = _dh(q1, 0)
    t45 = _dh(q5, 4)
    t56 = _dh(q6, 5)
    t14 = _rigid_inv(t01) @ t @ _rigid_inv(t56) @ _rigid_inv(t45)
    p13x = t14[:, 0, 3] - D4 * t14[:, 0, 1]
    p13y = t14[:, 1, 3] - D4 * t14[:, 1, 1]
    d2 = p13x**2 + p13y**2
    c3 = (d2 - A2**2 - A3**2) / (2 * A2 * A3)
    ok &= np.abs(c3) <= 1.0
    q3 = elbow * np.arccos(np.clip(c3, -1.0, 1.0))
    q2 = -np.arctan2(p13y, -p13x) + np.arcsin(
        np.clip(A3 * np.sin(q3) / np.sqrt(np.maximum(d2, 1e-12)), -1.0, 1.0)
    )
    t12 = _dh(q2, 1)
    t23 = _dh(q3, 2)
    t34 = _rigid_inv(t12 @ t23) @ t14
    q4 = np.arctan2(t34[:, 1, 0], t34[:, 0, 0])
    q = np.stack([q1, q2, q3, q4, q5, q6], axis=1)
    q = (q + math.pi) % (2 * math.pi) - math.pi
    if n:
        # Reject numerically wrong branches (a residual above 0.1 mm or 1e-4 rad).
        err = fk(q) - np.asarray(pose)
        ok &= np.max(np.abs(err[:, :3, :]), axis=(1, 2)) < 1e-4
    return q, ok


BRANCHES: tuple[tuple[int, int, int], ...] = tuple(
    (s, w, e) for s in (1, -1) for w in (1, -1) for e in (1, -1)
)


def jacobian_dh(q: FloatArray) -> FloatArray:
    """Geometric Jacobian of the flange in ``base_link``: (N, 6) → (N, 6, 6) (v; ω)."""
    q = np.atleast_2d(np.asarray(q, dtype=np.float64))
    n = q.shape[0]
    t = np.broadcast_to(BASELINK_FROM_DH, (n, 4, 4)).copy()
    origins, axes = [], []
    for i in range(6):
        origins.append(t[:, :3, 3].copy())
        axes.append(t[:, :3, 2].copy())
        t = t @ _dh(q[:, i], i)
    pe = t[:, :3, 3]
    jac = np.zeros((n, 6, 6))
    for i in range(6):
        jac[:, :3, i] = np.cross(axes[i], pe - origins[i])
        jac[:, 3:, i] = axes[i]
    return jac


def manipulability(q: FloatArray, tcp_offset_m: float = 0.0) -> FloatArray:
    """Yoshikawa manipulability of the TCP ``tcp_offset_m`` beyond the flange along z.

    Lengths are scaled by the arm's reach so the measure is unit-free: (N, 6) → (N,).
    """
    jac = jacobian_dh(q)
    if tcp_offset_m:
        t = fk(q)
        r = t[:, :3, 2] * tcp_offset_m
        jac[:, :3, :] -= np.cross(r[:, :, None], jac[:, 3:, :], axis=1)
    reach = abs(A2) + abs(A3)
    jac[:, :3, :] /= reach
    return np.sqrt(np.abs(np.linalg.det(jac @ np.transpose(jac, (0, 2, 1)))))
