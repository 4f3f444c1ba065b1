"""The most a simulated skin received: total pad force and pad pressure, when and where.

TRUTH, kept per physics tick by both simulated skins (MuJoCo in process,
``robot/mujoco_truth``; the FR3 simulation server, ``robot/franka/sim/skin``) and
reported under the same ``sim_truth`` keys.
"""

from __future__ import annotations


class SkinPeaks:
    """Running peaks of the pads' force (N) and pressure (N/cm²), each with ``(t_s, u, v)``."""

    __slots__ = ("force_at", "force_n", "pressure_at", "pressure_n_cm2")

    def __init__(self) -> None:
        self.force_n = 0.0
        self.force_at = (0.0, 0.0, 0.0)
        self.pressure_n_cm2 = 0.0
        self.pressure_at = (0.0, 0.0, 0.0)

    def add(
        self, t_s: float, uv: tuple[float, float], f0_n: float, f1_n: float, pad_area_cm2: float
    ) -> float:
        """One tick's force on each pad at chart point ``uv``; returns their total."""
        total = f0_n + f1_n
        if total > self.force_n:
            self.force_n = total
            self.force_at = (t_s, uv[0], uv[1])
        p = (f0_n if f0_n > f1_n else f1_n) / pad_area_cm2
        if p > self.pressure_n_cm2:
            self.pressure_n_cm2 = p
            self.pressure_at = (t_s, uv[0], uv[1])
        return total

    def as_dict(self) -> dict[str, float]:
        return {
            "max_force_n": round(self.force_n, 6),
            "max_force_t_s": round(self.force_at[0], 4),
            "max_force_u": round(self.force_at[1], 5),
            "max_force_v_m": round(self.force_at[2], 5),
            "max_pressure_n_cm2": round(self.pressure_n_cm2, 6),
            "max_pressure_t_s": round(self.pressure_at[0], 4),
        }
