"""Glide logs of a sixth recorder, a ward's bedside glove, held out (issue 13, session 10).

Written in session 10 from the log contract only (docs/logs.md §1–2 and DESIGN §6.3),
before its first run and without reading the estimator: nothing in ``sense/`` was
fitted to it (its first run: ``bench/results/listening_ward_first_run.json``). A nurse's
force-sensing glove on a patient lying on the side records one glide block:

- **Recorder**: 100–400 Hz, ±15 % jitter, 1 % of rows lost and a few 0.1–0.3 s gaps
  (the radio link); labels ``Flat hand``, ``HEEL OF HAND``, ``both palms``,
  ``open-hand``; block ``ward glide`` / ``M1`` / ``effleurage (ward)``; extra columns
  (a text bed id, a bed angle, a pulse with blank cells, a free-text event column, a
  ``pass`` column of the glove's own stroke counter that is *not* ``pass_index``, and
  sometimes ``target_force_n``); no ``pass_index``.
- **Tissue**: a power law with creep: the static depth solves ``F = s·E(u)·δⁿ``
  (n 1.15–1.8, E varying along the back in two random waves); the depth follows the
  force at once by ``1 − c`` of its static change and creeps the rest with τ 1.5–6 s
  (c 0–0.15). The truth is the static secant at the glide's starting force, per pass,
  averaged along its path, relative to pass 0. Softening is a smooth fall of ``s``
  (1 − exp) from a random time, 0–20 % of ``s`` over the whole back or one half.
- **Breath**: 9–24 breaths/min with a slowly wandering rate (±15 %), 1–3 mm, sometimes
  a 6–12 s breath hold; up to 1.25 % of the force follows it.
- **Glide**: 6–10 passes starting at the waist (up to the shoulders and back), speed
  2.5–5 cm/s varying ±10 % by pass, a 0.2–1 s hold at each end; half the logs start
  with a lead-in (the hands set down mid-back and moved to the waist first).
- **Force** (a seventh each): none, a step ×0.7–1.35 inside a pass, a step at a pass
  boundary, a ramp over 3 s, a "too much" (×0.65 for 6–12 s, then back), two steps
  (lighter, then harder than at first), or pacing with the breath (±6 %). The force has
  0.5–2 % noise the tissue answers, and 0.03–0.15 N of sensor noise it does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.recorder_logs import RecorderTruth, write_rounded_csv

PALMS = ("Flat hand", "HEEL OF HAND", "both palms", "open-hand")
BLOCKS = ("ward glide", "M1", "effleurage (ward)")
KINDS = (None, "step_mid", "step", "ramp", "step_back", "two_steps", "paced")


def _static_depth(force_n: np.ndarray, e_n_m: np.ndarray, n: float) -> np.ndarray:
    """δ solving ``F = E δⁿ``."""
    return np.asarray((np.maximum(force_n, 0.0) / e_n_m) ** (1.0 / n), dtype=np.float64)


def _creep(d_static: np.ndarray, t: np.ndarray, c: float, tau_s: float) -> np.ndarray:
    """Depth that follows ``1 − c`` of the static change at once and creeps the rest."""
    slow = np.empty_like(d_static)
    slow[0] = d_static[0]
    a = 1.0 - np.exp(-np.diff(t, prepend=t[0]) / tau_s)
    for i in range(1, d_static.size):
        slow[i] = slow[i - 1] + a[i] * (d_static[i] - slow[i - 1])
    return np.asarray((1.0 - c) * d_static + c * slow, dtype=np.float64)


def _path(
    rng: np.random.Generator, passes: int, rate: float, length: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float], bool]:
    """``(t, u, pass)`` of the glide (pass −1: the lead-in), the passes' start times."""
    lo, hi = float(rng.uniform(0.08, 0.14)), float(rng.uniform(0.86, 0.92))
    speed = float(rng.uniform(0.025, 0.05)) / length  # u per second
    hold = float(rng.uniform(0.2, 1.0))
    ts, us, ps, starts = [], [], [], []
    t0 = 0.0

    def leg(a: float, b: float, sp: float, p: int) -> None:
        nonlocal t0
        dur = abs(b - a) / sp
        t = np.arange(0.0, dur, 1.0 / rate)
        x = t / dur
        ts.append(t0 + t)
        us.append(a + (b - a) * (x - np.sin(2 * np.pi * x) / (2 * np.pi)))
        ps.append(np.full(t.size, p))
        t0 += t.size / rate  # the next sample one period on (times strictly increase)
        th = np.arange(0.0, hold, 1.0 / rate)
        ts.append(t0 + th)
        us.append(np.full(th.size, b))
        ps.append(np.full(th.size, p))
        t0 += th.size / rate

    lead_in = bool(rng.random() < 0.5)
    if lead_in:
        leg(float(rng.uniform(0.4, 0.6)), lo, speed, -1)
    for p in range(passes):
        starts.append(t0)
        sp = speed * float(rng.uniform(0.9, 1.1))
        leg(lo, hi, sp, p)
        leg(hi, lo, sp, p)
    return np.concatenate(ts), np.concatenate(us), np.concatenate(ps), starts, lead_in


def ward_log(seed: int) -> tuple[dict[str, Any], RecorderTruth]:
    """One glide log's columns (as written) and its truth."""
    rng = np.random.default_rng([31, 10, 13, seed])
    length = float(rng.uniform(0.42, 0.58))
    rate = float(rng.choice([100.0, 150.0, 240.0, 400.0]))
    passes = int(rng.integers(6, 11))
    t, u, p_of, starts, lead_in = _path(rng, passes, rate, length)
    n = t.size
    t_end = float(t[-1])
    per = (t_end - starts[0]) / passes
    f0 = float(rng.uniform(10.0, 22.0))
    law_n = float(rng.uniform(1.15, 1.8))
    waves = [(rng.uniform(0.05, 0.2), rng.uniform(0.12, 0.45), rng.uniform(0, 6.3)) for _ in "ab"]
    e = float(rng.uniform(1500, 6000)) * np.prod(
        [1 + a * np.sin(2 * np.pi * u / w + ph) for a, w, ph in waves], axis=0
    )
    # Softening of s: 1 − exp from a random time, over the back or one half.
    drop = float(
        [0.0, rng.uniform(0.02, 0.07), rng.uniform(0.08, 0.2)][rng.choice(3, p=[0.25, 0.2, 0.55])]
    )
    t_on = starts[0] + float(rng.uniform(1.0, max(1.5, passes - 2.5))) * per
    tau_soft = float(rng.uniform(0.3, 1.5)) * per
    x = np.where(t > t_on, 1.0 - np.exp(-(t - t_on) / tau_soft), 0.0)
    where = str(rng.choice(["all", "all", "waist", "shoulders"]))
    region = {"all": np.ones(n), "waist": 1.0 * (u < 0.55), "shoulders": 1.0 * (u > 0.45)}
    s = 1.0 - drop * x * region[where]
    # Breath.
    bpm = float(rng.uniform(9.0, 24.0))
    wander_s = float(rng.uniform(40, 90))
    rate_wander = 1.0 + 0.15 * np.sin(2 * np.pi * t / wander_s + rng.uniform(0, 6))
    phase = np.cumsum(2 * np.pi * bpm / 60.0 * rate_wander * np.diff(t, prepend=t[0]))
    breath = float(rng.uniform(0.0005, 0.0015)) * np.sin(phase + float(rng.uniform(0, 6.3)))
    if rng.random() < 0.3:
        th = float(rng.uniform(0.2, 0.8)) * t_end
        breath = np.where((t > th) & (t < th + float(rng.uniform(6, 12))), 0.0, breath)
    # Force.
    kind = KINDS[int(rng.integers(0, len(KINDS)))]
    mult = np.ones(n)
    change: int | None = None
    if kind in ("step_mid", "step", "ramp"):
        change = int(rng.integers(2, passes - 1))
        t_c = starts[change] + (float(rng.uniform(0.2, 0.8)) * per if kind != "step" else 0.0)
        m = float(rng.choice([0.7, 0.8, 1.2, 1.35]))
        ramp_s = 3.0 if kind == "ramp" else 0.05
        mult = 1.0 + (m - 1.0) * np.clip((t - t_c) / ramp_s, 0.0, 1.0)
    elif kind == "step_back":
        change = int(rng.integers(2, passes))
        t_c = starts[change] + float(rng.uniform(0.1, 0.6)) * per
        mult = np.where((t >= t_c) & (t < t_c + float(rng.uniform(6, 12))), 0.65, 1.0)
    elif kind == "two_steps":
        change = int(rng.integers(2, passes - 2))
        t_a = starts[change] + float(rng.uniform(0.0, 0.5)) * per
        t_b = t_a + float(rng.uniform(1.0, 2.0)) * per
        mult = np.where(t >= t_a, 0.8, 1.0) * np.where(t >= t_b, 1.5, 1.0)
    elif kind == "paced":
        mult = 1.0 - 0.06 * breath / max(float(np.max(np.abs(breath))), 1e-9)
    leak = float(rng.uniform(0.0, 0.25))
    f_cmd = f0 * mult * (1.0 + rng.normal(0.0, float(rng.uniform(0.005, 0.02)), n))
    f_cmd = f_cmd - leak * f0 * breath / 0.0015 * 0.05
    c, tau = float(rng.choice([0.0, rng.uniform(0.03, 0.15)])), float(rng.uniform(1.5, 6.0))
    depth_true = _creep(_static_depth(f_cmd, s * e, law_n), t, c, tau)
    # The truth: the static secant at f0 with the tone, over without, along each pass.
    k_soft = f0 / _static_depth(np.full(n, f0), s * e, law_n)
    k_ref = f0 / _static_depth(np.full(n, f0), e, law_n)
    by_pass = [float(np.mean(k_soft[p_of == p]) / np.mean(k_ref[p_of == p])) for p in range(passes)]
    # The recorder: jitter, lost rows and gaps.
    keep = rng.random(n) > 0.01
    for _ in range(int(rng.integers(0, 4))):
        g0 = float(rng.uniform(0, t_end))
        keep &= ~((t > g0) & (t < g0 + float(rng.uniform(0.1, 0.3))))
    jitter = rng.uniform(-0.15, 0.15, n) / rate
    sensor = float(rng.uniform(0.03, 0.15))
    m_ = int(keep.sum())
    pulse = np.round(72 + 6 * np.sin(t / 30.0)).astype(object)
    pulse[rng.random(n) < 0.2] = ""
    events = np.full(n, "", dtype=object)
    events[int(rng.integers(0, n))] = "patient turned head"
    cols: dict[str, Any] = {
        "bed": ["B-12"] * m_,
        "t_s": (t + jitter + float(rng.uniform(0, 3600)))[keep],
        "pass": (np.maximum(p_of, 0) + 1)[keep],
        "u": (u + rng.normal(0, 0.0005, n))[keep],
        "v": rng.normal(0, 0.002, n)[keep],
        "normal_force_n": (f_cmd + rng.normal(0, sensor, n))[keep],
        "indentation_m": (depth_true - breath + rng.normal(0, float(rng.uniform(5e-6, 2e-5)), n))[
            keep
        ],
        "tool": [PALMS[seed % 4]] * m_,
        "block": [BLOCKS[seed % 3]] * m_,
        "bed_angle_deg": np.full(m_, 30.0),
        "pulse_bpm": pulse[keep],
        "event": events[keep],
    }
    if seed % 2:
        cols["target_force_n"] = (f0 * mult)[keep]
    truth = RecorderTruth(
        back_length_m=length,
        knots=[],
        glide_factor_by_pass=[b / by_pass[0] for b in by_pass],
        glide_passes=passes,
        drop=1.0 - min(b / by_pass[0] for b in by_pass),
        force_change=kind,
        force_change_pass=change,
        extra={
            "glide_block_label": BLOCKS[seed % 3],
            "glide_mode": "lead_in" if lead_in else "plain",
            "softening_region": where,
            "tone_drop": drop,
            "law_exponent": law_n,
            "creep": c,
            "breathing_rate_bpm": bpm,
            "rate_hz": rate,
        },
    )
    return cols, truth


def write_ward_csv(path: Any, cols: dict[str, Any]) -> None:
    """The columns as the ward's glove writes them (times to 0.1 ms, 7 significant digits)."""
    write_rounded_csv(path, cols, 7)
