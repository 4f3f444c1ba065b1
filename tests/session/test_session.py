"""Closed-loop sessions on the built-in simulator: continuity, tracking, listening."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backstroke.body.client_file import ClientSpec, load_client
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionResult
from tests.session.sessions import run, short_routine

SUMMARY_KEYS = {
    "duration_s",
    "sim_realtime_factor",
    "contact_breaks",
    "max_normal_force_n",
    "max_pressure_n_cm2",
    "force_rmse_n",
    "orientation_error_deg",
    "blocks",
    "knots",
    "breathing_rate_bpm",
    "safety_events",
    "seed",
    "backstroke_version",
}


@pytest.fixture(scope="module")
def short_result(short_session: SessionResult) -> SessionResult:
    return short_session  # tests/session/conftest.py: one run for the whole test run


def test_summary_has_the_contract_keys(short_result: SessionResult) -> None:
    assert set(short_result.summary) >= SUMMARY_KEYS
    json.dumps(short_result.summary, allow_nan=False)


def test_one_seamless_stroke(short_result: SessionResult) -> None:
    s = short_result.summary
    assert short_result.safety_fault is None
    assert s["contact_breaks"] == 0
    # What the simulated tissue felt agrees: it never lost the hands either.
    assert s.get("sim_truth", {}).get("contact_breaks", 0) == 0 or "sim_truth" not in s


def test_recorded_columns_are_the_tick_s_quantities(short_result: SessionResult) -> None:
    """Time, normal force and indentation (filled in per report) are the plan's time,
    the measured force along the plan normal and the TCP's depth below the plan point,
    tick by tick — to float32, which the runner keeps (0.1 µm, 10 µN)."""
    c, p = short_result.data.columns, short_result.data.plan_columns
    assert np.array_equal(c["t_s"], p["t_s"])
    assert c["t_s"].dtype == np.float64
    c = {k: v.astype(np.float64) for k, v in c.items()}
    p = {k: v.astype(np.float64) for k, v in p.items()}
    n = np.stack([p["nx"], p["ny"], p["nz"]], axis=1)
    f = np.stack([c["fx_n"], c["fy_n"], c["fz_n"]], axis=1)
    gap = np.stack([p["x_m"] - c["x_m"], p["y_m"] - c["y_m"], p["z_m"] - c["z_m"]], axis=1)
    assert np.allclose(c["normal_force_n"], np.einsum("ij,ij->i", f, n), rtol=0, atol=1e-5)
    assert np.allclose(c["indentation_m"], np.einsum("ij,ij->i", gap, n), rtol=0, atol=2e-7)
    # no client signal here: the force scale is at most 1 and the caps only lower it
    assert np.all(c["target_force_n"] <= p["target_force_n"] + 1e-9)


def test_force_tracking_and_orientation(short_result: SessionResult) -> None:
    s = short_result.summary
    assert s["force_rmse_n"] <= 0.5
    assert s["orientation_error_deg"]["mean"] <= 2.0


def test_rest_hears_breathing(short_result: SessionResult) -> None:
    rate = short_result.summary["breathing_rate_bpm"]
    truth = load_client().value("breathing_rate_bpm")
    assert rate is not None and abs(rate - truth) <= 2.0


def test_measured_not_commanded_limits(short_result: SessionResult) -> None:
    c = short_result.data.columns
    assert short_result.summary["max_normal_force_n"] == pytest.approx(
        float(np.max(c["normal_force_n"])), abs=1e-2
    )
    assert short_result.summary["max_normal_force_n"] < 30.0


def test_same_seed_same_summary(short_result: SessionResult) -> None:
    # the module's session again, same client and seed (run's default): the same summary
    a = dict(short_result.summary)
    b = run(short_routine(), load_client()).summary
    a.pop("sim_realtime_factor")
    b.pop("sim_realtime_factor")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.slow
def test_a_client_who_never_softens_ends_at_max_passes() -> None:
    client = ClientSpec(name="stiff", seed=5, softening_rate=0.0, guarding=0.0).resolved()
    routine = Routine.model_validate(
        {
            "start_force_fraction": 1.0,
            "blocks": [
                {
                    "technique": "glide",
                    "target_force_n": 12.0,
                    "u_min": 0.3,
                    "u_max": 0.7,
                    "repeat": {"until": "softening", "min_passes": 2, "max_passes": 4},
                }
            ],
        }
    )
    s = run(routine, client).summary
    block = s["blocks"][0]
    assert block["passes"] == 4
    assert block["ended_because"] == "max_passes"
    assert block["softening_pass"] is None
