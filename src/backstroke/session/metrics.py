"""Session figures from what the robot measured (DESIGN §6.2), never from commands."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.sense.contact import contact_breaks, planned_contact
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG, FORCE_CONE_LOAD_N


def session_metrics(
    c: dict[str, NDArray[np.float64]], p: dict[str, NDArray[np.float64]], dt_s: float
) -> dict[str, Any]:
    """contact_breaks, force_rmse_n, orientation_error_deg from recorded columns.

    Args:
        c: recorded columns (``normal_force_n``, ``target_force_n``, ``ax``..``az``).
        p: the plan's columns at the same ticks (``in_contact``, ``ax``..``az``).
    """
    in_contact = p["in_contact"] > 0
    fn = c["normal_force_n"]
    breaks = contact_breaks(c["t_s"], fn, within=planned_contact(in_contact, p["target_force_n"]))
    # RMSE while in contact and the target is steady (force ramps at touch, block
    # changes and release are transients the loop follows but does not "hold").
    target = c["target_force_n"]
    rate = np.gradient(target, dt_s) if target.size >= 2 else np.zeros(target.size)
    steady = in_contact & (np.abs(rate) < 0.5)
    err = fn[steady] - c["target_force_n"][steady]
    err = err[np.isfinite(err)]  # a sensor fault's NaN samples are not tracking error
    rmse = float(np.sqrt(np.mean(err**2))) if err.size else None
    # (float64 and atan2: the angles are hundredths of a degree, below float32's arccos)
    a_meas = np.stack([c["ax"], c["ay"], c["az"]], axis=1).astype(np.float64)
    a_plan = np.stack([p["ax"], p["ay"], p["az"]], axis=1).astype(np.float64)
    cross = np.linalg.norm(np.cross(a_meas, a_plan), axis=1)
    ang = np.degrees(np.arctan2(cross, np.einsum("ij,ij->i", a_meas, a_plan)))[in_contact]
    ang = ang[np.isfinite(ang)]
    return {
        "contact_breaks": breaks,
        "force_rmse_n": None if rmse is None else round(rmse, 4),
        "orientation_error_deg": {
            "mean": round(float(ang.mean()), 4) if ang.size else None,
            "max": round(float(ang.max()), 4) if ang.size else None,
        },
        "contact_time_s": round(float(np.sum(in_contact) * dt_s), 3),
        "force_cone_deg": force_cone_error(c, dt_s),
    }


def force_cone_error(c: dict[str, NDArray[np.float64]], dt_s: float) -> dict[str, Any]:
    """The measured force's angle off the measured tool axis, under load.

    Args:
        c: recorded columns ``fx_n``..``fz_n`` (contact force, frame B) and ``ax``..``az``
            (tool axis, frame B), ``(N,)`` each.

    Returns:
        ``{"mean", "max"}`` (degrees, over samples with axial force ≥ FORCE_CONE_LOAD_N;
        None without any) and ``"over_s"``: time outside the cone (s).
    """
    f = np.stack([c["fx_n"], c["fy_n"], c["fz_n"]], axis=1).astype(np.float64)
    a = np.stack([c["ax"], c["ay"], c["az"]], axis=1).astype(np.float64)
    axial = np.einsum("ij,ij->i", f, a)
    loaded = np.isfinite(axial) & (axial >= FORCE_CONE_LOAD_N)
    shear = np.linalg.norm(np.cross(f[loaded], a[loaded]), axis=1)
    ang = np.degrees(np.arctan2(shear, axial[loaded]))
    return {
        "mean": round(float(ang.mean()), 3) if ang.size else None,
        "max": round(float(ang.max()), 3) if ang.size else None,
        "over_s": round(float(np.sum(ang > FORCE_CONE_HALF_ANGLE_DEG) * dt_s), 3),
    }


def beat_alignment(
    t_s: NDArray[np.float64],
    measured_u: NDArray[np.float64],
    beats_s: NDArray[np.float64],
) -> dict[str, Any]:
    """How close the measured stroke turnarounds fall to the beats.

    Args:
        t_s: ``(N,)`` sample times (s) while in contact.
        measured_u: ``(N,)`` chart u of the measured tool position.
        beats_s: ``(B,)`` beat times (s).

    Returns:
        ``{"turnarounds": K, "worst_beat_error_ms": …, "median_beat_error_ms": …}``.
    """
    from backstroke.sense.passes import turnarounds

    idx, _ = turnarounds(measured_u)
    if idx.size == 0 or beats_s.size == 0:
        return {"turnarounds": 0, "worst_beat_error_ms": None, "median_beat_error_ms": None}
    tt = t_s[idx]
    j = np.clip(np.searchsorted(beats_s, tt), 1, beats_s.size - 1)
    err = np.minimum(np.abs(tt - beats_s[j - 1]), np.abs(tt - beats_s[j]))
    return {
        "turnarounds": int(idx.size),
        "worst_beat_error_ms": round(float(err.max()) * 1000.0, 2),
        "median_beat_error_ms": round(float(np.median(err)) * 1000.0, 2),
    }
