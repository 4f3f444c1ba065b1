"""Generator J's client: the tissue under the hands and the breathing back.

Part of generator J (``tests/learn/j_synth.py``); written blind from DESIGN §5/§6.3,
docs/logs.md and docs/routines.md, calling nothing of backstroke. A power-law tissue
(force = c·δⁿ, n 1.3–2.1; secant 1500–3000 N/m at 15 N under palms) that stiffens
steeply as the depth nears the soft tissue over bone (thin at the back's ends and over
the shoulder blades), ribs along the upper back, 0–4 knots on the long muscles (4–7.5 mm
radius, 1.5–2.5×) felt through the contact patch (sharp under a thumb, blurred under
palms or a forearm) that release by 10–30 % after a dwell, and a breathing back
(10–20 breaths/min, its rate wandering, 1.5–3.5 mm) that a hand holding its force rides
for 60–90 % (the rest shows in the force). The contact patch decides the depth: a thumb
sinks deeper than palms at the same force. Softening is the score's (per block).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FACE_GAIN = {"palms": 1.0, "forearm": 0.85, "thumb": 0.55}  # a thumb sinks deeper at a force
PAD_SIGMA_M = {"palms": 0.025, "forearm": 0.02, "thumb": 0.003}  # how the patch blurs a knot
FACE_CODE = {"palms": 0, "forearm": 1, "thumb": 2}


@dataclass
class Breath:
    """The client's breathing: rate wandering slowly; ``phase`` in radians."""

    rate_hz: float
    amp_m: float
    wander: list[tuple[float, float, float]]  # (relative amplitude, ω rad/s, phase)

    def phase(self, t: Any) -> Any:
        t = np.asarray(t, dtype=float)
        out = t.copy()
        for a, w, p in self.wander:
            out = out + a * (np.cos(p) - np.cos(w * t + p)) / w
        return 2 * np.pi * self.rate_hz * out

    def surface_m(self, t: Any, u: Any) -> Any:
        """The back's height over the scanned one (m, mean 0: the scan caught an average
        moment): inhale lifts it, more over the ribs than at the waist."""
        grid = np.linspace(0, 2 * np.pi, 721)[:-1]
        mean = np.mean(_wave(grid))
        return self.amp_m * (0.6 + 0.5 * np.asarray(u)) * (_wave(self.phase(t)) - mean)


def _wave(ph: Any) -> Any:
    """One breath, 0 (out) .. 1 (in), the exhale a little longer than the inhale."""
    return 0.5 * (1 - np.cos(ph + 0.35 * np.sin(ph)))


@dataclass
class Client:
    back_length_m: float
    k_ref_n_m: float  # palm secant at 15 N, working depth
    n: float
    rib_amp: float
    rib_period_u: float
    rib_phase: float
    knots: list[tuple[float, float, float, float]]  # u, v (m), radius (m), stiffness ratio
    knot_release: list[float]
    breath: Breath
    follow: float  # share of the breath the hand rides with (the rest shows in the force)
    hump_m: tuple[float, float]  # spine profile (kyphosis/lordosis) as share of the length
    radius_m: float  # cross-section of the back

    @property
    def c(self) -> float:
        return 15.0 / (15.0 / self.k_ref_n_m) ** self.n


def draw_client(rng: np.random.Generator) -> Client:
    knots: list[tuple[float, float, float, float]] = []
    for _ in range(int(rng.integers(0, 5))):
        side = rng.choice([-1.0, 1.0])
        knots.append(
            (
                float(rng.uniform(0.14, 0.8)),
                float(side * rng.uniform(0.025, 0.055)),
                float(rng.uniform(0.004, 0.0075)),
                float(rng.uniform(1.5, 2.5)),
            )
        )
    wander = [
        (
            float(rng.uniform(0.02, 0.06)),
            2 * np.pi / float(rng.uniform(40, 130)),
            float(rng.uniform(0, 6.3)),
        )
        for _ in range(2)
    ]
    return Client(
        back_length_m=float(np.clip(rng.normal(0.51, 0.035), 0.42, 0.6)),
        k_ref_n_m=float(rng.uniform(1500, 3000)),
        n=float(rng.uniform(1.3, 2.1)),
        rib_amp=float(rng.uniform(0.03, 0.12)),
        rib_period_u=float(rng.uniform(0.12, 0.2)),
        rib_phase=float(rng.uniform(0, 6.3)),
        knots=knots,
        knot_release=[float(rng.uniform(0.1, 0.3)) for _ in knots],
        breath=Breath(float(rng.uniform(10, 20)) / 60, float(rng.uniform(0.0015, 0.0035)), wander),
        follow=float(rng.uniform(0.6, 0.9)),
        hump_m=(float(rng.uniform(0.03, 0.07)), float(rng.uniform(-0.02, 0.02))),
        radius_m=float(rng.uniform(0.15, 0.3)),
    )


def stiff_factor(cl: Client, u: Any, v: Any, face: Any, t: Any, releases: Any) -> Any:
    """Local stiffness over the reference (ribs, knots through the patch)."""
    k = 1 + cl.rib_amp * np.sin(2 * np.pi * u / cl.rib_period_u + cl.rib_phase) * np.clip(
        (u - 0.35) / 0.2, 0, 1
    )
    pad = np.choose(face, [PAD_SIGMA_M["palms"], PAD_SIGMA_M["forearm"], PAD_SIGMA_M["thumb"]])
    for i, (ku, kv, r, ratio) in enumerate(cl.knots):
        s2 = (r / 2) ** 2 + pad**2
        excess = (ratio - 1) * (r / 2) ** 2 / s2
        excess = excess * np.where(t >= releases[i], 1 - cl.knot_release[i], 1.0)
        d2 = (
            ((u - ku) * cl.back_length_m) ** 2
            + (np.abs(v) - abs(kv)) ** 2
            + 1e3 * (np.sign(v) != np.sign(kv))
        )
        k = k + excess * np.exp(-d2 / (2 * s2))
    return k


def thickness_m(u: Any, v: Any) -> Any:
    """Soft tissue over bone: thin at the back's ends and over the shoulder blades."""
    ends = 0.014 + 0.03 * np.clip(np.minimum(u - 0.02, 0.98 - u) / 0.08, 0, 1)
    scap = np.where((np.abs(v) > 0.06) & (u > 0.62) & (u < 0.9), 0.02, 0.05)
    return np.minimum(ends, scap)


def depth_for(force: Any, a: Any, n: float, h: Any) -> Any:
    """Solve a·δⁿ·(1 + (δ/h)⁴) = F for δ (Newton; the law is monotone)."""
    f = np.maximum(force, 0.0)
    d = (f / a) ** (1 / n)
    for _ in range(12):
        g = a * d**n * (1 + (d / h) ** 4) - f
        dg = a * (n * d ** (n - 1) * (1 + (d / h) ** 4) + d**n * 4 * d**3 / h**4)
        d = np.maximum(d - g / np.maximum(dg, 1e-9), 0.0)
    return d


def body_point(cl: Client, u: Any, v: Any) -> tuple[Any, Any, Any, Any]:
    """Surface point on a curved back and its normal (x cranial, z posterior)."""
    L = cl.back_length_m
    h1, h2 = cl.hump_m
    ug = np.linspace(-0.6, 1.6, 2201)
    zg = L * (h1 * np.sin(np.pi * ug) + h2 * np.sin(2 * np.pi * ug))
    dz = np.gradient(zg, ug)
    dx = np.sqrt(np.maximum(L**2 - dz**2, (0.2 * L) ** 2))
    xg = np.concatenate([[0.0], np.cumsum(0.5 * (dx[1:] + dx[:-1]) * np.diff(ug))])
    xg -= np.interp(0.0, ug, xg)
    x, z, slope = np.interp(u, ug, xg), np.interp(u, ug, zg), np.interp(u, ug, dz / L)
    psi = v / cl.radius_m
    y = cl.radius_m * np.sin(psi)
    z = z - cl.radius_m * (1 - np.cos(psi))
    th = np.arcsin(np.clip(slope, -0.9, 0.9))
    normal = np.stack([-np.sin(th) * np.cos(psi), np.sin(psi), np.cos(th) * np.cos(psi)])
    return x, y, z, normal
