"""Synthetic contact logs from a simple stiffness field of the tests' own.

Independent of ``backstroke.tissue`` on purpose: the estimators are scored against a
truth they cannot see. The field is the stiffness a probe *measures* at a chart point
(contact-patch averaging is already in it):

    k(u, v) = base · region(u) · Π_knots (1 + (ratio − 1) · exp(−r² / 2σ²)),  σ = D/4

with ``region`` a smooth ±20 % variation along the back (stiffer near the ends), ``D``
the knot's diameter ("5–15 mm across") and ``r`` the distance on the skin. The robot
is force controlled: the tissue indents by ``F / k``; the force sensor adds Gaussian
noise (σ 0.1 N by default) and the indentation estimate a little (σ 5 µm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

BACK_LENGTH_M = 0.51
THUMB, PALMS = 2, 0


@dataclass(frozen=True)
class TrueKnot:
    u: float
    v: float
    diameter_m: float
    ratio: float


@dataclass
class Field:
    base_n_m: float = 2000.0
    knots: list[TrueKnot] = field(default_factory=list)
    region_amp: float = 0.2
    region_phase: float = 0.0
    back_length_m: float = BACK_LENGTH_M
    hump_amp: float = 0.0  # segmental humps (ribs, vertebral levels): ± this fraction
    hump_period_m: float = 0.08
    hump_phase: float = 0.0
    pad_sigma_m: float = 0.0  # contact-patch blur of the knots (Gaussian σ), 0 = a point

    def stiffness(self, u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        k = self.base_n_m * (
            1.0 + self.region_amp * np.cos(2 * np.pi * (u - 0.5) * 1.1 + self.region_phase)
        )
        if self.hump_amp:
            s_m = u * self.back_length_m
            k = k * (
                1.0 + self.hump_amp * np.cos(2 * np.pi * s_m / self.hump_period_m + self.hump_phase)
            )
        for kn in self.knots:
            sig2 = (kn.diameter_m / 4.0) ** 2
            # A Gaussian pad of σ_p over a Gaussian knot: wider, and lower by σ²/(σ²+σ_p²).
            wide2 = sig2 + self.pad_sigma_m**2
            r2 = ((u - kn.u) * self.back_length_m) ** 2 + (v - kn.v) ** 2
            k = k * (1.0 + (kn.ratio - 1.0) * sig2 / wide2 * np.exp(-r2 / (2 * wide2)))
        return k


def _leg(u0: float, u1: float, speed_u: float, rate_hz: float) -> NDArray[np.float64]:
    """u from u0 to u1 with a smooth (raised-cosine) speed profile, endpoints excluded."""
    dist = abs(u1 - u0)
    dur = 1.5 * dist / speed_u  # mean speed = 2/3 of peak for this profile
    n = max(2, round(dur * rate_hz))
    s = np.arange(1, n + 1) / n
    prog = s - np.sin(2 * np.pi * s) / (2 * np.pi)
    return u0 + (u1 - u0) * prog


def _hold(u: float, seconds: float, rate_hz: float) -> NDArray[np.float64]:
    return np.full(round(seconds * rate_hz), u)


@dataclass
class Log:
    columns: dict[str, NDArray[np.float64]]
    true_passes: int
    field: Field
    pass_scale: list[float] = field(default_factory=list)  # true stiffness factor per pass


def _measure(
    u: NDArray[np.float64],
    v: NDArray[np.float64],
    target_n: NDArray[np.float64],
    scale: NDArray[np.float64],
    fld: Field,
    rate_hz: float,
    noise_n: float,
    rng: np.random.Generator,
    t0_s: float = 0.0,
) -> dict[str, NDArray[np.float64]]:
    n = u.size
    k = fld.stiffness(u, v) * scale
    d = target_n / k
    f = target_n + rng.normal(0.0, noise_n, n) if noise_n > 0 else target_n.copy()
    d_meas = d + (rng.normal(0.0, 5e-6, n) if noise_n > 0 else 0.0)
    t = t0_s + np.arange(n) / rate_hz
    x = 0.05 + u * fld.back_length_m
    return {
        "t_s": t,
        "u": u,
        "v": v,
        "normal_force_n": f,
        "indentation_m": d_meas,
        "target_force_n": target_n,
        "x_m": x,
        "y_m": v.copy(),
        "z_m": 0.12 - d,
    }


def glide_log(
    *,
    passes: int = 6,
    soften_from: int | None = 3,
    drop: float = 0.1,
    gradual: bool = False,
    fld: Field | None = None,
    rate_hz: float = 200.0,
    speed_m_s: float = 0.03,
    force_n: float = 15.0,
    noise_n: float = 0.0,
    dwell_s: float = 0.0,
    u_min: float = 0.08,
    u_max: float = 0.92,
    pass_jitter: float = 0.0,
    breath_m: float = 0.0,
    seed: int = 0,
) -> Log:
    """Glide passes shoulders → waist → shoulders on the midline.

    ``breath_m``: the back rises and falls this much (amplitude, 12–20 breaths/min) and
    the indentation is measured against a surface model that does not.

    Stiffness drops by ``drop`` from pass ``soften_from`` on (all at once, or reaching
    ``drop`` there linearly from pass 1 when ``gradual``). ``pass_jitter`` is a random
    per-pass stiffness factor (σ, relative): tone varying pass to pass.
    """
    rng = np.random.default_rng(seed)
    fld = fld or Field()
    speed_u = speed_m_s / fld.back_length_m
    us, ps, scales = [], [], []
    for p in range(passes):
        leg = np.concatenate(
            [
                _leg(u_max, u_min, speed_u, rate_hz),
                _hold(u_min, dwell_s, rate_hz),
                _leg(u_min, u_max, speed_u, rate_hz),
                _hold(u_max, dwell_s, rate_hz),
            ]
        )
        if p == 0:
            leg = np.concatenate([[u_max], leg])
        sc = 1.0
        if soften_from is not None:
            if gradual:
                sc = 1.0 - drop * min(1.0, p / soften_from)
            elif p >= soften_from:
                sc = 1.0 - drop
        sc *= 1.0 + pass_jitter * rng.normal()
        us.append(leg)
        ps.append(np.full(leg.size, p, dtype=np.float64))
        scales.append(np.full(leg.size, sc))
    u = np.concatenate(us)
    v = np.zeros(u.size)
    target = np.full(u.size, force_n)
    cols = _measure(u, v, target, np.concatenate(scales), fld, rate_hz, noise_n, rng)
    if breath_m:
        f_hz = rng.uniform(12, 20) / 60.0
        cols["indentation_m"] += breath_m * np.sin(
            2 * np.pi * f_hz * cols["t_s"] + rng.uniform(0, 2 * np.pi)
        )
    cols["pass_index"] = np.concatenate(ps)
    cols["tool"] = np.full(u.size, float(PALMS))
    return Log(cols, passes, fld, [float(s[0]) for s in scales])


def random_knot_field(
    rng: np.random.Generator,
    lateral_m: float = 0.03,
    *,
    ratio: tuple[float, float] = (1.5, 2.5),
    offset_fraction: float = 0.25,
    hump_amp: float = 0.25,
    pad_sigma_m: float = 0.0,
) -> Field:
    """Base 1000–4000 N/m with a smooth ±5–25 % trend and segmental humps of up to
    ±``hump_amp`` every 6–10 cm; 1–3 knots per side on the strips, 1.5–2.5×, 5–15 mm
    across, centred within ``offset_fraction`` of their radius from the strip's line."""
    knots: list[TrueKnot] = []
    for side in (1.0, -1.0):
        placed: list[float] = []
        for _ in range(int(rng.integers(1, 4))):
            for _try in range(50):
                uk = float(rng.uniform(0.2, 0.8))
                if all(abs(uk - q) * BACK_LENGTH_M > 0.035 for q in placed):
                    break
            else:
                continue
            placed.append(uk)
            d = float(rng.uniform(0.005, 0.015))
            off = float(rng.uniform(-offset_fraction, offset_fraction)) * d / 2.0
            knots.append(TrueKnot(uk, side * lateral_m + off, d, float(rng.uniform(*ratio))))
    return Field(
        base_n_m=float(rng.uniform(1000, 4000)),
        knots=knots,
        region_amp=float(rng.uniform(0.05, 0.25)),
        region_phase=float(rng.uniform(0, 2 * math.pi)),
        hump_amp=float(rng.uniform(0.0, hump_amp)),
        hump_period_m=float(rng.uniform(0.06, 0.10)),
        hump_phase=float(rng.uniform(0, 2 * math.pi)),
        pad_sigma_m=pad_sigma_m,
    )


def thumb_log(
    fld: Field,
    *,
    passes: int = 1,
    lateral_m: float = 0.03,
    u_lo: float = 0.1,
    u_hi: float = 0.9,
    rate_hz: float = 500.0,
    speed_m_s: float = 0.025,
    force_n: float = 15.0,
    noise_n: float = 0.1,
    return_force_n: float = 3.0,
    seed: int = 0,
) -> Log:
    """Thumb strips up the left then the right side, light palm glides back down."""
    rng = np.random.default_rng(seed)
    speed_u = speed_m_s / fld.back_length_m
    us, vs, tools, targets, ps = [], [], [], [], []
    first = True
    for p in range(passes):
        for side in (1.0, -1.0):
            up = _leg(u_lo, u_hi, speed_u, rate_hz)
            if first:
                up = np.concatenate([[u_lo], up])
                first = False
            down = _leg(u_hi, u_lo, 2 * speed_u, rate_hz)
            us += [up, down]
            vs += [
                np.full(up.size, side * lateral_m),
                np.linspace(side * lateral_m, -side * lateral_m, down.size),
            ]
            tools += [np.full(up.size, float(THUMB)), np.full(down.size, float(PALMS))]
            targets += [np.full(up.size, force_n), np.full(down.size, return_force_n)]
            ps.append(np.full(up.size + down.size, float(p)))
    u = np.concatenate(us)
    v = np.concatenate(vs)
    tool = np.concatenate(tools)
    target = np.concatenate(targets)
    cols = _measure(u, v, target, np.ones(u.size), fld, rate_hz, noise_n, rng)
    # Palms are wide: they feel the field smoothed, not the knots.
    palms = tool == PALMS
    plain = Field(fld.base_n_m, [], fld.region_amp, fld.region_phase, fld.back_length_m)
    cols["indentation_m"][palms] = target[palms] / plain.stiffness(u[palms], v[palms])
    cols["tool"] = tool
    cols["pass_index"] = np.concatenate(ps)
    return Log(cols, passes, fld)


def rest_log(
    *,
    rate_bpm: float = 15.0,
    duration_s: float = 20.0,
    rate_hz: float = 100.0,
    force_n: float = 6.0,
    amp_n: float = 0.4,
    noise_n: float = 0.1,
    stiffness_n_m: float = 1500.0,
    u: float = 0.8,
    seed: int = 0,
) -> dict[str, NDArray[np.float64]]:
    """Palms resting: breathing modulates the force (and lifts the back by ~3 mm)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(duration_s * rate_hz)) / rate_hz
    phase = 2 * np.pi * rate_bpm / 60.0 * t + rng.uniform(0, 2 * np.pi)
    f_true = force_n + amp_n * np.sin(phase)
    d = f_true / stiffness_n_m
    return {
        "t_s": t,
        "u": np.full(t.size, u),
        "v": np.zeros(t.size),
        "normal_force_n": f_true + rng.normal(0, noise_n, t.size),
        "indentation_m": d,
        "z_m": 0.15 + 0.0015 * np.sin(phase),
    }


def knot_scores(
    found: list[tuple[float, float]], truth: list[TrueKnot], tol_m: float = 0.015
) -> tuple[int, int, int, int]:
    """``(true_pos_found, found, truth_matched, truth)`` within ``tol_m`` on the skin."""

    def dist(a: tuple[float, float], b: TrueKnot) -> float:
        return math.hypot((a[0] - b.u) * BACK_LENGTH_M, a[1] - b.v)

    tp = sum(1 for f in found if any(dist(f, k) <= tol_m for k in truth))
    matched = sum(1 for k in truth if any(dist(f, k) <= tol_m for f in found))
    return tp, len(found), matched, len(truth)


def concat_logs(
    *parts: dict[str, NDArray[np.float64]], gap_s: float = 0.01
) -> dict[str, NDArray[np.float64]]:
    """Join logs in time (each part's times shifted to follow the previous)."""
    out: dict[str, list[NDArray[np.float64]]] = {}
    t_end = None
    names = set(parts[0])
    for p in parts[1:]:
        names &= set(p)
    for p in parts:
        shift = 0.0 if t_end is None else t_end + gap_s - p["t_s"][0]
        for c in names:
            out.setdefault(c, []).append(p[c] + shift if c == "t_s" else p[c])
        t_end = p["t_s"][-1] + shift
    return {c: np.concatenate(v) for c, v in out.items()}
