"""Glide logs of a fifth recorder, held out: nothing in ``sense/`` was fitted to it.

Written in session 9 after the joint breathing fit (``sense/breathing_joint.py``) was in
place, from the log contract only (docs/logs.md), to check that fix on logs it was not
made on. A studio's hand-held probe records one glide block:

- **Recorder**: 120–500 Hz, ±8 % jitter, 0.5 % of rows lost; labels ``PALMAR``,
  ``hand heel``, ``Hands (both)``; block ``glide A`` / ``Effl.`` / ``1``; extra columns
  (a counter, a text flag, a shear force, a battery level); no ``pass_index``.
- **Tissue**: a cubic law ``F = s·E(u)·(δ + δ³/δ₁²)`` (δ₁ 6–14 mm), ``E`` varying along
  the back in two random waves; the truth is the secant at the glide's starting force,
  per pass, averaged over its loaded samples, relative to pass 0 (as the other
  generators). Softening is a linear fall of ``s`` over 1–3 passes from a random time,
  0–20 %, over the whole back or only its upper or lower 60 %.
- **Breath**: 7–22 breaths/min, an asymmetric breath (a quick inhale, a slow exhale: a
  third harmonic), 1–3 mm, with one sigh (twice as deep) at a random time; the force
  loop lets 0–30 % of it into the force.
- **Glide**: 6–10 passes, each a down-and-up in contact; the turnarounds are either
  rounded (a cosine, no hold), sharp (constant speed, a 0.2–0.8 s hold) or a figure
  whose ends move ±3 % of u from pass to pass.
- **Force** (a sixth each): none, a step at a pass boundary ×0.75–1.3, a slow drift
  of ±8 % over the whole glide, the force paced by the breath (±5 %), a 3 s dip to
  ×0.8, or a ramp over one pass to ×0.8 or ×1.2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.recorder_logs import RecorderTruth, write_rounded_csv

PALMS = ("PALMAR", "hand heel", "Hands (both)")
BLOCKS = ("glide A", "Effl.", "1")
KINDS = (None, "step", "drift", "paced", "dip", "ramp")


def _depth(force_n: np.ndarray, e_n_m: np.ndarray, d1_m: float) -> np.ndarray:
    """δ solving ``F = E (δ + δ³/δ₁²)`` (Newton from the linear depth)."""
    d = np.maximum(force_n, 0.0) / e_n_m
    for _ in range(30):
        r = e_n_m * (d + d**3 / d1_m**2) - force_n
        d = np.maximum(d - r / (e_n_m * (1.0 + 3.0 * d**2 / d1_m**2)), 0.0)
    return d


def _path(rng: np.random.Generator, passes: int, rate: float, length: float) -> tuple:
    """``(t, u, pass)`` of the glide, and the passes' start times."""
    style = str(rng.choice(["round", "sharp", "moving"]))
    speed = float(rng.uniform(0.03, 0.055)) / length  # u per second
    ts, us, ps, starts, t0 = [], [], [], [], 0.0
    for p in range(passes):
        hi, lo = 0.88, 0.12
        if style == "moving":
            hi, lo = hi + rng.uniform(-0.03, 0.02), lo + rng.uniform(-0.02, 0.03)
        dur = 2 * (hi - lo) / speed
        if style == "round":
            t = np.arange(0.0, dur, 1.0 / rate)
            u = 0.5 * (hi + lo) + 0.5 * (hi - lo) * np.cos(2 * np.pi * t / dur)
        else:
            hold = float(rng.uniform(0.2, 0.8)) if style == "sharp" else 0.3
            leg = np.arange(0.0, dur / 2, 1.0 / rate) * speed
            rest = np.zeros(int(hold * rate))
            u = np.concatenate([hi - leg, lo + rest, lo + leg, hi + rest])
            t = np.arange(u.size) / rate
        starts.append(t0)
        ts.append(t0 + t)
        us.append(u)
        ps.append(np.full(u.size, p))
        t0 += float(t[-1]) + 1.0 / rate
    return style, np.concatenate(ts), np.concatenate(us), np.concatenate(ps), starts


def studio_log(seed: int) -> tuple[dict[str, Any], RecorderTruth]:
    """One glide log's columns and its truth."""
    rng = np.random.default_rng([9, 13, 5, seed])
    length = float(rng.uniform(0.45, 0.56))
    rate = float(rng.choice([120.0, 200.0, 333.0, 500.0]))
    passes = int(rng.integers(6, 11))
    style, t, u, p_of, starts = _path(rng, passes, rate, length)
    n = t.size
    t_end = float(t[-1])
    f0 = float(rng.uniform(9.0, 20.0))
    d1 = float(rng.uniform(0.006, 0.014))
    waves = [(rng.uniform(0.05, 0.15), rng.uniform(0.15, 0.5), rng.uniform(0, 6.3)) for _ in "ab"]
    e = float(rng.uniform(1200, 2800)) * np.prod(
        [1 + a * np.sin(2 * np.pi * u / w + ph) for a, w, ph in waves], axis=0
    )
    # Softening.
    drop = float(
        [0.0, rng.uniform(0.02, 0.06), rng.uniform(0.08, 0.2)][rng.choice(3, p=[0.2, 0.2, 0.6])]
    )
    per = t_end / passes
    t_on = float(rng.uniform(1.0, min(4.5, passes - 2.0))) * per
    x = np.clip((t - t_on) / (float(rng.uniform(1.0, 3.0)) * per), 0.0, 1.0)
    where = str(rng.choice(["all", "upper", "lower"]))
    region = {"all": np.ones(n), "upper": (u > 0.4).astype(float), "lower": (u < 0.6) * 1.0}
    s = 1.0 - drop * x * region[where]
    # Force.
    kind = KINDS[int(rng.integers(0, len(KINDS)))]
    mult = np.ones(n)
    change = None
    bpm = float(rng.uniform(7.0, 22.0))
    ph = 2 * np.pi * bpm / 60.0 * t + float(rng.uniform(0, 6.3))
    breath = np.sin(ph) + 0.3 * np.sin(2 * ph + 1.0) + 0.15 * np.sin(3 * ph + 0.4)
    breath *= float(rng.uniform(0.0005, 0.0015)) / np.max(np.abs(breath))
    sigh = float(rng.uniform(0.2, 0.9)) * t_end
    breath *= 1.0 + np.exp(-(((t - sigh) / 2.0) ** 2))
    if kind == "step":
        change = int(rng.integers(2, passes - 1))
        mult = np.where(t >= starts[change], float(rng.choice([0.75, 0.85, 1.15, 1.3])), 1.0)
    elif kind == "drift":
        mult = 1.0 + float(rng.choice([-0.08, 0.08])) * t / t_end
    elif kind == "paced":
        mult = 1.0 - 0.05 * breath / np.max(np.abs(breath))
    elif kind == "dip":
        change = int(rng.integers(2, passes))
        t0 = starts[change] + float(rng.uniform(0.1, 0.6)) * per
        mult = np.where((t >= t0) & (t < t0 + 3.0), 0.8, 1.0)
    elif kind == "ramp":
        change = int(rng.integers(2, passes - 1))
        ramp = np.clip((t - starts[change]) / per, 0.0, 1.0)
        mult = 1.0 + float(rng.choice([-0.2, 0.2])) * ramp
    force = f0 * mult
    leak = float(rng.uniform(0.0, 0.3))
    depth_true = _depth(force, s * e, d1) + leak * breath
    f_true = s * e * (depth_true + depth_true**3 / d1**2)
    # The truth: the secant at f0 with the tone, over without, along each pass's path.
    k_soft = f0 / _depth(np.full(n, f0), s * e, d1)
    k_ref = f0 / _depth(np.full(n, f0), e, d1)
    by_pass = [float(np.mean(k_soft[p_of == p]) / np.mean(k_ref[p_of == p])) for p in range(passes)]
    # The recorder.
    keep = rng.random(n) > 0.005
    jitter = rng.uniform(-0.08, 0.08, n) / rate
    noise_f = float(rng.uniform(0.005, 0.02))
    cols: dict[str, Any] = {
        "t_s": (t + jitter + float(rng.uniform(0, 300)))[keep],
        "u": (u + rng.normal(0, 0.0004, n))[keep],
        "v": rng.normal(0, 0.001, n)[keep],
        "normal_force_n": (f_true * (1 + rng.normal(0, noise_f, n)) + rng.normal(0, 0.03, n))[keep],
        "indentation_m": (depth_true - breath + rng.normal(0, 4e-5, n))[keep],
        "tool": [PALMS[seed % 3]] * int(keep.sum()),
        "block": [BLOCKS[seed % 3]] * int(keep.sum()),
        "counter": np.arange(int(keep.sum())),
        "flag": ["ok"] * int(keep.sum()),
        "shear_n": (0.1 * f_true * rng.normal(1, 0.1, n))[keep],
        "battery": np.linspace(98, 91, int(keep.sum())),
    }
    truth = RecorderTruth(
        back_length_m=length,
        knots=[],
        glide_factor_by_pass=[b / by_pass[0] for b in by_pass],
        glide_passes=passes,
        drop=1.0 - min(b / by_pass[0] for b in by_pass),
        force_change=kind,
        force_change_pass=change,
        extra={
            "glide_mode": style,
            "glide_block_label": BLOCKS[seed % 3],
            "softening_region": where,
            "tone_drop": drop,
            "breathing_rate_bpm": bpm,
            "rate_hz": rate,
        },
    )
    return cols, truth


def write_studio_csv(path: Any, cols: dict[str, Any]) -> None:
    """The columns as the studio writes them (6 significant digits)."""
    write_rounded_csv(path, cols, 6)
