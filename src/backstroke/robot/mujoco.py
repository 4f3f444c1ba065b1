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
import time
from typing import Any

import numpy as np

from backstroke.errors import RobotError
from backstroke.robot.mujoco_build import (
    BACKEND,
    MAX_AXIS_RATE_RAD_S,
    TORQUE_NOISE_PER_N,
    FloatArray,
    _unit,
    _vec3,
    has_display,
    mujoco,  # imported behind the extra's guard
)
from backstroke.robot.mujoco_ik import axis_rotation
from backstroke.robot.mujoco_placement import Workspace, check_reach, tcp_poses
from backstroke.robot.mujoco_skin import MujocoSkin
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.tools import Tool

__all__ = ["BACKEND", "MAX_AXIS_RATE_RAD_S", "MujocoRobot", "has_display"]


class MujocoRobot(MujocoSkin):
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

    # ================================================================ viewer
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
