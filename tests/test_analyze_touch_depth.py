"""analyze on a log whose indentation is below a model surface that is off the skin."""

from __future__ import annotations

import numpy as np

from backstroke.analyze import analyze_columns, analyze_log, validate_columns
from tests.sense.synth import glide_log


def _off_model(tilt_deg: float, offset_m: float) -> dict[str, np.ndarray]:
    """Six glide passes softening 10 % from pass 3, measured below a model surface
    ``offset_m`` above the skin and tilted along the back; one first touch."""
    log = glide_log(passes=6, soften_from=3, drop=0.1, force_n=12.0, rate_hz=200.0)
    c = {k: np.asarray(v, dtype=np.float64).copy() for k, v in log.columns.items()}
    # the first touch: the force rising from 0.5 to 2 N at the first point over 0.3 s
    n_t = 60
    f_t = np.linspace(0.5, 2.0, n_t)
    touch = {k: np.full(n_t, v[0]) for k, v in c.items()}
    k0 = 12.0 / float(c["indentation_m"][0])
    touch["normal_force_n"] = f_t
    touch["target_force_n"] = f_t
    touch["indentation_m"] = f_t / k0
    touch["z_m"] = 0.12 - f_t / k0
    touch["t_s"] = np.arange(n_t) / 200.0
    c["t_s"] = c["t_s"] + n_t / 200.0
    out = {k: np.concatenate([touch[k], c[k]]) for k in c}
    x = out["x_m"]
    out["indentation_m"] = (
        out["indentation_m"] + offset_m + np.tan(np.radians(tilt_deg)) * (x - x.mean())
    )
    return out


def test_the_touches_give_back_the_softening_a_tilted_model_hides() -> None:
    cols = _off_model(tilt_deg=2.5, offset_m=0.008)
    naive = analyze_columns(cols, 0.05)
    log = validate_columns({k: v for k, v in cols.items()})
    touched = analyze_log(log, 0.05, touch_depth=True)
    exact = analyze_columns(_off_model(0.0, 0.0), 0.05)
    assert exact["softening_pass"] == 3
    assert touched["softening_pass"] == 3
    assert touched["indentation"] == "from the touches"
    assert naive["softening_pass"] != 3
    k_exact = np.asarray(exact["stiffness_by_pass_n_m"], dtype=float)
    k_touch = np.asarray(touched["stiffness_by_pass_n_m"], dtype=float)
    k_naive = np.asarray(naive["stiffness_by_pass_n_m"], dtype=float)
    assert np.max(np.abs(k_touch / k_exact - 1.0)) < 0.1
    assert np.max(np.abs(k_naive / k_exact - 1.0)) > 0.3
