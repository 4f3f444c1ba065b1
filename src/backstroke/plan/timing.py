"""Time parametrisation: whole beats, jerk-limited (ruckig), within the speed limits.

Every move is a 1-DoF profile of skin arc length from rest to rest, computed by ruckig
under the routine's speed, acceleration and jerk limits, stretched to last exactly a
whole number of beats (``minimum_duration``). Starts and turnarounds therefore fall on
beats, and speed is continuous (zero) at every segment boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import PlanError

# A beat step is the smallest number of beats a stroke step may take (1, 2 or 4):
# fast music takes 2 or 4 beats per step so no step is shorter than this.
MIN_STEP_S = 0.75


def beat_step(period_s: float) -> int:
    """1, 2 or 4 beats per step so that a step lasts at least ``MIN_STEP_S``."""
    for step in (1, 2, 4):
        if step * period_s >= MIN_STEP_S - 1e-9:
            return step
    return 4


@dataclass(frozen=True)
class Limits:
    max_speed_m_s: float
    max_accel_m_s2: float
    max_jerk_m_s3: float


def _ruckig_profile(length_m: float, limits: Limits, duration_s: float | None):  # type: ignore[no-untyped-def]
    from ruckig import InputParameter, Result, Ruckig, Trajectory

    otg = Ruckig(1)
    inp = InputParameter(1)
    inp.current_position = [0.0]
    inp.target_position = [length_m]
    inp.max_velocity = [limits.max_speed_m_s]
    inp.max_acceleration = [limits.max_accel_m_s2]
    inp.max_jerk = [limits.max_jerk_m_s3]
    if duration_s is not None:
        inp.minimum_duration = duration_s
    traj = Trajectory(1)
    result = otg.calculate(inp, traj)
    if result not in (Result.Working, Result.Finished):
        raise PlanError(f"ruckig could not time a {length_m:.3f} m move: {result}")
    return traj


def fastest_duration_s(length_m: float, limits: Limits) -> float:
    """Time-optimal rest-to-rest duration of a move under ``limits``."""
    if length_m <= 0.0:
        return 0.0
    return float(_ruckig_profile(length_m, limits, None).duration)


def beats_for_move(
    length_m: float,
    cruise_m_s: float,
    period_s: float,
    step: int,
    limits: Limits,
    delay_s: float = 0.0,
) -> int:
    """Whole beats (a multiple of ``step``) for a move aiming at ``cruise_m_s``.

    The mean speed of a rest-to-rest move is below its cruise speed; we aim the mean at
    90 % of cruise, then make sure the move (starting ``delay_s`` into the segment) is
    feasible within the limits.
    """
    wanted = length_m / (0.9 * cruise_m_s) + delay_s
    beats = max(step, step * round(wanted / (step * period_s)))
    fastest = fastest_duration_s(length_m, limits) + delay_s
    while beats * period_s < fastest - 1e-9:
        beats += step
    return int(beats)


def sample_move(
    length_m: float, duration_s: float, limits: Limits, t_rel_s: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Arc length, speed and acceleration of a rest-to-rest move at times ``t_rel_s``.

    Returns:
        ``(s_m, speed_m_s, accel_m_s2)``, each shaped like ``t_rel_s``.
    """
    if length_m <= 0.0:
        z = np.zeros_like(t_rel_s)
        return z, z.copy(), z.copy()
    traj = _ruckig_profile(length_m, limits, duration_s)
    if abs(traj.duration - duration_s) > 1e-6:
        raise PlanError(
            f"move of {length_m:.3f} m cannot last exactly {duration_s:.3f} s "
            f"(ruckig gave {traj.duration:.3f} s)"
        )
    at_time = traj.at_time
    s: list[float] = []
    ds: list[float] = []
    dds: list[float] = []
    # (clipped as Python floats: numpy scalars per sample cost more than ruckig)
    for t in np.clip(t_rel_s, 0.0, duration_s).tolist():
        p, v, a = at_time(t)
        s.append(p[0])
        ds.append(v[0])
        dds.append(a[0])
    shape = np.shape(t_rel_s)
    return (
        np.asarray(s, dtype=np.float64).reshape(shape),
        np.asarray(ds, dtype=np.float64).reshape(shape),
        np.asarray(dds, dtype=np.float64).reshape(shape),
    )
