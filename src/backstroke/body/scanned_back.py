"""ScannedBack: a BackModel whose skin is a smooth height field fitted to a scan.

Frame B is DESIGN §4's: origin on the skin midline at the iliac-crest level (L4), x
cranial along the chord PSIS → C7, z posterior (the table's normal made square to x),
y = z × x toward the client's left. ``s_from_b`` (4×4) maps B to the scan frame S.

The skin is ``z = H(x, y)`` (a bicubic spline through the smoothed, hole-filled grid
of the scan's median heights, frame B). The chart follows BackModel's: ``u`` is the
arc-length fraction of the skin midline ``y = m(x)`` from the PSIS level (0) to C7
(1); ``v`` is the signed skin distance from the midline along the cross-section at
constant x (+ = client's left); ``v_max(u)`` reaches the chart's half-width (measured
from the flanks, ``scan_width``) on the side where that is the shorter skin distance.
Everything else a BackModel offers (frame, normal, project, landmarks, keep-out zones, bone depth,
grid, mesh) is inherited and works on this chart unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline, RectBivariateSpline

from backstroke.body.back_model import BackModel, Landmark
from backstroke.body.zones import KeepOutZone

FloatArray = NDArray[np.float64]

MAX_SLOPE_DEG = 50.0  # the chart ends before the skin turns down into the flank
DEFAULT_ADIPOSE_M = 0.012  # a scan does not see the fat layer; DESIGN's mean
# A fitted body lies where the camera's registration put it, up to ~1 cm off the real
# one sideways: its bony zones are kept this much wider (docs/scan.md), so the thumb's
# lanes, the planner's force caps and the Supervisor's bone checks keep clear of the
# real spine, not only of the fitted one.
REGISTRATION_MARGIN_M = 0.008
_N_U = 121
_N_W = 161


@dataclass(frozen=True)
class SurfaceGrid:
    """The fitted skin height ``z_m[i, j]`` at ``x0_m + i·cell_m``, ``y0_m + j·cell_m`` (B)."""

    x0_m: float
    y0_m: float
    cell_m: float
    z_m: FloatArray

    @property
    def x_m(self) -> FloatArray:
        return np.asarray(self.x0_m + self.cell_m * np.arange(self.z_m.shape[0]), np.float64)

    @property
    def y_m(self) -> FloatArray:
        return np.asarray(self.y0_m + self.cell_m * np.arange(self.z_m.shape[1]), np.float64)


class ScannedBack(BackModel):
    """A client's back as fitted to a scan (same interface as :class:`BackModel`).

    Args:
        surface: the skin height field in B.
        midline_x_m, midline_y_m: ``(K,)`` the skin midline ``y = m(x)`` in B, from the
            PSIS level (first) to C7 (last).
        s_from_b: ``(4, 4)`` transform B → scan frame S.
        half_width_m: ``(K,)`` the chart's half-width (B's y from the midline) at
            ``midline_x_m``: where the back's skin turns down into the flank.
        quality: fit figures (``fit_rms_m``, ``coverage``, ...), kept for reports.
    """

    def __init__(
        self,
        surface: SurfaceGrid,
        midline_x_m: ArrayLike,
        midline_y_m: ArrayLike,
        s_from_b: ArrayLike,
        half_width_m: ArrayLike,
        quality: dict[str, Any] | None = None,
    ) -> None:
        self.client = None  # type: ignore[assignment]
        self.surface = surface
        self.s_from_b = np.asarray(s_from_b, dtype=np.float64).reshape(4, 4)
        self.quality = dict(quality or {})
        self.adipose_m = DEFAULT_ADIPOSE_M
        self._h = RectBivariateSpline(surface.x_m, surface.y_m, surface.z_m, kx=3, ky=3)
        mx = np.asarray(midline_x_m, dtype=np.float64)
        my = np.asarray(midline_y_m, dtype=np.float64)
        self._m_spline = CubicSpline(mx, my)
        self._m_range = (float(mx[0]), float(mx[-1]))
        self._half = CubicSpline(mx, np.asarray(half_width_m, dtype=np.float64))
        self._build_chart(float(mx[0]), float(mx[-1]))

    # ---------------------------------------------------------------- construction
    def _m(self, x_m: ArrayLike) -> FloatArray:
        """The midline's y at B's ``x_m``; beyond PSIS level and C7 it keeps its end value
        (a cubic's extrapolation would run off the body within centimetres)."""
        x = np.clip(np.asarray(x_m, dtype=np.float64), *self._m_range)
        return np.asarray(self._m_spline(x), dtype=np.float64)

    def height_m(self, x_m: ArrayLike, y_m: ArrayLike) -> FloatArray:
        """Skin height z (B) at ``(x, y)`` (broadcast)."""
        x, y = np.broadcast_arrays(np.asarray(x_m, float), np.asarray(y_m, float))
        return np.asarray(self._h.ev(x.ravel(), y.ravel()).reshape(x.shape), dtype=np.float64)

    def _build_chart(self, x_psis: float, x_c7: float) -> None:
        xs = np.linspace(x_psis, x_c7, 1201)
        ys = self._m(xs)
        zs = self.height_m(xs, ys)
        seg = np.sqrt(np.diff(xs) ** 2 + np.diff(ys) ** 2 + np.diff(zs) ** 2)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        self.back_length_m = float(arc[-1])
        uu = arc / arc[-1]
        self._x_of_u = CubicSpline(uu, xs)
        self._mid_x = self._x_of_u
        self._mid_z = CubicSpline(uu, zs)
        self._mid_theta = CubicSpline(uu, np.zeros_like(uu))
        # Lateral arc-length tables per side: w (lateral offset from the midline) ↔ v.
        u = np.linspace(0.0, 1.0, _N_U)
        x = self._x_of_u(u)
        w_max = 0.5 * (self.surface.y_m[-1] - self.surface.y_m[0])
        w = np.linspace(0.0, w_max, _N_W)
        tables = {}
        edge = {}
        measured = self._half(x)
        half = measured.copy()
        for sgn in (1.0, -1.0):
            yy = self._m(x)[:, None] + sgn * w[None, :]
            zz = self.height_m(np.repeat(x[:, None], _N_W, 1), yy)
            seg = np.hypot(np.diff(w)[None, :], np.diff(zz, axis=1))
            arc_w = np.concatenate([np.zeros((_N_U, 1)), np.cumsum(seg, axis=1)], axis=1)
            tables[sgn] = arc_w
            # Never onto the flank: stop where the skin slopes more than MAX_SLOPE_DEG.
            slope = np.abs(np.gradient(zz, w, axis=1))
            steep = slope > np.tan(np.deg2rad(MAX_SLOPE_DEG))
            steep[:, : _N_W // 10] = False
            first = np.where(steep.any(axis=1), w[np.argmax(steep, axis=1)], w[-1])
            half = np.minimum(half, first)
            edge[sgn] = half
        for sgn in (1.0, -1.0):
            edge[sgn] = np.array(
                [np.interp(h, w, a) for h, a in zip(half, tables[sgn], strict=True)]
            )
        v_edge = np.minimum(edge[1.0], edge[-1.0])
        k = np.ones(7) / 7.0
        v_edge = np.minimum(v_edge, np.convolve(np.pad(v_edge, 3, mode="edge"), k, "valid"))
        self.v_max_m_table = v_edge
        self._vmax = CubicSpline(u, v_edge)
        self._full_width = CubicSpline(u, 2.0 * measured)
        self.shoulder_width_m = float(np.max(self.full_width_m(np.linspace(0.6, 1.0, 41))))
        self.waist_width_m = float(np.min(self.full_width_m(np.linspace(0.1, 0.5, 41))))
        v_grid = np.linspace(0.0, min(float(t[:, -1].min()) for t in tables.values()), _N_W)
        self._w_of_v = {
            sgn: RectBivariateSpline(
                u, v_grid, np.stack([np.interp(v_grid, t[i], w) for i in range(_N_U)]), kx=3, ky=3
            )
            for sgn, t in tables.items()
        }

    @cached_property
    def keep_out_zones(self) -> tuple[KeepOutZone, ...]:
        """BackModel's bony zones, each ``REGISTRATION_MARGIN_M`` wider."""
        zones: tuple[KeepOutZone, ...] = BackModel.keep_out_zones.func(self)  # type: ignore[attr-defined]
        return tuple(replace(z, radius_m=z.radius_m + REGISTRATION_MARGIN_M) for z in zones)

    @cached_property
    def landmarks(self) -> dict[str, Landmark]:
        """BackModel's landmarks; the PSIS, scapulae and crests on the measured skin."""
        from backstroke.body.scan_landmarks import lateral_landmarks

        out = dict(super().landmarks)
        out.update(lateral_landmarks(self))
        return out

    # ---------------------------------------------------------------- chart → 3D
    def full_width_m(self, u: ArrayLike) -> FloatArray:
        """Projected width flank to flank at chart height ``u`` (measured)."""
        return np.asarray(self._full_width(np.clip(np.asarray(u, dtype=np.float64), 0, 1)))

    def _w_of(self, u: FloatArray, v: FloatArray) -> FloatArray:
        """Lateral offset from the midline (B's y) of chart points; sign of ``v``."""
        uc = np.clip(u, 0.0, 1.0)
        out = np.empty_like(v)
        for sgn, mask in ((1.0, v >= 0), (-1.0, v < 0)):
            if mask.any():
                out[mask] = sgn * self._w_of_v[sgn].ev(uc[mask], np.abs(v[mask]))
        return out

    def point(self, u: ArrayLike, v_m: ArrayLike) -> FloatArray:
        """Skin points in frame B, ``(..., 3)`` metres, for chart coordinates (broadcast)."""
        uu, vv = np.broadcast_arrays(
            np.asarray(u, dtype=np.float64), np.asarray(v_m, dtype=np.float64)
        )
        shape = uu.shape
        uf, vf = uu.ravel(), vv.ravel()
        x = (
            self._x_of_u(np.clip(uf, 0.0, 1.0))
            + np.where(uf > 1, uf - 1, np.where(uf < 0, uf, 0.0)) * self.back_length_m
        )
        y = self._m(x) + self._w_of(uf, vf)
        z = self.height_m(x, y)
        return np.stack([x, y, z], axis=-1).reshape(*shape, 3)

    # ---------------------------------------------------------------- frames
    def to_scan(self, points_b_m: ArrayLike) -> FloatArray:
        """Points ``(..., 3)`` in B → scan frame S."""
        p = np.asarray(points_b_m, dtype=np.float64)
        return np.asarray(p @ self.s_from_b[:3, :3].T + self.s_from_b[:3, 3])

    def to_body(self, points_s_m: ArrayLike) -> FloatArray:
        """Points ``(..., 3)`` in S → frame B."""
        p = np.asarray(points_s_m, dtype=np.float64)
        return np.asarray((p - self.s_from_b[:3, 3]) @ self.s_from_b[:3, :3])

    # ---------------------------------------------------------------- files
    def to_json(self) -> dict[str, Any]:
        """Everything needed to rebuild this body (``from_json``), plus the quality."""
        ux = np.linspace(0.0, 1.0, 61)
        xs = self._x_of_u(ux)
        return {
            "kind": "backstroke.scanned_back",
            "version": 1,
            "s_from_b": np.round(self.s_from_b, 9).tolist(),
            "surface": {
                "x0_m": self.surface.x0_m,
                "y0_m": self.surface.y0_m,
                "cell_m": self.surface.cell_m,
                "z_m": np.round(self.surface.z_m, 6).tolist(),
            },
            "midline_b": {
                "x_m": np.round(xs, 6).tolist(),
                "y_m": np.round(self._m(xs), 6).tolist(),
                "half_width_m": np.round(self._half(xs), 6).tolist(),
            },
            "quality": self.quality,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScannedBack:
        """Rebuild from :meth:`to_json` output (raises KeyError/ValueError on bad data)."""
        srf = data["surface"]
        grid = SurfaceGrid(
            float(srf["x0_m"]),
            float(srf["y0_m"]),
            float(srf["cell_m"]),
            np.asarray(srf["z_m"], dtype=np.float64),
        )
        mid = data["midline_b"]
        return cls(
            grid, mid["x_m"], mid["y_m"], data["s_from_b"], mid["half_width_m"], data.get("quality")
        )
