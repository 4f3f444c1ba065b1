"""Regional preferences and the client's voice: pure functions, checked by invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.session.preferences import (
    MAX_BUMPS,
    MIN_REGIONAL_SCALE,
    Bump,
    ClientVoice,
    PreferenceError,
    RegionalPreference,
    without_skipped,
)

L = 0.51
us = st.floats(0.0, 1.0)
vs = st.floats(-0.2, 0.2)
factors = st.floats(0.3, 0.99)


def _naive_scale(bumps: list[tuple[float, float, float, float]], u: float, v: float) -> float:
    """An independent scalar reading of the module docstring's formula."""
    f = 1.0
    for bu, bv, scale, r in bumps:
        d2 = ((u - bu) * L) ** 2 + (v - bv) ** 2
        f *= 1.0 - (1.0 - scale) * math.exp(-d2 / (2.0 * r * r))
    return max(f, MIN_REGIONAL_SCALE)


@given(st.lists(st.tuples(us, vs, factors), max_size=12), us, vs)
def test_scale_is_within_bounds_and_matches_the_formula(
    presses: list[tuple[float, float, float]], u: float, v: float
) -> None:
    pref = RegionalPreference((), L)
    for pu, pv, f in presses:
        pref = pref.pressed(pu, pv, f)
    got = float(pref.scale_at(u, v))
    assert MIN_REGIONAL_SCALE <= got <= 1.0
    naive = _naive_scale([(b.u, b.v_m, b.scale, b.radius_m) for b in pref.bumps], u, v)
    assert got == pytest.approx(naive, rel=1e-12, abs=1e-12)
    assert len(pref.bumps) <= min(len(presses), MAX_BUMPS)


@given(us, vs, factors)
def test_one_press_lowers_its_centre_and_nothing_far_away(u: float, v: float, f: float) -> None:
    pref = RegionalPreference((), L).pressed(u, v, f)
    assert float(pref.scale_at(u, v)) == pytest.approx(max(f, MIN_REGIONAL_SCALE))
    far_u = 1.0 if u < 0.5 else 0.0
    if abs(far_u - u) * L > 0.2:
        assert float(pref.scale_at(far_u, v)) > 0.999


def test_presses_at_one_spot_deepen_one_region_down_to_the_floor() -> None:
    pref = RegionalPreference((), L)
    for k in range(10):
        pref = pref.pressed(0.5, 0.02 + 0.001 * k, 0.75)
    assert len(pref.bumps) == 1
    assert pref.bumps[0].scale == MIN_REGIONAL_SCALE
    assert pref.pressed(0.5, 0.0, 1.0) is pref  # nothing lower asked: unchanged
    assert pref.pressed(math.nan, 0.0, 0.5) is pref  # no position: unchanged


def test_json_round_trip_and_validation() -> None:
    pref = RegionalPreference((Bump(0.4, 0.03, 0.7), Bump(0.8, -0.02, 0.9, 0.05)), L)
    again = RegionalPreference.from_json(pref.to_json(), L)
    assert again.to_json() == pref.to_json()
    np.testing.assert_allclose(again.scale_at([0.4, 0.8], [0.03, -0.02]), [0.7, 0.9], atol=1e-3)
    bad = [
        ({"u": 0.4}, "regional_preference[0].v_m"),
        ({"u": 1.5, "v_m": 0.0, "scale": 0.8}, "regional_preference[0].u: 1.5 outside"),
        ({"u": 0.5, "v_m": 0.0, "scale": 0.1}, "scale: 0.1 outside 0.5..1.0"),
        ({"u": 0.5, "v_m": 0.0, "scale": True}, "is not a number"),
        ({"u": 0.5, "v_m": 0.0, "scale": 0.8, "depth": 1}, "unknown key 'depth'"),
        ("north", "is not an object"),
    ]
    for obj, msg in bad:
        with pytest.raises(PreferenceError, match=msg.replace(".", r"\.").replace("[", r"\[")):
            RegionalPreference.from_json([obj])
    with pytest.raises(PreferenceError, match="not a list"):
        RegionalPreference.from_json({"u": 0.5})
    with pytest.raises(PreferenceError, match="at most"):
        RegionalPreference.from_json([{"u": 0.5, "v_m": 0.0, "scale": 0.9}] * (MAX_BUMPS + 1))


def test_the_voice_applies_each_kind() -> None:
    voice = ClientVoice(1.0, RegionalPreference((), L))
    voice.hear(10.0, "lighter", 0.5, 0.0)
    assert voice.overall == pytest.approx(0.9)
    assert float(voice.regions.scale_at(0.5, 0.0)) == pytest.approx(0.9)
    voice.hear(11.0, "too_much", 0.2, 0.03)
    assert voice.overall == pytest.approx(0.9 * 0.85)
    assert float(voice.regions.scale_at(0.2, 0.03)) == pytest.approx(0.75, abs=1e-3)
    voice.hear(12.0, "firmer", 0.9, 0.0)
    assert voice.overall == pytest.approx(0.9 * 0.85 * 1.1)
    voice.hear(13.0, "stop", 0.9, 0.0)
    voice.hear(14.0, "bogus", 0.9, 0.0)  # recorded, no effect
    assert voice.overall == pytest.approx(0.9 * 0.85 * 1.1)
    assert not voice.take_skip("glide")
    voice.hear(15.0, "skip", 0.9, 0.0)
    assert voice.take_skip("glide") and not voice.take_skip("glide")
    assert voice.skipped == ["glide"]
    assert [s["kind"] for s in voice.signals] == [
        "lighter",
        "too_much",
        "firmer",
        "stop",
        "bogus",
        "skip",
    ]
    for _ in range(20):
        voice.hear(16.0, "lighter", 0.9, 0.0)
    assert voice.overall == 0.5


def test_without_skipped_never_empties_the_routine() -> None:
    assert without_skipped(["rest", "glide", "thumb_strip"], ["thumb_strip"]) == (
        [0, 1],
        ["skipped thumb_strip (the client's remembered preference)"],
    )
    assert without_skipped(["glide"], []) == ([0], [])
    kept, notes = without_skipped(["glide", "glide"], ["glide"])
    assert kept == [0, 1] and "whole routine" in notes[0]
