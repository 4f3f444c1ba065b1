"""``SimRobot``: the built-in backend, a force-sensing arm pressing on a simulated client.

Everything a real robot would measure comes out of :meth:`SimRobot.step`: the TCP pose
(after actuator lag) and the force the skin exerts on the tool, from a simulated F/T
sensor with noise and bias. The client is a :class:`~backstroke.tissue.Tissue`.

Model, per control tick ``dt`` (default 1 ms):

* Actuator: each TCP coordinate follows its command as a critically damped
  second-order system (``bandwidth_hz``, default 30 Hz), with the acceleration limited
  to ``max_accel_m_s2`` (10 m/s²) and the speed to ``max_speed_m_s`` (1 m/s, a
  collaborative arm's TCP limit: fast enough to get away from a client who pushes up). The tool axis
  follows its command with a first-order lag of the same bandwidth. Deterministic.
* Contact: the TCP's foot ``(u, v)`` on the nominal skin is tracked incrementally on
  the tissue's chart grid. A refresh expands the skin to second order from the nearest
  grid node (point, ∂/∂u, ∂/∂v and second derivatives, precomputed) and caches the
  tangent plane, the chart Jacobian's pseudo-inverse and, per pad, the normal and the
  second fundamental form. Between refreshes ``(u, v)`` moves by the pseudo-inverse and
  each pad's indentation is its plane distance corrected by the curvature term — a
  local quadratic skin, exact to O(slide³). A refresh happens when the foot has slid
  ``refresh_m`` (2 mm) from the last one, every ``refresh_s`` (50 ms) and on tool
  changes. Each pad ``i`` of the tool sits at ``p + o_i e`` (``o_i`` its lateral
  offset, ``e`` the skin's lateral direction made perpendicular to the tool axis) over
  the chart point ``(u, v + o_i)``; its geometric indentation is ``(S_i − p_i)·n_i``
  and the tissue adds the breathing offset.
* Force on the tool, frame B: ``Σ F_i n_i`` (normal, from the tissue) plus friction
  ``−μ F_n v_t / sqrt(|v_t|² + v_ε²)`` opposing the tool's sliding velocity ``v_t``
  (``v_ε`` = 2 mm/s), plus a constant bias (seeded, norm ≤ ``max_bias_n``) and Gaussian
  noise (σ = ``force_noise_n`` per axis).
* Torque at the TCP: ``Σ (o_i e) × F_i n_i`` from the pads' normal forces (the two
  palm pads' imbalance; friction's small share is left out); one-pad tools press at the
  TCP, so their torque is zero (no torque noise).
* A change to the palms is a rolling handover: the palms start at ``ROLL_START`` of the
  TCP's depth and come fully onto the skin over ``ROLL_S`` (0.1 s) (at one depth the
  broad palms press harder than a thumb or forearm).
* The tissue advances every tick (dose, trust, breathing) and its signal goes into
  ``RobotState.client_signal``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.errors import RobotError
from backstroke.robot import sim_kernel as kernel
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.robot.sim_params import (
    JOINT_MODEL_ERROR_N,
    NOISE_BLOCK,
    ROLL_S,
    ROLL_START,
    SimRobotParams,
)
from backstroke.robot.sim_surface import surface_tables, taylor
from backstroke.robot.vectors import finite_vec3, unit_vec3
from backstroke.tissue.model import Tissue
from backstroke.tools import Tool

_move = kernel.move
_gaps = kernel.gaps
_resume = kernel.resume
_forces = kernel.forces
_tick = kernel.tick


class SimRobot:
    """The built-in simulated robot (implements :class:`~backstroke.robot.protocol.Robot`).

    Args:
        back: the client's back model (frame B, chart).
        tissue: the simulated client pressed on (built on the same back).
        seed: seeds the sensor bias and noise.
        control_rate_hz: control/sensor rate (Hz); one :meth:`step` per period.
        params: arm and sensor constants (defaults: :class:`SimRobotParams`).
    """

    name = "sim"

    def __init__(
        self,
        back: BackModel,
        tissue: Tissue,
        *,
        seed: int,
        control_rate_hz: float = 1000.0,
        params: SimRobotParams | None = None,
    ) -> None:
        if not (math.isfinite(control_rate_hz) and 50.0 <= control_rate_hz <= 20000.0):
            raise RobotError(
                f"control_rate_hz must be within 50..20000, got {control_rate_hz!r}", backend="sim"
            )
        if tissue.back is not back and tissue.back.back_length_m != back.back_length_m:
            raise RobotError("the tissue was built on a different back model", backend="sim")
        if tissue.time_s > 0.0:
            raise RobotError("the tissue has already been driven: one Tissue per SimRobot")
        self.params = SimRobotParams() if params is None else params
        self.control_rate_hz = float(control_rate_hz)
        self.back = back
        self.tissue = tissue
        self.seed = int(seed)
        self.dt_s = 1.0 / self.control_rate_hz
        grid = tissue.grid
        self._grid = grid
        self._surface = surface_tables(back, grid)
        self._nodes = self._surface.nodes
        self._rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0x51A]))
        direction = self._rng.standard_normal(3)
        direction /= np.linalg.norm(direction)
        mag = float(self._rng.uniform(0.0, self.params.max_bias_n))
        self.sensor_bias_n: Vec3 = (
            float(direction[0] * mag),
            float(direction[1] * mag),
            float(direction[2] * mag),
        )
        # The arm's second force estimate (joint torques through its model): no sensor
        # noise, its own constant model error, independent of the F/T sensor's faults.
        jrng = np.random.default_rng(np.random.SeedSequence([self.seed, 0x701]))
        jdir = jrng.standard_normal(3)
        jdir *= float(jrng.uniform(0.0, JOINT_MODEL_ERROR_N)) / np.linalg.norm(jdir)
        self.joint_bias_n: Vec3 = (float(jdir[0]), float(jdir[1]), float(jdir[2]))
        self._noise = np.zeros(0)
        self._noise_i = 0
        self._noise_end = 0
        self._refill_noise()
        # actuator constants
        w = 2.0 * math.pi * self.params.bandwidth_hz
        dt = self.dt_s
        self._w2 = w * w
        self._zw = 2.0 * w
        self._ax_beta = 1.0 - math.exp(-w * dt)
        self._acc_alpha = min(dt / self.params.accel_window_s, 1.0)
        self._amax2 = self.params.max_accel_m_s2**2
        self._vmax2 = self.params.max_speed_m_s**2
        self._h2 = self.params.refresh_m**2
        self._mu = tissue.friction_coefficient
        self._u_lim = (float(grid.u[0]), float(grid.u[-1]))
        self._v_lim = (float(grid.v_m[0]), float(grid.v_m[-1]))
        self._started = False
        self._closed = False
        self._n = 0
        self._seq = 0
        self._tool: Tool | None = None
        self._tissue_state = tissue
        # the compiled tick's constants and state (sim_kernel.py)
        self._K = np.array(
            [
                self.dt_s,
                self._w2,
                self._zw,
                self._amax2,
                self._vmax2,
                self._acc_alpha,
                self._ax_beta,
                self._h2,
                self._mu,
                *self.joint_bias_n,
            ]
        )
        self._S = np.zeros(kernel.SIZE)
        self._pads: tuple[float, ...] = (0.0,)
        self._cols: tuple[int, ...] = (0,)
        # dynamic state (in S): p(3), v(3), axis(3), low-passed acceleration(3)
        self._S[kernel.DYN : kernel.DYN + 12] = (
            0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0,
        )  # fmt: skip
        self._plane: tuple[float, ...] = (0.0,) * 14  # (also in S)
        self._padgeo: tuple[float, ...] = (0.0,) * 18  # (also in S)
        self._lat: tuple[float, ...] = (0.0,) * 5
        self._two = False
        self._S[kernel.T_REFRESH] = -math.inf
        self._refresh_s = self.params.refresh_s
        self._press = tissue.press
        self._P = tissue.press_state
        tissue.set_control_period(self.dt_s)
        self._refreshes = 0
        self._client_offset: tuple[float, ...] = (0.0,) * 6  # (also in S)

    # ------------------------------------------------------------------ helpers
    def _refill_noise(self) -> None:
        """Next block of sensor noise (σ per axis), with the constant bias added."""
        sigma = self.params.force_noise_n
        z = self._rng.standard_normal((NOISE_BLOCK, 3)) * sigma + np.asarray(self.sensor_bias_n)
        self._noise = np.ascontiguousarray(z.ravel())
        self._noise_i = 0
        self._noise_end = self._noise.size - 2

    def _refresh(self, u: float, v_m: float, axis: Vec3) -> None:
        """Skin lookup at the foot ``(u, v_m)``: local quadratic skin under the TCP and pads.

        Second-order Taylor expansion from the nearest node; caches for the tick: the
        foot, its tangent plane, the pseudo-inverse of the chart Jacobian, and for each
        pad the plane constant, normal and second fundamental form (halved).
        """
        g = self._grid
        u = min(max(u, self._u_lim[0]), self._u_lim[1])
        v_m = min(max(v_m, self._v_lim[0]), self._v_lim[1])
        i = min(max(int((u - g.u0) / g.du + 0.5), 0), g.n_u - 1)
        j = min(max(int((v_m - g.v0_m) / g.dv_m + 0.5), 0), g.n_v - 1)
        du = u - (g.u0 + i * g.du)
        dv = v_m - (g.v0_m + j * g.dv_m)
        nv = g.n_v
        nodes = self._nodes
        sx, sy, sz, aux, auy, auz, avx, avy, avz, nx, ny, nz, cl, cm, cn = taylor(
            nodes[i * nv + j], du, dv
        )
        # pseudo-inverse of J = [Su Sv] (3×2): (JᵀJ)⁻¹ Jᵀ
        e11 = aux * aux + auy * auy + auz * auz
        e12 = aux * avx + auy * avy + auz * avz
        e22 = avx * avx + avy * avy + avz * avz
        det = e11 * e22 - e12 * e12
        i11, i12, i22 = e22 / det, -e12 / det, e11 / det
        # lateral direction of the tool: skin's ∂/∂v made perpendicular to the axis
        ax, ay, az = axis
        d = avx * ax + avy * ay + avz * az
        ex, ey, ez = avx - d * ax, avy - d * ay, avz - d * az
        en = math.sqrt(ex * ex + ey * ey + ez * ez)
        if en < 1e-9:
            ex, ey, ez = avx, avy, avz
            en = math.sqrt(ex * ex + ey * ey + ez * ez)
        ex, ey, ez = ex / en, ey / en, ez / en
        pads: list[float] = []
        for o, col in zip(self._pads, self._cols, strict=True):
            jj = min(max(j + col, 0), nv - 1)
            mx, my, mz = taylor(nodes[i * nv + jj], du, dv + (o - col * g.dv_m))[9:12]
            # Pads ride on springs and conform to the back: each is as deep in its own
            # skin as the TCP is below the skin at the foot (all faces share that zero),
            # so the depth follows the foot's surface (its curvature terms).
            c = sx * mx + sy * my + sz * mz
            # first-order terms: the foot's skin slides under a pad normal that is not
            # perpendicular to it (without them the gap saw-tooths between refreshes)
            lu = aux * mx + auy * my + auz * mz
            lv = avx * mx + avy * my + avz * mz
            pads += [c, mx, my, mz, cl, cm, cn, lu, lv]
        if len(pads) == 9:
            pads += pads  # pad 1 mirrors pad 0 (ignored by the tissue)
        self._plane = (
            sx, sy, sz, nx, ny, nz, u, v_m,
            i11 * aux + i12 * avx, i11 * auy + i12 * avy, i11 * auz + i12 * avz,
            i12 * aux + i22 * avx, i12 * auy + i22 * avy, i12 * auz + i22 * avz,
        )  # fmt: skip
        self._padgeo = tuple(pads)
        S = self._S
        S[kernel.PLANE : kernel.PLANE + 14] = self._plane
        S[kernel.PADGEO : kernel.PADGEO + 18] = self._padgeo
        o1 = self._pads[1] if len(self._pads) > 1 else 0.0
        self._lat = (ex, ey, ez, self._pads[0], o1)
        S[kernel.LAT : kernel.LAT + 5] = self._lat
        self._refreshes += 1

    def _select(self, tool: Tool | None) -> None:
        if not self._started or tool is None:
            raise RobotError("step() before start()", backend="sim")
        try:
            self._tool = Tool(tool)
        except ValueError:
            raise RobotError(f"unknown tool {tool!r}", backend="sim") from None
        self.tissue.select_tool(self._tool)
        self._pads = self.tissue.pad_offsets_v_m(self._tool)
        self._cols = self.tissue.tool_fields(self._tool).pad_columns
        self._two = len(self._pads) > 1
        self._S[kernel.TWO] = 1.0 if self._two else 0.0
        self._S[kernel.T_REFRESH] = -math.inf

    # ------------------------------------------------------------------ protocol
    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        """Teleport the tool to a pose (meant to be above the skin), at rest; measure."""
        if self._closed:
            raise RobotError("start() after close()", backend="sim")
        p = finite_vec3(position_m, "position_m", "sim")
        a = unit_vec3(axis, "axis", "sim")
        try:
            tool = Tool(tool)
        except ValueError:
            raise RobotError(f"unknown tool {tool!r}", backend="sim") from None
        self._started = True
        self._select(tool)
        uu, vv = self.back.project(np.asarray([p]))
        self._S[kernel.DYN : kernel.DYN + 12] = (*p, 0.0, 0.0, 0.0, *a, 0.0, 0.0, 0.0)
        self._refresh(float(uu[0]), float(vv[0]), a)
        self._S[kernel.T_REFRESH] = self._n * self.dt_s
        return self.step(RobotCommand(tool, p, a, self._n * self.dt_s))

    def stop(self) -> RobotState:
        """Brake: zero velocity, hold the current pose for one period, return the state."""
        if not self._started:
            raise RobotError("stop() before start()", backend="sim")
        px, py, pz, _, _, _, ux, uy, uz, _, _, _ = self._S[kernel.DYN : kernel.DYN + 12].tolist()
        self._S[kernel.DYN : kernel.DYN + 12] = (
            px, py, pz, 0.0, 0.0, 0.0, ux, uy, uz, 0.0, 0.0, 0.0,
        )  # fmt: skip
        tool = self._tool if self._tool is not None else Tool.PALMS
        return self.step(RobotCommand(tool, (px, py, pz), (ux, uy, uz), self._n * self.dt_s))

    def set_client_offset(self, offset_m: Vec3, velocity_m_s: Vec3) -> None:
        """The client's body has moved by ``offset_m`` (frame B) at ``velocity_m_s``:
        from the next tick the skin is pressed there (a fault injector's ``move``). The
        arm's own dynamics are unaffected; the measured TCP stays the world position."""
        self._client_offset = (
            *finite_vec3(offset_m, "offset_m", "sim"),
            *finite_vec3(velocity_m_s, "velocity", "sim"),
        )
        self._S[kernel.OFFSET : kernel.OFFSET + 6] = self._client_offset
        self._S[kernel.MOVED] = 1.0 if any(self._client_offset) else 0.0

    def close(self) -> None:
        """Release the backend (idempotent; nothing to release)."""
        self._closed = True

    # ------------------------------------------------------------------ the tick
    def step(self, command: RobotCommand) -> RobotState:
        """Send one command, advance one control period, return the measured state."""
        if command.tool is not self._tool:  # also the not-started check (_tool is None)
            # only a broader face (the palms) presses harder at the same depth
            rolling = self._tool is not None and Tool(command.tool) is Tool.PALMS
            depth = self.tissue.last_indentation_m
            self._select(command.tool)
            if rolling:
                # A rolling handover: the new face comes onto the skin progressively
                # (from ROLL_START of the TCP's depth to all of it over ROLL_S).
                roll_m = (1.0 - ROLL_START) * max(depth, 0.0)
                self._S[kernel.ROLL : kernel.ROLL + 2] = (roll_m, roll_m * self.dt_s / ROLL_S)
        cx, cy, cz = command.position_m
        kx, ky, kz = command.axis
        if type(cx) is not float or type(kx) is not float:  # e.g. numpy scalars
            cx, cy, cz, kx, ky, kz = (
                float(cx),
                float(cy),
                float(cz),
                float(kx),
                float(ky),
                float(kz),
            )
        self._n = n = self._n + 1
        t = n * self.dt_s
        i = self._noise_i
        if i >= self._noise_end:
            self._refill_noise()
            i = 0
        self._noise_i = i + 3
        # the whole tick compiled (sim_kernel.tick): actuator lag, tool axis, contact
        # geometry on the local skin, the tissue's force, the sensors
        (
            stop, wx, wy, wz, ux, uy, uz, fx, fy, fz, qx, qy, qz, jx, jy, jz,
        ) = _tick(self._S, self._K, self._P, self._noise, i, t, cx, cy, cz, kx, ky, kz)  # fmt: skip
        if stop:
            fx, fy, fz, qx, qy, qz, jx, jy, jz = self._finish_tick(stop, t, i, ux, uy, uz)
        self._seq = seq = self._seq + 1
        return RobotState(
            t, seq, command.tool, (wx, wy, wz), (ux, uy, uz), (fx, fy, fz), (qx, qy, qz),
            self._tissue_state.client_signal, (jx, jy, jz),
        )  # fmt: skip

    def _finish_tick(
        self, stop: float, t: float, i: int, ux: float, uy: float, uz: float
    ) -> tuple[float, ...]:
        """The rest of a tick :func:`sim_kernel.tick` stopped early (``stop`` 1: the
        skin is re-expanded first; 2: the tissue's slow update or cell lookup is due)."""
        S = self._S
        if stop == 1.0:
            px, py, pz, vx, vy, vz, du, dv = S[kernel.STASH : kernel.STASH + 8].tolist()
            old0, old1 = _gaps(S, px, py, pz, du, dv)
            plane = self._plane
            self._refresh(plane[6] + du, plane[7] + dv, (ux, uy, uz))
            S[kernel.T_REFRESH] = t + self._refresh_s
            # The new local expansion differs from the old one by O(slide³): shift the
            # tissue's memory of the last gap by the same, so its viscous term does not
            # read the re-expansion as a velocity (a one-tick force spike).
            new0, new1, fu, fv, g0, g1, vt2, tx, ty, tz, acc2 = _resume(S, px, py, pz, vx, vy, vz)
            self.tissue.shift_gaps(new0 - old0, new1 - old1)
        else:
            fu, fv, g0, g1, vt2, tx, ty, tz, acc2 = S[kernel.STASH : kernel.STASH + 9].tolist()
        f0, f1 = self._press(t, fu, fv, g0, g1, vt2, acc2)
        return _forces(S, self._K, self._noise, i, f0, f1, tx, ty, tz, vt2)

    # ------------------------------------------------------------------ truth
    @property
    def foot(self) -> tuple[float, float]:
        """Chart point ``(u, v_m)`` under the TCP now (TRUTH)."""
        sx, sy, sz, _, _, _, fu, fv, ju0, ju1, ju2, jv0, jv1, jv2 = self._plane
        o = self._client_offset
        p = self._S[kernel.DYN : kernel.DYN + 3].tolist()
        rx, ry, rz = p[0] - o[0] - sx, p[1] - o[1] - sy, p[2] - o[2] - sz
        return fu + ju0 * rx + ju1 * ry + ju2 * rz, fv + jv0 * rx + jv1 * ry + jv2 * rz

    @property
    def velocity_m_s(self) -> Vec3:
        """TCP velocity (m/s, frame B) (TRUTH)."""
        vx, vy, vz = self._S[kernel.DYN + 3 : kernel.DYN + 6].tolist()
        return vx, vy, vz

    def sim_truth(self) -> dict[str, Any]:
        """What the simulated client actually received, for the summary's ``sim_truth``.

        JSON-ready: forces in N, pressures in N/cm², times in s, fractions 0..1.
        """
        rec = self.tissue.records()
        out: dict[str, Any] = {}
        for key, value in rec.items():
            out[key] = round(value, 6) if isinstance(value, float) else value
        out.update(
            {
                "sim_time_s": round(self._n * self.dt_s, 6),
                "ticks": self._n,
                "sensor_bias_n": [round(b, 6) for b in self.sensor_bias_n],
                "force_noise_n": self.params.force_noise_n,
                "friction_coefficient": round(self.tissue.friction_coefficient, 6),
                "surface_refreshes": self._refreshes,
            }
        )
        return out
