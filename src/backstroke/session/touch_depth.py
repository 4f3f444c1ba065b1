"""Indentation from where the robot touched, for a body it knows only through a scan.

The runner records the depth below the *model* surface; on a fitted body that surface
is off the skin by the registration (``sense/surface_offset``). ``TouchDepth`` keeps the
session's contact so far — every touch tick (force within the touch band), and every
``LOADED_EVERY``-th tick of steady strokes — refits the model surface's offset from it
whenever asked after new contact, and gives the indentation below the *real* skin for
any recorded columns. The listeners ask for it after each pass, so every estimate a
block makes uses one and the same surface for all its passes. The force loop asks for
it before each chunk (``skin_offset_along``) and works below the skin it places: its
gain is scheduled on the stiffness ``F / depth``, and a depth below a model surface a
centimetre off the skin reads the tissue 3× too soft or 10× too stiff (or never, below
zero); and the offset along the path (the registration's tilt, the fit's shape error)
is then carried by the command instead of chased by the loop's integrator.

A fitted skin also has bumps of a few tenths of a millimetre over 1–2 cm (the scan's
depth noise, averaged): at a thumb's 4–6 mm working depth each reads as a 5–15 %
stiffness step, a knot that is not there. Under force control the tool follows the
real skin, so the bumps are the model's only: depth is measured below the fitted height
field smoothed by ``SMOOTH_SIGMA_M`` more (the real skin is taken to be smooth at that
scale; a knot is in the tissue, not in the skin's shape).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.sense.surface_offset import (
    TOUCH_MAX_N,
    SurfaceOffset,
    fit_surface_offset,
    force_groups,
    smooth_normals,
)
from backstroke.tools import CONTACT_FORCE_N

Columns = dict[str, NDArray[Any]]
SMOOTH_SIGMA_M = 0.008  # the fitted skin is smoothed this much more for depth (Gaussian σ)
OFFSET_EVERY = 20  # the offset along a chunk is evaluated every this many ticks
LOADED_EVERY = 10  # one loaded tick in this many is kept (touch ticks: all)
STEADY_FORCE_RATE_N_S = 0.5  # a stroke's target changes slower than this (N/s)


def _positions(cols: Columns) -> NDArray[np.float64]:
    return np.stack([cols["x_m"], cols["y_m"], cols["z_m"]], axis=1).astype(np.float64)


def _normals(cols: Columns, prefix: str) -> NDArray[np.float64]:
    """The plan's normals along the path, smoothed (``smooth_normals``)."""
    n = np.stack([cols[f"{prefix}nx"], cols[f"{prefix}ny"], cols[f"{prefix}nz"]], axis=1)
    return smooth_normals(n.astype(np.float64))


class _SmoothSkin:
    """``(H̄ − H)(x, y)``: a height field's smoothed version minus itself (m, frame B)."""

    def __init__(self, surface: Any) -> None:
        from scipy.interpolate import RegularGridInterpolator
        from scipy.ndimage import gaussian_filter

        z = np.asarray(surface.z_m, dtype=np.float64)
        smooth = gaussian_filter(z, SMOOTH_SIGMA_M / float(surface.cell_m), mode="nearest")
        self._f = RegularGridInterpolator(
            (surface.x_m, surface.y_m), smooth - z, bounds_error=False, fill_value=0.0
        )

    def __call__(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self._f(np.column_stack([x, y])), dtype=np.float64)


class TouchDepth:
    """The session's contact, and the indentation below the real skin it implies.

    Args:
        back: the body planned on; a height-field body (``ScannedBack``: its
            ``surface``) has its short bumps smoothed out of the depth.
    """

    def __init__(self, back: Any = None) -> None:
        self._parts: list[tuple[NDArray[np.float64], ...]] = []
        self._fit: SurfaceOffset | None = None
        self._ticks = 0
        self._along_end_m = 0.0  # δ at the end of the last chunk handed to the loop
        surface = getattr(back, "surface", None)
        self._smooth = _SmoothSkin(surface) if hasattr(surface, "z_m") else None

    def _model_depth(self, cols: Columns, prefix: str) -> NDArray[np.float64]:
        """The recorded depth, below the smoothed fitted skin (see the module doc)."""
        d = np.asarray(cols["indentation_m"], dtype=np.float64)
        if self._smooth is None:
            return d
        x = np.asarray(cols[f"{prefix}x_m"], dtype=np.float64)
        y = np.asarray(cols[f"{prefix}y_m"], dtype=np.float64)
        nz = np.asarray(cols[f"{prefix}nz"], dtype=np.float64)
        return np.asarray(d + self._smooth(x, y) * nz, dtype=np.float64)

    def add(self, cols: Columns, plan_cols: Columns) -> None:
        """Keep one executed chunk's contact (recorded columns, plan columns)."""
        f = np.asarray(cols["normal_force_n"], dtype=np.float64)
        if f.size == 0:
            return
        t = np.asarray(cols["t_s"], dtype=np.float64)
        target = np.asarray(cols["target_force_n"], dtype=np.float64)
        contact = np.asarray(plan_cols["in_contact"]) > 0
        touch = contact & (f >= CONTACT_FORCE_N) & (f <= TOUCH_MAX_N)
        every = (np.arange(f.size) + self._ticks) % LOADED_EVERY == 0
        self._ticks += f.size
        steady = (
            np.abs(np.gradient(target, t)) < STEADY_FORCE_RATE_N_S
            if t.size > 1
            else np.ones(f.size, dtype=bool)
        )
        keep = touch | (every & contact)
        if not np.any(keep):
            return
        group = np.where(steady & contact, force_groups(target, plan_cols["tool"]), -1)
        self._parts.append(
            (
                _positions(cols)[keep],
                _normals(plan_cols, "")[keep],
                np.asarray(cols["indentation_m"], dtype=np.float64)[keep],
                f[keep],
                group[keep].astype(np.float64),
            )
        )
        self._fit = None

    def rebase(self, old: Any, new: Any) -> None:
        """The body planned on moved (``session/palpate``): keep the contact so far, its
        depths re-measured below the new skin (``d + (H_new − H_old) n_z`` at each
        sample), and smooth the new skin from now on."""
        parts: list[tuple[NDArray[np.float64], ...]] = []
        for p, n, d, f, g in self._parts:
            dh = new.height_m(p[:, 0], p[:, 1]) - old.height_m(p[:, 0], p[:, 1])
            parts.append((p, n, d + dh * n[:, 2], f, g))
        self._parts = parts
        surface = getattr(new, "surface", None)
        self._smooth = _SmoothSkin(surface) if hasattr(surface, "z_m") else None
        self._fit = None

    def offset(self) -> SurfaceOffset:
        """The model surface's offset from the skin, fitted to the contact so far."""
        if self._fit is None:
            if not self._parts:
                self._fit = SurfaceOffset.none()
            else:
                p, n, d, f, g = (np.concatenate(x) for x in zip(*self._parts, strict=True))
                self._fit = fit_surface_offset(p, d, f, g.astype(np.int64), n)
        return self._fit

    def skin_offset_along(self, samples: Columns) -> tuple[NDArray[np.float64], float]:
        """``(N,)`` the model surface's height above the skin (``δ``, m) along a chunk's
        plan (``x_m``.. and ``nx``..; zeros before any touch): the depth below the skin
        is the depth below the model surface minus it. Evaluated every ``OFFSET_EVERY``
        ticks and interpolated (``δ`` varies over centimetres), with the fitted skin's
        short bumps (see the module doc) added: the tool follows the smooth real skin
        instead of the loop chasing them at the stroke's speed. Also how far its start
        lies above the end of the last chunk's (a refit between them, m): the tool is
        where it is, so a depth kept below the skin moves by it."""
        n = int(np.asarray(samples["t_s"]).size)
        fit = self.offset()
        if n == 0 or (fit.touches == 0 and self._smooth is None):
            off = np.zeros(n)
        else:
            idx = np.unique(np.append(np.arange(0, n, OFFSET_EVERY), n - 1))
            p, nrm = _positions(samples)[idx], _normals(samples, "")[idx]
            at = fit.offset_m(p, nrm) if fit.touches else np.zeros(idx.size)
            if self._smooth is not None:  # the fitted skin's short bumps are the model's
                at = at - self._smooth(p[:, 0], p[:, 1]) * nrm[:, 2]
            off = np.asarray(np.interp(np.arange(n), idx, at), dtype=np.float64)
        jump = float(off[0]) - self._along_end_m if n else 0.0
        if n:
            self._along_end_m = float(off[-1])
        return off, jump

    def depth_m(self, cols: Columns, *, smooth_skin: bool = False) -> NDArray[np.float64]:
        """``(N,)`` indentation below the real skin for recorded columns that carry the
        plan's normals as ``plan_nx, plan_ny, plan_nz`` (and ``plan_x_m, plan_y_m``).

        ``smooth_skin``: below the fitted skin smoothed by ``SMOOTH_SIGMA_M`` more (for
        the knot finder; a smoothing's own bias, ``σ²/2`` times the skin's curvature,
        stays out of the stiffness and softening figures)."""
        d = self._model_depth(cols, "plan_") if smooth_skin else cols["indentation_m"]
        return self.offset().depth_m(d, _positions(cols), _normals(cols, "plan_"))
