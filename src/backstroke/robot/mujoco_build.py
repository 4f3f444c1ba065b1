"""Construction of the MuJoCo backend: scene, base placement, model ids, IK, noise.

:class:`MujocoBuild` holds everything :class:`~backstroke.robot.mujoco.MujocoRobot`
builds before the first tick (see that module for the physics); the skin lookups
(:mod:`~backstroke.robot.mujoco_skin`) and the tick itself are layered on top.
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
from backstroke.robot.protocol import RobotState, Vec3
from backstroke.robot.vectors import finite_vec3, unit_vec3
from backstroke.tools import Tool

try:
    import mink  # noqa: F401
    import mujoco
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise MissingExtraError("mujoco", getattr(exc, "name", None) or "mujoco") from exc

from backstroke.robot import mujoco_arm as arm
from backstroke.robot.mujoco_ik import DiffIK
from backstroke.robot.mujoco_placement import Placement, Workspace, place_base
from backstroke.robot.mujoco_scene import BasePose, Scene, build_scene
from backstroke.robot.mujoco_truth import MujocoTruth
from backstroke.tissue.grid import SurfaceTables
from backstroke.tissue.model import Tissue

FloatArray = NDArray[np.float64]
BACKEND = "mujoco"
_NOISE_BLOCK = 4096
_FAR_M = 1.0  # an unused pad's skin plane is parked this far below the skin
CONTACT_LIGHTNESS = 1.0e4  # scale on the tool's contact inverse weight (see _ids)
TORQUE_NOISE_PER_N = 0.02  # torque noise σ (N·m) per newton of force noise σ
REFRESH_M = 0.0005  # foot slide that triggers a skin lookup
REFRESH_S = 0.02  # longest time between skin lookups
STATE_REFRESH_S = 0.1  # period of the tissue-state (softening, tone) refresh
FEEDFORWARD_FILTER_S = 0.02  # low-pass of the joint velocity feed-forward
MAX_AXIS_RATE_RAD_S = 1.0  # fastest turn of the tool axis (57°/s)


def _vec3(x: Any, what: str) -> Vec3:
    return finite_vec3(x, what, BACKEND)


def _unit(x: Any, what: str) -> Vec3:
    return unit_vec3(x, what, BACKEND)


def has_display() -> bool:
    """Whether a window can be opened (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class MujocoBuild:
    """The MuJoCo backend as built, before any tick (arguments: see ``MujocoRobot``)."""

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
        self._truth = MujocoTruth()
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

    # ================================================================ noise
    def _refill_noise(self) -> None:
        s = self.force_noise_n
        self._noise = (self._rng.standard_normal(6 * _NOISE_BLOCK) * s).tolist()
        self._noise_i = 0

    # ================================================================ viewer
    def _open_viewer(self) -> None:
        if not has_display():
            self._view_note = "no display: viewer not opened"
            return
        import mujoco.viewer

        self._viewer = mujoco.viewer.launch_passive(self.model, self.data)
