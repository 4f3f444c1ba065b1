"""Automatic base placement: where the UR5 stands so the whole plan is reachable.

The workspace is a set of TCP poses in frame B: by default every pose any routine can
ask for on this client — chart points over the whole back (``u ∈ [0, 1]``,
``|v| ≤ 0.13 m``: glides on the midline, forearm paths out to 12 cm, thumb lines), at
the deepest commanded depth and at the hover / retreat height above the skin, with the
tool axis on the normal and tilted 10° (the largest tilt any tool allows) forward, back
and to either side; or the poses of a given plan.

Candidates stand beside the table on either side (pedestal just clear of the table
edge or farther), along the back, at several heights; the base yaw centres the
shoulder-pan range on the workspace. For each candidate and each of the 8 closed-form
IK branches, every pose must be reachable on that one branch (so the arm never flips
configuration mid-session) with a joint-limit margin and a manipulability floor; the
best-scoring candidate is then checked for collisions (arm links against the table
and the client, with clearance) at every pose. If nothing qualifies the plan is
refused with a :class:`~backstroke.errors.RobotError` naming the worst pose.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.errors import RobotError
from backstroke.robot import mujoco_arm as arm
from backstroke.robot.mujoco_scene import TABLE_SIZE_M, TCP_OFFSET_M, BasePose

FloatArray = NDArray[np.float64]
BACKEND = "mujoco"

JOINT_MARGIN_RAD = math.radians(20.0)  # required distance from every joint limit
MIN_MANIPULABILITY = 0.02  # normalised Yoshikawa measure (reach-scaled)
MIN_WRIST_SIN = math.sin(math.radians(15.0))  # |sin q5|: away from the wrist singularity
COLLISION_CLEARANCE_M = 0.02
MAX_TILT_DEG = 10.0
WORK_V_M = 0.13
DEPTH_RANGE_M = (-0.035, 0.065)  # TCP height over the skin: deepest press .. hover+retreat

# T_tool0←tcp: the TCP is TCP_OFFSET_M out along tool0's z, rotated π about x.
TOOL0_TCP = np.array(
    [[1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, TCP_OFFSET_M], [0, 0, 0, 1.0]]
)
TCP_TOOL0 = np.linalg.inv(TOOL0_TCP)


def tcp_rotation(axis: FloatArray) -> FloatArray:
    """TCP orientations for tool axes: (N, 3) → (N, 3, 3), columns x, y, z in B.

    z is the tool axis (skin → tool); x is the body's cranial direction made
    orthogonal to it (the palms' pads and the forearm's long side lie along y).
    """
    a = np.atleast_2d(np.asarray(axis, dtype=np.float64))
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    ex = np.array([1.0, 0.0, 0.0])
    x = ex[None, :] - (a @ ex)[:, None] * a
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = np.cross(a, x)
    return np.stack([x, y, a], axis=2)


def tcp_poses(points_m: FloatArray, axes: FloatArray) -> FloatArray:
    """(N, 4, 4) TCP poses in B from positions (N, 3) and tool axes (N, 3)."""
    p = np.atleast_2d(np.asarray(points_m, dtype=np.float64))
    t = np.zeros((p.shape[0], 4, 4))
    t[:, :3, :3] = tcp_rotation(axes)
    t[:, :3, 3] = p
    t[:, 3, 3] = 1.0
    return t


@dataclass(frozen=True)
class Workspace:
    """TCP poses the arm must reach.

    Attributes:
        poses: (N, 4, 4) TCP poses in frame B.
        labels: (N,) a human-readable description of each pose (for errors).
    """

    poses: FloatArray
    labels: tuple[str, ...]

    @classmethod
    def from_back(cls, back: BackModel, n_u: int = 9) -> Workspace:
        """Every pose a routine can ask for on this back (see the module docstring)."""
        u = np.linspace(0.0, 1.0, n_u)
        vs = (-WORK_V_M, -0.07, 0.0, 0.07, WORK_V_M)
        pts, axes, labels = [], [], []
        tilt = math.radians(MAX_TILT_DEG)
        for uu in u:
            for vv in vs:
                v = float(np.clip(vv, -back.v_max_m(uu), back.v_max_m(uu)))
                p = back.point(uu, v)
                tu, tv, n = back.frame(uu, v)
                tilts = (
                    ("normal", n),
                    ("tilt+u", math.cos(tilt) * n + math.sin(tilt) * tu),
                    ("tilt-u", math.cos(tilt) * n - math.sin(tilt) * tu),
                    ("tilt+v", math.cos(tilt) * n + math.sin(tilt) * tv),
                    ("tilt-v", math.cos(tilt) * n - math.sin(tilt) * tv),
                )
                for h in DEPTH_RANGE_M:
                    for name, a in tilts:
                        pts.append(p + h * n)
                        axes.append(a)
                        labels.append(f"u={uu:.2f} v={v:+.3f} m height={h * 1000:+.0f} mm {name}")
        return cls(tcp_poses(np.asarray(pts), np.asarray(axes)), tuple(labels))

    @classmethod
    def from_samples(
        cls, points_m: FloatArray, axes: FloatArray, labels: tuple[str, ...] | None = None
    ) -> Workspace:
        """Poses of given TCP positions (N, 3) and axes (N, 3), e.g. a plan's samples."""
        p = np.atleast_2d(np.asarray(points_m, dtype=np.float64))
        lab = labels or tuple(f"sample {i}" for i in range(p.shape[0]))
        return cls(tcp_poses(p, axes), lab)

    @classmethod
    def from_plan_samples(cls, samples: dict[str, FloatArray], every: int = 50) -> Workspace:
        """Poses of a plan's samples (columns ``x_m … az``, see ``plan.COLUMNS``).

        Every ``every``-th sample is kept (a plan at 1 kHz moves ≤ 0.1 mm per sample),
        plus the last one.
        """
        n = int(np.asarray(samples["x_m"]).size)
        idx = np.unique(np.concatenate([np.arange(0, n, max(1, every)), [n - 1]]))
        pts = np.stack([np.asarray(samples[c])[idx] for c in ("x_m", "y_m", "z_m")], axis=1)
        axes = np.stack([np.asarray(samples[c])[idx] for c in ("ax", "ay", "az")], axis=1)
        t = np.asarray(samples["t_s"])[idx] if "t_s" in samples else idx.astype(float)
        return cls.from_samples(pts, axes, tuple(f"plan sample at t={x:.2f} s" for x in t))

    def subset(self, index: NDArray[np.intp]) -> Workspace:
        """The poses at ``index`` (for a quick screening of candidates)."""
        return Workspace(self.poses[index], tuple(self.labels[int(i)] for i in index))

    def screening(self, n: int = 60) -> Workspace:
        """About ``n`` poses spread over the workspace, extremes included."""
        p = self.poses[:, :3, 3]
        idx = {int(np.argmin(p[:, k])) for k in range(3)} | {
            int(np.argmax(p[:, k])) for k in range(3)
        }
        step = max(1, self.poses.shape[0] // n)
        idx |= set(range(0, self.poses.shape[0], step))
        return self.subset(np.asarray(sorted(idx), dtype=np.intp))

    def flange_poses(self, base: BasePose) -> FloatArray:
        """(N, 4, 4) flange (tool0) poses in ``base_link`` for a base placement."""
        inv_base = np.linalg.inv(base.matrix())
        return np.asarray(inv_base @ self.poses @ TCP_TOOL0)


@dataclass(frozen=True)
class Placement:
    """A chosen base placement and its figures.

    Attributes:
        base: base pose in B.
        branch: closed-form IK branch (shoulder, wrist, elbow) used for the session.
        joint_margin_rad: smallest distance from a joint limit over the workspace.
        manipulability: smallest normalised manipulability over the workspace.
        wrist_sin: smallest ``|sin q5|`` over the workspace.
        clearance_m: smallest distance arm ↔ table/client over the workspace.
        q_workspace: (N, 6) joint angles at the workspace poses.
        candidates: how many base poses were tried.
    """

    base: BasePose
    branch: tuple[int, int, int]
    joint_margin_rad: float
    manipulability: float
    wrist_sin: float
    clearance_m: float
    q_workspace: FloatArray
    candidates: int

    def as_dict(self) -> dict[str, object]:
        return {
            "base_position_m": [round(x, 4) for x in self.base.position_m],
            "base_yaw_deg": round(math.degrees(self.base.yaw_rad), 2),
            "ik_branch": list(self.branch),
            "joint_margin_deg": round(math.degrees(self.joint_margin_rad), 2),
            "manipulability": round(self.manipulability, 4),
            "wrist_sin": round(self.wrist_sin, 4),
            "clearance_m": round(self.clearance_m, 4),
            "candidates": self.candidates,
        }


@dataclass(frozen=True)
class _Eval:
    base: BasePose
    branch: tuple[int, int, int]
    ok_all: bool
    margin: float
    manip: float
    wrist: float
    q: FloatArray
    worst: int

    @property
    def score(self) -> float:
        if not self.ok_all:
            return -1.0
        return min(self.margin / JOINT_MARGIN_RAD, self.manip / MIN_MANIPULABILITY) + 0.1 * (
            self.wrist / MIN_WRIST_SIN
        )

    @property
    def qualifies(self) -> bool:
        return (
            self.ok_all
            and self.margin >= JOINT_MARGIN_RAD
            and self.manip >= MIN_MANIPULABILITY
            and self.wrist >= MIN_WRIST_SIN
        )


def _centre_yaw(q1: FloatArray) -> float:
    """Rotation of the base that centres the pan angles ``q1`` in (-π, π]."""
    ang = np.sort(np.mod(q1, 2 * math.pi))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * math.pi]]))
    k = int(np.argmax(gaps))
    start = ang[(k + 1) % ang.size]
    span = 2 * math.pi - float(gaps[k])
    return float(start + 0.5 * span)


def evaluate(workspace: Workspace, base: BasePose, branch: tuple[int, int, int]) -> _Eval:
    """Reach, joint margin, manipulability of one base and branch over the workspace."""
    flange = workspace.flange_poses(base)
    q, ok = arm.ik(flange, *branch)
    margin_each = math.pi - np.max(np.abs(q), axis=1)
    manip = arm.manipulability(q, TCP_OFFSET_M)
    wrist = np.abs(np.sin(q[:, 4]))
    # Per-pose badness: unreachable first, then the tightest normalised figure.
    quality = np.minimum.reduce(
        [margin_each / JOINT_MARGIN_RAD, manip / MIN_MANIPULABILITY, wrist / MIN_WRIST_SIN]
    )
    quality = np.where(ok, quality, -1.0)
    worst = int(np.argmin(quality))
    return _Eval(
        base,
        branch,
        bool(np.all(ok)),
        float(np.min(margin_each)) if ok.all() else 0.0,
        float(np.min(manip)) if ok.all() else 0.0,
        float(np.min(wrist)) if ok.all() else 0.0,
        q,
        worst,
    )


def candidate_bases(back: BackModel) -> list[BasePose]:
    """Base positions beside the table along the back, both sides, several heights."""
    x_mid = 0.5 * (float(back.point(0.0, 0.0)[0]) + float(back.point(1.0, 0.0)[0]))
    half_table = 0.5 * TABLE_SIZE_M[1]
    out = []
    for side in (1.0, -1.0):
        for dx in (-0.25, -0.15, -0.05, 0.05, 0.15, 0.25):
            for gap in (0.16, 0.24, 0.32):
                for z in (-0.08, 0.04, 0.16, 0.28, 0.40):
                    out.append(BasePose((x_mid + dx, side * (half_table + gap), z), 0.0))
    return out


def place_base(
    back: BackModel,
    workspace: Workspace,
    clearance: Callable[[BasePose, FloatArray], float] | None = None,
) -> Placement:
    """Choose the base pose and IK branch for a workspace (see the module docstring).

    Args:
        back: the client's back.
        workspace: TCP poses to reach.
        clearance: ``(base, q (N, 6)) → smallest arm ↔ environment distance (m)``;
            checked on the best candidates in order until one has enough clearance.

    Raises:
        RobotError: no candidate reaches every pose with the margins.
    """
    evals: list[_Eval] = []
    fails: list[tuple[float, _Eval, Workspace]] = []
    cands = candidate_bases(back)
    screen = workspace.screening()
    for cand in cands:
        flange = screen.flange_poses(cand)
        for br in arm.BRANCHES:
            q, ok = arm.ik(flange, *br)
            if not ok.all():
                e = _Eval(cand, br, False, 0.0, 0.0, 0.0, q, int(np.argmin(ok)))
                fails.append((float(np.mean(ok)) - 1.0, e, screen))
                continue
            # Centre the pan range on the workspace: the base yaw only shifts q1.
            base = BasePose(cand.position_m, _centre_yaw(q[:, 0]))
            e, used = evaluate(screen, base, br), screen
            if e.qualifies:
                e, used = evaluate(workspace, base, br), workspace
            if e.qualifies:
                evals.append(e)
            else:
                fails.append((e.score, e, used))
    good = sorted((e for e in evals if e.qualifies), key=lambda e: -e.score)
    for e in good[:8]:
        c = clearance(e.base, e.q) if clearance is not None else math.inf
        if c >= COLLISION_CLEARANCE_M:
            return Placement(e.base, e.branch, e.margin, e.manip, e.wrist, c, e.q, len(cands))
    if not good:
        if not fails:
            raise RobotError("no base placement could be evaluated", backend=BACKEND)
        _, worst, ws = max(fails, key=lambda f: f[0])
        label = ws.labels[worst.worst]
        raise RobotError(
            "the plan is out of the UR5's reach from every base placement beside the table "
            f"(best candidate fails at {label}: needs every joint ≥ "
            f"{math.degrees(JOINT_MARGIN_RAD):.0f}° from its limit, manipulability ≥ "
            f"{MIN_MANIPULABILITY}, |sin q5| ≥ {MIN_WRIST_SIN:.2f}); refused before moving",
            backend=BACKEND,
        )
    raise RobotError(
        "every reachable base placement brings the arm within "
        f"{COLLISION_CLEARANCE_M * 100:.0f} cm of the table or the client; refused before moving",
        backend=BACKEND,
    )


def check_reach(placement: Placement, workspace: Workspace) -> FloatArray:
    """Joint angles for extra poses on the placement's branch, or a RobotError.

    Returns:
        (N, 6) joint angles.
    """
    e = evaluate(workspace, placement.base, placement.branch)
    if not e.qualifies:
        raise RobotError(
            f"pose out of reach with margin on the placed arm: {workspace.labels[e.worst]} "
            f"(joint margin {math.degrees(e.margin):.1f}°, manipulability {e.manip:.3f}); "
            "refused before moving",
            backend=BACKEND,
        )
    return e.q
