"""Contact logs as a clinic's force-sensing glove rig writes them: a fourth, blind generator.

Written for issue 13 from the contracts only (docs/logs.md §1, DESIGN §6.3, the seed text),
before reading backstroke's softening code or the other generators; nothing was tuned on it
before its first run (``bench/results/listening_clinic_first_run.json``).

- **Rig**: 160, 180, 300 or 333 Hz with ±12 % timing jitter, rows lost in bursts (and now
  and then a gap of 0.3–0.8 s), force noise σ 0.05–0.25 N with a bias and rare spikes,
  depth noise σ 3–20 µm, the depth measured against a surface model that ignores breathing
  (the back's 1–2.5 mm rise enters it) and is off by a smooth ±0.3–1 mm along the back.
- **Labels and columns**: free-text or numeric blocks, its own tool words (``Flat hands``,
  ``Pollex`` …, or codes 0/1/2, or a word nobody lists), extra columns of every type (ISO
  clock, rig id, frame, shear, skin temperature, EMG with ``n/a``, flags, stroke leg, a
  free-text note, a quoted list column); ``pass_index`` in a fifth of the logs (1-based,
  −1 outside passes), ``target_force_n`` and ``x_m, y_m, z_m`` in about half.
- **Tissue** (``clinic_body.py``): exponential or power-law stiffening with creep; a
  softening that is sometimes none, sudden, slow, a staircase or below the threshold.
- **Glide** (``clinic_plan.py``): 6–10 passes, out-and-back in contact, one-way down or up
  with the return in the air, or lanes (down the left, up the right); force changes:
  a lasting step at a pass or inside one, a ramp over 1–2 passes, a "too much" (lighter,
  then back), a short dip, or the force paced by the breath.
- **Thumbs**: upward strips on 3–4 lanes a side (2.3–6.8 cm), returns in the air, by palm,
  or (a fifth of logs) down and back up in contact.

The truth (``RecorderTruth``, the benches' scoring contract) is the glide's true secant
stiffness at the glide's starting force, per pass, relative to pass 0 (the tissue's tone
averaged over the pass's loaded samples along its path), and the knots.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from typing import Any

import numpy as np
from scipy import signal

from tests.recorder_logs import RecorderTruth
from tests.sense import clinic_plan as cp
from tests.sense.clinic_body import breath_m, draw_body, set_softening

RATES_HZ = (160.0, 180.0, 300.0, 333.0)
PALM_PAD_M = (0.025, 0.035)
THUMB_PAD_M = (0.002, 0.0035)
FACE_WORDS = {
    0: ("Flat hands", "both palms", "HAND", "heel of hand", "palmar", "open-hand"),
    1: ("ulna", "Fore arm", "elbows"),
    2: ("thumb pads", "Pollex", "thumbs", "Thumb-tip", "both_thumbs"),
}
GLIDE_WORDS = ("Effleurage", "effleurage - long strokes", "Gliding (hands)", "B1", "Swedish glide")
THUMB_WORDS = ("Thumb stripping", "Erector strip", "Paraspinal thumbs")
SETTLE_WORDS = ("Settle", "listen / breathe")
FORCE_CHANGES = ("step", "step_mid", "ramp", "step_back", "dip", "paced")


def _knots(rng: np.random.Generator, length_m: float) -> list[dict[str, float]]:
    out: list[dict[str, float]] = []
    for _ in range(200):
        if len(out) >= int(rng.integers(1, 6)):
            break
        k = {
            "u": float(rng.uniform(0.2, 0.82)),
            "v": float(rng.choice([-1, 1]) * rng.uniform(0.02, 0.07)),
            "radius_m": float(rng.uniform(0.004, 0.0125)),
            "stiffness_ratio": float(rng.uniform(1.4, 2.8)),
        }
        if all(math.hypot((k["u"] - o["u"]) * length_m, k["v"] - o["v"]) > 0.035 for o in out):
            out.append(k)
    return out


def _force_change(
    rng: np.random.Generator,
    kind: str | None,
    t: np.ndarray,
    passes: list[float],
    breath: np.ndarray,
) -> tuple[np.ndarray, int | None, np.ndarray]:
    """The factor on the glide's force over plan times ``t`` (glide seconds), its pass, notes."""
    f = np.ones_like(t)
    note = np.zeros(len(t), bool)
    if kind is None:
        return f, None, note
    n = len(passes) - 1
    per = float(np.median(np.diff(passes)))
    pc = int(rng.integers(1, max(n - 1, 2)))
    lower = rng.random() < 0.65
    fac = float(rng.uniform(0.7, 0.9)) if lower else float(rng.uniform(1.12, 1.3))

    def edge(t0: float, width: float) -> np.ndarray:
        return np.clip((t - t0) / max(width, 1e-3), 0.0, 1.0)

    if kind == "step":
        t0 = passes[pc] - float(rng.uniform(0.0, 0.6))
        f = 1.0 + (fac - 1.0) * edge(t0, float(rng.uniform(0.3, 1.2)))
    elif kind == "step_mid":
        t0 = passes[pc] + float(rng.uniform(0.2, 0.8)) * per
        f = 1.0 + (fac - 1.0) * edge(t0, float(rng.uniform(0.2, 1.0)))
    elif kind == "ramp":
        t0 = passes[pc] + float(rng.uniform(0.0, 0.5)) * per
        f = 1.0 + (fac - 1.0) * edge(t0, float(rng.uniform(0.8, 2.0)) * per)
    elif kind == "step_back":
        fac = float(rng.uniform(0.7, 0.85))
        t0 = passes[pc] + float(rng.uniform(0.1, 0.8)) * per
        t1 = t0 + float(rng.uniform(0.4, 1.5)) * per
        back = 1.0 + float(rng.uniform(-0.02, 0.02))
        f = 1.0 + (fac - 1.0) * edge(t0, 0.5) + (back - fac) * edge(t1, float(rng.uniform(1, 2)))
        note = (t >= t0) & (t < t0 + 0.5)
    elif kind == "dip":
        fac = float(rng.uniform(0.75, 0.9))
        t0 = passes[pc] + float(rng.uniform(0.1, 0.6)) * per
        dur = float(rng.uniform(2.0, 5.0))
        f = 1.0 + (fac - 1.0) * (edge(t0, 0.5) - edge(t0 + dur, 0.5))
    elif kind == "paced":
        pc = 0
        amp = float(rng.uniform(0.03, 0.08))
        f = 1.0 - amp * breath / max(float(np.max(np.abs(breath))), 1e-9)
    return f, pc, note


def clinic_log(seed: int) -> tuple[dict[str, Any], RecorderTruth]:
    """One log's columns (in the order written; text columns as lists) and its truth."""
    rng = np.random.default_rng([2026, 12, 13, 4, seed])
    knots = _knots(rng, 0.5)
    body = draw_body(rng, knots)
    length = body.length_m
    mode = str(rng.choice(["out_back", "down_lift", "up_lift", "lanes"], p=[0.4, 0.2, 0.15, 0.25]))
    n_pass = int(rng.integers(6, 11))
    numeric = rng.random() < 0.2
    names = (
        ["-1", "1", "2", "3", "4"]
        if numeric
        else [
            "",
            str(rng.choice(SETTLE_WORDS)),
            str(rng.choice(GLIDE_WORDS)),
            "Forearm work",
            str(rng.choice(THUMB_WORDS)),
        ]
    )
    settle_own = rng.random() < 0.5
    plan = cp.Plan()
    plan.u_now, plan.v_now = 0.88, 0.0
    plan.block_now = 1 if settle_own else 2
    plan.move(float(rng.uniform(0.82, 0.9)), 0.0, 0.1, length)
    plan.load(1.0, float(rng.uniform(0.8, 2.0)))
    plan.hold(float(rng.uniform(4.0, 20.0)))
    g = cp.glide(plan, rng, mode, n_pass, length, block=2)
    forearm = rng.random() < 0.3
    if forearm:
        plan.block_now, plan.face_now = 3, 1
        for side in (1.0, -1.0):
            plan.move(g["top_u"], side * 0.045, 0.04, length)
            plan.move(g["bottom_u"], side * 0.045, 0.035, length)
    lanes = cp.thumbs(plan, rng, length, block=4, palm_block=4)
    plan.block_now = 4
    plan.load(0.0, 0.8)
    plan.hold(0.5)
    a = plan.arrays()

    # The recorder's clock, jittered; the plan interpolated to it.
    rate = float(rng.choice(RATES_HZ))
    dts = (1.0 / rate) * (1.0 + rng.uniform(-0.12, 0.12, int(a["t_s"][-1] * rate * 1.2) + 10))
    t = np.cumsum(dts)
    t = t[t < a["t_s"][-1]]
    idx = np.clip(np.round(t * cp.PLAN_HZ).astype(int), 0, len(a["t_s"]) - 1)
    u, v, env, h = (np.interp(t, a["t_s"], a[k]) for k in ("u", "v", "env", "height_m"))
    face, block, gpass, leg = (a[k][idx] for k in ("face", "block", "glide_pass", "leg"))
    u = u + rng.normal(0, 0.0003, len(t))

    # Pass starts (glide seconds, the truth's pass boundaries) and the glide's time.
    pstart = [float(a["t_s"][np.argmax(a["glide_pass"] == k)]) - g["t0_s"] for k in range(n_pass)]
    pstart.append(g["t1_s"] - g["t0_s"])
    t_g = t - g["t0_s"]
    set_softening(body, rng, g["t1_s"] - g["t0_s"], n_pass)

    breath, rate_bpm = breath_m(rng, t)
    kind = None if rng.random() < 0.33 else str(rng.choice(FORCE_CHANGES))
    fchg, fpass, note = _force_change(rng, kind, t_g, pstart, breath)
    in_glide = (t_g >= 0.0) & (t_g <= pstart[-1] + 1.0)
    fchg = np.where(in_glide | (t_g > pstart[-1]), fchg, 1.0)
    fchg = np.where(block == 2, fchg, 1.0)
    f_glide = float(rng.uniform(10, 22))
    f_thumb = float(rng.uniform(7, 14))
    f_block = np.where(block == 4, f_thumb, np.where(block == 3, f_glide * 1.2, f_glide))
    target = f_block * env * fchg

    # The hand's force: tracking error (AR(1)), breath ripple, turnaround blips.
    n = len(t)
    a_ar = math.exp(-1.0 / (rate * float(rng.uniform(0.15, 0.5))))
    w = rng.normal(0, float(rng.uniform(0.01, 0.03)) * math.sqrt(1 - a_ar**2), n)
    err = signal.lfilter([1.0], [1.0, -a_ar], w)
    # Turnarounds of the hand's planned path (not of the noisy recorded u).
    sgn = np.sign(np.diff(a["u"]))
    moving = np.flatnonzero(sgn != 0)
    flips = moving[1:][np.diff(sgn[moving]) != 0]
    rev = np.searchsorted(t, a["t_s"][flips])
    blip = np.zeros(n)
    size = float(rng.uniform(0.02, 0.06))
    signs = np.random.default_rng([2026, 12, 13, 5, seed]).choice([-1.0, 1.0], len(rev))
    for i, sign in zip(rev, signs, strict=True):
        seg = slice(i, min(i + int(rate), n))
        blip[seg] += size * sign * np.exp(-(t[seg] - t[i]) / 0.3)
    ripple = float(rng.uniform(50, 300)) * breath  # N per m of rise
    force = np.where(env > 0, target * (1.0 + err + blip) + ripple * env, 0.0)
    force = np.maximum(force, 0.0)

    # The tissue's answer: the static depth, lagged by creep.
    pad = np.where(face == 2, float(rng.uniform(*THUMB_PAD_M)), float(rng.uniform(*PALM_PAD_M)))
    e_local = np.where(
        face == 2, body.modulus(u, v, float(pad.min())), body.modulus(u, v, float(pad.max()))
    )
    tone = np.where(t_g >= 0, body.tone(t_g, u), 1.0)
    d_static = body.depth_m(force, e_local * tone)
    k_lag = 1.0 - math.exp(-1.0 / (rate * body.creep_s))  # at the rig's nominal rate
    depth, _ = signal.lfilter([k_lag], [1.0, k_lag - 1.0], d_static, zi=[d_static[0] * (1 - k_lag)])
    depth = np.where(env > 0, depth, -h)

    # What the rig records.
    c_b = float(rng.uniform(0.6, 1.0))
    surf = float(rng.uniform(0.0003, 0.001)) * np.sin(2 * math.pi * u * float(rng.uniform(1, 3)))
    ind = depth - c_b * breath + surf + rng.normal(0, float(rng.uniform(3e-6, 2e-5)), n)
    bias_n = float(rng.uniform(-0.15, 0.3))
    fmeas = force + bias_n + rng.normal(0, float(rng.uniform(0.05, 0.25)), n)
    for i in rng.integers(0, n, int(rng.integers(0, 4))):
        fmeas[i] += float(rng.choice([-1, 1]) * rng.uniform(2, 5))

    # The truth: equal-force secant at the glide's starting force, per pass.
    e_palm = body.modulus(u, v, float(pad.max()))
    ref = body.secant_n_m(f_glide, e_palm)
    soft = body.secant_n_m(f_glide, e_palm * tone)
    k_pass = []
    for k in range(n_pass):
        m = (gpass == k) & (env > 0.95) & (t_g >= 0)
        k_pass.append(float(np.mean(soft[m])) / float(np.mean(ref[m])) * float(np.median(ref[m])))
    factors = [x / k_pass[0] for x in k_pass]

    # Rows lost in bursts, then the columns.
    keep = np.ones(n, bool)
    for i in rng.integers(0, n, int(rng.poisson(t[-1] / 15.0))):
        keep[i : i + int(rng.integers(2, 40))] = False
    if rng.random() < 0.3:
        i = int(rng.integers(0, n))
        keep[i : i + int(rng.uniform(0.3, 0.8) * rate)] = False
    keep[0] = keep[-1] = True
    cols = _columns(
        rng, keep, t, u, v, fmeas, ind, target, face, block, gpass, leg, names, note, force, length
    )
    truth = RecorderTruth(
        back_length_m=length,
        knots=[{k: round(x, 5) for k, x in kn.items()} for kn in knots],
        glide_factor_by_pass=factors,
        glide_passes=n_pass,
        drop=1.0 - min(factors),
        force_change=kind,
        force_change_pass=fpass,
        extra={
            "glide_block_label": names[2],
            "glide_mode": mode,
            "soft_kind": body.soft_kind,
            "law": body.law,
            "rate_hz": rate,
            "breathing_rate_bpm": round(rate_bpm, 2),
            "true_stiffness_by_pass_n_m": [round(x, 1) for x in k_pass],
            "lanes_m": [round(x, 4) for x in lanes],
            "forearm_block": forearm,
            "settle_own_block": settle_own,
        },
    )
    return cols, truth


def _columns(
    rng: np.random.Generator,
    keep: np.ndarray,
    t: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    fmeas: np.ndarray,
    ind: np.ndarray,
    target: np.ndarray,
    face: np.ndarray,
    block: np.ndarray,
    gpass: np.ndarray,
    leg: np.ndarray,
    names: list[str],
    note: np.ndarray,
    force: np.ndarray,
    length: float,
) -> dict[str, Any]:
    t0 = float(rng.uniform(0, 5000))
    cols: dict[str, Any] = {
        "t_s": np.round(t + t0, 4),
        "u": np.round(u, 5),
        "v": np.round(v, 5),
        "normal_force_n": np.round(fmeas, 3),
        "indentation_m": np.round(ind, 6),
    }
    blk = [names[b] if b >= 0 else names[0] for b in block]
    cols["block"] = blk
    codes = rng.random() < 0.15
    odd = rng.random() < 0.1
    words = {f: str(rng.choice(w)) for f, w in FACE_WORDS.items()}
    if odd:
        words[0] = "effleurage mitt"
    if rng.random() < 0.85:
        cols["tool"] = [str(int(f)) if codes else words[int(f)] for f in face]
    if rng.random() < 0.5:
        cols["target_force_n"] = np.round(target, 2)
    if rng.random() < 0.5:
        cols["x_m"] = np.round(u * length, 5)
        cols["y_m"] = np.round(v, 5)
        cols["z_m"] = np.round(0.03 * np.sin(np.pi * u) - ind, 5)
    if rng.random() < 0.2:
        cols["pass_index"] = np.where(gpass >= 0, gpass + 1, -1)
    start = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)
    extras: dict[str, Any] = {
        "clock_utc": list(
            np.datetime_as_string(
                np.datetime64(start.replace(tzinfo=None)) + (t * 1e6).astype("timedelta64[us]")
            )
        ),
        "rig": ["glove-v3"] * len(t),
        "frame": np.arange(len(t)),
        "shear_n": np.round(force * 0.2 + rng.normal(0, 0.1, len(t)), 3),
        "skin_temp_c": np.round(33.0 + 0.5 * np.sin(t / 60.0), 2),
        "emg_uv": list(
            np.where(rng.random(len(t)) < 0.1, "n/a", np.char.mod("%.1f", rng.gamma(2, 10, len(t))))
        ),
        "flag": list(np.where(force > 0.5, "ok", "no-contact")),
        "stroke": leg,
        "note": list(np.where(note, "client: lighter", "")),
    }
    if rng.random() < 0.35:
        pm = rng.uniform(0, 1, (len(t), 4))
        extras["pressure_map"] = ["[" + ", ".join(f"{x:.2f}" for x in r) + "]" for r in pm]
    cols.update(extras)
    order = list(cols)
    rng.shuffle(order)
    return {
        k: (
            np.asarray(cols[k])[keep]
            if not isinstance(cols[k], list)
            else [x for x, m in zip(cols[k], keep, strict=True) if m]
        )
        for k in order
    }


def write_clinic_csv(path: Any, cols: dict[str, Any]) -> None:
    """The columns as the clinic's rig writes them (CRLF lines, quoted where needed)."""
    names = list(cols)
    n = len(cols["t_s"])
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(names)
        data = [cols[k] if isinstance(cols[k], list) else cols[k].tolist() for k in names]
        for i in range(n):
            w.writerow([c[i] for c in data])
