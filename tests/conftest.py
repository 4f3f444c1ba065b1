"""Shared test fixtures and hypothesis strategies."""

from __future__ import annotations

import os

# One BLAS thread per test process, as the command runs (backstroke/_single_thread.py):
# with two xdist workers on two cores a threaded BLAS spins, and a small least squares
# took 30× longer. Set before any test module imports numpy; the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def default_back():  # type: ignore[no-untyped-def]
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client

    return BackModel(load_client())
