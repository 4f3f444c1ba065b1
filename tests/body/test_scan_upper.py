"""The upper back's landmarks on scans where the arms move the shoulder blades.

The sixth generator (``tests/body/metaball_body.py``) swings the inferior angles out
with the arms (elbows out 1.4 cm, hanging 2.2 cm, overhead 2.8 cm) and, with the arms
beside the torso, widens the shoulders' silhouette the 0.40 proportion is taken of: the
lateral position must come from where the blade's relief shows on the skin.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.scan_fit import fit_scan
from backstroke.body.scan_io import Scan
from tests.body.tof_camera import tof_case_scan


@cache
def _tof_fit(seed: int) -> tuple[BackModel, dict[str, np.ndarray]]:
    _, _, sc = tof_case_scan(seed)
    return fit_scan(Scan(sc.points_m, f"tof-{seed}", "points")), sc.landmarks_m


@pytest.mark.parametrize("seed", [8, 19])  # elbows out, overhead: tips 1.4, 2.8 cm out
def test_inferior_angles_where_the_blades_show(seed: int) -> None:
    fit, truth_s = _tof_fit(seed)
    assert fit.quality["landmarks_from"]["scapula_inferior_angle"].startswith("blade")
    for side in ("left", "right"):
        truth = fit.to_body(truth_s[f"scapula_inferior_angle_{side}"][None])[0]
        found = np.asarray(fit.landmarks[f"scapula_inferior_angle_{side}"].point_m)
        out_true = abs(truth[1] - float(fit._m(truth[0])))
        out_found = abs(found[1] - float(fit._m(found[0])))
        assert (
            abs(out_found - out_true) < 0.02
        )  # the proportion: 2-2.5 cm out, (side, out_found, out_true)
        assert float(np.linalg.norm(found - truth)) < 0.025, (side, found, truth)
