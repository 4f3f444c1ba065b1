"""sense: what the robot "hears" — estimators on measured samples only.

Pure functions (and two small incremental detectors) on numpy arrays of what a real
robot measures: force, pose, time. Nothing here imports ``tissue/`` (DESIGN §2).

- ``passes``: passes and strokes from the turning points of u.
- ``stiffness``: secant stiffness and per-pass profiles along u.
- ``softening``: the first softened pass, confirmed by the next.
- ``compliance``: pass-to-pass stiffness change with the breathing taken out.
- ``knots``: local stiffness peaks on thumb strips.
- ``breathing``: breathing rate and baseline stiffness from a rest hold.
- ``contact``: contact breaks and still holds.
"""

from backstroke.sense.breathing import baseline_stiffness_n_m, breathing_rate_bpm, rest_listening
from backstroke.sense.contact import contact_breaks, still_holds
from backstroke.sense.knots import Knot, KnotDetection, KnotDetector, detect_knots, merge_knots
from backstroke.sense.passes import (
    derive_pass_index,
    pass_count,
    pass_indices,
    stroke_periods_s,
    turnarounds,
)
from backstroke.sense.softening import SofteningDetector, softening_pass
from backstroke.sense.stiffness import (
    StiffnessProfile,
    secant_stiffness,
    stiffness_by_pass,
    stiffness_profile,
)

__all__ = [
    "Knot",
    "KnotDetection",
    "KnotDetector",
    "SofteningDetector",
    "StiffnessProfile",
    "baseline_stiffness_n_m",
    "breathing_rate_bpm",
    "contact_breaks",
    "derive_pass_index",
    "detect_knots",
    "merge_knots",
    "pass_count",
    "pass_indices",
    "rest_listening",
    "secant_stiffness",
    "softening_pass",
    "stiffness_by_pass",
    "stiffness_profile",
    "still_holds",
    "stroke_periods_s",
    "turnarounds",
]
