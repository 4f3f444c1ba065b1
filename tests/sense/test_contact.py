"""Contact breaks and still holds."""

from __future__ import annotations

import numpy as np

from backstroke.sense.contact import contact_breaks, planned_contact, still_holds


def _force(rate_hz: float, gaps_ms: list[float], end_release: bool = True) -> tuple:
    t = np.arange(0, 10, 1 / rate_hz)
    f = np.full(t.size, 10.0)
    f[t < 0.5] = 0.0  # approach: not a break
    for i, g in enumerate(gaps_ms):
        a = 2.0 + 2 * i
        f[(t >= a) & (t < a + g / 1000 - 1e-9)] = 0.1
    if end_release:
        f[t > 9.5] = 0.0  # lift-off: not a break
    return t, f


def test_breaks_counted_once_each_and_not_at_the_ends() -> None:
    for rate in (100.0, 1000.0):
        t, f = _force(rate, [50.0, 500.0, 30.0])
        assert contact_breaks(t, f) == 3


def test_short_dips_are_not_breaks() -> None:
    t, f = _force(1000.0, [10.0, 20.0])
    assert contact_breaks(t, f) == 0
    t, f = _force(1000.0, [25.0])
    assert contact_breaks(t, f) == 1


def test_nan_is_no_contact_and_no_contact_at_all() -> None:
    t, f = _force(100.0, [])
    f[300:310] = np.nan
    assert contact_breaks(t, f) == 1
    assert contact_breaks(t, np.zeros(t.size)) == 0


def test_still_holds() -> None:
    t = np.arange(0, 60, 0.01)
    u = np.where(t < 20, 0.8, np.where(t < 40, 0.8 - (t - 20) * 0.03, 0.2))
    u = u + np.random.default_rng(0).normal(0, 0.001, t.size)
    holds = still_holds(t, u)
    assert len(holds) == 2
    (a, b), (c, d) = holds
    assert t[a] == 0 and 19 <= t[b - 1] <= 20.01
    assert 40 <= t[c] <= 41.5 and t[d - 1] == t[-1]
    assert still_holds(t[:1000], u[:1000]) == []  # 10 s is too short


def test_within_judges_only_the_planned_contact() -> None:
    from backstroke.sense.contact import break_intervals

    t = np.arange(0.0, 3.0, 0.001)
    f = np.full(t.size, 5.0)
    f[(t > 1.0) & (t < 1.05)] = 0.0  # a 50 ms break while planned in contact
    f[t > 2.5] = 0.0  # the lift-off
    planned = t < 2.5
    assert break_intervals(t, f, within=planned) == [(t[1001], t[1050])]
    # The same lift-off planned later still is the final release, not a break.
    assert contact_breaks(t, f, within=t < 2.9) == 1
    # Planned contact that never touched is one break over the whole plan.
    assert contact_breaks(t, np.zeros(t.size), within=planned) == 1
    assert contact_breaks(t, np.zeros(t.size)) == 0


def test_a_flicker_after_the_planned_release_is_not_a_break() -> None:
    """The release ramps the planned force to zero on the skin: once it asks for less
    than the contact force, a measured dip there (the back lifting into the tool as the
    force fades) is not a break; the same dip while the plan still presses is."""
    t = np.arange(0.0, 2.0, 0.004)
    planned = np.where(t < 1.5, 8.0, np.maximum(0.0, 8.0 * (1.8 - t) / 0.3))
    in_contact = (t < 1.9).astype(float)
    measured = planned.copy()
    flicker = (t >= 1.78) & (t < 1.81)  # below 0.5 N, back up, then gone
    measured[flicker] = 0.2
    measured[(t >= 1.81) & (t < 1.83)] = 0.7
    measured[t >= 1.83] = 0.0
    assert contact_breaks(t, measured, within=in_contact) == 1  # the flags alone
    within = planned_contact(in_contact, planned)
    assert contact_breaks(t, measured, within=within) == 0
    dip = measured.copy()
    dip[(t >= 1.0) & (t < 1.05)] = 0.1
    assert contact_breaks(t, dip, within=planned_contact(in_contact, planned)) == 1
    assert np.array_equal(planned_contact(in_contact, None), in_contact > 0)
