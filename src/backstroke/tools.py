"""The end effector's contact tools: palms, forearm and thumb.

backstroke's end effector carries three contact faces on one flange (DESIGN §1): a
double palm pad that straddles the spine (the two pads ride on springs and conform to
the back, so the tool centre point rests on the skin midway between them), the fleshy
side of a forearm-like roller, and a thumb knob. Changing tool is a rolling transition
on the skin at light force, so the stroke never leaves the client.

Limits here are the per-tool ceilings (force, pressure over soft tissue); the
Supervisor applies them with lower values over bone (see ``safety/limits.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum


class Tool(StrEnum):
    PALMS = "palms"
    FOREARM = "forearm"
    THUMB = "thumb"


@dataclass(frozen=True)
class ToolSpec:
    """Contact patch and ceilings of one tool.

    Attributes:
        tool: which tool.
        half_width_m: lateral half-width of the patch: the keep-out margin.
        half_length_m: half-length of the patch along the stroke.
        area_m2: nominal full-contact area (for pressure = force / area).
        max_force_n: largest normal force ever commanded or tolerated.
        max_pressure_n_cm2: largest mean contact pressure over soft tissue.
        max_tilt_deg: largest tilt of the tool axis behind the stroke (≤ 10°).
        pads_v_m: lateral offsets of the pads from the path (palms: two pads).
    """

    tool: Tool
    half_width_m: float
    half_length_m: float
    area_m2: float
    max_force_n: float
    max_pressure_n_cm2: float
    max_tilt_deg: float
    pads_v_m: tuple[float, ...]
    area_cm2: float = field(init=False)  # area_m2 in cm² (the Supervisor reads it per tick)

    def __post_init__(self) -> None:
        object.__setattr__(self, "area_cm2", self.area_m2 * 1e4)


# Over bone (a keep-out zone under a pad's centre) every limit is multiplied by this.
BONE_LIMIT_FACTOR = 0.5
# In contact: the normal force at or above this (N). The one contact rule
# (sense/contact.py) and the simulator's truth both count with it.
CONTACT_FORCE_N = 0.5
# Stacked joints: under working load (axial force at least FORCE_CONE_LOAD_N) the contact
# force stays within FORCE_CONE_HALF_ANGLE_DEG of the tool axis, so it runs through the
# tool (and the arm's stacked joints) instead of shearing the skin. The Supervisor's check
# and the summary's cone error use these. (Below 8 N — light transitions, the palms
# rolling on — the two palm pads' imbalance on a curved flank tilts the resultant by up
# to 27° in the built-in simulator: that is a light touch, not a loaded stroke.)
FORCE_CONE_HALF_ANGLE_DEG = 10.0
FORCE_CONE_LOAD_N = 8.0


def limits_for(tool: Tool, over_bone: bool) -> tuple[float, float]:
    """``(force_n, pressure_n_cm2)`` limits of ``tool`` over bone or soft tissue."""
    spec = TOOLS[tool]
    f = BONE_LIMIT_FACTOR if over_bone else 1.0
    return spec.max_force_n * f, spec.max_pressure_n_cm2 * f


TOOLS: dict[Tool, ToolSpec] = {
    # Two 7 × 9 cm palm pads centred 5 cm either side of the spine.
    Tool.PALMS: ToolSpec(Tool.PALMS, 0.085, 0.045, 2 * 0.07 * 0.09, 40.0, 4.0, 8.0, (0.05, -0.05)),
    # Fleshy forearm: 5 × 14 cm, the long side across the stroke.
    Tool.FOREARM: ToolSpec(Tool.FOREARM, 0.025, 0.07, 0.05 * 0.14, 45.0, 8.0, 10.0, (0.0,)),
    # Thumb knob: 16 mm disc.
    Tool.THUMB: ToolSpec(Tool.THUMB, 0.008, 0.008, math.pi * 0.008**2, 30.0, 16.0, 10.0, (0.0,)),
}
