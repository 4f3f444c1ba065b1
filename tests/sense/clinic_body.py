"""The clinic recorder's client (``tests/sense/clinic_logs.py``): tissue, softening, breath.

Written blind from docs/logs.md and DESIGN §6.3; nothing here comes from backstroke or
from the other recorder generators.

- **Tissue law** (per log, one of two): exponential stiffening
  ``F = E·s·(exp(β δ) − 1)/β`` (β 50–160 /m), or a Hunt–Crossley-like power law
  ``F = E·s·δ₀·(δ/δ₀)ⁿ`` (n 1.2–1.6, δ₀ = 10 mm); ``E`` is the small-strain modulus of the
  spot under the tool (N/m), ``s`` the tissue's tone (1 at the start, lower when it softens).
  The depth follows the force through a creep lag (τ 40–250 ms).
- **Field**: ``E(u, v) = E0 × trend × segmental ripple × erector bulk × bony ends × knots``,
  seen through the tool's pad: a Gaussian blur (thumb σ 2–3.5 mm, palms σ 25–35 mm), done
  analytically (ripple amplitudes and knot peaks shrink with the pad).
- **Softening** ``s(t)`` (time since the glide began): none, below threshold, sudden (a
  logistic release of 10–30 % of the tone over 0.5–3 s at a random moment), slow
  (exponential approach, 10–35 %), or a staircase of 3–7 % releases at turnarounds;
  the release is regional (±25 % along the back around its mean).
- **Breath**: the back rises and falls 1–2.5 mm (two harmonics, rate 10–22 /min drifting
  ±5 %, now and then a sigh of twice the depth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DELTA0_M = 0.010


@dataclass
class ClinicBody:
    """One client's back as the clinic's rig meets it."""

    length_m: float
    e0_n_m: float
    law: str  # "exp" or "power"
    beta_per_m: float
    power_n: float
    creep_s: float
    trend: tuple[float, float]
    ripples: list[tuple[float, float, float]]  # (amplitude, wavelength m, phase)
    bulk: float
    knots: list[dict[str, float]]
    soft_kind: str
    soft_params: dict[str, float] = field(default_factory=dict)
    soft_region: tuple[float, float] = (0.0, 0.0)  # (relative amplitude, phase)
    steps_at_s: list[tuple[float, float]] = field(default_factory=list)

    # ---- the field -------------------------------------------------------------------
    def modulus(self, u: np.ndarray, v: np.ndarray, pad_m: float) -> np.ndarray:
        """Small-strain modulus (N/m) under a pad of Gaussian width ``pad_m`` at (u, v)."""
        u = np.asarray(u, float)
        v = np.asarray(v, float)
        s_m = u * self.length_m
        a1, a2 = self.trend
        e = 1.0 + a1 * (u - 0.5) + a2 * (u - 0.5) ** 2
        for amp, lam, ph in self.ripples:
            shrink = math.exp(-0.5 * (2 * math.pi * pad_m / lam) ** 2)
            e = e * (1.0 + amp * shrink * np.sin(2 * math.pi * s_m / lam + ph))
        e = e * (1.0 + self.bulk * np.exp(-(((np.abs(v) - 0.035) / 0.022) ** 2)))
        e = e * (1.0 + 0.6 * np.exp(-u / 0.04) + 0.8 * np.exp(-(1.0 - u) / 0.04))
        bump = np.zeros_like(e)
        for kn in self.knots:
            sig = kn["radius_m"] / 2.0
            w2 = sig**2 + pad_m**2
            peak = (kn["stiffness_ratio"] - 1.0) * sig**2 / w2
            r2 = (s_m - kn["u"] * self.length_m) ** 2 + (v - kn["v"]) ** 2
            bump = bump + peak * np.exp(-0.5 * r2 / w2)
        return self.e0_n_m * e * (1.0 + bump)

    # ---- the law ---------------------------------------------------------------------
    def depth_m(self, force_n: np.ndarray, modulus: np.ndarray) -> np.ndarray:
        """Static depth at ``force_n`` (≥ 0) on tissue of small-strain ``modulus`` (E·s)."""
        f = np.maximum(np.asarray(force_n, float), 0.0)
        if self.law == "exp":
            return np.log1p(self.beta_per_m * f / modulus) / self.beta_per_m
        return DELTA0_M * (f / (modulus * DELTA0_M)) ** (1.0 / self.power_n)

    def secant_n_m(self, force_n: float, modulus: np.ndarray) -> np.ndarray:
        """The secant F/δ a probe at ``force_n`` measures (what equal-force listening hears)."""
        return force_n / self.depth_m(np.full_like(modulus, force_n), modulus)

    # ---- softening -------------------------------------------------------------------
    def tone(self, t_glide_s: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Tissue tone s (1 = as at the start) at glide time ``t_glide_s`` and place ``u``."""
        t = np.maximum(np.asarray(t_glide_s, float), 0.0)
        p = self.soft_params
        kind = self.soft_kind
        if kind == "none":
            drop = p.get("drift", 0.0) * t / max(p.get("span_s", 1.0), 1.0)
        elif kind in ("sudden", "subthreshold_sudden"):
            drop = p["drop"] / (1.0 + np.exp(np.clip(-(t - p["t_s"]) / p["width_s"], -50, 50)))
        elif kind in ("slow", "subthreshold"):
            drop = p["drop"] * (1.0 - np.exp(-t / p["tau_s"]))
        elif kind == "staircase":
            drop = np.zeros_like(t)
            for t_k, d_k in self.steps_at_s:
                drop = drop + d_k / (1.0 + np.exp(np.clip(-(t - t_k) / 0.4, -50, 50)))
        else:
            raise ValueError(kind)
        amp, ph = self.soft_region
        region = 1.0 + amp * np.sin(2 * math.pi * np.asarray(u, float) + ph)
        return 1.0 - np.asarray(drop) * region


def draw_body(rng: np.random.Generator, knots: list[dict[str, float]]) -> ClinicBody:
    """A random client (its softening timing is set later, when the glide's length is known)."""
    law = "exp" if rng.random() < 0.55 else "power"
    ripples = [
        (float(rng.uniform(0.03, 0.08)), float(rng.uniform(0.06, 0.11)), float(rng.uniform(0, 6.3)))
        for _ in range(int(rng.integers(1, 4)))
    ]
    return ClinicBody(
        length_m=float(rng.uniform(0.43, 0.60)),
        e0_n_m=float(rng.uniform(700, 2000)) if law == "exp" else float(rng.uniform(1000, 2600)),
        law=law,
        beta_per_m=float(rng.uniform(50, 160)),
        power_n=float(rng.uniform(1.2, 1.6)),
        creep_s=float(rng.uniform(0.04, 0.25)),
        trend=(float(rng.uniform(-0.25, 0.25)), float(rng.uniform(-0.4, 0.4))),
        ripples=ripples,
        bulk=float(rng.uniform(0.0, 0.15)),
        knots=knots,
        soft_kind="none",
        soft_region=(float(rng.uniform(0.0, 0.25)), float(rng.uniform(0, 6.3))),
    )


def set_softening(body: ClinicBody, rng: np.random.Generator, glide_s: float, n_pass: int) -> None:
    """Draw the softening law over a glide of ``glide_s`` seconds and ``n_pass`` passes."""
    kind = str(
        rng.choice(
            ["none", "subthreshold", "sudden", "slow", "staircase", "subthreshold_sudden"],
            p=[0.17, 0.08, 0.3, 0.27, 0.13, 0.05],
        )
    )
    body.soft_kind = kind
    per = glide_s / n_pass
    if kind == "none":
        body.soft_params = {"drift": float(rng.uniform(0.0, 0.02)), "span_s": glide_s}
    elif kind == "subthreshold":
        body.soft_params = {"drop": float(rng.uniform(0.01, 0.04)), "tau_s": glide_s * 0.5}
    elif kind == "subthreshold_sudden":
        body.soft_params = {
            "drop": float(rng.uniform(0.015, 0.04)),
            "t_s": float(rng.uniform(0.5, n_pass - 1) * per),
            "width_s": 0.5,
        }
    elif kind == "sudden":
        body.soft_params = {
            "drop": float(rng.uniform(0.1, 0.3)),
            "t_s": float(rng.uniform(0.6, n_pass - 0.3) * per),
            "width_s": float(rng.uniform(0.15, 0.8)),
        }
    elif kind == "slow":
        body.soft_params = {
            "drop": float(rng.uniform(0.1, 0.35)),
            "tau_s": float(rng.uniform(0.3, 1.5) * glide_s),
        }
    else:
        steps = []
        for p in range(1, n_pass):
            if rng.random() < 0.55:
                steps.append((p * per + float(rng.normal(0, 0.5)), float(rng.uniform(0.03, 0.07))))
        body.steps_at_s = steps


def breath_m(rng: np.random.Generator, t_s: np.ndarray) -> tuple[np.ndarray, float]:
    """The back's rise (m) over ``t_s`` and the mean rate (breaths/min)."""
    rate = float(rng.uniform(10, 22))
    amp = float(rng.uniform(0.001, 0.0025))
    wob = float(rng.uniform(0.0, 0.05))
    f_hz = rate / 60.0 * (1.0 + wob * np.sin(2 * math.pi * t_s / float(rng.uniform(40, 90))))
    phase = 2 * math.pi * np.concatenate([[0.0], np.cumsum(np.diff(t_s) * f_hz[1:])])
    phase = phase + float(rng.uniform(0, 6.3))
    h2, ph2 = float(rng.uniform(0.1, 0.35)), float(rng.uniform(0, 6.3))
    depth = np.ones_like(t_s)
    if rng.random() < 0.5:
        t_sigh = float(rng.uniform(t_s[0], t_s[-1]))
        depth = depth + np.exp(-0.5 * ((t_s - t_sigh) / 3.0) ** 2)
    return amp * depth * (np.sin(phase) + h2 * np.sin(2 * phase + ph2)), rate
