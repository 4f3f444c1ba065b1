"""Running TRUTH of the MuJoCo physics: what the skin received, cone, contact law.

Updated every tick by :class:`~backstroke.robot.mujoco.MujocoRobot` and reported in the
summary's ``sim_truth``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from backstroke.robot.protocol import Vec3
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG

if TYPE_CHECKING:
    from backstroke.robot.mujoco import MujocoRobot

# "stacking the bones": contact force within the cone of the tool axis, under load
CONE_LIMIT_DEG = FORCE_CONE_HALF_ANGLE_DEG
CONE_LOAD_FORCE_N = 5.0  # stricter than the Supervisor's working load (FORCE_CONE_LOAD_N)
CONE_LIGHT_FORCE_N = 1.0  # light touch (transitions) is reported separately
LAW_RANGE_N = (5.0, 30.0)  # working range of the contact-law comparison


class MujocoTruth:
    """Running extremes of the physics (TRUTH, for sim_truth and tests)."""

    def __init__(self) -> None:
        self.max_force_n = 0.0
        self.max_force_at = (0.0, 0.0, 0.0)
        self.max_pressure_n_cm2 = 0.0
        self.max_pressure_at = (0.0, 0.0, 0.0)
        self.limit_fraction_force = 0.0
        self.limit_fraction_pressure = 0.0
        self.min_joint_margin = [math.inf] * 6
        self.cone_max_deg = 0.0
        self.cone_sum = 0.0
        self.cone_n = 0
        self.cone_over = 0
        self.cone_light_max_deg = 0.0
        self.law_err_max = 0.0
        self.law_err_sum = 0.0
        self.law_n = 0
        self.law_over = 0
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
        ftot = f0 + f1
        if ftot > self.max_force_n:
            self.max_force_n = ftot
            self.max_force_at = (t_s, uv[0], uv[1])
        # worst received / limit of the tool and the TRUE zone under its pads now
        ff, fp = robot.tissue.limit_fractions(f0, f1)
        if ff > self.limit_fraction_force:
            self.limit_fraction_force = ff
        if fp > self.limit_fraction_pressure:
            self.limit_fraction_pressure = fp
        pm = (f0 if f0 > f1 else f1) / robot._pad_area_cm2
        if pm > self.max_pressure_n_cm2:
            self.max_pressure_n_cm2 = pm
            self.max_pressure_at = (t_s, uv[0], uv[1])
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
                if ang > self.cone_max_deg:
                    self.cone_max_deg = ang
                self.cone_sum += ang
                self.cone_n += 1
                if ang > CONE_LIMIT_DEG:
                    self.cone_over += 1
            elif ang > self.cone_light_max_deg:
                self.cone_light_max_deg = ang
        fm = f_model[0] + f_model[1]
        if LAW_RANGE_N[0] <= fm <= LAW_RANGE_N[1]:
            err = abs(ftot - fm) / fm
            if err > self.law_err_max:
                self.law_err_max = err
            if err > 0.1:
                self.law_over += 1
            self.law_err_sum += err
            self.law_n += 1

    def as_dict(self) -> dict[str, Any]:
        # the limits sit 1e-3 rad inside the URDF's (see _q_lo_l); report against the URDF
        margins = [x + 1e-3 for x in self.min_joint_margin]
        return {
            "max_force_n": round(self.max_force_n, 6),
            "max_force_t_s": round(self.max_force_at[0], 4),
            "max_force_u": round(self.max_force_at[1], 5),
            "max_force_v_m": round(self.max_force_at[2], 5),
            "max_pressure_n_cm2": round(self.max_pressure_n_cm2, 6),
            "max_pressure_t_s": round(self.max_pressure_at[0], 4),
            "limit_fraction_force": round(self.limit_fraction_force, 6),
            "limit_fraction_pressure": round(self.limit_fraction_pressure, 6),
            "joint_margin_min_deg": [round(math.degrees(x), 3) for x in margins],
            "joint_limits_reached": bool(min(margins) <= math.radians(0.5)),
            "cone": {
                "limit_deg": CONE_LIMIT_DEG,
                "load_threshold_n": CONE_LOAD_FORCE_N,
                "max_deg": round(self.cone_max_deg, 4),
                "mean_deg": round(self.cone_sum / self.cone_n, 4) if self.cone_n else None,
                "ticks": self.cone_n,
                "ticks_over_limit": self.cone_over,
                "light_touch_max_deg": round(self.cone_light_max_deg, 4),
            },
            "contact_vs_tissue_law_error": {
                "range_n": list(LAW_RANGE_N),
                "mean": round(self.law_err_sum / self.law_n, 5) if self.law_n else None,
                "max": round(self.law_err_max, 5) if self.law_n else None,
                "ticks": self.law_n,
                "ticks_over_10_percent": self.law_over,
            },
            "arm_environment_contacts": self.arm_contacts,
            "velocity_limited_ticks": self.velocity_limited,
            "axis_rate_limited_ticks": self.axis_rate_limited,
        }
