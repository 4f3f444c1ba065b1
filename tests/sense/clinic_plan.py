"""The clinic recorder's hand path (``tests/sense/clinic_logs.py``): a 1 kHz plan of samples.

Each sample holds ``u, v`` (chart), ``env`` (0 in the air, 1 fully loaded: the share of
the block's force the therapist means to apply), ``height_m`` (the hand above the skin
when in the air), the tool face, the block, the glide pass (truth) and the stroke leg.
Legs move with a trapezoidal speed profile (15 % of the leg to speed up and slow down).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PLAN_HZ = 1000.0


@dataclass
class Plan:
    u: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)
    env: list[np.ndarray] = field(default_factory=list)
    height_m: list[np.ndarray] = field(default_factory=list)
    face: list[np.ndarray] = field(default_factory=list)  # 0 palms, 1 forearm, 2 thumb
    block: list[np.ndarray] = field(default_factory=list)  # index into block names, -1 none
    glide_pass: list[np.ndarray] = field(default_factory=list)  # -1 outside glide passes
    leg: list[np.ndarray] = field(default_factory=list)
    u_now: float = 0.5
    v_now: float = 0.0
    env_now: float = 0.0
    face_now: int = 0
    block_now: int = -1
    pass_now: int = -1
    leg_now: int = 0

    def _add(self, u: np.ndarray, v: np.ndarray, env: np.ndarray, h: np.ndarray) -> None:
        n = len(u)
        self.u.append(u)
        self.v.append(v)
        self.env.append(env)
        self.height_m.append(h)
        self.face.append(np.full(n, self.face_now, np.int8))
        self.block.append(np.full(n, self.block_now, np.int16))
        self.glide_pass.append(np.full(n, self.pass_now, np.int16))
        self.leg.append(np.full(n, self.leg_now, np.int32))
        self.u_now, self.v_now, self.env_now = float(u[-1]), float(v[-1]), float(env[-1])

    def hold(self, dur_s: float) -> None:
        n = max(int(dur_s * PLAN_HZ), 1)
        h = 0.0 if self.env_now > 0 else 0.02
        self._add(
            np.full(n, self.u_now), np.full(n, self.v_now), np.full(n, self.env_now), np.full(n, h)
        )

    def load(self, to_env: float, dur_s: float) -> None:
        """Touch down (or lift, or change the share of force) in place over ``dur_s``."""
        n = max(int(dur_s * PLAN_HZ), 2)
        tau = np.linspace(0.0, 1.0, n)
        w = 0.5 - 0.5 * np.cos(np.pi * tau)
        env = self.env_now + (to_env - self.env_now) * w
        # In the air the hand is up to 2 cm above the skin; it meets the skin at env 0⁺.
        h = np.where(env > 0.0, 0.0, 0.02)
        if to_env == 0.0:
            h = np.where(tau > 0.9, 0.02 * (tau - 0.9) / 0.1, 0.0)
        elif self.env_now == 0.0:
            h = np.where(tau < 0.1, 0.02 * (1 - tau / 0.1), 0.0)
        self._add(np.full(n, self.u_now), np.full(n, self.v_now), env, h)

    def move(self, u1: float, v1: float, speed_m_s: float, length_m: float) -> None:
        """A leg to (u1, v1) at ``speed_m_s`` along the skin (in the air if unloaded)."""
        dist = float(np.hypot((u1 - self.u_now) * length_m, v1 - self.v_now))
        dur = max(dist / speed_m_s / 0.85, 0.05)
        n = max(int(dur * PLAN_HZ), 2)
        tau = np.linspace(0.0, 1.0, n)
        r = 0.15
        vmax = 1.0 / (1.0 - r)
        s = np.where(
            tau < r,
            0.5 * vmax * tau**2 / r,
            np.where(
                tau > 1 - r,
                1.0 - 0.5 * vmax * (1.0 - tau) ** 2 / r,
                0.5 * vmax * r + vmax * (tau - r),
            ),
        )
        u = self.u_now + (u1 - self.u_now) * s
        v = self.v_now + (v1 - self.v_now) * s
        air = self.env_now == 0.0
        h = 0.02 + 0.01 * np.sin(np.pi * s) if air else np.zeros(n)
        self._add(u, v, np.full(n, self.env_now), h)
        self.leg_now += 1

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            k: np.concatenate(getattr(self, k))
            for k in ("u", "v", "env", "height_m", "face", "block", "glide_pass", "leg")
        }
        out["t_s"] = np.arange(len(out["u"])) / PLAN_HZ
        return out


def glide(
    p: Plan, rng: np.random.Generator, mode: str, n_pass: int, length_m: float, block: int
) -> dict[str, float]:
    """The glide block: ``n_pass`` passes of ``mode``; returns its times (plan seconds)."""
    top = float(rng.uniform(0.84, 0.92))
    bot = float(rng.uniform(0.1, 0.18))
    speed = float(rng.uniform(0.02, 0.05))
    pause = float(rng.uniform(0.2, 1.5))
    lane = float(rng.uniform(0.03, 0.05))
    start_u = bot if mode == "up_lift" else top
    far_u = top if mode == "up_lift" else bot
    p.block_now, p.face_now = block, 0
    v0 = lane if mode == "lanes" else 0.0
    if p.env_now == 0.0:
        p.move(start_u, v0, 0.08, length_m)
        p.load(1.0, float(rng.uniform(0.6, 1.5)))
    else:
        p.move(start_u, v0, 0.04, length_m)
    p.hold(float(rng.uniform(0.5, 3.0)))
    t0 = len(np.concatenate(p.u)) / PLAN_HZ
    for k in range(n_pass):
        p.pass_now = k
        if mode == "out_back":
            p.move(far_u, 0.0, speed, length_m)
            p.hold(pause)
            p.move(start_u, 0.0, speed * float(rng.uniform(0.9, 1.1)), length_m)
            if k < n_pass - 1:
                p.hold(pause)
        elif mode == "lanes":
            p.move(far_u, lane, speed, length_m)
            p.move(far_u, -lane, 0.03, length_m)
            p.move(start_u, -lane, speed, length_m)
            p.move(start_u, lane, 0.03, length_m)
            if k < n_pass - 1:
                p.hold(pause)
        else:  # down_lift / up_lift: the stroke in contact, the return in the air
            p.move(far_u, 0.0, speed, length_m)
            p.load(0.0, float(rng.uniform(0.3, 0.8)))
            p.move(start_u, 0.0, float(rng.uniform(0.08, 0.15)), length_m)
            p.load(1.0, float(rng.uniform(0.4, 1.0)))
            if k < n_pass - 1:
                p.hold(pause * 0.5)
    t1 = len(np.concatenate(p.u)) / PLAN_HZ
    p.pass_now = -1
    return {"t0_s": t0, "t1_s": t1, "top_u": top, "bottom_u": bot}


def thumbs(
    p: Plan, rng: np.random.Generator, length_m: float, block: int, palm_block: int
) -> list[float]:
    """Upward thumb strips on lanes 2.3–6.8 cm either side; returns the lanes (m)."""
    n_lane = int(rng.integers(3, 5))
    inner, outer = float(rng.uniform(0.022, 0.028)), float(rng.uniform(0.062, 0.068))
    lanes = list(np.linspace(inner, outer, n_lane))
    sides = [1.0, -1.0] if rng.random() < 0.5 else [-1.0, 1.0]
    order = [s * x for s in sides for x in lanes]
    if rng.random() < 0.4:
        order = [x for pair in zip(lanes, [-x for x in lanes], strict=True) for x in pair]
    both_ways = rng.random() < 0.2
    ret = str(rng.choice(["air", "palms"]))
    lo, hi = float(rng.uniform(0.1, 0.14)), float(rng.uniform(0.86, 0.9))
    speed = float(rng.uniform(0.015, 0.03))
    if p.env_now > 0.0:
        p.block_now = -1
        p.load(0.3, 0.8)
        p.move(lo, order[0], 0.05, length_m)
    else:
        p.block_now = -1
        p.move(lo, order[0], 0.1, length_m)
    p.block_now, p.face_now = block, 2
    for i, v in enumerate(order):
        if p.env_now == 0.0:
            p.load(1.0, float(rng.uniform(0.5, 1.0)))
        else:
            p.load(1.0, 0.6)
        p.hold(float(rng.uniform(0.3, 1.0)))
        p.move(hi, v, speed, length_m)
        p.hold(float(rng.uniform(0.2, 0.8)))
        nxt = order[i + 1] if i + 1 < len(order) else v
        if both_ways:
            p.move(lo, v, speed, length_m)
            p.move(lo, nxt, 0.02, length_m)
        elif ret == "air":
            p.load(0.0, 0.4)
            p.move(lo, nxt, 0.1, length_m)
        else:
            p.block_now, p.face_now = palm_block, 0
            p.load(0.4, 0.5)
            p.move(lo, nxt, 0.05, length_m)
            p.block_now, p.face_now = block, 2
    return lanes
