"""Score a fitted body against a generator's truth (scan frame S, metres).

Used by the scan tests and ``bench/scan.py``. ``midline_lateral_rms_m`` is the RMS of
the true midline's lateral distance from the fitted midline (in the fitted frame B,
over the true PSIS → C7 stretch); landmark errors are 3D distances.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.scanned_back import ScannedBack

SCORED = (
    "C7",
    "psis_left",
    "psis_right",
    "scapula_inferior_angle_left",
    "scapula_inferior_angle_right",
    "iliac_crest_top_left",
    "iliac_crest_top_right",
)
LIMITS_M = {
    "midline_lateral_rms_m": 0.005,
    "C7": 0.020,
    "psis": 0.015,
    "scapula_inferior_angle": 0.025,
    "iliac_crest_top": 0.030,
    "back_length_rel": 0.05,
}


def score(
    fit: ScannedBack,
    landmarks_m: dict[str, NDArray[np.float64]],
    midline_m: NDArray[np.float64],
    back_length_m: float,
    head_direction: NDArray[np.float64],
) -> dict[str, Any]:
    """Errors of ``fit`` against the truth (all in S)."""
    lms = {n: fit.to_scan(np.asarray(lm.point_m)) for n, lm in fit.landmarks.items()}
    err = {n: float(np.linalg.norm(lms[n] - landmarks_m[n])) for n in SCORED}
    mb = fit.to_body(midline_m)
    lateral = mb[:, 1] - fit._m(mb[:, 0])
    return {
        "head_right": bool(float(fit.s_from_b[:3, 0] @ head_direction) > 0.5),
        "midline_lateral_rms_m": float(np.sqrt(np.mean(lateral**2))),
        "back_length_rel": float(fit.back_length_m / back_length_m - 1.0),
        "landmark_error_m": err,
        "fit_rms_m": fit.quality.get("fit_rms_m"),
        "coverage": fit.quality.get("coverage"),
    }


def within_limits(s: dict[str, Any]) -> dict[str, bool]:
    """Which done-when limits one scored scan meets."""
    e = s["landmark_error_m"]
    return {
        "head": s["head_right"],
        "midline": s["midline_lateral_rms_m"] <= LIMITS_M["midline_lateral_rms_m"],
        "C7": e["C7"] <= LIMITS_M["C7"],
        "psis": max(e["psis_left"], e["psis_right"]) <= LIMITS_M["psis"],
        "scapula": max(e["scapula_inferior_angle_left"], e["scapula_inferior_angle_right"])
        <= LIMITS_M["scapula_inferior_angle"],
        "iliac": max(e["iliac_crest_top_left"], e["iliac_crest_top_right"])
        <= LIMITS_M["iliac_crest_top"],
        "length": abs(s["back_length_rel"]) <= LIMITS_M["back_length_rel"],
    }
