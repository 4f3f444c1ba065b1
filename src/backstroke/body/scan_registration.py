"""What a simulated backend's system believes: the true back scanned, fitted, registered.

``scan_and_fit`` lays the true BackModel on the table (frame S = the robot base), makes
the scan a depth camera with the client file's ``[scan]`` errors would give (depth noise,
the camera-to-robot registration offset and rotation, the share of the back in view),
fits a :class:`ScannedBack` to it, and returns it with ``true_from_fit``: the 4×4
transform from the fitted body frame (where the system plans) to the true body frame
(where the simulated robot presses). A perfect scan would make it the identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, ScanSpec
from backstroke.body.scan_fit import fit_scan
from backstroke.body.scan_io import Scan
from backstroke.body.scan_sim import CameraSpec, ScanPose, simulate_scan
from backstroke.body.scanned_back import ScannedBack

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Registration:
    """The fitted body and how it sits against the truth.

    Attributes:
        fit: the body the system plans on (frame B_fit, chart, landmarks).
        true_from_fit: ``(4, 4)`` B_fit → B_true.
        s_from_true: ``(4, 4)`` B_true → S (the robot base frame of the scan).
    """

    fit: ScannedBack
    true_from_fit: FloatArray
    s_from_true: FloatArray

    def summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Add ``world_m`` (robot frame, as believed) to the summary's knots; the body's figures."""
        return fitted_body_summary(self.fit, summary, "simulated scan")


def fitted_body_summary(fit: ScannedBack, summary: dict[str, Any], source: str) -> dict[str, Any]:
    """Add ``world_m`` (the scan's frame, as fitted) to the summary's knots, in place, and
    return the body's figures for the summary's ``body`` (``source``: where it came from)."""
    for k in summary.get("knots") or []:
        if all(key in k for key in ("x_m", "y_m", "z_m")):
            w = fit.to_scan(np.array([k["x_m"], k["y_m"], k["z_m"]], dtype=np.float64))
            k["world_m"] = [round(float(c), 5) for c in w]
    q = fit.quality
    return {
        "source": source,
        "back_length_m": round(fit.back_length_m, 5),
        "fit_rms_m": q.get("fit_rms_m"),
        "coverage": q.get("coverage"),
        "s_from_b": np.round(fit.s_from_b, 7).tolist(),
    }


def _unit(rng: np.random.Generator) -> FloatArray:
    v = rng.standard_normal(3)
    return np.asarray(v / np.linalg.norm(v), dtype=np.float64)


def _vec3(a: FloatArray) -> tuple[float, float, float]:
    return (float(a[0]), float(a[1]), float(a[2]))


def scan_and_fit(back: BackModel, spec: ScanSpec, seed: int) -> Registration:
    """Scan the true ``back`` with ``spec``'s errors and fit it (deterministic in ``seed``)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5CA4]))
    offset = _unit(rng) * spec.registration_error_m
    rotvec = _unit(rng) * np.deg2rad(spec.registration_error_deg)
    pose = ScanPose(yaw_rad=float(rng.uniform(-np.pi, np.pi)), offset_m=(0.6, 0.0))
    cam = CameraSpec(
        spacing_m=0.004,
        noise_m=spec.noise_m,
        coverage=spec.coverage,
        registration=(_vec3(offset), _vec3(rotvec)),
    )
    sim = simulate_scan(back, pose, cam, rng)
    fit = fit_scan(Scan(sim.points_m, "simulated scan", "points"))
    true_from_fit = np.linalg.inv(sim.s_from_b) @ fit.s_from_b
    return Registration(fit, true_from_fit, sim.s_from_b)


def planning_body(
    client: ClientSpec, true_back: BackModel, seed: int
) -> tuple[BackModel, Registration | None]:
    """The body the system plans on: the fit of a simulated scan when the client file
    has a ``[scan]`` section, else the exact body (and no registration)."""
    if client.scan is None:
        return true_back, None
    reg = scan_and_fit(true_back, client.scan, seed)
    return reg.fit, reg
