"""The soft back inside franky-sim: skin patches under the pads, the tissue, the truth.

Runs in the simulation server's process as a pre-step callback at the server's 1 kHz
physics rate; the Franka driver never sees any of it. Each tick it:

1. finds the TCP's foot on the skin (chart ``(u, v)``; one Newton step on the skin
   tables from the last foot, see :class:`SkinChart`);
2. puts each active pad's skin patch (a mocap plane, see
   :mod:`backstroke.robot.franka.sim.scene`) with the skin's normal under it, as far
   above the pad's lowest point as the TCP is below the skin at its foot (conforming
   pads, as in the ``mujoco`` backend), moved by the client's breathing;
3. sets that pair's MuJoCo soft-contact parameters from the tissue's local stiffness and
   thickness with the fitted impedance of :mod:`backstroke.robot.mujoco_contact`, so the
   solver's force follows the tissue law (as in the ``mujoco`` backend);
4. advances the :class:`~backstroke.tissue.Tissue` with the pads' indentations
   (softening, trust, guarding) and records what the skin actually received (the
   solver's contact forces), for ``sim_truth``.
"""

from __future__ import annotations

import math
from typing import Any

import mujoco
import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.robot.franka.frames import BodyPose
from backstroke.robot.franka.tool import PAD_RADIUS_M
from backstroke.robot.mujoco_contact import SHAPE
from backstroke.robot.skin_peaks import SkinPeaks
from backstroke.tissue.grid import SurfaceTables
from backstroke.tissue.model import Tissue
from backstroke.tools import TOOLS, Tool

STATE_REFRESH_S = 0.05  # tissue stiffness/thickness (softening, tone) lookup period
PHYSICS_DT_S = 0.001  # franky-sim steps MuJoCo at 1 kHz
# The skin patches and the tissue advance every SKIN_EVERY physics steps (the patches are
# tangent planes: 2 ms at 0.1 m/s moves the foot 0.2 mm along them).
SKIN_EVERY = 2
SKIN_DT_S = SKIN_EVERY * PHYSICS_DT_S


class SkinChart:
    """Bilinear skin tables on the tissue's chart grid (frame B), pure-Python per call."""

    def __init__(self, back: BackModel, tissue: Tissue) -> None:
        g = tissue.grid
        tab = SurfaceTables(back, g)
        both = np.concatenate([tab.points_m, tab.d_du_m, tab.d_dv, tab.normals], axis=-1)
        self._nodes = [tuple(r) for r in both.reshape(-1, 12).tolist()]
        self._nv = g.n_v
        self._u0, self._du = float(g.u[0]), g.du
        self._v0, self._dv = float(g.v_m[0]), g.dv_m
        self._imax, self._jmax = g.n_u - 2, g.n_v - 2
        self.u_lim = (float(g.u[0]), float(g.u[-1]))
        self.v_lim = (float(g.v_m[0]), float(g.v_m[-1]))

    def at(self, u: float, v_m: float) -> list[float]:
        """Point, ∂/∂u, ∂/∂v, normal (12 floats, frame B) at a chart point."""
        fu = (u - self._u0) / self._du
        fv = (v_m - self._v0) / self._dv
        i = min(max(int(fu), 0), self._imax)
        j = min(max(int(fv), 0), self._jmax)
        a = min(max(fu - i, 0.0), 1.0)
        b = min(max(fv - j, 0.0), 1.0)
        k = i * self._nv + j
        n = self._nodes
        w11 = a * b
        w00, w01, w10 = 1.0 - a - b + w11, b - w11, a - w11
        return [
            p * w00 + q * w01 + r * w10 + s * w11
            for p, q, r, s in zip(n[k], n[k + 1], n[k + self._nv], n[k + self._nv + 1], strict=True)
        ]

    def foot(self, p_b: tuple[float, float, float], u: float, v_m: float) -> tuple[float, ...]:
        """One Newton step of the foot of ``p_b`` from ``(u, v_m)``.

        Returns ``(u, v_m, Sx, Sy, Sz, nx, ny, nz)`` (chart point, skin point and unit
        normal there).
        """
        s = self.at(u, v_m)
        rx, ry, rz = p_b[0] - s[0], p_b[1] - s[1], p_b[2] - s[2]
        e11 = s[3] * s[3] + s[4] * s[4] + s[5] * s[5]
        e12 = s[3] * s[6] + s[4] * s[7] + s[5] * s[8]
        e22 = s[6] * s[6] + s[7] * s[7] + s[8] * s[8]
        b1 = s[3] * rx + s[4] * ry + s[5] * rz
        b2 = s[6] * rx + s[7] * ry + s[8] * rz
        det = e11 * e22 - e12 * e12
        u = min(max(u + (e22 * b1 - e12 * b2) / det, self.u_lim[0]), self.u_lim[1])
        v_m = min(max(v_m + (e11 * b2 - e12 * b1) / det, self.v_lim[0]), self.v_lim[1])
        s = self.at(u, v_m)
        nn = math.sqrt(s[9] * s[9] + s[10] * s[10] + s[11] * s[11])
        return (u, v_m, s[0], s[1], s[2], s[9] / nn, s[10] / nn, s[11] / nn)


class SkinContact:
    """The per-tick skin of the franky-sim scene (see the module docstring).

    Args:
        model, data: the started franky-sim MuJoCo model and data.
        back, tissue: the client's true body and tissue (TRUTH: server side only).
        pose: where B sits in the world (= the robot's base frame).
        names: geom/body names from :func:`backstroke.robot.franka.sim.scene.add_client`.
    """

    def __init__(
        self,
        model: Any,
        data: Any,
        back: BackModel,
        tissue: Tissue,
        pose: BodyPose,
        names: dict[str, Any],
    ) -> None:
        self.m, self.d = model, data
        self.back, self.tissue = back, tissue
        self.chart = SkinChart(back, tissue)
        self._rot = pose.rotation().tolist()
        self._org = list(pose.position_m)
        m = model
        self._pad = [m.geom(n).id for n in names["pads"]]
        self._tcp_site = m.site(names["tcp_site"]).id
        self._mocap = [int(m.body_mocapid[m.body(n).id]) for n in names["skins"]]
        self._pair = [m.pair(n).id for n in names["pairs"]]
        tool_body = m.body(names["tool_body"]).id
        # Contact "lightness" as in the mujoco backend: a larger diagonal inverse inertia
        # (with the stiffness scaled along) keeps the static law and makes the contact
        # act as the tissue's spring-damper while the arm accelerates.
        m.body_invweight0[tool_body, 0] *= 1.0e4
        self._invw = float(m.body_invweight0[tool_body, 0])
        self._pad_local = names["pad_local"]  # tool body → pad centre, per tool
        self._env = {m.geom(n).id for n in names["env_geoms"]}
        self.tool = Tool.PALMS
        self._n_pads = 2
        self._uv = (0.5, 0.0)
        self._amp = [0.0, 0.0]
        self._f6 = np.zeros(6)
        self.gaps = [0.0, 0.0]
        self._t = 0.0
        self._t_state = -math.inf
        self._p_prev: tuple[float, float, float] | None = None
        self._v_prev = (0.0, 0.0, 0.0)
        self._acc2 = 0.0
        tissue.set_control_period(SKIN_DT_S)
        self._tick = 0
        self._moved = False
        self.truth = SkinTruth(self)
        self.select(Tool.PALMS)

    # ---------------------------------------------------------------- tools
    def select(self, tool: Tool) -> None:
        """Index ``tool``'s face into place: its pads become the contact spheres."""
        self.tool = Tool(tool)
        self.tissue.select_tool(self.tool)
        pads = self.tissue.pad_offsets_v_m(self.tool)
        self._pads = pads
        self._n_pads = len(pads)
        spec = TOOLS[self.tool]
        self.pad_area_cm2 = spec.area_cm2 / len(spec.pads_v_m)
        for k in range(2):
            self.m.geom_pos[self._pad[k]] = self._pad_local(pads[k] if k < len(pads) else 0.0)
            if k >= self._n_pads:
                self.d.mocap_pos[self._mocap[k]] = (0.0, 0.0, -5.0)
        mujoco.mj_kinematics(self.m, self.d)  # the new pads' positions now, not next step
        self._moved = True  # the skin patches follow in the very next step
        self._t_state = -math.inf

    # ---------------------------------------------------------------- frames
    def _to_b(self, p: Any) -> tuple[float, float, float]:
        r, o = self._rot, self._org
        x, y, z = p[0] - o[0], p[1] - o[1], p[2] - o[2]
        return (
            r[0][0] * x + r[1][0] * y + r[2][0] * z,
            r[0][1] * x + r[1][1] * y + r[2][1] * z,
            r[0][2] * x + r[1][2] * y + r[2][2] * z,
        )

    def _to_o(self, p: tuple[float, float, float]) -> tuple[float, float, float]:
        r, o = self._rot, self._org
        return (
            o[0] + r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2],
            o[1] + r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2],
            o[2] + r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2],
        )

    def _vec_to_o(self, v: tuple[float, float, float]) -> tuple[float, float, float]:
        r = self._rot
        return (
            r[0][0] * v[0] + r[0][1] * v[1] + r[0][2] * v[2],
            r[1][0] * v[0] + r[1][1] * v[1] + r[1][2] * v[2],
            r[2][0] * v[0] + r[2][1] * v[1] + r[2][2] * v[2],
        )

    # ---------------------------------------------------------------- the tick
    def pre_step(self, _sim: Any = None) -> None:
        """Place the skin patches and contact parameters for the coming physics step."""
        self._tick += 1
        t = self._t
        self._t = t + PHYSICS_DT_S
        if self._tick % SKIN_EVERY != 1 and not self._moved:
            return
        self._moved = False
        d, tissue, chart = self.d, self.tissue, self.chart
        tcp = self._to_b(d.site_xpos[self._tcp_site].tolist())
        u, v, fsx, fsy, fsz, fnx, fny, fnz = chart.foot(tcp, *self._uv)
        self._uv = (u, v)
        # the TCP's depth below the skin at its foot (m, positive into the skin)
        depth = (fsx - tcp[0]) * fnx + (fsy - tcp[1]) * fny + (fsz - tcp[2]) * fnz
        # speed and acceleration of the TCP (for the tissue's comfort and trust)
        if self._p_prev is None:
            self._p_prev = tcp
        px, py, pz = self._p_prev
        vx, vy, vz = (
            (tcp[0] - px) / SKIN_DT_S,
            (tcp[1] - py) / SKIN_DT_S,
            (tcp[2] - pz) / SKIN_DT_S,
        )
        ox, oy, oz = self._v_prev
        a2 = ((vx - ox) ** 2 + (vy - oy) ** 2 + (vz - oz) ** 2) / SKIN_DT_S**2
        self._acc2 += (a2 - self._acc2) * min(SKIN_DT_S / 0.02, 1.0)
        self._p_prev, self._v_prev = tcp, (vx, vy, vz)
        if t - self._t_state >= STATE_REFRESH_S:
            ks = tissue.pad_stiffness_n_m(u, v, self.tool)
            ds = tissue.pad_depth_m(u, v, self.tool)
            amp = tissue.fields.breath_amplitude_m
            for k in range(self._n_pads):
                self._amp[k] = float(tissue.grid.sample(amp, u, v + self._pads[k]))
                pid = self._pair[k]
                self.m.pair_solimp[pid] = SHAPE.solimp(ds[k])
                self.m.pair_solref[pid] = SHAPE.solref(
                    ks[k], self._invw, SHAPE.d0, tissue.params.damping_s
                )
            self._t_state = t
        gaps = [0.0, 0.0]
        frac = tissue.breathing.offset_fraction(t)
        xpos = d.geom_xpos
        r = PAD_RADIUS_M
        for k in range(self._n_pads):
            s = chart.at(u, v + self._pads[k])
            nn = math.sqrt(s[9] * s[9] + s[10] * s[10] + s[11] * s[11])
            n = (s[9] / nn, s[10] / nn, s[11] / nn)
            off = self._amp[k] * frac
            c = self._to_b(xpos[self._pad[k]].tolist())
            low = (c[0] - r * n[0], c[1] - r * n[1], c[2] - r * n[2])
            # conforming pads (the palms ride on springs, tools.py; as in the mujoco
            # backend): each pad is as deep in its own skin as the TCP is at its foot
            gaps[k] = depth * (fnx * n[0] + fny * n[1] + fnz * n[2])
            h = gaps[k] + off
            plane = self._to_o((low[0] + h * n[0], low[1] + h * n[1], low[2] + h * n[2]))
            no = self._vec_to_o(n)
            d.mocap_pos[self._mocap[k]] = plane
            w = 1.0 + no[2]  # plane z axis → n: quaternion (1 + nz, −ny, nx, 0)
            qn = math.sqrt(w * w + no[1] * no[1] + no[0] * no[0])
            d.mocap_quat[self._mocap[k]] = (w / qn, -no[1] / qn, no[0] / qn, 0.0)
        self.gaps = gaps
        g1 = gaps[1] if self._n_pads > 1 else gaps[0]
        speed2 = vx * vx + vy * vy + vz * vz
        f_model = tissue.press(t, u, v, gaps[0], g1, speed2, self._acc2)
        self.truth.model_force_n = f_model[0] + f_model[1]

    def post_step(self, _sim: Any = None) -> None:
        """Record what the skin received in the step just taken."""
        self.truth.update(self._t, self._uv, self._contact_forces())

    def _contact_forces(self) -> tuple[list[float], int]:
        d = self.d
        out = [0.0, 0.0]
        other = 0
        if d.ncon == 0:
            return out, other
        g0, g1 = self._pad
        geoms = d.contact.geom.tolist()
        adrs = d.contact.efc_address.tolist()
        f6 = self._f6
        for i, ((a, b), efc) in enumerate(zip(geoms, adrs, strict=True)):
            if efc < 0:
                continue
            pad0 = g0 in (a, b)
            if pad0 or g1 in (a, b):
                mujoco.mj_contactForce(self.m, d, i, f6)  # contact frame: normal first
                out[0 if pad0 else 1] += abs(float(f6[0]))
            elif a in self._env or b in self._env:
                other += 1
        return out, other


class SkinTruth:
    """Running extremes of what the simulated skin received (TRUTH, server side)."""

    def __init__(self, skin: SkinContact) -> None:
        self.skin = skin
        self.peaks = SkinPeaks()
        self.other_contacts = 0
        self.model_force_n = 0.0
        self.last_force_n = 0.0
        self.ticks = 0

    def update(self, t_s: float, uv: tuple[float, float], forces: tuple[list[float], int]) -> None:
        (f0, f1), other = forces
        self.ticks += 1
        self.other_contacts += other
        self.last_force_n = self.peaks.add(t_s, uv, f0, f1, self.skin.pad_area_cm2)

    def as_dict(self) -> dict[str, Any]:
        rec = self.skin.tissue.records()
        out: dict[str, Any] = {
            f"tissue_{k}" if k.startswith("max_") else k: (
                round(v, 6) if isinstance(v, float) else v
            )
            for k, v in rec.items()
        }
        out.update(
            {
                **self.peaks.as_dict(),
                "arm_environment_contacts": self.other_contacts,
                "physics_ticks": self.ticks,
            }
        )
        return out
