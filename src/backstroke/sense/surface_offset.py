"""Where the real skin lies against the model surface, learnt from the robot's own contact.

A body fitted to a scan and registered to the arm is off the real skin by the
registration: millimetres of offset and a few degrees of tilt, so over a 0.5 m back the
model surface lies up to ~2 cm above or below the skin. A depth measured below the
*model* surface is then off by as much, and every estimator that divides force by
indentation (stiffness, softening, knots) reads that error as tissue.

The error of a registration is a rigid motion, small: the model surface point ``s`` sits
``δ(p) = n · (t + ω × (p − c))`` above the skin along its normal ``n`` (translation
``t``, small rotation ``ω`` about the contact's centroid ``c``), linear in the six
unknowns. Two kinds of samples measure it:

* **Touches** (force between the contact rule's ``CONTACT_FORCE_N`` and
  ``TOUCH_MAX_N``): the tool is at the skin (the indentation is ``F / k``, below a
  millimetre), so ``model depth − F / k = δ(p)``. Every first touch, block start and
  light turnaround is one.
* **Loaded strokes** at a steady force: ``model depth = δ(p) + c_g F``, with one
  unknown compliance ``c_g`` per group (tool and force level). They carry the tilt
  where no touch was made, on the assumption that the tissue's compliance at one force
  varies along the back less than a tilted model would make it seem.

Touches weigh ``TOUCH_WEIGHT`` times all the loaded samples together; a ridge prior
(``PRIOR_OFFSET_M``, ``PRIOR_TILT_RAD``) keeps the directions no sample sees at zero.
Without a touch nothing fixes the offset, and no correction is made.

Without normals (a log that has only the tool's positions), ``n = (0, 0, 1)``: the
correction is then a plane ``δ = t_z + ω_x (y − c_y) − ω_y (x − c_x)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.tools import CONTACT_FORCE_N

FloatArray = NDArray[np.float64]

TOUCH_MAX_N = 2.0  # a touch: at most this force (the indentation is then ≲ 1 mm)
TOUCH_STIFFNESS_N_M = 1500.0  # the skin's stiffness at a touch (for F / k)
TOUCH_WEIGHT = 4.0  # touches weigh this many times all the loaded samples together
PRIOR_OFFSET_M = 0.02  # ridge prior: a registration is off by about this much ...
PRIOR_TILT_RAD = float(np.radians(5.0))  # ... and tilted by about this much
MIN_TOUCHES = 5  # fewer touch samples fix nothing
LOCAL_RADIUS_M = 0.04  # a touch's residual is spread this far around it
LOCAL_SHRINK = 0.1  # Gaussian weight at which a residual counts half
NORMAL_WINDOW_TICKS = 1501  # ≈ 4.5 cm of stroke at 3 cm/s and 1 kHz
SAMPLE_SCATTER_M = 0.002  # one sample's scatter about the fit (breathing, tissue)


@dataclass(frozen=True)
class SurfaceOffset:
    """The model surface's height above the real skin, ``δ(p)``, along the normal.

    Attributes:
        centre_m: ``(3,)`` the rotation's centre (the samples' centroid), m.
        translation_m: ``(3,)`` ``t``, m.
        rotation_rad: ``(3,)`` ``ω`` (small-angle rotation vector), rad.
        touches: touch samples used.
    """

    centre_m: FloatArray
    translation_m: FloatArray
    rotation_rad: FloatArray
    touches: int = 0
    touch_points_m: FloatArray | None = None
    touch_residuals_m: FloatArray | None = None

    @classmethod
    def none(cls) -> SurfaceOffset:
        z = np.zeros(3)
        return cls(z, z, z, 0)

    def offset_m(self, position_m: ArrayLike, normal: ArrayLike | None = None) -> FloatArray:
        """``δ`` at points ``(N, 3)`` with unit normals ``(N, 3)`` (None: ``+z``), m."""
        p = np.asarray(position_m, dtype=np.float64).reshape(-1, 3)
        n = _normals(normal, p.shape[0])
        rigid = _basis(p - self.centre_m, n) @ self._coef()
        if self.touch_points_m is None or self.touch_residuals_m is None:
            return np.asarray(rigid, dtype=np.float64)
        return np.asarray(
            rigid + _local(p, self.touch_points_m, self.touch_residuals_m), dtype=np.float64
        )

    def depth_m(
        self, model_depth_m: ArrayLike, position_m: ArrayLike, normal: ArrayLike | None = None
    ) -> FloatArray:
        """Indentation below the real skin: the depth below the model surface minus ``δ``."""
        d = np.asarray(model_depth_m, dtype=np.float64)
        return np.asarray(d - self.offset_m(position_m, normal).reshape(d.shape), dtype=np.float64)

    def _coef(self) -> FloatArray:
        return np.concatenate([self.translation_m, self.rotation_rad])

    def to_json(self) -> dict[str, object]:
        return {
            "translation_m": [round(float(x), 5) for x in self.translation_m],
            "rotation_deg": [round(float(np.degrees(x)), 3) for x in self.rotation_rad],
            "touch_samples": self.touches,
        }


def _local(p: FloatArray, cells: FloatArray, residual: FloatArray) -> FloatArray:
    """The touches' residuals about the rigid fit, spread ``LOCAL_RADIUS_M`` around them
    (Gaussian weights, shrunk toward 0 far from every touch): ``(N,)``, m."""
    out = np.zeros(p.shape[0])
    for i in range(0, p.shape[0], 20_000):  # bounded memory: N × cells per chunk
        q = p[i : i + 20_000]
        d2 = np.sum((q[:, None, :] - cells[None, :, :]) ** 2, axis=2)
        w = np.exp(-0.5 * d2 / LOCAL_RADIUS_M**2)
        out[i : i + 20_000] = (w @ residual) / (w.sum(axis=1) + LOCAL_SHRINK)
    return out


def _touch_cells(
    p: FloatArray, r: FloatArray, cell_m: float = 0.01
) -> tuple[FloatArray, FloatArray]:
    """Touch points and residuals averaged in ``cell_m`` cubes: ``(C, 3)``, ``(C,)``."""
    key = np.floor(p / cell_m).astype(np.int64)
    _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    pts = np.stack([np.bincount(inv, p[:, j]) / counts for j in range(3)], axis=1)
    return pts, np.bincount(inv, r) / counts


def _normals(normal: ArrayLike | None, n: int) -> FloatArray:
    if normal is None:
        out = np.zeros((n, 3))
        out[:, 2] = 1.0
        return out
    return np.asarray(normal, dtype=np.float64).reshape(-1, 3)


def _basis(rel_m: FloatArray, n: FloatArray) -> FloatArray:
    """``(N, 6)``: ``δ = [n, r × n] · [t, ω]`` (``n · (ω × r) = ω · (r × n)``)."""
    return np.column_stack([n, np.cross(rel_m, n)])


def fit_surface_offset(
    position_m: ArrayLike,
    model_depth_m: ArrayLike,
    normal_force_n: ArrayLike,
    group: ArrayLike,
    normal: ArrayLike | None = None,
    *,
    touch_stiffness_n_m: float = TOUCH_STIFFNESS_N_M,
) -> SurfaceOffset:
    """Fit ``δ`` to contact samples (see the module doc).

    Args:
        position_m: ``(N, 3)`` the tool's measured position (the model's frame), m.
        model_depth_m: ``(N,)`` its depth below the model surface along the normal, m.
        normal_force_n: ``(N,)`` measured normal force, N.
        group: ``(N,)`` integer label of the sample's steady force level (and tool);
            ``-1`` for samples that are neither a touch nor a steady stroke.
        normal: ``(N, 3)`` the model's unit normals there (None: ``+z``).
        touch_stiffness_n_m: the skin's stiffness at a touch (for ``F / k``).

    Returns:
        The fit; :meth:`SurfaceOffset.none` with fewer than ``MIN_TOUCHES`` touches.
    """
    p = np.asarray(position_m, dtype=np.float64).reshape(-1, 3)
    d = np.asarray(model_depth_m, dtype=np.float64).ravel()
    f = np.asarray(normal_force_n, dtype=np.float64).ravel()
    g = np.asarray(group, dtype=np.int64).ravel()
    n = _normals(normal, p.shape[0])
    ok = (
        np.isfinite(d)
        & np.isfinite(f)
        & np.all(np.isfinite(p), axis=1)
        & np.all(np.isfinite(n), axis=1)
    )
    touch = ok & (f >= CONTACT_FORCE_N) & (f <= TOUCH_MAX_N)
    loaded = ok & (f > TOUCH_MAX_N) & (g >= 0)
    nt = int(np.count_nonzero(touch))
    if nt < MIN_TOUCHES:
        return SurfaceOffset.none()
    used = touch | loaded
    centre = p[used].mean(axis=0)
    groups, gi = np.unique(g[loaded], return_inverse=True)
    cols = 6 + groups.size
    a_t = np.zeros((nt, cols))
    a_t[:, :6] = _basis(p[touch] - centre, n[touch])
    b_t = d[touch] - f[touch] / touch_stiffness_n_m
    nl = int(np.count_nonzero(loaded))
    a_l = np.zeros((nl, cols))
    a_l[:, :6] = _basis(p[loaded] - centre, n[loaded])
    a_l[np.arange(nl), 6 + gi] = f[loaded]
    b_l = d[loaded]
    w_t = np.sqrt(TOUCH_WEIGHT * max(nl, nt) / nt)
    a = np.vstack([a_t * w_t, a_l])
    b = np.concatenate([b_t * w_t, b_l])
    # Ridge: a sample's scatter (breathing, tissue) against the prior sizes of t and ω.
    prior = np.array([PRIOR_OFFSET_M] * 3 + [PRIOR_TILT_RAD] * 3)
    lam = np.zeros(cols)
    lam[:6] = a.shape[0] * (SAMPLE_SCATTER_M / prior) ** 2
    coef = np.linalg.solve(a.T @ a + np.diag(lam), a.T @ b)
    # What the rigid motion leaves at the touches (the fit's own shape error) is kept
    # as a local correction around them.
    res = b_t - a_t[:, :6] @ coef[:6]
    cells, cell_res = _touch_cells(p[touch], res)
    return SurfaceOffset(centre, coef[:3].copy(), coef[3:6].copy(), nt, cells, cell_res)


def force_groups(
    target_force_n: ArrayLike, tool: ArrayLike | None = None, *, step_n: float = 0.5
) -> NDArray[np.int64]:
    """``(N,)`` a group label per steady force level (``step_n`` bins) and tool."""
    tgt = np.asarray(target_force_n, dtype=np.float64).ravel()
    level = np.where(np.isfinite(tgt), np.round(tgt / step_n), -1).astype(np.int64)
    if tool is None:
        return level
    tl = np.asarray(tool, dtype=np.float64).ravel()
    code = np.where(np.isfinite(tl), tl, 0).astype(np.int64)
    return np.where(level >= 0, level * 8 + code, -1)


def smooth_normals(normal: ArrayLike, window: int = NORMAL_WINDOW_TICKS) -> FloatArray:
    """Unit normals ``(N, 3)`` averaged over ``window`` consecutive samples.

    A fitted skin's normals carry its depth noise differentiated: degrees over a
    centimetre. ``δ``'s translation term ``n · t`` would turn them into tenths of a
    millimetre of depth at the scale of a knot, though the registration moved a smooth
    skin; the offset is computed with the skin's smooth orientation instead.
    """
    from scipy.ndimage import uniform_filter1d

    n = np.asarray(normal, dtype=np.float64).reshape(-1, 3)
    if n.shape[0] < 3:
        return n.copy()
    w = int(min(window, n.shape[0]))
    out = uniform_filter1d(n, size=w, axis=0, mode="nearest")
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.where(norm > 0, norm, 1.0), dtype=np.float64)
