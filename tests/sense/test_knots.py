"""Knots on thumb strips, scored against the tests' own stiffness field."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.sense.knots import (
    KnotDetection,
    KnotDetector,
    detect_knots,
    merge_knots,
    strip_groups,
    strip_knots,
)
from backstroke.sense.passes import pass_indices
from backstroke.sense.stiffness import secant_stiffness
from tests.sense.synth import (
    BACK_LENGTH_M,
    THUMB,
    Field,
    TrueKnot,
    knot_scores,
    random_knot_field,
    thumb_log,
)


def _knots(cols: dict[str, np.ndarray], *, use_pass_index: bool = True) -> list:
    thumb = cols["tool"] == THUMB
    c = {k: v[thumb] for k, v in cols.items()}
    k = secant_stiffness(c["normal_force_n"], c["indentation_m"])
    p = pass_indices(c["u"], c["pass_index"] if use_pass_index else None)
    return detect_knots(
        c["u"],
        c["v"],
        k,
        p,
        normal_force_n=c["normal_force_n"],
        x_m=c["x_m"],
        y_m=c["y_m"],
        z_m=c["z_m"],
    )


def _random_case(seed: int, pad_sigma_m: float = 0.0) -> tuple[Field, dict[str, np.ndarray]]:
    """The accuracy scenario: 1.5–2.5× knots 5–15 mm across, σ 0.1 N at 10–20 N,
    1000–4000 N/m with segmental humps, 2–3 cm/s, 100 Hz–1 kHz, 1–2 passes."""
    rng = np.random.default_rng(seed)
    fld = random_knot_field(rng, pad_sigma_m=pad_sigma_m)
    log = thumb_log(
        fld,
        passes=int(rng.integers(1, 3)),
        rate_hz=float(rng.choice([100.0, 250.0, 500.0, 1000.0])),
        speed_m_s=float(rng.uniform(0.02, 0.03)),
        force_n=float(rng.uniform(10, 20)),
        noise_n=0.1,
        seed=seed,
    )
    return fld, log.columns


@pytest.mark.parametrize("pad_sigma_m", [0.0, 0.003])
def test_precision_and_recall_over_50_random_fields(pad_sigma_m: float) -> None:
    """Point contact, and through a thumb pad (a 2× knot 10 mm across reads 1.4×)."""
    tp = found = matched = truth = 0
    pos_err_m: list[float] = []
    for seed in range(50):
        fld, cols = _random_case(seed, pad_sigma_m)
        knots = _knots(cols)
        a, b, c, d = knot_scores([(k.u, k.v) for k in knots], fld.knots)
        tp, found, matched, truth = tp + a, found + b, matched + c, truth + d
        for kn in fld.knots:
            near = [math.hypot((k.u - kn.u) * BACK_LENGTH_M, k.v - kn.v) for k in knots]
            if near and min(near) <= 0.015:
                pos_err_m.append(min(near))
    precision, recall = tp / found, matched / truth
    assert truth >= 100
    assert precision >= 0.95, (precision, tp, found)
    assert recall >= 0.9, (recall, matched, truth)
    assert float(np.median(pos_err_m)) < 0.003


def test_knot_fields_and_positions() -> None:
    fld = Field(base_n_m=2000.0, region_amp=0.1, knots=[TrueKnot(0.5, 0.03, 0.010, 2.0)])
    cols = thumb_log(fld, passes=2, rate_hz=500.0, noise_n=0.1).columns
    knots = _knots(cols)
    assert len(knots) == 1
    kn = knots[0]
    assert kn.u == pytest.approx(0.5, abs=0.004)
    assert kn.v == pytest.approx(0.03, abs=1e-9)
    assert kn.passes_seen == 2
    assert kn.stiffness_ratio == pytest.approx(2.0, rel=0.15)
    assert kn.x_m == pytest.approx(0.05 + 0.5 * BACK_LENGTH_M, abs=0.003)
    assert kn.y_m == pytest.approx(0.03, abs=1e-6)
    assert kn.z_m is not None
    d = kn.to_dict()
    assert set(d) == {"u", "v", "x_m", "y_m", "z_m", "stiffness_ratio", "passes_seen"}


def test_without_positions_and_pass_index() -> None:
    fld = Field(knots=[TrueKnot(0.4, -0.03, 0.008, 1.8)])
    cols = thumb_log(fld, passes=1, noise_n=0.1).columns
    thumb = cols["tool"] == THUMB
    k = secant_stiffness(cols["normal_force_n"][thumb], cols["indentation_m"][thumb])
    u, v = cols["u"][thumb], cols["v"][thumb]
    knots = detect_knots(u, v, k, pass_indices(u))
    assert len(knots) == 1
    assert knots[0].x_m is None and knots[0].y_m is None and knots[0].z_m is None
    assert knots[0].to_dict()["x_m"] is None


def test_smooth_field_has_no_knots() -> None:
    """A strong trend and ±25 % segmental humps every 6–10 cm are not knots."""
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        fld = Field(
            base_n_m=float(rng.uniform(1000, 4000)),
            region_amp=0.3,
            region_phase=float(rng.uniform(0, 6.28)),
            hump_amp=0.25,
            hump_period_m=float(rng.uniform(0.06, 0.1)),
            hump_phase=float(rng.uniform(0, 6.28)),
        )
        assert _knots(thumb_log(fld, passes=2, noise_n=0.1, seed=seed).columns) == []


def test_rising_strip_end_is_not_a_knot() -> None:
    """Stiffness climbing steeply toward bone at the strip's end: no local maximum."""
    s = np.linspace(0.1, 0.9, 4000)
    k = 2000.0 * (1 + 3.0 * np.clip((s - 0.8) / 0.1, 0, 1) ** 2)
    assert strip_knots(s, np.full(s.size, 0.03), k) == []


def test_narrow_spike_is_not_a_knot() -> None:
    s = np.linspace(0.1, 0.9, 8000)  # 0.05 mm per sample
    k = np.full(s.size, 2000.0)
    k[4000:4010] = 5000.0  # 0.5 mm wide: narrower than 2 mm
    assert strip_knots(s, np.zeros(s.size) + 0.03, k) == []
    k[4000:4060] = 5000.0  # 3 mm
    found = strip_knots(s, np.zeros(s.size) + 0.03, k)
    assert len(found) == 1 and found[0].stiffness_ratio == pytest.approx(2.5, rel=0.01)


def test_merge_within_15_mm_strongest_first() -> None:
    def det(u: float, v: float, r: float, p: int) -> KnotDetection:
        return KnotDetection(u, v, math.nan, math.nan, math.nan, r, p, 1 if v > 0 else -1)

    du = 0.010 / BACK_LENGTH_M
    dets = [det(0.5, 0.03, 1.8, 0), det(0.5 + du, 0.03, 2.0, 1), det(0.5, -0.03, 1.6, 0)]
    knots = merge_knots(dets)
    assert len(knots) == 2
    left = next(k for k in knots if k.v > 0)
    assert left.passes_seen == 2 and left.stiffness_ratio == pytest.approx(1.9)
    far = [det(0.5, 0.03, 1.8, 0), det(0.5 + 2 * du, 0.03, 1.8, 1)]
    assert len(merge_knots(far)) == 2


def test_incremental_detector() -> None:
    fld = Field(knots=[TrueKnot(0.6, 0.03, 0.012, 2.2), TrueKnot(0.3, -0.03, 0.006, 1.6)])
    cols = thumb_log(fld, passes=2, noise_n=0.1, rate_hz=200.0).columns
    det = KnotDetector()
    thumb = cols["tool"] == THUMB
    k_all = secant_stiffness(cols["normal_force_n"], cols["indentation_m"])
    for p in (0, 1):
        m = thumb & (cols["pass_index"] == p)
        det.add_pass(cols["u"][m], cols["v"][m], k_all[m], normal_force_n=cols["normal_force_n"][m])
    assert det.passes == 2
    assert len(det.detections) == 4
    assert [round(k.u, 2) for k in det.knots] == [0.3, 0.6]
    assert all(k.passes_seen == 2 for k in det.knots)


# ---------------------------------------------------------------- issue 13: band lanes


def _strip(
    k_of_s, *, v_m: float = 0.03, force_of_s=None, breath_m: float = 0.0, seed: int = 0
) -> dict[str, np.ndarray]:
    """One upward thumb strip, 2.5 cm/s at 200 Hz, force held; tissue F = kδ(1 + δ/15 mm);
    the back breathes ``breath_m`` (amplitude) at 15/min under the tool."""
    rng = np.random.default_rng(seed)
    s = np.arange(0.05, 0.46, 0.025 / 200)
    t = (s - s[0]) / 0.025
    f = np.full(s.size, 12.0) if force_of_s is None else force_of_s(s)
    k = k_of_s(s)
    a = k / 0.015
    depth = (-k + np.sqrt(k * k + 4 * a * f)) / (2 * a)
    depth = depth + breath_m * np.sin(2 * np.pi * 0.25 * t + 1.0)
    f = f + rng.normal(0.0, 0.05, s.size)
    return {"t_s": t, "u": s / BACK_LENGTH_M, "v": np.full(s.size, v_m), "f": f, "d": depth}


def _find(c: dict[str, np.ndarray], *, timed: bool = True) -> list:
    k = secant_stiffness(c["f"], c["d"])
    return detect_knots(
        c["u"],
        c["v"],
        k,
        np.zeros(k.size, dtype=np.int64),
        normal_force_n=c["f"],
        t_s=c["t_s"] if timed else None,
        indentation_m=c["d"] if timed else None,
    )


def _bump(s: np.ndarray, at_m: float, ratio: float, r_m: float = 0.006) -> np.ndarray:
    return 1.0 + (ratio - 1.0) * np.exp(-(((s - at_m) / r_m) ** 4))


def test_breathing_humps_are_not_knots_and_knots_still_are() -> None:
    """A back breathing ±2 mm under the thumb (secant humps of ±30 %): each strip's own
    breath is taken out; nothing is found on a flat back, the knot on a knotty one."""
    flat = _strip(lambda s: np.full(s.size, 2000.0), breath_m=0.002)
    assert _find(flat) == []
    knotty = _strip(lambda s: 2000.0 * _bump(s, 0.25, 2.0), breath_m=0.002)
    found = _find(knotty)
    assert len(found) == 1
    assert found[0].u * BACK_LENGTH_M == pytest.approx(0.25, abs=0.004)


def test_a_step_of_force_is_not_a_knot() -> None:
    """Tissue stiffening with depth: 12 N then 9 N steps the secant; no knot there."""

    def force(s: np.ndarray) -> np.ndarray:
        return np.where(s < 0.3, 12.0, 9.0)

    stepped = _strip(lambda s: np.full(s.size, 2000.0), force_of_s=force)
    assert _find(stepped) == []
    knotty = _strip(lambda s: 2000.0 * _bump(s, 0.15, 1.8), force_of_s=force)
    assert [round(k.u * BACK_LENGTH_M, 2) for k in _find(knotty)] == [0.15]


def test_a_knot_between_two_lanes_is_placed_between_them() -> None:
    """Lanes 6 mm apart, a knot 2 mm from one: felt by both, weaker; merged between."""
    v0, r_m, ratio = 0.032, 0.005, 2.0

    def lane(v: float) -> dict[str, np.ndarray]:
        across = np.exp(-(((v - v0) / r_m) ** 4))
        return _strip(lambda s: 2000.0 * _bump(s, 0.25, 1 + (ratio - 1) * across, r_m), v_m=v)

    a, b = lane(0.030), lane(0.036)
    both = {c: np.concatenate([a[c], b[c]]) for c in a}
    both["t_s"] = np.concatenate([a["t_s"], b["t_s"] + a["t_s"][-1] + 1.0])
    found = _find(both)
    assert len(found) == 1
    assert found[0].v == pytest.approx(v0, abs=0.0015)
    single = _find(a)[0]
    assert abs(found[0].stiffness_ratio - 2.0) < abs(single.stiffness_ratio - 2.0)


def test_strips_split_where_the_thumb_changes_lane() -> None:
    """Two upward strips on one side, one after the other (the return not recorded)."""
    u = np.concatenate([np.linspace(0.1, 0.9, 500), np.linspace(0.1, 0.9, 500)])
    v = np.concatenate([np.full(500, 0.03), np.full(500, 0.036)])
    groups = strip_groups(u, v, np.zeros(u.size, dtype=np.int64))
    big = [g for g in groups if g.size > 100]
    assert len(big) == 2
    assert {round(float(np.median(v[g])), 3) for g in big} == {0.03, 0.036}


def _knotty_back(s: np.ndarray) -> np.ndarray:
    """Three knots, 1.6–2.2×, on a back with a 9 cm segmental hump of ±12 %."""
    base = 2000.0 * (1.0 + 0.12 * np.sin(2 * np.pi * s / 0.09))
    return base * _bump(s, 0.14, 2.2) * _bump(s, 0.26, 1.8) * _bump(s, 0.37, 1.6)


def _touchdown_first(c: dict[str, np.ndarray], hold_s: float = 0.3) -> dict[str, np.ndarray]:
    """The strip as a recorder logs it: first the thumb setting down at the strip's
    start, the force ramping from zero while the depth climbs from 8 mm in the air."""
    n = int(hold_s * 200)
    ramp = np.linspace(0.0, 1.0, n, endpoint=False)
    head = {
        "t_s": c["t_s"][0] - hold_s + ramp * hold_s,
        "u": np.full(n, c["u"][0]),
        "v": np.full(n, c["v"][0]),
        "f": c["f"][0] * ramp,
        "d": -0.008 + (c["d"][0] + 0.008) * ramp,
    }
    return {k: np.concatenate([head[k], c[k]]) for k in c}


def test_a_touch_down_inside_the_strip_is_not_fitted_as_breath() -> None:
    """The touch-down's depth (8 mm of air to 7 mm deep in a moment at one u) is no
    breath: the breath is fitted on the loaded samples, and the three knots are found
    where they are, with nothing else (fitted with it, the breath swung the depth by
    centimetres and the knots moved or vanished)."""
    for seed in range(3):
        c = _touchdown_first(_strip(_knotty_back, breath_m=0.0012, seed=seed))
        found = sorted(round(k.u * BACK_LENGTH_M, 2) for k in _find(c))
        assert found == [0.14, 0.26, 0.37], seed


def test_a_force_that_breathes_does_not_cut_the_strip() -> None:
    """A force loop that gives way to the breath: the force rises and falls ±8 % with
    it. That is a steady force, not a step at every breath (each plateau a few cm long,
    the knots near their ends lost); a real step is still cut."""

    def breathing_force(s: np.ndarray) -> np.ndarray:
        t = (s - s[0]) / 0.025
        return 12.0 * (1.0 + 0.08 * np.sin(2 * np.pi * 0.25 * t + 1.0))

    for seed in range(3):
        c = _strip(_knotty_back, force_of_s=breathing_force, breath_m=0.0008, seed=seed)
        found = sorted(round(k.u * BACK_LENGTH_M, 2) for k in _find(c))
        assert found == [0.14, 0.26, 0.37], seed

    def stepped(s: np.ndarray) -> np.ndarray:
        return np.where(s < 0.3, 12.0, 9.0) * (1.0 + 0.05 * np.sin(2 * np.pi * s / 0.1))

    flat = _strip(lambda s: np.full(s.size, 2000.0), force_of_s=stepped)
    assert _find(flat) == []
