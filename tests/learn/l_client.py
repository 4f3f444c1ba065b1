"""Generator L's client: the back's skin in the robot frame and the tissue under it.

Written blind to ``backstroke`` (no import of its body or tissue models): a sagittal
profile with lordosis and kyphosis on a back of the score's length, lying at a plausible
pose on a table in the robot frame; a stiffness field (stiffer by the shoulder blades, the
knots) that softens pass by pass when the master waited for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.learn.l_score import LBlock, LScore


class Body:
    """The back's skin in the robot frame: a sagittal profile (lordosis, kyphosis), a
    lateral curve, the client's pose on the table."""

    def __init__(self, length_m: float, rng: np.random.Generator) -> None:
        self.L = length_m
        self.u = np.linspace(0.0, 1.0, 801)
        lordo, kypho = float(rng.uniform(0.006, 0.016)), float(rng.uniform(0.012, 0.03))
        h = np.where(
            self.u < 0.3,
            -lordo * np.sin(np.pi * self.u / 0.3),
            kypho * np.sin(np.pi * np.clip((self.u - 0.3) / 0.75, 0, 1)),
        )
        dh = np.gradient(h, self.u)
        dx = np.sqrt(np.maximum(length_m**2 - dh**2, 1e-6))  # u is arc length / L
        self.x = np.concatenate([[0.0], np.cumsum(0.5 * (dx[1:] + dx[:-1]) * np.diff(self.u))])
        self.h, self.dh = h, dh
        self.curve = float(rng.uniform(0.8, 2.0))  # 1/m: the back falls away laterally
        yaw = float(rng.choice([0.0, 0.5, 1.0, 1.5]) * np.pi + rng.normal(0.0, 0.07))
        tilt = float(rng.normal(0.0, 0.03))
        cy, sy, ct, st = np.cos(yaw), np.sin(yaw), np.cos(tilt), np.sin(tilt)
        self.R = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]]) @ np.array(
            [[ct, 0, st], [0, 1, 0], [-st, 0, ct]]
        )
        self.t = np.array(
            [rng.uniform(0.35, 0.65), rng.uniform(-0.3, 0.3), rng.uniform(0.05, 0.25)]
        )

    def points(self, u: Any, v: Any, out_m: Any) -> Any:
        """(N, 3) robot-frame points ``out_m`` along the skin's normal (negative: pressed in)."""
        x = np.interp(u, self.u, self.x)
        z = np.interp(u, self.u, self.h) - self.curve * v**2
        slope = np.interp(u, self.u, self.dh) / self.L
        n = np.stack([-slope, 2 * self.curve * v, np.ones_like(u)], axis=1)
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        p = np.stack([x, v, z], axis=1) + n * out_m[:, None]
        return p @ self.R.T + self.t


def drops(b: LBlock) -> list[float]:
    """The tissue's stiffness drop per pass of a block: a softening the master waited for
    (under 3.5 % before the soft pass, 6.5–9 % from it on), else a drift under 2 %."""
    if not b.until_softening or b.soft_pass is None:
        return [0.004 * p for p in range(b.passes)]
    s = b.soft_pass
    d = 0.065 + 0.025 * ((b.passes * 7919) % 10) / 10
    return [0.03 * p / max(s - 1, 1) if p < s else d + 0.008 * (p - s) for p in range(b.passes)]


def stiffness(score: LScore, u: Any, v: Any) -> Any:
    k = 1.0 + 0.35 * np.exp(-(((u - 0.75) / 0.1) ** 2)) * (np.abs(v) > 0.05)  # scapulae
    for kn in score.knots:
        d2 = ((u - kn.u) * score.back_length_m) ** 2 + (v - kn.v_m) ** 2
        k = k + (kn.ratio - 1.0) * np.exp(-d2 / (2 * kn.radius_m**2))
    return k
