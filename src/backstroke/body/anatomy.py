"""Anatomical reference figures (DESIGN §5) used to place landmarks and bony zones.

Vertebral levels are fractions of the C7 → PSIS back length measured from C7; on the
surface chart ``u = 1 - fraction`` (u = 0 at the PSIS/waist, 1 at C7).
"""

from __future__ import annotations

# Fraction of back length from C7 (DESIGN §5 gives T4, T7, T10, L1, L4; the rest are
# interpolated at ~5.3 % per vertebra).
LEVEL_FRACTION_FROM_C7: dict[str, float] = {
    "C7": 0.0,
    "T1": 0.05,
    "T2": 0.105,
    "T3": 0.16,
    "T4": 0.21,
    "T7": 0.39,
    "T10": 0.54,
    "T12": 0.64,
    "L1": 0.71,
    "L3": 0.80,
    "L4": 0.86,
    "L5": 0.91,
    "S1": 0.95,
    "PSIS": 1.0,
}


def level_u(level: str) -> float:
    """Chart u of a vertebral level (0 = PSIS, 1 = C7)."""
    return 1.0 - LEVEL_FRACTION_FROM_C7[level]


# Reference shoulder width that the lateral figures below are given for (m).
REFERENCE_SHOULDER_WIDTH_M = 0.40
REFERENCE_WAIST_WIDTH_M = 0.30

# Scapula, for the reference shoulder width, lateral distances in metres on the skin.
SCAPULA_MEDIAL_BORDER_V_M = (0.060, 0.072)  # at T3 (spine root) and at T7 (inferior angle)
SCAPULA_INFERIOR_ANGLE_V_M = 0.080
SCAPULA_SPINE_LATERAL_END_V_M = 0.160  # toward the acromion, at about T1
# Iliac crest from near the PSIS up and out to its top at L4 (reference waist width).
PSIS_V_M = 0.045
ILIAC_CREST_TOP_V_M = 0.125

# Soft-tissue cover over bone beyond the fat layer (m): thin over bony landmarks.
MIN_COVER_OVER_BONE_M = 0.002
ERECTOR_THICKNESS_LUMBAR_M = 0.045
ERECTOR_THICKNESS_THORACIC_M = 0.025
ERECTOR_CENTRE_V_M = 0.040
RIB_COVER_M = 0.012
