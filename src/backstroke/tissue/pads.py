"""The tool's pads on the chart grid: per-cell coefficients and the dose footprint.

:meth:`TissuePads.select_tool` makes a tool the one in contact; :meth:`TissuePads._locate`
caches, for the cell under the TCP, each pad's bilinear stiffness and thickness
coefficients (with the softening and tone applied by :meth:`TissuePads._rebuild_pads`)
and the slice of the dose grid under the pad.
"""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.tissue.params import TissueParams
from backstroke.tissue.press_kernel import PADV
from backstroke.tissue.state import TissueState
from backstroke.tools import Tool, limits_for

_CELL_MARGIN = 0.15  # fraction of a cell the bilinear patch extends past its cell


class TissuePads(TissueState):
    """Tool selection and the per-cell pad coefficients (see the module docstring)."""

    def __init__(
        self, back: BackModel, client: ClientSpec, params: TissueParams | None = None
    ) -> None:
        super().__init__(back, client, params)
        self.select_tool(Tool.PALMS)

    def select_tool(self, tool: Tool) -> None:
        """Make ``tool`` the one in contact (its pads, fields and footprint)."""
        tf = self.fields.tools[Tool(tool)]
        if hasattr(self, "_pending"):
            self._flush_dose()
        self.tool = tf.tool
        self._tf = tf
        self._two = len(tf.pads_v_m) > 1
        self._inv_area = 1.0 / tf.pad_area_cm2
        self._P[PADV : PADV + 2] = (tf.pads_v_m[0], tf.pads_v_m[-1])
        n = len(tf.pads_v_m)
        # the dose footprint follows the pad in steps of ~1/4 of its half-size
        g = self.grid
        self._reslice = (
            max(1, round(0.25 * tf.pad_half_u_m / (g.du * g.back_length_m))),
            max(1, round(0.25 * tf.pad_half_v_m / g.dv_m)),
        )
        self._slices: list[tuple[slice, slice]] = [(slice(0, 1), slice(0, 1))] * n
        self._dose_mean = [0.0] * n
        self._pending = [0.0] * n
        self._dose_scale = [1.0] * n
        self._soft = [0.0] * n
        self._coef: list[tuple[float, ...]] = [(0.0,) * 10] * n
        self._ithr = [0.0] * n
        self._pad0: tuple[float, ...] = (0.0,) * 9
        self._pad1: tuple[float, ...] = (0.0,) * 9
        self._bone = [False] * n
        self._on_bone = False
        self._inv_lim = (1.0, 1.0, 1.0)
        self._locate(0.5, 0.0)

    def _locate(self, u: float, v_m: float) -> None:
        """Cache the cell of ``(u, v_m)`` and each pad's bilinear coefficients there.

        Off the grid the fields are held at the edge (constant coefficients).
        """
        g = self.grid
        i, j, _, _ = g.cell(u, v_m)
        nv = g.n_v
        k_list, d_list, q_list, c_list = self._lists[self.tool]
        amp = self._amp_list
        u_lo = g.u0 + i * g.du
        v_lo = g.v0_m + j * g.dv_m
        a = (u - u_lo) / g.du
        b = (v_m - v_lo) / g.dv_m
        inside = 0.0 <= a <= 1.0 and 0.0 <= b <= 1.0
        if inside:  # bounds with a margin: no re-location chatter on a cell edge
            mu, mv = _CELL_MARGIN * g.du, _CELL_MARGIN * g.dv_m
            self._cellb = (u_lo - mu, u_lo + g.du + mu, v_lo - mv, v_lo + g.dv_m + mv, u_lo, v_lo)
        else:  # a box around the point itself; fields constant inside it
            a = min(max(a, 0.0), 1.0)
            b = min(max(b, 0.0), 1.0)
            self._cellb = (
                u - 0.5 * g.du, u + 0.5 * g.du, v_m - 0.5 * g.dv_m, v_m + 0.5 * g.dv_m, u, v_m
            )  # fmt: skip
        tf = self._tf
        coefs: list[tuple[float, ...]] = []
        w11 = a * b
        w10 = a - w11
        w01 = b - w11
        w00 = 1.0 - a - b + w11

        def at(lst: list[float], k: int) -> float:
            return lst[k] * w00 + lst[k + 1] * w01 + lst[k + nv] * w10 + lst[k + nv + 1] * w11

        for n, col in enumerate(tf.pad_columns):
            k = i * nv + min(max(j + col, 0), nv - 2)
            if inside:
                k00, k01, k10, k11 = k_list[k], k_list[k + 1], k_list[k + nv], k_list[k + nv + 1]
                d00, d01, d10, d11 = d_list[k], d_list[k + 1], d_list[k + nv], d_list[k + nv + 1]
                coefs.append(
                    (
                        k00, k10 - k00, k01 - k00, k11 - k10 - k01 + k00,
                        d00, d10 - d00, d01 - d00, d11 - d10 - d01 + d00,
                        at(amp, k), at(c_list, k),
                    )
                )  # fmt: skip
            else:
                coefs.append(
                    (at(k_list, k), 0.0, 0.0, 0.0, at(d_list, k), 0.0, 0.0, 0.0, at(amp, k),
                     at(c_list, k))
                )  # fmt: skip
            self._dose_scale[n] = at(q_list, k)
            bl = self._bone_list
            self._bone[n] = bl[k] or bl[k + 1] or bl[k + nv] or bl[k + nv + 1]
            sl = g.box_slices(u, v_m + tf.pads_v_m[n], tf.pad_half_u_m, tf.pad_half_v_m)
            old = self._slices[n]
            if sl != old and (
                abs(sl[0].start - old[0].start) >= self._reslice[0]
                or abs(sl[1].start - old[1].start) >= self._reslice[1]
                or sl[0].stop - sl[0].start != old[0].stop - old[0].start
                or sl[1].stop - sl[1].start != old[1].stop - old[1].start
            ):
                if self._pending[n]:
                    self._dose[self._slices[n]] += self._pending[n]
                    self._pending[n] = 0.0
                self._slices[n] = sl
                self._dose_mean[n] = float(self._dose[sl].mean())
        self._coef = coefs
        bone0, bone1 = self._bone[0], self._bone[-1]
        self._on_bone = bone0 or bone1
        f_lim = limits_for(self.tool, bone0 or bone1)[0]
        self._inv_lim = (
            1.0 / f_lim,
            1.0 / limits_for(self.tool, bone0)[1],
            1.0 / limits_for(self.tool, bone1)[1],
        )
        self._rebuild_pads()

    def _rebuild_pads(self) -> None:
        """Per-pad tuples of the fast path from cell coefficients and the slow state.

        Pad tuple: ``(k00, ka, kb, kab, d00, da, db, dab, amp)`` with the stiffness
        coefficients already multiplied by (1 − s) × tone and the thickness ones by
        (1 + s), ``s`` the pad's softening fraction.
        """
        tr = self._tone_ratio
        cf = self._comfort_factor
        self._applied = (tr, cf, self._soft[0], self._soft[-1])
        pads = []
        for n, c in enumerate(self._coef):
            s = self._soft[n]
            m = (1.0 - s) * tr
            e = 1.0 + s
            pads.append(
                (
                    c[0] * m,
                    c[1] * m,
                    c[2] * m,
                    c[3] * m,
                    c[4] * e,
                    c[5] * e,
                    c[6] * e,
                    c[7] * e,
                    c[8],
                )
            )
            self._ithr[n] = 1.0 / (c[9] * cf)
        self._pad0 = pads[0]
        self._pad1 = pads[1] if len(pads) > 1 else pads[0]

    def _flush_dose(self) -> None:
        """Add the pads' pending dose to the grid (over their current footprints)."""
        for i, sl in enumerate(self._slices):
            if self._pending[i]:
                self._dose[sl] += self._pending[i]
                self._pending[i] = 0.0
