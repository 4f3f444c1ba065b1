"""Shared test fixtures and hypothesis strategies."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

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
