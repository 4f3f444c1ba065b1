"""Safety limits per tool and body region, with their sources.

Sources (DESIGN §5): ISO/TS 15066 transient contact limits — shoulder 160 N/cm² and
210 N, lower back (L5) 210 N/cm² and 210 N; lumbar pressure-pain thresholds 26–36 N/cm².
backstroke's ceilings stay far below both: the largest tool pressure (thumb, 16 N/cm²)
is under half the lowest pain threshold, the largest force (45 N) under a quarter of the
ISO force limit; over bone both are halved.
"""

from __future__ import annotations

from dataclasses import dataclass

from backstroke.errors import BackstrokeError
from backstroke.tools import BONE_LIMIT_FACTOR, TOOLS, Tool

ISO_TS_15066_FORCE_N = 210.0
ISO_TS_15066_PRESSURE_SHOULDER_N_CM2 = 160.0
PAIN_THRESHOLD_LUMBAR_N_CM2 = 26.0


@dataclass(frozen=True)
class SafetyLimits:
    """Every limit the Supervisor enforces (SI units unless the name says otherwise).

    Attributes:
        bone_factor: force and pressure limits are multiplied by this over bone.
        soft_fraction: above this fraction of a limit the Supervisor backs the tool
            off (a clamp); at the limit it retreats and stops the session.
        max_speed_m_s: tangential TCP speed ceiling (plans stay ≤ 0.10 m/s).
        max_normal_speed_m_s: speed toward/away from the skin.
        max_force_rate_n_s: normal-force rate ceiling (10 ms average).
        stale_s: sensor data unchanged for longer than this → retreat.
        invalid_s: NaN/inf sensor data for longer than this → retreat.
        missed_deadline_s: control ticks late by more than this in total → retreat.
        retreat_speed_m_s: normal speed of the controlled retreat.
        retreat_height_m: height above the skin where a retreat ends.
        mismatch_depth_m, mismatch_ratio_low, mismatch_ratio_high, mismatch_s: the
            force/depth consistency check: deeper than ``mismatch_depth_m`` with less
            than ``low × k × depth`` of force, or more than ``high × k × (depth + 3 mm)
            + 5 N``, for longer than ``mismatch_s`` → retreat (k: expected stiffness).
        escape_speed_m_s: how fast the tool backs off the skin when the force rises
            past a soft limit or the client pushes into it (a clamp or a retreat).
        move_rate_n_s, move_confirm_s: the normal force rising faster than this for
            longer than ``move_confirm_s`` is the client moving into the tool → retreat
            (checked after the force limits: a step of force is a force fault).
        move_memory_s: after a sign of movement, bone limits apply this long.
        disagree_m: measured TCP this far (tangentially) from the plan → bone limits.
        retreat_clear_force_n, retreat_max_extra_m: a retreat ends once it has lifted
            ``retreat_height_m`` past the skin *and* the force is below this — going up
            to ``retreat_max_extra_m`` further if the client keeps following the tool.
        surface_offset_m, surface_tilt_deg: how far the model surface may lie from the
            real skin (a body fitted to a scan and registered to the arm: 0 for the
            exact body); the force/depth check measures depth from the touch point and
            widens its band by the tilt over the distance travelled since.
        max_axis_tilt_deg: the commanded tool axis stays within this angle of the
            model's skin normal (a plan tilts ≤ 10° behind the stroke; on a fitted body
            the axis follows the felt skin by up to 15° more, ``control/axis_follow``).
    """

    bone_factor: float = BONE_LIMIT_FACTOR
    soft_fraction: float = 0.85
    max_speed_m_s: float = 0.12
    max_normal_speed_m_s: float = 0.04
    max_force_rate_n_s: float = 150.0
    stale_s: float = 0.010
    invalid_s: float = 0.005
    missed_deadline_s: float = 0.020
    retreat_speed_m_s: float = 0.03
    retreat_height_m: float = 0.03
    mismatch_depth_m: float = 0.010
    mismatch_ratio_low: float = 0.2
    mismatch_ratio_high: float = 6.0
    mismatch_s: float = 0.1
    escape_speed_m_s: float = 0.6
    move_rate_n_s: float = 300.0
    move_confirm_s: float = 0.003
    move_memory_s: float = 1.0
    disagree_m: float = 0.005
    retreat_clear_force_n: float = 0.5
    retreat_max_extra_m: float = 0.2
    surface_offset_m: float = 0.0
    surface_tilt_deg: float = 0.0
    max_axis_tilt_deg: float = 25.0

    def __post_init__(self) -> None:
        if not 0.1 <= self.bone_factor <= 1.0:
            raise BackstrokeError(f"bone_factor {self.bone_factor} outside 0.1..1")
        if not 0.5 <= self.soft_fraction < 1.0:
            raise BackstrokeError(f"soft_fraction {self.soft_fraction} outside 0.5..1")
        if not (0.0 <= self.surface_offset_m <= 0.05 and 0.0 <= self.surface_tilt_deg <= 10.0):
            raise BackstrokeError(
                f"surface_offset_m {self.surface_offset_m} (0..0.05) or surface_tilt_deg "
                f"{self.surface_tilt_deg} (0..10) out of range"
            )
        if not 10.0 <= self.max_axis_tilt_deg <= 30.0:
            raise BackstrokeError(f"max_axis_tilt_deg {self.max_axis_tilt_deg} outside 10..30")
        if not 0.0 < self.max_speed_m_s <= 0.25:
            raise BackstrokeError(f"max_speed_m_s {self.max_speed_m_s} outside 0..0.25 m/s")

    def force_limit_n(self, tool: Tool, over_bone: bool) -> float:
        f = TOOLS[tool].max_force_n
        return f * self.bone_factor if over_bone else f

    def pressure_limit_n_cm2(self, tool: Tool, over_bone: bool) -> float:
        p = TOOLS[tool].max_pressure_n_cm2
        return p * self.bone_factor if over_bone else p
