"""Running TRUTH of the MuJoCo physics: what the skin received, cone, contact law.

Updated every tick by :class:`~backstroke.robot.mujoco.MujocoRobot` and reported in the
summary's ``sim_truth``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from backstroke.robot.protocol import Vec3
from backstroke.robot.skin_peaks import SkinPeaks
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG

if TYPE_CHECKING:
    from backstroke.robot.mujoco import MujocoRobot

# "stacking the bones": contact force within the cone of the tool axis, under load
CONE_LIMIT_DEG = FORCE_CONE_HALF_ANGLE_DEG
CONE_LOAD_FORCE_N = 5.0  # stricter than the Supervisor's working load (FORCE_CONE_LOAD_N)
CONE_LIGHT_FORCE_N = 1.0  # light touch (transitions) is reported separately
LAW_RANGE_N = (5.0, 30.0)  # working range of the contact-law comparison


class Tally:
    """A per-tick figure's largest value, sum and count, and how many ticks it was over."""

    __slots__ = ("max", "n", "over", "sum")

    def __init__(self) -> None:
        self.max = 0.0
        self.sum = 0.0
        self.n = 0
        self.over = 0

    def add(self, x: float, over: float) -> None:
        if x > self.max:
            self.max = x
        if x > over:
            self.over += 1
        self.sum += x
        self.n += 1


class MujocoTruth:
    """Running extremes of the physics (TRUTH, for sim_truth and tests)."""

    def __init__(self) -> None:
        self.peaks = SkinPeaks()
        self.limit_fraction_force = 0.0
        self.limit_fraction_pressure = 0.0
        self.min_joint_margin = [math.inf] * 6
        self.cone_deg = Tally()  # under load
        self.cone_light_max_deg = 0.0
        self.law_err = Tally()  # relative, in LAW_RANGE_N
        self.arm_contacts = 0
        self.velocity_limited = 0
        self.axis_rate_limited = 0
        self._tick = 0

    def update(
        self,
        robot: MujocoRobot,
        t_s: float,
        uv: tuple[float, float],
        fn_pads: list[float],
        f_model: tuple[float, float],
        f_contact: Vec3,
        axis: Vec3,
    ) -> None:
        f0, f1 = fn_pads
        ftot = self.peaks.add(t_s, uv, f0, f1, robot._pad_area_cm2)
        # worst received / limit of the tool and the TRUE zone under its pads now
        ff, fp = robot.tissue.limit_fractions(f0, f1)
        if ff > self.limit_fraction_force:
            self.limit_fraction_force = ff
        if fp > self.limit_fraction_pressure:
            self.limit_fraction_pressure = fp
        self._tick += 1
        if self._tick % 8 == 0:
            q = robot.data.qpos[:6].tolist()
            lo, hi, mm = robot._q_lo_l, robot._q_hi_l, self.min_joint_margin
            for j in range(6):
                margin = q[j] - lo[j] if q[j] - lo[j] < hi[j] - q[j] else hi[j] - q[j]
                if margin < mm[j]:
                    mm[j] = margin
        fx, fy, fz = f_contact
        fa = fx * axis[0] + fy * axis[1] + fz * axis[2]
        if fa > CONE_LIGHT_FORCE_N:
            fnorm = math.sqrt(fx * fx + fy * fy + fz * fz)
            ang = math.degrees(math.acos(min(1.0, fa / fnorm)))
            if fa >= CONE_LOAD_FORCE_N:
                self.cone_deg.add(ang, CONE_LIMIT_DEG)
            elif ang > self.cone_light_max_deg:
                self.cone_light_max_deg = ang
        fm = f_model[0] + f_model[1]
        if LAW_RANGE_N[0] <= fm <= LAW_RANGE_N[1]:
            self.law_err.add(abs(ftot - fm) / fm, 0.1)

    def as_dict(self) -> dict[str, Any]:
        # the limits sit 1e-3 rad inside the URDF's (see _q_lo_l); report against the URDF
        margins = [x + 1e-3 for x in self.min_joint_margin]
        cone, law = self.cone_deg, self.law_err
        return {
            **self.peaks.as_dict(),
            "limit_fraction_force": round(self.limit_fraction_force, 6),
            "limit_fraction_pressure": round(self.limit_fraction_pressure, 6),
            "joint_margin_min_deg": [round(math.degrees(x), 3) for x in margins],
            "joint_limits_reached": bool(min(margins) <= math.radians(0.5)),
            "cone": {
                "limit_deg": CONE_LIMIT_DEG,
                "load_threshold_n": CONE_LOAD_FORCE_N,
                "max_deg": round(cone.max, 4),
                "mean_deg": round(cone.sum / cone.n, 4) if cone.n else None,
                "ticks": cone.n,
                "ticks_over_limit": cone.over,
                "light_touch_max_deg": round(self.cone_light_max_deg, 4),
            },
            "contact_vs_tissue_law_error": {
                "range_n": list(LAW_RANGE_N),
                "mean": round(law.sum / law.n, 5) if law.n else None,
                "max": round(law.max, 5) if law.n else None,
                "ticks": law.n,
                "ticks_over_10_percent": law.over,
            },
            "arm_environment_contacts": self.arm_contacts,
            "velocity_limited_ticks": self.velocity_limited,
            "axis_rate_limited_ticks": self.axis_rate_limited,
        }
