"""Accuracy figures of the sense/ estimators on the tests' own synthetic fields.

Run: ``.venv/bin/python -m tests.sense.accuracy`` (about a minute). The numbers go in
``docs/logs.md``; the tests assert the targets on the same scenarios.
"""

from __future__ import annotations

import math
import time

import numpy as np

from backstroke.analyze import analyze_columns
from backstroke.sense.breathing import breathing_rate_bpm
from backstroke.sense.softening import SofteningDetector, softening_pass
from backstroke.sense.stiffness import secant_stiffness
from tests.sense.synth import (
    BACK_LENGTH_M,
    Field,
    glide_log,
    knot_scores,
    random_knot_field,
    rest_log,
    thumb_log,
)


def knots(
    label: str,
    *,
    seeds: int = 50,
    rates: tuple[float, ...] = (100.0, 250.0, 500.0, 1000.0),
    noise_n: float = 0.1,
    breath_m: float = 0.0,
    drop_tool: bool = False,
    ratio: tuple[float, float] = (1.5, 2.5),
    offset_fraction: float = 0.25,
    pad_sigma_m: float = 0.0,
) -> None:
    tp = found = matched = truth = 0
    err: list[float] = []
    ratio_err: list[float] = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        fld = random_knot_field(
            rng, ratio=ratio, offset_fraction=offset_fraction, pad_sigma_m=pad_sigma_m
        )
        cols = thumb_log(
            fld,
            passes=int(rng.integers(1, 3)),
            rate_hz=float(rng.choice(rates)),
            speed_m_s=float(rng.uniform(0.02, 0.03)),
            force_n=float(rng.uniform(10, 20)),
            noise_n=noise_n,
            seed=seed,
        ).columns
        if breath_m:
            f_hz = rng.uniform(0.2, 0.33)
            cols["indentation_m"] = cols["indentation_m"] + breath_m * np.sin(
                2 * np.pi * f_hz * cols["t_s"] + rng.uniform(0, 6.3)
            )
        drop = {"pass_index"} | ({"tool"} if drop_tool else set())
        r = analyze_columns({k: v for k, v in cols.items() if k not in drop})
        pts = [(k["u"], k["v"]) for k in r["knots"]]
        a, b, c, d = knot_scores(pts, fld.knots)
        tp, found, matched, truth = tp + a, found + b, matched + c, truth + d
        for kn in fld.knots:
            dist = [math.hypot((u - kn.u) * BACK_LENGTH_M, v - kn.v) for u, v in pts]
            if dist and min(dist) <= 0.015:
                err.append(min(dist))
                best = r["knots"][int(np.argmin(dist))]
                sig2 = (kn.diameter_m / 4) ** 2
                seen = 1 + (kn.ratio - 1) * sig2 / (sig2 + pad_sigma_m**2)
                ratio_err.append(best["stiffness_ratio"] / seen - 1)
    print(
        f"knots {label:<32} precision {tp / max(found, 1):.3f}  recall {matched / truth:.3f}"
        f"  ({found} found, {truth} true)  position median {1000 * np.median(err):.1f} mm"
        f" p95 {1000 * np.percentile(err, 95):.1f} mm  ratio error median"
        f" {100 * np.median(ratio_err):+.0f} %"
    )


def softening(seeds: int = 40) -> None:
    errors = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        fld = Field(
            base_n_m=float(rng.uniform(1000, 4000)),
            region_amp=float(rng.uniform(0.05, 0.3)),
            region_phase=float(rng.uniform(0, 6.28)),
        )
        log = glide_log(
            passes=8,
            soften_from=int(rng.integers(1, 5)),
            drop=float(rng.uniform(0.07, 0.15)),
            gradual=bool(rng.integers(0, 2)),
            fld=fld,
            noise_n=0.1,
            pass_jitter=0.01,
            rate_hz=float(rng.choice([100.0, 500.0])),
            force_n=float(rng.uniform(10, 25)),
            dwell_s=float(rng.uniform(0, 2)),
            seed=seed,
        )
        truth = softening_pass(log.pass_scale, 0.05)
        cols = {k: v for k, v in log.columns.items() if k != "pass_index"}
        got = analyze_columns(cols)["softening_pass"]
        errors.append(None if got is None or truth is None else got - truth)
    exact = sum(e == 0 for e in errors)
    within = sum(e is not None and abs(e) <= 1 for e in errors)
    print(
        f"softening (noise, tone jitter 1 %, gradual or step drops 7-15 %, {seeds} seeds):"
        f" exact {exact}/{seeds}, within one pass {within}/{seeds}"
    )
    clean = [
        glide_log(passes=7, soften_from=k, drop=d, noise_n=0.0)
        for k in (1, 2, 3, 5)
        for d in (0.06, 0.1, 0.2)
    ]
    ok = sum(
        analyze_columns(lg.columns)["softening_pass"] == softening_pass(lg.pass_scale, 0.05)
        for lg in clean
    )
    print(f"softening (clean step drops): exact {ok}/{len(clean)}")
    for timed in (False, True):
        errs, spread = [], []
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            log = glide_log(
                passes=8,
                soften_from=int(rng.integers(1, 5)),
                drop=float(rng.uniform(0.07, 0.15)),
                fld=Field(base_n_m=float(rng.uniform(1500, 3000)), region_amp=0.2),
                noise_n=0.1,
                force_n=15.0,
                breath_m=0.002,
                speed_m_s=0.04,
                rate_hz=100.0,
                seed=seed,
            )
            cols = dict(log.columns)
            k = secant_stiffness(cols["normal_force_n"], cols["indentation_m"])
            det = SofteningDetector(0.05)
            for q in range(log.true_passes):
                m = cols["pass_index"] == q
                det.add_pass(k[m], cols["u"][m], cols["t_s"][m] if timed else None)
            truth = softening_pass(log.pass_scale, 0.05)
            got = det.softening_pass
            errs.append(None if got is None or truth is None else got - truth)
            rel = np.asarray(det.relative_by_pass)
            spread.append(float(np.max(np.abs(rel - np.asarray(log.pass_scale)))))
        within = sum(e is not None and abs(e) <= 1 for e in errs)
        exact = sum(e == 0 for e in errs)
        print(
            f"softening with 2 mm breathing ({'with times' if timed else 'bins only '}):"
            f" exact {exact}/{seeds}, within one pass {within}/{seeds},"
            f" per-pass error median {100 * np.median(spread):.1f} %,"
            f" max {100 * max(spread):.1f} %"
        )


def breathing(seeds: int = 100) -> None:
    errs = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        rate = float(rng.uniform(12, 20))
        cols = rest_log(
            rate_bpm=rate,
            duration_s=float(rng.uniform(15, 30)),
            rate_hz=float(rng.choice([100.0, 1000.0])),
            amp_n=float(rng.uniform(0.15, 0.6)),
            noise_n=0.1,
            seed=seed,
        )
        got = breathing_rate_bpm(cols["normal_force_n"], cols["t_s"])
        errs.append(math.inf if got is None else abs(got - rate))
    e = np.asarray(errs)
    white = walk = 0
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        t = np.arange(0, 20, 0.01)
        white += breathing_rate_bpm(6 + rng.normal(0, 0.1, t.size), t) is not None
        walk += breathing_rate_bpm(6 + np.cumsum(rng.normal(0, 0.0063, t.size)), t) is not None
    print(
        f"breathing (12-20 /min, 15-30 s holds, 0.15-0.6 N swing, σ 0.1 N): detected"
        f" {np.isfinite(e).sum()}/{seeds}, error median {np.median(e):.2f}, max {e.max():.2f}"
        f" breaths/min; false rates on 20 s of white noise {white}/{seeds},"
        f" on a 0.3 N random walk {walk}/{seeds}"
    )


def main() -> None:
    t0 = time.perf_counter()
    knots("default scenario")
    knots("100 Hz only", rates=(100.0,))
    knots("no tool column", drop_tool=True)
    knots("force noise σ 0.3 N", noise_n=0.3)
    knots("breathing-like depth error 0.2 mm", breath_m=0.0002)
    knots("breathing-like depth error 0.5 mm", breath_m=0.0005)
    knots("weak knots 1.3-1.5x", ratio=(1.3, 1.5))
    knots("knots off the line by <= 1/2 radius", offset_fraction=0.5)
    knots("through a thumb pad (blur σ 3 mm)", pad_sigma_m=0.003)
    knots("through a thumb pad (blur σ 4 mm)", pad_sigma_m=0.004)
    softening()
    breathing()
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
