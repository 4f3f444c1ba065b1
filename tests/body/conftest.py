"""Scans shared by the scan tests (module-cached: each takes a second or two)."""

from __future__ import annotations

from functools import cache

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client, random_client
from backstroke.body.scan_sim import CameraSpec, ScanPose, SimScan, simulate_scan
from tests.body.phantom import Phantom
from tests.body.phantom_camera import PhantomScan, Pinhole, render


@cache
def parametric_scan(
    seed: int = 7, yaw_rad: float = 0.7, arms: str = "sides"
) -> tuple[BackModel, SimScan]:
    """A parametric client (the default one for seed 7) scanned at 4 mm."""
    back = BackModel(load_client() if seed == 7 else random_client(seed))
    pose = ScanPose(yaw_rad=yaw_rad, offset_m=(0.55, -0.1), table_z_m=0.02, arms=arms)
    sim = simulate_scan(back, pose, CameraSpec(spacing_m=0.0045), np.random.default_rng(seed))
    return back, sim


@cache
def phantom_scan(seed: int) -> PhantomScan:
    """A scan from the independent generator (superquadric client, pinhole camera)."""
    rng = np.random.default_rng(90_000 + seed)
    ph = Phantom.draw(rng)
    cam = Pinhole(pixel_m=0.005, noise_m=0.002, height_m=1.1, offset_m=(0.1, 0.2))
    return render(ph, cam, float(rng.uniform(-np.pi, np.pi)), (0.5, 0.0, 0.0), rng)
