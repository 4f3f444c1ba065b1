"""The skin under the MuJoCo tool: chart lookups, pad planes and contact parameters.

Each pad presses on a mocap tangent plane of the skin placed under it every tick (with
breathing); the plane's MuJoCo soft-contact parameters follow the tissue's local
stiffness and thickness (see :mod:`~backstroke.robot.mujoco_contact`). The TCP's foot
on the skin is tracked on the tangent plane of the last lookup.
"""

from __future__ import annotations

import math

from backstroke.robot.mujoco_build import (
    _FAR_M,
    REFRESH_M,
    REFRESH_S,
    STATE_REFRESH_S,
    MujocoBuild,
    mujoco,  # imported behind the extra's guard
)
from backstroke.robot.mujoco_contact import SHAPE
from backstroke.robot.mujoco_scene import PAD_SPHERE_RADIUS_M, TCP_OFFSET_M
from backstroke.robot.protocol import Vec3
from backstroke.tools import TOOLS, Tool


class MujocoSkin(MujocoBuild):
    """Skin lookups and the pads' contact planes (see the module docstring)."""

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
