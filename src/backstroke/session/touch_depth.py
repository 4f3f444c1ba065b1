"""Indentation from where the robot touched, for a body it knows only through a scan.

The runner records the depth below the *model* surface; on a fitted body that surface
is off the skin by the registration (``sense/surface_offset``). ``TouchDepth`` keeps the
session's contact so far — every touch tick (force within the touch band), and every
``LOADED_EVERY``-th tick of steady strokes — refits the model surface's offset from it
whenever asked after new contact, and gives the indentation below the *real* skin for
any recorded columns. The listeners ask for it after each pass, so every estimate a
block makes uses one and the same surface for all its passes.
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
)
from backstroke.tools import CONTACT_FORCE_N

Columns = dict[str, NDArray[Any]]
LOADED_EVERY = 10  # one loaded tick in this many is kept (touch ticks: all)
STEADY_FORCE_RATE_N_S = 0.5  # a stroke's target changes slower than this (N/s)


def _positions(cols: Columns) -> NDArray[np.float64]:
    return np.stack([cols["x_m"], cols["y_m"], cols["z_m"]], axis=1).astype(np.float64)


def _normals(cols: Columns, prefix: str) -> NDArray[np.float64]:
    return np.stack([cols[f"{prefix}nx"], cols[f"{prefix}ny"], cols[f"{prefix}nz"]], axis=1).astype(
        np.float64
    )


class TouchDepth:
    """The session's contact, and the indentation below the real skin it implies."""

    def __init__(self) -> None:
        self._parts: list[tuple[NDArray[np.float64], ...]] = []
        self._fit: SurfaceOffset | None = None
        self._ticks = 0

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

    def offset(self) -> SurfaceOffset:
        """The model surface's offset from the skin, fitted to the contact so far."""
        if self._fit is None:
            if not self._parts:
                self._fit = SurfaceOffset.none()
            else:
                p, n, d, f, g = (np.concatenate(x) for x in zip(*self._parts, strict=True))
                self._fit = fit_surface_offset(p, d, f, g.astype(np.int64), n)
        return self._fit

    def depth_m(self, cols: Columns) -> NDArray[np.float64]:
        """``(N,)`` indentation below the real skin for recorded columns that carry the
        plan's normals as ``plan_nx, plan_ny, plan_nz``."""
        return self.offset().depth_m(
            cols["indentation_m"], _positions(cols), _normals(cols, "plan_")
        )
