"""Row columns: flattening, the time to softening, knots matched against the truth."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, KnotSpec, load_client
from backstroke.session.summary import Summary
from backstroke.sweep.row import (
    KNOT_MATCH_M,
    derived_figures,
    flatten,
    is_wall_clock,
    match_knots,
    softening_time_s,
)


def test_flatten_names_nested_figures_with_dots_and_keeps_lists_as_json() -> None:
    summary = {
        "duration_s": 40.0,
        "orientation_error_deg": {"mean": 0.1, "max": 0.5},
        "sim_truth": {"max_force_n": 14.0, "surface_error_m": {"mean": 0.001}},
        "blocks": [{"technique": "rest", "passes": 1}],
        "knots": [],
        "breathing_rate_bpm": None,
        "bad": float("nan"),
    }
    flat = flatten(summary)
    assert flat["orientation_error_deg.mean"] == 0.1
    assert flat["sim_truth.surface_error_m.mean"] == 0.001
    assert json.loads(flat["blocks"]) == summary["blocks"]
    assert flat["knots"] == "[]"
    assert flat["breathing_rate_bpm"] is None and flat["bad"] is None
    assert is_wall_clock("sim_realtime_factor") and is_wall_clock("loop_period_ms.p99")
    assert not is_wall_clock("duration_s")


@pytest.fixture(scope="module")
def back() -> BackModel:
    return BackModel(load_client())


def test_knots_match_within_15_mm_one_to_one(back: BackModel) -> None:
    true = [(0.3, -0.03), (0.62, 0.032)]
    # Exactly on, and 1 cm along the spine (u step of 0.01 / 0.51 m): both match.
    assert match_knots(back, true, [(0.3, -0.03), (0.62 + 0.01 / 0.51, 0.032)]) == 2
    # 3 cm off: no match; a duplicate find of one knot matches only once.
    assert match_knots(back, true, [(0.3 + 0.03 / 0.51, -0.03)]) == 0
    assert match_knots(back, true, [(0.3, -0.03), (0.3, -0.031)]) == 1
    assert match_knots(back, [], [(0.3, -0.03)]) == 0
    assert match_knots(back, true, []) == 0


@given(
    u=st.floats(0.15, 0.85),
    v=st.floats(-0.05, 0.05),
    du_m=st.floats(-0.03, 0.03),
    dv_m=st.floats(-0.03, 0.03),
)
def test_match_is_the_distance_on_the_body(
    back: BackModel, u: float, v: float, du_m: float, dv_m: float
) -> None:
    """Second, independent measure: the 3D distance of the two skin points, by hand."""
    u2 = u + du_m / back.back_length_m
    v2 = v + dv_m
    a = back.point(u, v)
    b = back.point(u2, v2)
    d = float(np.linalg.norm(a - b))
    if abs(d - KNOT_MATCH_M) < 1e-4:
        return  # on the boundary: either answer is right
    assert match_knots(back, [(u, v)], [(u2, v2)]) == int(d <= KNOT_MATCH_M)


def _summary(**figures: object) -> Summary:
    """A typed summary with the required figures and ``figures``."""
    base = {"duration_s": 60.0, "contact_breaks": 0, "max_normal_force_n": 12.0}
    return Summary.model_validate({**base, "max_pressure_n_cm2": 1.0, **figures})


def _contact(passes: list[int], block: int, dt_s: float = 0.5) -> dict[str, np.ndarray]:
    """Contact-log columns: block 0 (rest, pass -1), then ``block`` with the given passes."""
    pi = [-1, -1] + [p for p in passes for _ in range(4)]
    bl = [0, 0] + [block] * (len(pi) - 2)
    t = np.arange(len(pi)) * dt_s
    return {"t_s": t, "block": np.array(bl, float), "pass_index": np.array(pi, float)}


def test_time_to_softening_is_the_end_of_the_softening_pass() -> None:
    summary = _summary(
        blocks=[
            {"technique": "rest", "passes": 1, "softening_pass": None},
            {"technique": "glide", "passes": 4, "softening_pass": 2},
        ]
    )
    contact = _contact([0, 1, 2, 3], block=1)
    t, b = softening_time_s(summary, contact)
    # pass 2 occupies samples 10..13 → ends at 13 × 0.5 s.
    assert b == 1 and t == pytest.approx(6.5)
    none = _summary(blocks=[{"technique": "glide", "passes": 3, "softening_pass": None}])
    assert softening_time_s(none, contact) == (None, None)
    assert softening_time_s(summary, None) == (None, 1)


def test_derived_figures() -> None:
    spec = ClientSpec(
        name="t", seed=1, knots=[KnotSpec(u=0.3, v=-0.03), KnotSpec(u=0.62, v=0.032)]
    ).resolved()
    summary = _summary(
        blocks=[
            {"technique": "rest", "passes": 1, "softening_pass": None},
            {"technique": "glide", "passes": 4, "softening_pass": 1},
            {"technique": "thumb_strip", "passes": 2, "softening_pass": None},
        ],
        knots=[
            {"u": 0.301, "v": -0.03, "stiffness_ratio": 2.0},
            {"u": 0.9, "v": 0.03, "stiffness_ratio": 1.6},
        ],
        safety_events=[{"t_s": 3.0, "kind": "x", "value": 1.0, "limit": 0.5, "action": "notice"}],
        sim_truth={"max_force_n": 14.0, "too_much_episodes": 2, "max_pressure_n_cm2": 1.5},
    )
    d = derived_figures(summary, spec, _contact([0, 1, 2, 3], block=1))
    assert d["sweep.passes"] == 6
    assert d["sweep.softened"] is True and d["sweep.softening_block"] == 1
    assert d["sweep.time_to_softening_s"] == pytest.approx(4.5)
    assert d["sweep.too_much_episodes"] == 2
    assert d["sweep.max_received_pressure_n_cm2"] == 1.5
    assert d["sweep.safety_events"] == 1
    assert (d["sweep.knots_true"], d["sweep.knots_found"], d["sweep.knots_matched"]) == (2, 2, 1)
    assert d["sweep.knots_precision"] == 0.5 and d["sweep.knots_recall"] == 0.5
    empty = derived_figures(_summary(), ClientSpec(knots=[]).resolved(), None)
    assert empty["sweep.knots_precision"] is None and empty["sweep.knots_recall"] is None
    assert empty["sweep.too_much_episodes"] is None
    assert not any(isinstance(v, float) and math.isnan(v) for v in empty.values())
