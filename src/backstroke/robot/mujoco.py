"""``MujocoRobot``: a UR5 in MuJoCo pressing on the simulated client (extra ``mujoco``).

The same Controller and Supervisor drive it as the built-in ``SimRobot``; only the
physics differ (see ``docs/mujoco.md``):

* scene (:mod:`~backstroke.robot.mujoco_scene`): table, the client (BackModel mesh and
  proxies), the UR5 from ``example-robot-data`` on a pedestal, the massage tool with a
  6-axis F/T sensor; world frame = body frame B;
* base placement (:mod:`~backstroke.robot.mujoco_placement`): chosen at construction
  so the whole workspace is reachable on one IK branch with margins, collision-free;
  otherwise a :class:`~backstroke.errors.RobotError` before anything moves;
* inverse kinematics (:mod:`~backstroke.robot.mujoco_ik`): mink at 25 Hz with joint,
  velocity and collision limits, plus a first-order Jacobian correction every tick;
  the commanded tool axis turns at most 1 rad/s (the arm's own trajectory generator);
  gravity-compensated joint position servos with a low-passed velocity feed-forward;
* contact (:mod:`~backstroke.robot.mujoco_contact`): one sphere per pad against a
  mocap tangent plane of the skin (with breathing), MuJoCo soft contact whose
  ``solref``/``solimp`` follow the tissue's local stiffness (softening, muscle tone)
  and thickness over bone, so the solver's force follows the tissue law; friction is
  the tissue's μ;
* the client (:class:`~backstroke.tissue.Tissue`) advances every tick with the same
  pad indentations (dose, trust, breathing, comfort signals → ``client_signal``).

Measured state: the TCP pose from the joint encoders (forward kinematics), the force
and torque from the MuJoCo ``force``/``torque`` sensors at the flange (tool weight and
inertia compensated, seeded bias and noise), expressed in B at the TCP.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import MissingExtraError, RobotError
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.tools import TOOLS, Tool

try:
    import mink  # noqa: F401
    import mujoco
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise MissingExtraError("mujoco", getattr(exc, "name", None) or "mujoco") from exc

from backstroke.robot import mujoco_arm as arm
from backstroke.robot.mujoco_contact import SHAPE
from backstroke.robot.mujoco_ik import DiffIK, axis_rotation
from backstroke.robot.mujoco_placement import (
    Placement,
    Workspace,
    check_reach,
    place_base,
    tcp_poses,
)
from backstroke.robot.mujoco_scene import (
    PAD_SPHERE_RADIUS_M,
    TCP_OFFSET_M,
    BasePose,
    Scene,
    build_scene,
)
from backstroke.tissue.grid import SurfaceTables
from backstroke.tissue.model import Tissue

FloatArray = NDArray[np.float64]
BACKEND = "mujoco"
_NOISE_BLOCK = 4096
_FAR_M = 1.0  # an unused pad's skin plane is parked this far below the skin
CONE_LIMIT_DEG = 10.0  # "stacking the bones": contact force within 10° of the tool axis
CONE_LOAD_FORCE_N = 5.0  # the cone is checked under load (axial force at least this)
CONE_LIGHT_FORCE_N = 1.0  # light touch (transitions) is reported separately
LAW_RANGE_N = (5.0, 30.0)  # working range of the contact-law comparison
CONTACT_LIGHTNESS = 1.0e4  # scale on the tool's contact inverse weight (see _ids)
TORQUE_NOISE_PER_N = 0.02  # torque noise σ (N·m) per newton of force noise σ
REFRESH_M = 0.0005  # foot slide that triggers a skin lookup
REFRESH_S = 0.02  # longest time between skin lookups
STATE_REFRESH_S = 0.1  # period of the tissue-state (softening, tone) refresh
FEEDFORWARD_FILTER_S = 0.02  # low-pass of the joint velocity feed-forward
MAX_AXIS_RATE_RAD_S = 1.0  # fastest turn of the tool axis (57°/s)


def _vec3(x: Any, what: str) -> Vec3:
    try:
        a, b, c = (float(t) for t in x)
    except (TypeError, ValueError):
        raise RobotError(f"{what} must be three numbers, got {x!r}", backend=BACKEND) from None
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        raise RobotError(f"{what} must be finite, got {x!r}", backend=BACKEND)
    return a, b, c


def _unit(x: Any, what: str) -> Vec3:
    a, b, c = _vec3(x, what)
    n = math.sqrt(a * a + b * b + c * c)
    if n < 1e-9:
        raise RobotError(f"{what} must be a non-zero vector", backend=BACKEND)
    return a / n, b / n, c / n


def has_display() -> bool:
    """Whether a window can be opened (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class MujocoRobot:
    """A UR5 with the massage tool in MuJoCo (implements the ``Robot`` protocol).

    Args:
        back: the client's back model (frame B, chart, mesh).
        client: the client file (resolved here if needed); builds the tissue.
        seed: seeds the sensor bias and noise (the tissue uses ``client.seed``).
        control_rate_hz: control and physics rate (one MuJoCo step per tick).
        view: open MuJoCo's passive viewer when a display exists.
        workspace: the TCP poses to make reachable (default: every pose a routine can
            ask for on this back, see :class:`~backstroke.robot.mujoco_placement.Workspace`).
        ik_rate_hz: rate of the mink QP solves.
        force_noise_n: σ of the F/T sensor noise per axis (N).
        max_bias_n: largest norm of the sensor's constant bias (N), drawn from the seed.

    Raises:
        RobotError: the workspace cannot be reached with margin from any base placement.
        MissingExtraError: mujoco, mink or example-robot-data is not installed.
    """

    name = "mujoco"

    def __init__(
        self,
        back: BackModel,
        client: ClientSpec,
        *,
        seed: int,
        control_rate_hz: float = 1000.0,
        view: bool = False,
        workspace: Workspace | None = None,
        ik_rate_hz: float = 25.0,
        force_noise_n: float = 0.07,
        max_bias_n: float = 0.1,
    ) -> None:
        if not (math.isfinite(control_rate_hz) and 200.0 <= control_rate_hz <= 5000.0):
            raise RobotError(
                f"control_rate_hz must be within 200..5000, got {control_rate_hz!r}",
                backend=BACKEND,
            )
        if not (math.isfinite(ik_rate_hz) and 5.0 <= ik_rate_hz <= control_rate_hz):
            raise RobotError(
                f"ik_rate_hz must be within 5..control_rate_hz, got {ik_rate_hz!r}",
                backend=BACKEND,
            )
        t_build = time.perf_counter()
        self.control_rate_hz = float(control_rate_hz)
        self.dt_s = 1.0 / self.control_rate_hz
        self.back = back
        if client.seed is None or client.stiffness_n_m is None:
            client = client.resolved()
        self.client = client
        self.seed = int(seed)
        self.tissue = Tissue(back, client)
        self.tissue.set_control_period(self.dt_s)
        self.workspace = workspace if workspace is not None else Workspace.from_back(back)
        # --- base placement on a provisional model (only the base moves)
        probe_scene = build_scene(back, BasePose((0.0, 0.6, 0.0), 0.0), timestep_s=self.dt_s)
        probe = self._compile(probe_scene)
        self.placement: Placement = place_base(
            back, self.workspace, lambda b, q: self._clearance(probe, probe_scene, b, q)
        )
        self.scene: Scene = build_scene(
            back,
            self.placement.base,
            timestep_s=self.dt_s,
            friction=self.tissue.friction_coefficient,
        )
        self.model = self._compile(self.scene)
        self.data = mujoco.MjData(self.model)
        self._ids()
        # --- IK
        chain, _ = arm.load_ur5()
        self._q_lo = np.array([lk.limits_rad[0] for lk in chain[1:]])
        self._q_hi = np.array([lk.limits_rad[1] for lk in chain[1:]])
        self._qd_max = np.array([lk.velocity_rad_s for lk in chain[1:]])
        self.ik = DiffIK(
            self.model,
            arm_geoms=self.scene.arm_geoms,
            env_geoms=self.scene.env_geoms,
            tool_geoms=self.scene.tool_geoms,
            tool_env_geoms=self.scene.tool_env_geoms,
            velocity_limits_rad_s={
                j: float(v) for j, v in zip(arm.JOINTS, self._qd_max, strict=True)
            },
            ik_rate_hz=ik_rate_hz,
            control_rate_hz=self.control_rate_hz,
        )
        self._ik_every = max(1, round(self.control_rate_hz / ik_rate_hz))
        self._qd_step = (self._qd_max * self.dt_s).tolist()
        self._q_lo_l = (self._q_lo + 1e-3).tolist()
        self._q_hi_l = (self._q_hi - 1e-3).tolist()
        # --- sensor noise (seeded)
        self._rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0x40C0]))
        direction = self._rng.standard_normal(3)
        direction /= np.linalg.norm(direction)
        mag = float(self._rng.uniform(0.0, max_bias_n))
        self.sensor_bias_n: Vec3 = (
            float(direction[0] * mag),
            float(direction[1] * mag),
            float(direction[2] * mag),
        )
        self.force_noise_n = float(force_noise_n)
        self._noise: list[float] = []
        self._noise_i = 0
        self._refill_noise()
        # --- skin tables
        self._grid = self.tissue.grid
        surf = SurfaceTables(back, self._grid)
        table = np.concatenate([surf.points_m, surf.d_du_m, surf.d_dv, surf.normals], axis=-1)
        self._nodes: list[tuple[float, ...]] = [tuple(r) for r in table.reshape(-1, 12).tolist()]
        self._u_lim = (float(self._grid.u[0]), float(self._grid.u[-1]))
        self._i_max = self._grid.n_u - 2
        self._j_max = self._grid.n_v - 2
        self._v_lim = (float(self._grid.v_m[0]), float(self._grid.v_m[-1]))
        self._amp = self.tissue.fields.breath_amplitude_m.ravel().tolist()
        self._tool_lists: dict[Tool, tuple[list[float], list[float]]] = {
            t: (
                self.tissue.tool_fields(t).stiffness_n_m.ravel().tolist(),
                self.tissue.tool_fields(t).depth_m.ravel().tolist(),
            )
            for t in Tool
        }
        self._damping_s = self.tissue.params.damping_s
        # --- state
        self._started = False
        self._closed = False
        self._n = 0
        self._seq = 0
        self._tool = Tool.PALMS
        self._pads: tuple[float, ...] = (0.0,)
        self._pad_area_cm2 = 1.0
        self._foot_uv = (0.5, 0.0)  # the TCP's foot on the skin (u, v_m)
        self._foot_node: tuple[float, ...] = ()
        self._t_refresh = -math.inf
        self._geo_dirty = [True, True]
        self._width = [0.01, 0.01]
        self._damp_coef = [0.0, 0.0]
        self._imp_last = [-1.0, -1.0]
        self._geo: list[tuple[float, ...]] = [(0.0,) * 9, (0.0,) * 9]
        self._gaps = [-_FAR_M, -_FAR_M]
        self._pad_low: list[Vec3] = [(0.0, 0.0, -_FAR_M), (0.0, 0.0, -_FAR_M)]
        self._depth = -_FAR_M
        self._k_mult = [1.0, 1.0]
        self._d_mult = [1.0, 1.0]
        self._t_soft = -math.inf
        self._q_des: list[float] = [0.0] * 6
        self._qd_ff = [0.0] * 6
        self._axis_cmd: Vec3 = (0.0, 0.0, 1.0)
        step = MAX_AXIS_RATE_RAD_S * self.dt_s
        self._cos_step, self._sin_step = math.cos(step), math.sin(step)
        self._ff_alpha = self.dt_s / (FEEDFORWARD_FILTER_S + self.dt_s)
        self._acc2 = 0.0
        self._v_prev = (0.0, 0.0, 0.0)
        self._p_prev = (0.0, 0.0, 0.0)
        self._truth = _Truth()
        self._last: RobotState | None = None
        self.build_s = time.perf_counter() - t_build
        self._viewer: Any = None
        self._view_note = ""
        self._last_sync = 0.0
        if view:
            self._open_viewer()

    # ================================================================ construction
    @staticmethod
    def _compile(scene: Scene) -> Any:
        try:
            return mujoco.MjModel.from_xml_string(scene.xml, scene.assets)
        except ValueError as exc:
            raise RobotError(f"cannot build the MuJoCo scene: {exc}", backend=BACKEND) from exc

    @staticmethod
    def _clearance(model: Any, scene: Scene, base: BasePose, q: FloatArray) -> float:
        """Smallest arm ↔ table/client distance (m) over joint vectors ``q`` (N, 6)."""
        bid = model.body("base_link").id
        half = 0.5 * base.yaw_rad
        model.body_pos[bid] = base.position_m
        model.body_quat[bid] = (math.cos(half), 0.0, 0.0, math.sin(half))
        data = mujoco.MjData(model)
        pairs = [
            (model.geom(a).id, model.geom(e).id)
            for group, others in (
                (scene.arm_geoms, scene.env_geoms),
                (scene.tool_geoms, scene.tool_env_geoms),
            )
            for a in group
            for e in others
        ]
        fromto = np.zeros(6)
        best = math.inf
        step = max(1, q.shape[0] // 90)
        for row in q[::step]:
            data.qpos[:6] = row
            mujoco.mj_kinematics(model, data)
            for a, e in pairs:
                best = min(best, mujoco.mj_geomDistance(model, data, a, e, 0.1, fromto))
        return best

    def _ids(self) -> None:
        m = self.model
        self._site_tcp = m.site("tcp").id
        self._site_ft = m.site("ft").id
        self._tool_body = m.body("tool").id
        self._pad_geom = [m.geom(n).id for n in self.scene.pad_geoms]
        self._skin_mocap = [m.body_mocapid[m.body(n).id] for n in self.scene.skin_bodies]
        self._pair = [m.pair(f"skin_pair_{k}").id for k in range(2)]
        self._solref = m.pair_solref  # views: written in place every tick
        self._solimp = m.pair_solimp
        self._pair_geoms = {(int(m.pair_geom1[p]), int(m.pair_geom2[p])) for p in self._pair}
        adr_f = m.sensor("ft_force").adr[0]
        adr_t = m.sensor("ft_torque").adr[0]
        self._adr_f, self._adr_t = int(adr_f), int(adr_t)
        self._tool_mass = float(m.body_subtreemass[self._tool_body])
        # Contact "lightness": MuJoCo's soft contact force solves (A + R) f = aref − a0
        # with R ∝ the diagonal inverse inertia Â (body_invweight0). Raising Â (and K
        # with it) keeps the static law aref/R and shrinks the acceleration term a0/R,
        # so the contact acts as the tissue's spring–damper while the arm accelerates.
        m.body_invweight0[self._tool_body, 0] *= CONTACT_LIGHTNESS
        self._invweight = float(m.body_invweight0[self._tool_body, 0])
        self._faces = {
            t: [m.geom(n).id for n in names] for t, names in self.scene.face_geoms.items()
        }
        self._kp = np.array(m.actuator_gainprm[:6, 0])
        self._acc6 = np.zeros(6)

    def _set_servo_damping(self) -> None:
        """Critically damped servos for the arm's inertia at the current configuration."""
        m, d = self.model, self.data
        mujoco.mj_forward(m, d)
        full = np.zeros((m.nv, m.nv))
        mujoco.mj_fullM(m, d, full)
        diag = np.diag(full)[:6]
        kv = 2.0 * np.sqrt(self._kp * diag)
        m.actuator_biasprm[:6, 2] = -kv
        self._kv_over_kp = (kv / self._kp).tolist()

    # ================================================================ helpers
    def _refill_noise(self) -> None:
        s = self.force_noise_n
        self._noise = (self._rng.standard_normal(6 * _NOISE_BLOCK) * s).tolist()
        self._noise_i = 0

    def _weights(self, u: float, v_m: float) -> tuple[int, float, float, float, float]:
        """Grid node index and bilinear weights (w00, w01, w10, w11) of a chart point."""
        g = self._grid
        fu = (u - g.u0) / g.du
        fv = (v_m - g.v0_m) / g.dv_m
        i = int(fu)
        i = 0 if i < 0 else (self._i_max if i > self._i_max else i)
        j = int(fv)
        j = 0 if j < 0 else (self._j_max if j > self._j_max else j)
        a = fu - i
        a = 0.0 if a < 0.0 else (1.0 if a > 1.0 else a)
        b = fv - j
        b = 0.0 if b < 0.0 else (1.0 if b > 1.0 else b)
        w11 = a * b
        return i * g.n_v + j, 1.0 - a - b + w11, b - w11, a - w11, w11

    def _surface(self, u: float, v_m: float) -> list[float]:
        """Skin point, ∂/∂u, ∂/∂v and normal (12 values, frame B) at a chart point."""
        k, w00, w01, w10, w11 = self._weights(u, v_m)
        n = self._nodes
        nv = self._grid.n_v
        return [
            x00 * w00 + x01 * w01 + x10 * w10 + x11 * w11
            for x00, x01, x10, x11 in zip(n[k], n[k + 1], n[k + nv], n[k + nv + 1], strict=True)
        ]

    def _pad_geometry(self, u: float, v_m: float) -> tuple[float, ...]:
        """Skin point, unit normal, field stiffness, thickness, breathing amplitude at a pad.

        Returns ``(Sx, Sy, Sz, nx, ny, nz, k_n_m, depth_m, amp_m)`` (static fields; the
        tissue state multipliers are applied by the caller).
        """
        k, w00, w01, w10, w11 = self._weights(u, v_m)
        nv = self._grid.n_v
        n = self._nodes
        a, b, c, e = n[k], n[k + 1], n[k + nv], n[k + nv + 1]
        sx = a[0] * w00 + b[0] * w01 + c[0] * w10 + e[0] * w11
        sy = a[1] * w00 + b[1] * w01 + c[1] * w10 + e[1] * w11
        sz = a[2] * w00 + b[2] * w01 + c[2] * w10 + e[2] * w11
        nx = a[9] * w00 + b[9] * w01 + c[9] * w10 + e[9] * w11
        ny = a[10] * w00 + b[10] * w01 + c[10] * w10 + e[10] * w11
        nz = a[11] * w00 + b[11] * w01 + c[11] * w10 + e[11] * w11
        nn = math.sqrt(nx * nx + ny * ny + nz * nz)
        kl, dl = self._tool_lists[self._tool]
        am = self._amp
        k1, k2, k3 = k + 1, k + nv, k + nv + 1
        return (
            sx,
            sy,
            sz,
            nx / nn,
            ny / nn,
            nz / nn,
            kl[k] * w00 + kl[k1] * w01 + kl[k2] * w10 + kl[k3] * w11,
            dl[k] * w00 + dl[k1] * w01 + dl[k2] * w10 + dl[k3] * w11,
            am[k] * w00 + am[k1] * w01 + am[k2] * w10 + am[k3] * w11,
        )

    def _refresh_foot(self, u: float, v_m: float, t_s: float) -> None:
        """Skin lookup at the TCP's foot ``(u, v_m)``: tangent plane, chart Jacobian, pads."""
        lo_u, hi_u = self._u_lim
        lo_v, hi_v = self._v_lim
        u = lo_u if u < lo_u else (hi_u if u > hi_u else u)
        v_m = lo_v if v_m < lo_v else (hi_v if v_m > hi_v else v_m)
        sx, sy, sz, aux, auy, auz, avx, avy, avz, nx, ny, nz = self._surface(u, v_m)
        nn = math.sqrt(nx * nx + ny * ny + nz * nz)
        # pseudo-inverse of J = [S_u S_v] (3×2): (JᵀJ)⁻¹ Jᵀ
        e11 = aux * aux + auy * auy + auz * auz
        e12 = aux * avx + auy * avy + auz * avz
        e22 = avx * avx + avy * avy + avz * avz
        det = e11 * e22 - e12 * e12
        i11, i12, i22 = e22 / det, -e12 / det, e11 / det
        self._foot_node = (
            sx,
            sy,
            sz,
            nx / nn,
            ny / nn,
            nz / nn,
            i11 * aux + i12 * avx,
            i11 * auy + i12 * avy,
            i11 * auz + i12 * avz,
            i12 * aux + i22 * avx,
            i12 * auy + i22 * avy,
            i12 * auz + i22 * avz,
        )
        self._foot_uv = (u, v_m)
        self._t_refresh = t_s
        for k, o in enumerate(self._pads):
            self._geo[k] = self._pad_geometry(u, v_m + o)
            self._geo_dirty[k] = True

    def _foot(self, p: Vec3, t_s: float) -> tuple[float, float]:
        """The TCP's foot on the skin: linear on the tangent plane of the last lookup.

        A new lookup (one Newton step) happens when the foot has slid ``REFRESH_M``
        from the last one, every ``REFRESH_S`` and on tool changes.
        """
        u, v_m = self._foot_uv
        sx, sy, sz, nx, ny, nz, j0, j1, j2, k0, k1, k2 = self._foot_node
        rx, ry, rz = p[0] - sx, p[1] - sy, p[2] - sz
        rn = rx * nx + ry * ny + rz * nz
        u += j0 * rx + j1 * ry + j2 * rz
        v_m += k0 * rx + k1 * ry + k2 * rz
        if (
            rx * rx + ry * ry + rz * rz - rn * rn > REFRESH_M * REFRESH_M
            or t_s - self._t_refresh >= REFRESH_S
        ):
            self._refresh_foot(u, v_m, t_s)
            sx, sy, sz, nx, ny, nz = self._foot_node[:6]
            rn = (p[0] - sx) * nx + (p[1] - sy) * ny + (p[2] - sz) * nz
        self._depth = -rn  # the TCP below the skin at its foot (m)
        return u, v_m

    def _pads_from_state(self) -> None:
        """Each pad's indentation and lowest point from the current kinematics.

        The palms' pads ride on springs and conform to the back (``tools.py``): every
        pad is as deep in its own skin as the TCP is below the skin at its foot, so pad
        k's indentation is ``depth · (n_foot · n_k)``.
        """
        _, _, _, fx, fy, fz = self._foot_node[:6]
        depth = self._depth
        r = PAD_SPHERE_RADIUS_M
        xpos = self.data.geom_xpos
        for k in range(len(self._pads)):
            geo = self._geo[k]
            nx, ny, nz = geo[3], geo[4], geo[5]
            self._gaps[k] = depth * (fx * nx + fy * ny + fz * nz)
            cx, cy, cz = xpos[self._pad_geom[k]].tolist()
            self._pad_low[k] = (cx - r * nx, cy - r * ny, cz - r * nz)

    def _select(self, tool: Tool) -> None:
        self._tool = Tool(tool)
        self.tissue.select_tool(self._tool)
        self._pads = self.tissue.pad_offsets_v_m(self._tool)
        spec = TOOLS[self._tool]
        self._pad_area_cm2 = spec.area_cm2 / len(spec.pads_v_m)
        m = self.model
        r = PAD_SPHERE_RADIUS_M
        for k in range(2):
            o = self._pads[k] if k < len(self._pads) else 0.0
            # pad k at TCP-frame y = o  →  tool0 y = −o
            m.geom_pos[self._pad_geom[k]] = (0.0, -o, TCP_OFFSET_M - r)
        for t, ids in self._faces.items():
            for gid in ids:
                m.geom_rgba[gid, 3] = 1.0 if t == self._tool else 0.15
        for k in range(len(self._pads), 2):  # an unused pad's skin plane: far below
            self.data.mocap_pos[self._skin_mocap[k]] = (0.0, 0.0, -_FAR_M)
            self.data.mocap_quat[self._skin_mocap[k]] = (1.0, 0.0, 0.0, 0.0)
            self._gaps[k] = -_FAR_M
        if self._foot_node:
            self._refresh_foot(*self._foot_uv, self._t_refresh)
            mujoco.mj_kinematics(m, self.data)  # the new pads' positions now
            self._pads_from_state()
        self._t_soft = -math.inf

    # ================================================================ checks
    def check_plan(self, workspace: Workspace) -> None:
        """Refuse (``RobotError``) poses the placed arm cannot reach with margin.

        Call it with :meth:`Workspace.from_plan_samples` before a session starts: nothing
        moves. The constructor already checked the whole back's workspace.
        """
        check_reach(self.placement, workspace)

    # ================================================================ protocol
    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        """Put the arm at a start pose above the skin (closed-form IK) and measure."""
        if self._closed:
            raise RobotError("start() after close()", backend=BACKEND)
        p = _vec3(position_m, "position_m")
        a = _unit(axis, "axis")
        try:
            tool = Tool(tool)
        except ValueError:
            raise RobotError(f"unknown tool {tool!r}", backend=BACKEND) from None
        ws = Workspace(tcp_poses(np.asarray([p]), np.asarray([a])), ("start pose",))
        q0 = check_reach(self.placement, ws)[0]
        m, d = self.model, self.data
        mujoco.mj_resetData(m, d)
        d.qpos[:6] = q0
        d.ctrl[:6] = q0
        self._q_des = q0.tolist()
        self._qd_ff = [0.0] * 6
        self._axis_cmd = a
        self.ik.reset(q0)
        self._select(tool)
        self._set_servo_damping()
        uu, vv = self.back.project(np.asarray([p]))
        self._refresh_foot(float(uu[0]), float(vv[0]), 0.0)
        self._foot(p, 0.0)
        self._pads_from_state()  # kinematics are current (mj_forward above)
        self._p_prev = p
        self._v_prev = (0.0, 0.0, 0.0)
        self._started = True
        self._update_skin(0.0)
        mujoco.mj_forward(m, d)
        return self._measure(0.0)

    def step(self, command: RobotCommand) -> RobotState:
        """Send one command, advance one control period, return the measured state."""
        if not self._started:
            raise RobotError("step() before start()", backend=BACKEND)
        if self._closed:
            raise RobotError("step() after close()", backend=BACKEND)
        return self._advance(command, hold=False)

    def stop(self) -> RobotState:
        """Brake: hold the current joint angles for one period and return the state."""
        if not self._started:
            raise RobotError("stop() before start()", backend=BACKEND)
        d = self.data
        d.qvel[:6] = 0.0
        self._q_des = d.qpos[:6].tolist()
        self._qd_ff = [0.0] * 6
        st = self._last
        cmd = RobotCommand(
            self._tool,
            st.position_m if st else (0.0, 0.0, 0.0),
            st.axis if st else (0.0, 0.0, 1.0),
            self._n * self.dt_s,
        )
        return self._advance(cmd, hold=True)

    def close(self) -> None:
        """Release the viewer (idempotent)."""
        if self._viewer is not None:
            try:
                self._viewer.close()
            finally:
                self._viewer = None
        self._closed = True

    # ================================================================ the tick
    def _advance(self, command: RobotCommand, *, hold: bool) -> RobotState:
        m, d = self.model, self.data
        if command.tool is not self._tool:
            self._select(command.tool)
        if not hold:
            cx, cy, cz = command.position_m
            ax, ay, az = command.axis
            an = math.sqrt(ax * ax + ay * ay + az * az)
            if not (an > 1e-9 and math.isfinite(an) and math.isfinite(cx + cy + cz)):
                raise RobotError(f"invalid command {command!r}", backend=BACKEND)
            ax, ay, az = self._turn_axis(ax / an, ay / an, az / an)
            rot = axis_rotation(ax, ay, az)
            pos = (cx, cy, cz)
            if self._n % self._ik_every == 0:
                self.ik.solve(pos, rot)
            q = self.ik.correct(pos, rot)
            # joint velocity limits (the whole step scaled: the TCP path keeps its
            # direction) and position limits
            qd_step = self._qd_step
            lo, hi, prev, ff = self._q_lo_l, self._q_hi_l, self._q_des, self._kv_over_kp
            scale = 1.0
            for j in range(6):
                step = abs(q[j] - prev[j])
                if step * scale > qd_step[j]:
                    scale = qd_step[j] / step
            if scale < 1.0:
                self._truth.velocity_limited += 1
                q = [p_ + scale * (x - p_) for x, p_ in zip(q, prev, strict=True)]
            qd = self._qd_ff
            alpha = self._ff_alpha
            rate = self.control_rate_hz
            ctrl = []
            for j in range(6):
                x = q[j]
                x = lo[j] if x < lo[j] else (hi[j] if x > hi[j] else x)
                # velocity feed-forward, low-passed: the force loop's tick-to-tick
                # corrections must not be differentiated into servo torque
                qd[j] += alpha * ((x - prev[j]) * rate - qd[j])
                ctrl.append(x + ff[j] * qd[j])
                q[j] = x
            self._q_des = q
            d.ctrl[:6] = ctrl
        else:
            d.ctrl[:6] = self._q_des
        self._n += 1
        t = self._n * self.dt_s
        self._update_skin(t)
        mujoco.mj_step(m, d)
        st = self._measure(t)
        if self._viewer is not None:
            self._sync_viewer()
        return st

    def _turn_axis(self, ax: float, ay: float, az: float) -> Vec3:
        """Rate-limit the commanded tool axis (the arm's own trajectory generator).

        The axis turns toward the command by at most ``MAX_AXIS_RATE_RAD_S · dt`` per
        tick, so a jump in the command (e.g. at a tool change) becomes a smooth turn.
        """
        px, py, pz = self._axis_cmd
        c = px * ax + py * ay + pz * az
        if c >= self._cos_step:
            self._axis_cmd = (ax, ay, az)
            return ax, ay, az
        # rotate p toward a by the largest step: p cos θ + w sin θ, w ⟂ p in the plane
        wx, wy, wz = ax - c * px, ay - c * py, az - c * pz
        wn = math.sqrt(wx * wx + wy * wy + wz * wz)
        if wn < 1e-12:  # opposite: no defined plane, hold
            return px, py, pz
        cs, sn = self._cos_step, self._sin_step
        out = (
            px * cs + wx / wn * sn,
            py * cs + wy / wn * sn,
            pz * cs + wz / wn * sn,
        )
        self._axis_cmd = out
        self._truth.axis_rate_limited += 1
        return out

    def _update_skin(self, t_s: float) -> None:
        """Move each pad's skin plane under it and set its contact parameters.

        Uses the pads' skin geometry from the last measurement (one tick old: the skin
        under a pad moves by well under 0.1 mm in that time).
        """
        d = self.data
        tissue = self.tissue
        frac = tissue.breathing.offset_fraction(t_s)
        if t_s - self._t_soft >= STATE_REFRESH_S:
            # The tissue's state (softening, muscle tone) scales its fields slowly: take
            # its exact per-pad stiffness and thickness now and keep the ratios to the
            # static fields at the same point; in between, only the fields move.
            u0, v0 = self._foot_uv
            ks = tissue.pad_stiffness_n_m(u0, v0, self._tool)
            ds = tissue.pad_depth_m(u0, v0, self._tool)
            for k in range(len(self._pads)):
                self._k_mult[k] = ks[k] / self._geo[k][6]
                self._d_mult[k] = ds[k] / self._geo[k][7]
                self._geo_dirty[k] = True
            self._t_soft = t_s
        shape = SHAPE
        solref, solimp = self._solref, self._solimp
        mocap_pos, mocap_quat = d.mocap_pos, d.mocap_quat
        for k in range(len(self._pads)):
            _, _, _, nx, ny, nz, kf, df, amp = self._geo[k]
            off = amp * frac
            # the pad's skin patch: its tangent plane, as far above the pad's lowest point
            # as the pad is indented (conforming pads) plus the breathing offset
            h = self._gaps[k] + off
            lx, ly, lz = self._pad_low[k]
            mid = self._skin_mocap[k]
            mocap_pos[mid] = (lx + h * nx, ly + h * ny, lz + h * nz)
            pid = self._pair[k]
            if self._geo_dirty[k]:
                dd = df * self._d_mult[k]
                # plane z axis → n: quaternion (1 + nz, −ny, nx, 0) normalised
                w = 1.0 + nz
                qn = math.sqrt(w * w + ny * ny + nx * nx)
                mocap_quat[mid] = (w / qn, -ny / qn, nx / qn, 0.0)
                solimp[pid] = shape.solimp(dd)
                a, _ = shape.solref(kf * self._k_mult[k], self._invweight, 1.0, 0.0)
                solref[pid, 0] = a
                self._width[k] = shape.width_ratio * dd
                # B = K I(r) τ: K·τ·dmax here, times I(r) per tick below
                self._damp_coef[k] = a / shape.dmax * self._damping_s
                self._geo_dirty[k] = False
                self._imp_last[k] = -1.0
            # the damping term's impedance factor at the penetration now
            pen = h
            imp = shape.impedance(pen, self._width[k]) if pen > 0.0 else shape.d0
            if imp != self._imp_last[k]:
                solref[pid, 1] = self._damp_coef[k] * imp
                self._imp_last[k] = imp

    def _measure(self, t_s: float) -> RobotState:
        """Sensors and forward kinematics at the state the last step started from."""
        d = self.data
        tr = self._truth
        # TCP pose (joint encoders → forward kinematics)
        site_p = d.site_xpos.tolist()
        site_r = d.site_xmat.tolist()
        px, py, pz = site_p[self._site_tcp]
        rt = site_r[self._site_tcp]
        ax, ay, az = rt[2], rt[5], rt[8]
        # F/T sensor: force and torque of the parent on the tool, site frame → B
        r0, r1, r2, r3, r4, r5, r6, r7, r8 = site_r[self._site_ft]
        sd = d.sensordata.tolist()
        a0, a1, a2 = sd[self._adr_f : self._adr_f + 3]
        b0, b1, b2 = sd[self._adr_t : self._adr_t + 3]
        # Payload compensation (weight and inertia, as F/T drivers do from the arm's
        # joint accelerations): the tool's proper acceleration (a − g) times its mass.
        mujoco.mj_objectAcceleration(
            self.model, d, mujoco.mjtObj.mjOBJ_BODY, self._tool_body, self._acc6, 0
        )
        m_t = self._tool_mass
        _, _, _, gx, gy, gz = self._acc6.tolist()
        gx, gy, gz = -m_t * gx, -m_t * gy, -m_t * gz  # −m (a − g): the "weight" term
        # contact force on the tool = −(parent's force) − (weight and inertia term)
        fx = -(r0 * a0 + r1 * a1 + r2 * a2) - gx
        fy = -(r3 * a0 + r4 * a1 + r5 * a2) - gy
        fz = -(r6 * a0 + r7 * a1 + r8 * a2) - gz
        cx_, cy_, cz_ = d.xipos[self._tool_body].tolist()
        sx_, sy_, sz_ = site_p[self._site_ft]
        lx, ly, lz = cx_ - sx_, cy_ - sy_, cz_ - sz_  # COM lever from the sensor
        mx, my, mz = sx_ - px, sy_ - py, sz_ - pz  # sensor lever from the TCP
        tx = -(r0 * b0 + r1 * b1 + r2 * b2) - (ly * gz - lz * gy) + (my * fz - mz * fy)
        ty = -(r3 * b0 + r4 * b1 + r5 * b2) - (lz * gx - lx * gz) + (mz * fx - mx * fz)
        tz = -(r6 * b0 + r7 * b1 + r8 * b2) - (lx * gy - ly * gx) + (mx * fy - my * fx)
        i = self._noise_i
        if i + 6 > len(self._noise):
            self._refill_noise()
            i = 0
        nz_ = self._noise
        b = self.sensor_bias_n
        force = (fx + b[0] + nz_[i], fy + b[1] + nz_[i + 1], fz + b[2] + nz_[i + 2])
        ts_ = TORQUE_NOISE_PER_N * self.force_noise_n
        torque = (tx + ts_ * nz_[i + 3], ty + ts_ * nz_[i + 4], tz + ts_ * nz_[i + 5])
        self._noise_i = i + 6
        # kinematics for the tissue: speed, mean-square acceleration
        dt = self.dt_s
        vx, vy, vz = (
            (px - self._p_prev[0]) / dt,
            (py - self._p_prev[1]) / dt,
            (pz - self._p_prev[2]) / dt,
        )
        if t_s > 0.0:
            ax_, ay_, az_ = (
                (vx - self._v_prev[0]) / dt,
                (vy - self._v_prev[1]) / dt,
                (vz - self._v_prev[2]) / dt,
            )
            self._acc2 += (ax_ * ax_ + ay_ * ay_ + az_ * az_ - self._acc2) * min(dt / 0.02, 1.0)
        self._p_prev = (px, py, pz)
        self._v_prev = (vx, vy, vz)
        # the TCP's foot on the skin; pad k sits over chart point (u, v + o_k)
        u_tcp, v_tcp = self._foot((px, py, pz), t_s)
        self._pads_from_state()
        gaps = self._gaps
        nx, ny, nz = self._geo[0][3:6]
        vn = vx * nx + vy * ny + vz * nz
        speed2 = vx * vx + vy * vy + vz * vz - vn * vn
        g1 = gaps[1] if len(self._pads) > 1 else gaps[0]  # one-pad tools: gap1 = gap0
        f_model = self.tissue.press(
            t_s, u_tcp, v_tcp, gaps[0], g1, speed2 if speed2 > 0.0 else 0.0, self._acc2
        )
        # truth: contact forces the skin actually received in the physics
        fn_pads = self._contact_normals()
        tr.update(
            self,
            t_s,
            (u_tcp, v_tcp),
            fn_pads,
            f_model,
            (fx, fy, fz),
            (ax, ay, az),
        )
        self._seq += 1
        st = RobotState(
            t_s,
            self._seq,
            self._tool,
            (px, py, pz),
            (ax, ay, az),
            force,
            torque,
            self.tissue.client_signal,
        )
        self._last = st
        return st

    def _contact_normals(self) -> list[float]:
        """Normal force (N) of each skin pair's contact in the last step."""
        d = self.data
        out = [0.0, 0.0]
        n = d.ncon
        if n == 0:
            return out
        g0, g1 = self._pad_geom
        geoms = d.contact.geom.tolist()
        adrs = d.contact.efc_address.tolist()
        forces = d.efc_force
        for (a, b), efc in zip(geoms, adrs, strict=True):
            if efc < 0:
                continue
            if a == g0 or b == g0:
                out[0] += float(forces[efc])
            elif a == g1 or b == g1:
                out[1] += float(forces[efc])
            else:
                self._truth.arm_contacts += 1
        return out

    # ================================================================ viewer
    def _open_viewer(self) -> None:
        if not has_display():
            self._view_note = "no display: viewer not opened"
            return
        import mujoco.viewer

        self._viewer = mujoco.viewer.launch_passive(self.model, self.data)

    def _sync_viewer(self) -> None:
        now = time.perf_counter()
        if now - self._last_sync >= 1.0 / 60.0:
            self._last_sync = now
            if self._viewer.is_running():
                self._viewer.sync()

    # ================================================================ truth
    def joint_margins_rad(self) -> FloatArray:
        """(6,) distance of each joint from its nearest limit now (rad)."""
        q = self.data.qpos[:6]
        return np.asarray(np.minimum(q - self._q_lo, self._q_hi - q))

    def sim_truth(self) -> dict[str, Any]:
        """What the physics actually did (JSON-ready), for the summary's ``sim_truth``."""
        rec = self.tissue.records()
        out: dict[str, Any] = {
            f"tissue_{k}" if k.startswith("max_") else k: (
                round(v, 6) if isinstance(v, float) else v
            )
            for k, v in rec.items()
        }
        out.update(self._truth.as_dict())
        out.update(
            {
                "sim_time_s": round(self._n * self.dt_s, 6),
                "ticks": self._n,
                "arm": "UR5 (example-robot-data, joint-limited)",
                "placement": self.placement.as_dict(),
                **self.ik.stats(),
                "sensor_bias_n": [round(b, 6) for b in self.sensor_bias_n],
                "force_noise_n": self.force_noise_n,
                "friction_coefficient": round(self.tissue.friction_coefficient, 6),
                "build_s": round(self.build_s, 3),
                "viewer": self._view_note or ("open" if self._viewer is not None else "off"),
            }
        )
        return out


class _Truth:
    """Running extremes of the physics (TRUTH, for sim_truth and tests)."""

    def __init__(self) -> None:
        self.max_force_n = 0.0
        self.max_force_at = (0.0, 0.0, 0.0)
        self.max_pressure_n_cm2 = 0.0
        self.max_pressure_at = (0.0, 0.0, 0.0)
        self.limit_fraction_force = 0.0
        self.limit_fraction_pressure = 0.0
        self.min_joint_margin = [math.inf] * 6
        self.cone_max_deg = 0.0
        self.cone_sum = 0.0
        self.cone_n = 0
        self.cone_over = 0
        self.cone_light_max_deg = 0.0
        self.law_err_max = 0.0
        self.law_err_sum = 0.0
        self.law_n = 0
        self.law_over = 0
        self.arm_contacts = 0
        self.velocity_limited = 0
        self.axis_rate_limited = 0
        self._tick = 0

    def update(
        self,
        robot: MujocoRobot,
        t_s: float,
        uv: tuple[float, float],
        fn_pads: list[float],
        f_model: tuple[float, float],
        f_contact: Vec3,
        axis: Vec3,
    ) -> None:
        f0, f1 = fn_pads
        ftot = f0 + f1
        if ftot > self.max_force_n:
            self.max_force_n = ftot
            self.max_force_at = (t_s, uv[0], uv[1])
        # worst received / limit of the tool and the TRUE zone under its pads now
        ff, fp = robot.tissue.limit_fractions(f0, f1)
        if ff > self.limit_fraction_force:
            self.limit_fraction_force = ff
        if fp > self.limit_fraction_pressure:
            self.limit_fraction_pressure = fp
        pm = (f0 if f0 > f1 else f1) / robot._pad_area_cm2
        if pm > self.max_pressure_n_cm2:
            self.max_pressure_n_cm2 = pm
            self.max_pressure_at = (t_s, uv[0], uv[1])
        self._tick += 1
        if self._tick % 8 == 0:
            q = robot.data.qpos[:6].tolist()
            lo, hi, mm = robot._q_lo_l, robot._q_hi_l, self.min_joint_margin
            for j in range(6):
                margin = q[j] - lo[j] if q[j] - lo[j] < hi[j] - q[j] else hi[j] - q[j]
                if margin < mm[j]:
                    mm[j] = margin
        fx, fy, fz = f_contact
        fa = fx * axis[0] + fy * axis[1] + fz * axis[2]
        if fa > CONE_LIGHT_FORCE_N:
            fnorm = math.sqrt(fx * fx + fy * fy + fz * fz)
            ang = math.degrees(math.acos(min(1.0, fa / fnorm)))
            if fa >= CONE_LOAD_FORCE_N:
                if ang > self.cone_max_deg:
                    self.cone_max_deg = ang
                self.cone_sum += ang
                self.cone_n += 1
                if ang > CONE_LIMIT_DEG:
                    self.cone_over += 1
            elif ang > self.cone_light_max_deg:
                self.cone_light_max_deg = ang
        fm = f_model[0] + f_model[1]
        if LAW_RANGE_N[0] <= fm <= LAW_RANGE_N[1]:
            err = abs(ftot - fm) / fm
            if err > self.law_err_max:
                self.law_err_max = err
            if err > 0.1:
                self.law_over += 1
            self.law_err_sum += err
            self.law_n += 1

    def as_dict(self) -> dict[str, Any]:
        # the limits sit 1e-3 rad inside the URDF's (see _q_lo_l); report against the URDF
        margins = [x + 1e-3 for x in self.min_joint_margin]
        return {
            "max_force_n": round(self.max_force_n, 6),
            "max_force_t_s": round(self.max_force_at[0], 4),
            "max_force_u": round(self.max_force_at[1], 5),
            "max_force_v_m": round(self.max_force_at[2], 5),
            "max_pressure_n_cm2": round(self.max_pressure_n_cm2, 6),
            "max_pressure_t_s": round(self.max_pressure_at[0], 4),
            "limit_fraction_force": round(self.limit_fraction_force, 6),
            "limit_fraction_pressure": round(self.limit_fraction_pressure, 6),
            "joint_margin_min_deg": [round(math.degrees(x), 3) for x in margins],
            "joint_limits_reached": bool(min(margins) <= math.radians(0.5)),
            "cone": {
                "limit_deg": CONE_LIMIT_DEG,
                "load_threshold_n": CONE_LOAD_FORCE_N,
                "max_deg": round(self.cone_max_deg, 4),
                "mean_deg": round(self.cone_sum / self.cone_n, 4) if self.cone_n else None,
                "ticks": self.cone_n,
                "ticks_over_limit": self.cone_over,
                "light_touch_max_deg": round(self.cone_light_max_deg, 4),
            },
            "contact_vs_tissue_law_error": {
                "range_n": list(LAW_RANGE_N),
                "mean": round(self.law_err_sum / self.law_n, 5) if self.law_n else None,
                "max": round(self.law_err_max, 5) if self.law_n else None,
                "ticks": self.law_n,
                "ticks_over_10_percent": self.law_over,
            },
            "arm_environment_contacts": self.arm_contacts,
            "velocity_limited_ticks": self.velocity_limited,
            "axis_rate_limited_ticks": self.axis_rate_limited,
        }
