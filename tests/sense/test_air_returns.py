"""A recorder that logs the tool's return in the air (issue 13): ``analyze`` still hears.

Before, the breath was fitted over the whole pass, air return and touch-downs included,
and over one-way strokes, where a profile along the back and a breath in time cannot be
told apart: pass stiffness scattered by 5× and the breathing rate came out at 8–10 for
14–15 breaths/min.

Its own small generator (not the recorder generators the analysis was looked at on):
upward strokes at 150 Hz, a lift-off at the top, the return down in the air logged at
0 N and 1–2 cm above the skin, a touch-down at the bottom; a linear tissue with a
profile along the back; the back breathing 2–3 mm at 12–18 breaths/min against a fixed
surface model; the tissue 12 % softer from a pass on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from backstroke.analyze import analyze

RATE_HZ = 150.0


def _log(path: Path, seed: int, soft_from: int) -> float:
    rng = np.random.default_rng([77, seed])
    back_m = 0.5
    speed = float(rng.uniform(0.035, 0.05))
    n_up = int(0.75 * back_m / speed * RATE_HZ)
    n_air = n_up // 2
    n_td = int(0.4 * RATE_HZ)
    force_n = float(rng.uniform(10.0, 16.0))
    u, f, on, pas = [], [], [], []
    for p in range(7):
        x = np.linspace(0.0, 1.0, n_up)
        up = 0.12 + 0.75 * (x - np.sin(2 * np.pi * x) / (2 * np.pi))
        down = np.linspace(0.87, 0.12, n_air)
        u += [np.full(n_td, 0.12), up, np.full(n_td, 0.87), down]
        f += [
            np.linspace(0.0, force_n, n_td),
            np.full(n_up, force_n),
            np.linspace(force_n, 0.0, n_td),
            np.zeros(n_air),
        ]
        on += [np.ones(n_td + n_up + n_td, bool), np.zeros(n_air, bool)]
        pas.append(np.full(2 * n_td + n_up + n_air, p))
    uu, ff, cc, pp = (np.concatenate(a) for a in (u, f, on, pas))
    t = np.arange(uu.size) / RATE_HZ
    k = float(rng.uniform(1500, 2500)) * (1 + 0.15 * np.sin(2 * np.pi * 2.5 * uu))
    k = k * np.where(pp >= soft_from, 0.88, 1.0)
    bpm = float(rng.uniform(12.0, 18.0))
    breath = float(rng.uniform(0.001, 0.0015)) * np.sin(2 * np.pi * bpm / 60 * t + 1.0)
    depth = np.where(cc, ff / k - breath, -float(rng.uniform(0.01, 0.02)) - breath)
    ff = ff * (1 + rng.normal(0, 0.01, uu.size))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "u", "v", "normal_force_n", "indentation_m", "tool"])
        for row in zip(t, uu, ff, depth, strict=True):
            w.writerow(
                [f"{row[0]:.4f}", f"{row[1]:.5f}", "0.0", f"{row[2]:.3f}", f"{row[3]:.6f}", "hand"]
            )
    return bpm


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_returns_in_the_air_are_not_fitted_as_breath(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "air.csv"
    bpm = _log(path, seed, soft_from=3)
    r = analyze(path, 0.05, back_length_m=0.5)
    assert r["passes"] == 7
    assert r["softening_pass"] is not None and abs(r["softening_pass"] - 3) <= 1
    # One-way strokes cannot tell a breath from the profile along the back: no rate is
    # an honest answer, a wrong one is not.
    rate = r["breathing_rate_bpm"]
    assert rate is None or abs(rate - bpm) <= 1.5
    assert max(r["stiffness_by_pass_n_m"]) / min(r["stiffness_by_pass_n_m"]) < 1.25
