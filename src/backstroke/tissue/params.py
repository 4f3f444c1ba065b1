"""Parameters of the simulated client's tissue, with their defaults and sources.

Every constant of the tissue model lives here, in SI units unless the name says
otherwise (pressures in N/cm², as users see them). The defaults reproduce the reference
figures of DESIGN §5; ``docs/tissue.md`` explains each one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from backstroke.errors import ClientError
from backstroke.tools import Tool

# Tool factors on the linear stiffness (a smaller, more compliant face and the thumb's
# narrower pressure bulb deform a smaller tissue volume): palms 1.0 (whole tool, both
# pads together), forearm 0.85, thumb 0.5.
TOOL_STIFFNESS_FACTOR: dict[Tool, float] = {
    Tool.PALMS: 1.0,
    Tool.FOREARM: 0.85,
    Tool.THUMB: 0.5,
}


@dataclass(frozen=True)
class TissueParams:
    """Constants of the tissue model (see ``docs/tissue.md``).

    Mechanics (per pad: ``F = k δ / (1 − δ/d)^2`` for ``δ/d < cap_ratio``, continued
    linearly beyond; ``k`` the local linear stiffness, ``d`` the soft-tissue thickness):

    Attributes:
        calibration_force_n: the palms' force at which ``client.stiffness_n_m`` is the
            median secant stiffness ``F/δ`` along the midline glide (u 0.08 → 0.92).
        cap_ratio: ``δ/d`` beyond which the force law continues linearly (bone).
        damping_s: viscous time constant: ``F += secant · damping_s · dδ/dt``.
        friction_range: oiled-skin friction coefficient μ, drawn uniformly (seeded).
        variation: amplitude of the smooth random stiffness variation (±, fraction).
        variation_length_m: correlation length (Gaussian σ) of that variation.
        erector_softness: fractional stiffness reduction at the erector spinae's thickest.
        thumb_sensing_sigma_m: Gaussian σ of the thumb's pressure bulb (smoothing of
            the point stiffness field as the thumb feels it).
        softening_max: largest softening fraction (× ``client.softening_rate``).
        softening_cap: absolute cap on the softening fraction.
        softening_dose_n_cm2_s: dose (pressure × time, N/cm²·s) for 63 % of the maximum.
        softening_response_s: lag of the softening a pad feels behind the dose under it.
        knot_dose_factor: a knot needs ``1 + knot_dose_factor·(ratio−1)`` × the dose.
        recovery_tau_s: time constant of the dose's decay (the tissue recovers).
        slow_update_s: period of the dose / trust / guarding update.
        guarding_rest: guarding up to which a client carries no protective tension
            (``tissue/guarding.py``: tension ``(g − rest)/(1 − rest)`` above it).
        guarding_tone: muscle-tone multiplier ``1 + guarding_tone · tension``.
        breath_guarding: breathing-rate multiplier ``1 + breath_guarding · tension``.
        trust_tau_s: time constant of trust growth during calm contact.
        guarding_tau_s: time constant of guarding relaxing toward its target.
        trust_relaxation: full trust lowers the guarding target by this fraction.
        calm_speed_m_s / max_speed_m_s: calm below the first, over-speed above the second.
        jerk_accel_m_s2: tool acceleration (low-passed by the robot) counted as a jerk.
        jerk_refractory_s: one jerk event at most per this interval.
        jerk_guarding / jerk_trust: guarding rise and trust drop per jerk.
        break_guarding / break_trust: per contact break.
        break_min_contact_s / break_min_gap_s: contact must have lasted this long and be
            lost for this long to count as a break.
        overspeed_guarding_per_s / overspeed_trust_per_s: rates while too fast.
        overpressure_guarding_per_s / overpressure_trust_per_s: rates while too hard.
        comfort_muscle_n_cm2 / comfort_bone_n_cm2: comfort thresholds of mean contact
            pressure over thick muscle and over bone, for a client at guarding 0.5.
        comfort_thin_m / comfort_thick_m: tissue thickness above the fat layer where the
            threshold is the bone / the muscle value (linear in between).
        comfort_guarding_slope: threshold × ``(1 + slope·(0.5 − guarding))``.
        comfort_hysteresis: "too much" clears below this fraction of the threshold.
        stop_ratio: pressure / threshold at which the client says "stop".
        signal_latency_s / signal_jitter_s: reaction delay and its σ (seeded, clipped ±3σ).
        breath_amplitude_range_m: peak-to-peak surface motion over the low back (seeded).
        breath_shoulder_ratio: amplitude at the shoulders relative to the low back.
        breath_period_jitter / breath_amplitude_jitter: σ of per-breath variation.
        breath_inhale_fraction: inhale share of a breath cycle.
        grid_spacing_m: chart grid spacing along both u (metric) and v.
    """

    calibration_force_n: float = 12.0
    cap_ratio: float = 0.85
    damping_s: float = 0.01
    friction_range: tuple[float, float] = (0.03, 0.06)
    variation: float = 0.10
    variation_length_m: float = 0.03
    erector_softness: float = 0.15
    thumb_sensing_sigma_m: float = 0.0025
    softening_max: float = 0.09
    softening_cap: float = 0.25
    softening_dose_n_cm2_s: float = 1.5
    knot_dose_factor: float = 3.0
    softening_response_s: float = 0.05
    recovery_tau_s: float = 240.0
    slow_update_s: float = 0.010
    guarding_rest: float = 0.5
    guarding_tone: float = 0.25
    breath_guarding: float = 0.12
    trust_tau_s: float = 180.0
    guarding_tau_s: float = 60.0
    trust_relaxation: float = 0.7
    calm_speed_m_s: float = 0.05
    max_speed_m_s: float = 0.10
    jerk_accel_m_s2: float = 2.0
    jerk_refractory_s: float = 0.5
    jerk_guarding: float = 0.05
    jerk_trust: float = 0.05
    break_guarding: float = 0.10
    break_trust: float = 0.10
    break_min_contact_s: float = 0.2
    break_min_gap_s: float = 0.02
    overspeed_guarding_per_s: float = 0.05
    overspeed_trust_per_s: float = 0.03
    overpressure_guarding_per_s: float = 0.10
    overpressure_trust_per_s: float = 0.05
    comfort_muscle_n_cm2: float = 8.0
    comfort_bone_n_cm2: float = 3.0
    comfort_thin_m: float = 0.004
    comfort_thick_m: float = 0.014
    comfort_guarding_slope: float = 0.6
    comfort_hysteresis: float = 0.9
    stop_ratio: float = 2.0
    signal_latency_s: float = 0.3
    signal_jitter_s: float = 0.03
    breath_amplitude_range_m: tuple[float, float] = (0.0034, 0.0046)
    breath_shoulder_ratio: float = 0.65
    breath_period_jitter: float = 0.07
    breath_amplitude_jitter: float = 0.02
    breath_inhale_fraction: float = 0.4
    grid_spacing_m: float = 0.0025

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            items = value if isinstance(value, tuple) else (value,)
            for x in items:
                if not math.isfinite(x) or x < 0:
                    raise ClientError(
                        "tissue parameter must be a finite number ≥ 0",
                        key=f.name,
                        value=value,
                    )
        lo, hi = self.friction_range
        if not lo <= hi < 1.0:
            raise ClientError(
                "friction range must be ordered and below 1",
                key="friction_range",
                value=self.friction_range,
            )
        alo, ahi = self.breath_amplitude_range_m
        if not 0.0 < alo <= ahi <= 0.02:
            raise ClientError(
                "breathing amplitude range must be ordered, in (0, 0.02] m",
                key="breath_amplitude_range_m",
                value=self.breath_amplitude_range_m,
            )
        checks = [
            ("cap_ratio", 0.5 <= self.cap_ratio < 0.98, "0.5 ≤ cap_ratio < 0.98"),
            ("calibration_force_n", self.calibration_force_n > 0, "> 0"),
            ("softening_dose_n_cm2_s", self.softening_dose_n_cm2_s > 0, "> 0"),
            ("recovery_tau_s", self.recovery_tau_s > 1.0, "> 1 s"),
            ("softening_response_s", self.softening_response_s > 0, "> 0"),
            ("slow_update_s", 0.001 <= self.slow_update_s <= 0.1, "0.001..0.1 s"),
            ("trust_tau_s", self.trust_tau_s > 0, "> 0"),
            ("guarding_tau_s", self.guarding_tau_s > 0, "> 0"),
            ("guarding_rest", self.guarding_rest < 1.0, "< 1"),
            ("trust_relaxation", self.trust_relaxation <= 1.0, "≤ 1"),
            ("breath_guarding", self.breath_guarding <= 1.0, "≤ 1"),
            ("max_speed_m_s", self.max_speed_m_s > self.calm_speed_m_s, "> calm_speed_m_s"),
            ("comfort_thick_m", self.comfort_thick_m > self.comfort_thin_m, "> comfort_thin_m"),
            (
                "comfort_bone_n_cm2",
                0 < self.comfort_bone_n_cm2 <= self.comfort_muscle_n_cm2,
                "0 < bone ≤ muscle",
            ),
            ("comfort_hysteresis", 0.5 <= self.comfort_hysteresis <= 1.0, "0.5..1"),
            ("stop_ratio", self.stop_ratio > 1.0, "> 1"),
            ("breath_inhale_fraction", 0.1 <= self.breath_inhale_fraction <= 0.9, "0.1..0.9"),
            ("breath_period_jitter", self.breath_period_jitter <= 0.2, "≤ 0.2"),
            ("breath_amplitude_jitter", self.breath_amplitude_jitter <= 0.2, "≤ 0.2"),
            ("breath_shoulder_ratio", 0 < self.breath_shoulder_ratio <= 1.0, "(0, 1]"),
            ("grid_spacing_m", 0.001 <= self.grid_spacing_m <= 0.01, "0.001..0.01 m"),
            ("variation", self.variation < 0.5, "< 0.5"),
            ("erector_softness", self.erector_softness < 0.8, "< 0.8"),
            ("softening_cap", self.softening_cap < 0.9, "< 0.9"),
        ]
        for key, ok, allowed in checks:
            if not ok:
                raise ClientError(
                    "tissue parameter out of range",
                    key=key,
                    value=getattr(self, key),
                    allowed=allowed,
                )
