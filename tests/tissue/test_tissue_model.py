"""The simulated client: calibration against DESIGN §5, knots, softening, guarding,
breathing, the comfort signal and the truth records."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, KnotSpec, load_client, random_client
from backstroke.errors import ClientError
from backstroke.tissue import Tissue, TissueParams
from backstroke.tools import Tool

DT = 0.001
QUIET = TissueParams(breath_amplitude_range_m=(1e-7, 1e-7))  # no breathing: exact forces


@pytest.fixture(scope="module")
def client() -> ClientSpec:
    return load_client()


@pytest.fixture(scope="module")
def back(client: ClientSpec) -> BackModel:
    return BackModel(client)


@pytest.fixture(scope="module")
def tissue(back: BackModel, client: ClientSpec) -> Tissue:
    return Tissue(back, client)


def quiet(back: BackModel, client: ClientSpec) -> Tissue:
    return Tissue(back, client, QUIET)


def drive(
    ts: Tissue,
    t0: float,
    seconds: float,
    u: float,
    v: float,
    gap_m: float,
    *,
    speed_m_s: float = 0.0,
    accel2: float = 0.0,
) -> tuple[float, tuple[float, float]]:
    """Hold both pads ``gap_m`` deep at ``(u, v)`` for ``seconds``; return (t, forces).

    The first 100 ms ramp from the previous depth (no step of indentation).
    """
    n = round(seconds / DT)
    f = (0.0, 0.0)
    s2 = speed_m_s * speed_m_s
    t = t0
    prev = ts._prev0 - ts._pad0[8] * (ts._bo_c0 + ts._bo_c1 * t0)  # last geometric gap
    for k in range(1, n + 1):
        t = t0 + k * DT
        g = gap_m if k >= 100 or gap_m < 0 else prev + (gap_m - prev) * k / 100
        f = ts.press(t, u, v, g, g, s2, accel2)
    return t, f


# ---------------------------------------------------------------- DESIGN §5 calibration
GLIDE_U = np.linspace(0.12, 0.88, 20)


def _palm_indentations_mm(ts: Tissue, force_n: float) -> np.ndarray:
    return np.array(
        [ts.indentation_for_force_m(Tool.PALMS, u, 0.0, force_n) * 1e3 for u in GLIDE_U]
    )


@pytest.mark.parametrize("seed", [None, 3, 11])
def test_palm_force_indentation_in_design_ranges(seed: int | None, back: BackModel) -> None:
    c = load_client() if seed is None else random_client(seed)
    ts = Tissue(back if seed is None else BackModel(c), c)
    d10 = np.median(_palm_indentations_mm(ts, 10.0))
    d30 = np.median(_palm_indentations_mm(ts, 30.0))
    lo, hi = 0.5 * 2000 / c.value("stiffness_n_m"), 2.0 * 2000 / c.value("stiffness_n_m")
    # DESIGN §5: palm-size contact ≈ 5–15 mm at 10–30 N (for a 2000 N/m client).
    assert 4.0 * lo <= d10 <= 9.0 * hi
    assert 8.0 * lo <= d30 <= 16.0 * hi
    if seed is None:
        assert 4.5 <= d10 <= 7.0
        assert 8.0 <= d30 <= 15.0


def test_client_stiffness_is_the_median_palm_secant(tissue: Tissue, client: ClientSpec) -> None:
    sec = tissue.stiffness_along_n_m(np.linspace(0.08, 0.92, 60), np.zeros(60), Tool.PALMS, 12.0)
    assert float(np.median(sec)) == pytest.approx(client.value("stiffness_n_m"), rel=0.03)


def test_thumb_sinks_at_most_15_mm_over_the_erector(tissue: Tissue) -> None:
    for u in np.linspace(0.15, 0.85, 8):
        for v in (0.03, -0.035):
            for f in (12.0, 20.0):
                assert tissue.indentation_for_force_m(Tool.THUMB, u, v, f) <= 0.0155


def test_forearm_in_range_over_the_low_back(tissue: Tissue) -> None:
    d = [tissue.indentation_for_force_m(Tool.FOREARM, 0.3, 0.05, f) * 1e3 for f in (10, 30)]
    assert 4.0 <= d[0] <= 10.0
    assert 7.0 <= d[1] <= 16.0


def test_bone_stiffens_steeply(tissue: Tissue) -> None:
    spine = tissue.normal_force_n(Tool.THUMB, 0.5, 0.0, 0.009)
    erector = tissue.normal_force_n(Tool.THUMB, 0.5, 0.04, 0.009)
    assert spine > 3.0 * erector
    assert tissue.pad_depth_m(0.5, 0.0, Tool.THUMB)[0] < 0.02


def test_pressure_over_bone_exceeds_comfort_quickly(tissue: Tissue) -> None:
    thr_bone = tissue.comfort_threshold_n_cm2(0.5, 0.0, Tool.THUMB)[0]
    thr_muscle = tissue.comfort_threshold_n_cm2(0.5, 0.04, Tool.THUMB)[0]
    assert thr_bone == pytest.approx(3.0, abs=0.3)
    assert thr_muscle == pytest.approx(8.0, abs=0.5)
    f = tissue.normal_force_n(Tool.THUMB, 0.5, 0.0, 0.008)
    assert f / (np.pi * 0.8**2) > thr_bone


# ---------------------------------------------------------------- stiffness field and knots
def test_variation_is_bounded_and_seeded(back: BackModel, client: ClientSpec) -> None:
    a = Tissue(back, client).fields
    b = Tissue(back, client).fields
    assert np.array_equal(a.stiffness_point_n_m, b.stiffness_point_n_m)
    assert float(np.max(np.abs(a.variation))) == pytest.approx(0.10)
    other = Tissue(back, client.model_copy(update={"seed": 8})).fields
    assert not np.array_equal(a.variation, other.variation)


def test_erector_is_softer(tissue: Tissue) -> None:
    f = tissue.fields
    g = tissue.grid
    k_over = f.stiffness_point_n_m / f.knot_factor / (1 + f.variation)
    i = int(np.argmin(np.abs(g.u - 0.3)))
    j_mid = int(np.argmin(np.abs(g.v_m - 0.0)))
    j_er = int(np.argmin(np.abs(g.v_m - 0.04)))
    assert k_over[i, j_er] < 0.93 * k_over[i, j_mid]


def test_knots_are_stiffer_by_their_ratio(tissue: Tissue, client: ClientSpec) -> None:
    f = tissue.fields
    for knot in client.knots or []:
        centre = float(tissue.grid.sample(f.knot_factor, knot.u, knot.v))
        assert centre == pytest.approx(knot.stiffness_ratio, rel=0.02)
        # Half the excess at about the radius: taut spots 5–15 mm across.
        ring = float(tissue.grid.sample(f.knot_factor, knot.u, knot.v + 1.2 * knot.radius_m))
        assert ring < 1.0 + 0.5 * (knot.stiffness_ratio - 1.0)
    for row in tissue.knots():
        assert row["felt_ratio_thumb"] >= 1.0 + 0.7 * (row["stiffness_ratio"] - 1.0)
        assert row["felt_ratio_forearm"] < 1.05  # a broad tool barely feels them


def test_thumb_feels_a_knot_as_a_local_peak(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    knot = (client.knots or [])[0]
    vs = knot.v + np.linspace(-0.02, 0.02, 17)
    k = [ts.effective_stiffness_n_m(knot.u, v, Tool.THUMB) for v in vs]
    assert int(np.argmax(k)) == 8


# ---------------------------------------------------------------- softening
def test_softening_grows_with_dose_and_recovers(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    u, v = 0.5, 0.0
    gap = ts.indentation_for_force_m(Tool.PALMS, u, v, 12.0)
    s0 = max(ts.softening_at(u, v, Tool.PALMS))
    k0 = ts.effective_stiffness_n_m(u, v, Tool.PALMS)
    t, _ = drive(ts, 0.0, 20.0, u, v, gap)
    s20 = max(ts.softening_at(u, v, Tool.PALMS))
    t, _ = drive(ts, t, 40.0, u, v, gap)
    s60 = max(ts.softening_at(u, v, Tool.PALMS))
    assert s0 == 0.0 < s20 < s60 <= ts.softening_max
    assert ts.effective_stiffness_n_m(u, v, Tool.PALMS) < k0 * (1 - 0.5 * s60)
    assert float(ts.softening_map().max()) == pytest.approx(s60, rel=0.2)
    # Off the skin for 10 minutes: the tissue recovers (τ ≈ 4 min).
    ts.set_control_period(0.02)
    for k in range(1, 30_001):
        ts.press(t + 0.02 * k, u, v, -0.05, -0.05, 0.0, 0.0)
    s_rec = max(ts.softening_at(u, v, Tool.PALMS))
    assert s_rec < 0.4 * s60


def test_knots_soften_more_slowly(back: BackModel, client: ClientSpec) -> None:
    """At the same thumb force (the same pressure–time dose), a knot softens less."""
    knot = (client.knots or [])[0]
    soft = []
    for u in (knot.u, knot.u + 0.1):
        ts = quiet(back, client)
        ts.select_tool(Tool.THUMB)
        assert ts.fields.tool(Tool.THUMB).dose_scale_n_cm2_s.max() > 2.0
        gap = ts.indentation_for_force_m(Tool.THUMB, u, knot.v, 6.0)
        drive(ts, 0.0, 1.0, u, knot.v, gap)
        soft.append(ts.softening_at(u, knot.v, Tool.THUMB)[0])
    at_knot, away = soft
    assert 0.0 < at_knot < 0.75 * away


def test_no_softening_when_rate_is_zero(back: BackModel, client: ClientSpec) -> None:
    ts = Tissue(back, client.model_copy(update={"softening_rate": 0.0}), QUIET)
    u, v = 0.5, 0.0
    gap = ts.indentation_for_force_m(Tool.PALMS, u, v, 12.0)
    _, f_start = drive(ts, 0.0, 1.0, u, v, gap)
    _t, f_end = drive(ts, 1.0, 59.0, u, v, gap)
    assert ts.softening_max == 0.0
    assert float(ts.softening_map().max()) == 0.0
    # Only the calm contact's slow relaxation of guarding: well under 2 %.
    assert sum(f_end) > 0.98 * sum(f_start)


def test_glide_softens_4_percent_within_5_passes(back: BackModel, client: ClientSpec) -> None:
    """The spa glide (12 N, 3 cm/s, u 0.08 ↔ 0.92): truth secant −4 % by pass 3–5."""
    ts = quiet(back, client)
    us = np.linspace(0.1, 0.9, 33)
    start = float(np.median(ts.stiffness_along_n_m(us, np.zeros_like(us), Tool.PALMS, 12.0)))
    leg_s = back.path_length_m(np.linspace(0.08, 0.92, 200), np.zeros(200)) / 0.03
    gaps = {
        round(u, 3): ts.indentation_for_force_m(Tool.PALMS, u, 0.0, 12.0)
        for u in np.linspace(0.08, 0.92, 85)
    }
    keys = np.array(sorted(gaps))
    vals = np.array([gaps[k] for k in keys])
    n_leg = int(leg_s / DT)
    down = np.linspace(0.92, 0.08, n_leg)
    path = np.concatenate([down, down[::-1]])
    gap_path = np.interp(path, keys, vals)
    drops = []
    t = 0.0
    s2 = 0.03**2
    for _ in range(5):
        for u, g in zip(path.tolist(), gap_path.tolist(), strict=True):
            t += DT
            ts.press(t, u, 0.0, g, g, s2, 0.0)
        now = float(np.median(ts.stiffness_along_n_m(us, np.zeros_like(us), Tool.PALMS, 12.0)))
        drops.append(1.0 - now / start)
    assert drops == sorted(drops)
    assert drops[0] < 0.04
    assert 0.04 <= drops[3] <= 0.10  # after the 4th pass
    assert drops[4] <= 0.10


# ---------------------------------------------------------------- guarding and trust
def test_calm_contact_builds_trust(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    trust0, g0 = ts.trust, ts.guarding
    drive(ts, 0.0, 30.0, 0.5, 0.0, 0.005, speed_m_s=0.03)
    assert ts.trust > trust0
    assert ts.guarding < g0


def test_contact_break_raises_guarding(back: BackModel, client: ClientSpec) -> None:
    calm = quiet(back, client)
    broken = quiet(back, client)
    t, _ = drive(calm, 0.0, 2.0, 0.5, 0.0, 0.005)
    drive(calm, t, 1.0, 0.5, 0.0, 0.005)
    t, _ = drive(broken, 0.0, 2.0, 0.5, 0.0, 0.005)
    t, _ = drive(broken, t, 0.1, 0.5, 0.0, -0.02)  # lift off for 100 ms
    drive(broken, t, 0.9, 0.5, 0.0, 0.005)
    assert broken.records()["contact_breaks"] == 1
    assert calm.records()["contact_breaks"] == 0
    assert broken.guarding > calm.guarding + 0.05
    assert broken.trust < calm.trust


def test_brief_flicker_is_not_a_break(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    t, _ = drive(ts, 0.0, 1.0, 0.5, 0.0, 0.005)
    for k in range(1, 1001):  # 5 ms just off the skin, then straight back
        g = -0.001 if k <= 5 else 0.005
        assert (sum(ts.press(t + k * DT, 0.5, 0.0, g, g, 0.0, 0.0)) == 0.0) == (k <= 5)
    assert ts.records()["contact_breaks"] == 0


def test_a_touch_after_the_lift_off_leaves_it_the_lift_off(
    back: BackModel, client: ClientSpec
) -> None:
    """A breath meeting the rising hand for 0.1 s after the release is not a break; a
    real return to the skin (longer than a contact run) is."""
    ts = quiet(back, client)
    t, _ = drive(ts, 0.0, 2.0, 0.5, 0.0, 0.005)
    t, _ = drive(ts, t, 0.5, 0.5, 0.0, -0.01)  # the lift-off
    t, _ = drive(ts, t, 0.1, 0.5, 0.0, 0.002)  # the skin touches the hand once more
    drive(ts, t, 1.0, 0.5, 0.0, -0.02)
    assert ts.records()["contact_breaks"] == 0
    back_on = quiet(back, client)
    t, _ = drive(back_on, 0.0, 2.0, 0.5, 0.0, 0.005)
    t, _ = drive(back_on, t, 0.5, 0.5, 0.0, -0.01)
    t, _ = drive(back_on, t, 0.5, 0.5, 0.0, 0.005)  # back on the skin for 0.5 s
    drive(back_on, t, 1.0, 0.5, 0.0, -0.02)
    assert back_on.records()["contact_breaks"] == 1


def test_jerks_raise_guarding(back: BackModel, client: ClientSpec) -> None:
    calm = quiet(back, client)
    jerky = quiet(back, client)
    drive(calm, 0.0, 2.0, 0.5, 0.0, 0.005)
    t, _ = drive(jerky, 0.0, 1.0, 0.5, 0.0, 0.005)
    t, _ = drive(jerky, t, 0.02, 0.5, 0.0, 0.005, accel2=25.0)  # 5 m/s² RMS for 20 ms
    drive(jerky, t, 0.98, 0.5, 0.0, 0.005)
    assert jerky.records()["jerks"] == 1
    assert jerky.guarding > calm.guarding + 0.03


def test_overspeed_raises_guarding(back: BackModel, client: ClientSpec) -> None:
    slow = quiet(back, client)
    fast = quiet(back, client)
    drive(slow, 0.0, 3.0, 0.5, 0.0, 0.005, speed_m_s=0.03)
    drive(fast, 0.0, 3.0, 0.5, 0.0, 0.005, speed_m_s=0.15)
    assert fast.guarding > slow.guarding
    assert fast.records()["overspeed_s"] == pytest.approx(3.0, abs=0.05)


def test_guarding_stiffens_the_tissue(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    k0 = ts.effective_stiffness_n_m(0.5, 0.04, Tool.THUMB)
    t, _ = drive(ts, 0.0, 1.0, 0.5, 0.04, 0.004)
    for _ in range(5):  # five breaks in a row
        t, _ = drive(ts, t, 0.05, 0.5, 0.04, -0.02)
        t, _ = drive(ts, t, 0.5, 0.5, 0.04, 0.004)
    assert ts.guarding > 0.8
    assert ts.effective_stiffness_n_m(0.5, 0.04, Tool.THUMB) > 1.05 * k0


# ---------------------------------------------------------------- comfort signal
def test_too_much_signal_has_latency(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    ts.select_tool(Tool.THUMB)
    u, v = 0.5, 0.0  # over the spinous processes: thin tissue, threshold ≈ 3 N/cm²
    thr = ts.comfort_threshold_n_cm2(u, v, Tool.THUMB)[0]
    gap = ts.indentation_for_force_m(Tool.THUMB, u, v, 1.4 * thr * np.pi * 0.8**2)
    t, _ = drive(ts, 0.0, 1.0, u, v, -0.01)
    onset = t
    seen: list[tuple[float, str]] = []
    for k in range(1, 1001):
        now = onset + k * DT
        g = gap * min(k / 20, 1.0)
        ts.press(now, u, v, g, g, 0.0, 0.0)
        seen.append((now, ts.client_signal))
    first = next(tt for tt, s in seen if s == "too_much")
    assert 0.18 <= first - onset <= 0.45
    assert all(s == "" for tt, s in seen if tt - onset < 0.18)
    assert ts.records()["too_much_episodes"] == 1
    # Release: the signal clears, again late.
    t = seen[-1][0]
    t, _ = drive(ts, t, 0.1, u, v, -0.01)
    assert ts.client_signal == "too_much"
    drive(ts, t, 0.5, u, v, -0.01)
    assert ts.client_signal == ""


def test_stop_signal_when_far_over_comfort(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    ts.select_tool(Tool.THUMB)
    gap = ts.indentation_for_force_m(Tool.THUMB, 0.5, 0.0, 15.0)
    drive(ts, 0.0, 1.0, 0.5, 0.0, gap)
    assert ts.client_signal == "stop"
    rec = ts.records()
    assert rec["stop_episodes"] == 1
    assert rec["max_pressure_zone"] == "spinous_processes"
    # the ramp in adds ~10 % of viscous force (0.01 s × δ / 0.1 s)
    p_max = rec["max_pressure_n_cm2"]
    assert 15.0 / (np.pi * 0.8**2) <= p_max <= 1.13 * 15.0 / (np.pi * 0.8**2)
    assert 15.0 <= rec["max_force_n"] <= 1.13 * 15.0


def test_comfortable_thumb_strip_pressure(back: BackModel, client: ClientSpec) -> None:
    ts = quiet(back, client)
    ts.select_tool(Tool.THUMB)
    for u in (0.2, 0.5, 0.8):
        gap = ts.indentation_for_force_m(Tool.THUMB, u, 0.035, 12.0)
        drive(ts, 2.0 * u * 10, 1.0, u, 0.035, gap)
        assert ts.client_signal == ""


# ---------------------------------------------------------------- breathing
@pytest.mark.parametrize("seed", [7, 1, 2, 3])
def test_breathing_amplitude_and_rate(seed: int, back: BackModel, client: ClientSpec) -> None:
    c = client.model_copy(update={"seed": seed})
    ts = Tissue(back, c)
    t = np.arange(0.0, 180.0, 0.05)
    rate_hz = c.value("breathing_rate_bpm") / 60.0
    for u in (0.3, 0.9):
        x = np.array([ts.surface_offset_m(u, 0.05, s) for s in t])
        # peak-to-peak of each breath within 2–5 mm
        per = round(1.0 / rate_hz / 0.05)
        for k in range(0, x.size - per, per):
            pp = np.ptp(x[k : k + per])
            assert 0.0017 <= pp <= 0.0051
        assert abs(float(x.mean())) < 0.0006
        spec = np.abs(np.fft.rfft(x - x.mean()))
        freqs = np.fft.rfftfreq(x.size, 0.05)
        assert freqs[int(np.argmax(spec[1:])) + 1] == pytest.approx(rate_hz, rel=0.08)
    low = np.ptp([ts.surface_offset_m(0.3, 0.05, s) for s in t])
    high = np.ptp([ts.surface_offset_m(0.95, 0.05, s) for s in t])
    assert high < 0.8 * low  # less at the shoulders


def test_breathing_moves_the_force(back: BackModel, client: ClientSpec) -> None:
    ts = Tissue(back, client)
    gap = ts.indentation_for_force_m(Tool.PALMS, 0.4, 0.0, 12.0)
    forces = []
    t = 0.0
    for k in range(1, 10_001):
        t = k * DT
        forces.append(sum(ts.press(t, 0.4, 0.0, gap, gap, 0.0, 0.0)))
    assert np.ptp(forces) > 3.0  # a few mm of breathing under ~2000 N/m


# ---------------------------------------------------------------- API and determinism
def test_determinism(back: BackModel, client: ClientSpec) -> None:
    def run() -> list[float]:
        ts = Tissue(back, client)
        return [sum(ts.press(k * DT, 0.4, 0.02, 0.006, 0.006, 0.0, 0.0)) for k in range(3000)]

    assert run() == run()


def test_needs_a_resolved_client(back: BackModel) -> None:
    with pytest.raises(ClientError):
        Tissue(back, ClientSpec())


def test_records_are_plain_numbers(tissue: Tissue) -> None:
    rec = tissue.records()
    for key in ("max_force_n", "max_pressure_n_cm2", "trust", "guarding", "contact_time_s"):
        assert isinstance(rec[key], float)


def test_client_without_knots(back: BackModel, client: ClientSpec) -> None:
    ts = Tissue(back, client.model_copy(update={"knots": []}))
    assert ts.knots() == []
    assert float(ts.fields.knot_factor.max()) == 1.0


def test_knot_spec_used(back: BackModel, client: ClientSpec) -> None:
    knots = [KnotSpec(u=0.4, v=-0.035, radius_m=0.0075, stiffness_ratio=2.5)]
    ts = Tissue(back, client.model_copy(update={"knots": knots}))
    assert float(ts.grid.sample(ts.fields.knot_factor, 0.4, -0.035)) == pytest.approx(2.5, rel=0.02)


@pytest.mark.parametrize("tool", list(Tool))
def test_fast_path_matches_the_truth_api(back: BackModel, client: ClientSpec, tool: Tool) -> None:
    ts = quiet(back, client)
    ts.select_tool(tool)
    rng = np.random.default_rng(3)
    t = 0.0
    for _ in range(25):
        u = float(rng.uniform(0.05, 0.95))
        v = float(rng.uniform(-0.01, 0.01) if tool == Tool.PALMS else rng.uniform(-0.07, 0.07))
        gap = float(rng.uniform(0.002, 0.009))
        for _ in range(3):  # constant depth: no viscous part
            t += DT
            f = ts.press(t, u, v, gap, gap, 0.0, 0.0)
        # (the pad's softening lags the dose under it by 50 ms: a trace of the last spot)
        assert sum(f) == pytest.approx(ts.normal_force_n(tool, u, v, gap), rel=5e-3)
        t, _ = drive(ts, t, 0.02, u, v, -0.02)  # lift between points
