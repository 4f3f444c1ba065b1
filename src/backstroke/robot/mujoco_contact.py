"""MuJoCo soft contact tuned to the tissue's force–indentation law.

The tissue law for one pad (``backstroke.tissue.mechanics``)::

    F = k δ / (1 − δ/d)²  (· (1 + τ δ'/δ))          for δ/d < 0.85

MuJoCo's soft contact with a direct stiffness ``solref = (−K·dmax², −B·dmax)`` and
impedance ``I(r)`` from ``solimp = (d0, dmax, width, midpoint, power)`` gives, at rest
(penetration ``r``, see the MuJoCo "Solver parameters" documentation and
``efc_KBIP``/``efc_R``)::

    F = (K I(r) r + B ṙ) · I(r) / ((1 − I(r)) · Â)

with ``Â`` the contact's diagonal inverse-inertia approximation (a model constant,
``body_invweight0`` of the tool body). Writing ``x = r/d`` and taking ``width = c·d``
the static law becomes ``K r q(I(x/c)) / Â`` with ``q(I) = I²/(1 − I)``, so one
*normalised* impedance shape reproduces ``1/(1 − x)²`` for every pad at once:

* ``q(I(x)) ≈ λ/(1 − x)²`` is fitted once (least squares on the log force ratio over
  ``x ∈ [0.01, 0.85]``, :func:`fit_shape`): max error 1.7 %;
* per pad and tick, ``K = k Â / λ`` (the local stiffness with softening and muscle tone)
  and ``width = c d`` (the local tissue thickness over bone);
* the viscous term matches exactly with ``B = K I(r) τ``.

So the force comes from MuJoCo's constraint solver, on MuJoCo's penetration, with
parameters that make it follow the tissue model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ImpedanceShape:
    """The fitted normalised impedance (see the module docstring).

    Attributes:
        lam: λ, the small-indentation value of ``q(I)``; sets ``d0``.
        dmax: ``solimp[1]`` (impedance at and beyond ``width``).
        width_ratio: ``c`` in ``width = c · d``.
        midpoint, power: ``solimp[3]``, ``solimp[4]``.
    """

    lam: float = 0.87866723
    dmax: float = 0.97528085
    width_ratio: float = 0.85
    midpoint: float = 0.69925514
    power: float = 1.16479338

    @property
    def d0(self) -> float:
        """``solimp[0]``: ``q(d0) = λ``."""
        lam = self.lam
        return 0.5 * (-lam + math.sqrt(lam * lam + 4.0 * lam))

    def impedance(self, r_m: float, width_m: float) -> float:
        """MuJoCo's ``I(r)`` for penetration ``r_m`` and ``width_m`` (scalar)."""
        x = abs(r_m) / width_m
        d0, dw = self.d0, self.dmax
        if x >= 1.0:
            return dw
        mid, p = self.midpoint, self.power
        if x <= mid:
            y = x**p / mid ** (p - 1.0)
        else:
            y = 1.0 - (1.0 - x) ** p / (1.0 - mid) ** (p - 1.0)
        return d0 + y * (dw - d0)

    def normalised_law(self, x: FloatArray) -> FloatArray:
        """``q(I(x/c)) / λ`` for ``x = r/d`` (N,): ideally ``1/(1 − x)²``."""
        out = np.empty_like(np.asarray(x, dtype=np.float64))
        for i, xi in enumerate(np.asarray(x, dtype=np.float64).ravel()):
            imp = self.impedance(float(xi), self.width_ratio)
            out.ravel()[i] = imp * imp / (1.0 - imp) / self.lam
        return out

    def solimp(self, depth_m: float) -> tuple[float, float, float, float, float]:
        """``solimp`` for a pad over tissue ``depth_m`` thick."""
        return (self.d0, self.dmax, self.width_ratio * depth_m, self.midpoint, self.power)

    def solref(
        self, stiffness_n_m: float, invweight: float, impedance: float, damping_s: float
    ) -> tuple[float, float]:
        """Direct ``solref = (−K dmax², −B dmax)`` for a pad of linear stiffness ``k``."""
        k_mj = stiffness_n_m * invweight / self.lam
        b_mj = k_mj * impedance * damping_s
        return (-k_mj * self.dmax * self.dmax, -b_mj * self.dmax)

    def static_force_n(
        self, stiffness_n_m: float, depth_m: float, r_m: float, invweight: float = 1.0
    ) -> float:
        """The static force MuJoCo's solver gives with these parameters (scalar, N)."""
        if r_m <= 0.0:
            return 0.0
        k_mj = stiffness_n_m * invweight / self.lam
        imp = self.impedance(r_m, self.width_ratio * depth_m)
        return k_mj * imp * imp * r_m / ((1.0 - imp) * invweight)


SHAPE = ImpedanceShape()


def fit_shape(x_range: tuple[float, float] = (0.01, 0.85)) -> tuple[ImpedanceShape, float]:
    """Refit the normalised impedance over ``x = δ/d`` in ``x_range``.

    Returns:
        the shape and its largest relative static-force error over the range.
    """
    from scipy.optimize import least_squares

    xs = np.linspace(x_range[0], x_range[1], 300)
    target = 1.0 / (1.0 - xs) ** 2

    def residual(th: FloatArray) -> FloatArray:
        lam, dw, c, mid, p = (float(t) for t in th)
        sh = ImpedanceShape(lam, dw, c, mid, p)
        return np.asarray(np.log(sh.normalised_law(xs)) - np.log(target))

    best: tuple[float, FloatArray] | None = None
    for lam in (0.2, 0.9):
        for c in (0.85, 1.2):
            r = least_squares(
                residual,
                [lam, 0.97, c, 0.6, 1.5],
                bounds=([1e-3, 0.5, 0.3, 0.05, 1.0], [10.0, 0.9999, 3.0, 0.95, 10.0]),
            )
            err = float(np.max(np.abs(np.expm1(r.fun))))
            if best is None or err < best[0]:
                best = (err, r.x)
    if best is None:  # pragma: no cover - the loop always runs
        return SHAPE, math.inf
    th = best[1]
    shape = ImpedanceShape(*(float(t) for t in th))
    return shape, best[0]
