"""``analyze`` takes what other recorders write (issue 13, item 7).

A second, independent generator (not the one the analysis was tuned on) writes logs
the way another lab's recorder would: 125 Hz with timing jitter, triangle strokes with
pauses at the ends, free-text tool and block labels (``hands``, ``Thumbs``,
``Elbow``), extra columns of every type (ISO timestamps, text, integers, booleans,
floats; in Parquet a real timestamp column) and no ``pass_index``. The analysis must
be the same as for the same samples labelled the project's way, and still hear the
knot and the softening the generator put in.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backstroke.analyze import analyze
from backstroke.log_input import face_code

RATE_HZ = 125.0
BACK_M = 0.51
KNOT_U, KNOT_V, KNOT_RATIO, KNOT_R_M = 0.55, 0.032, 2.3, 0.012
SOFT_FROM_PASS, SOFT_DROP = 3, 0.12


def _strokes(
    rng: np.random.Generator, lo: float, hi: float, passes: int, speed_m_s: float, up_first: bool
) -> np.ndarray:
    """u of ``passes`` cycles lo→hi→lo (or hi→lo→hi), pausing 0.4 s at each end."""
    leg_n = int((hi - lo) * BACK_M / speed_m_s * RATE_HZ)
    pause = np.full(int(0.4 * RATE_HZ), 0.0)
    up = np.linspace(lo, hi, leg_n)
    down = up[::-1]
    one = [up, pause + hi, down, pause + lo] if up_first else [down, pause + lo, up, pause + hi]
    return np.concatenate([np.concatenate(one) for _ in range(passes)])


def recorder_log(seed: int = 3) -> dict[str, Any]:
    """Columns as another recorder writes them (labels free text, extras, no pass_index)."""
    rng = np.random.default_rng(seed)
    passes = 7
    glide = _strokes(rng, 0.1, 0.9, passes, 0.035, up_first=False)
    thumb = _strokes(rng, 0.12, 0.92, 4, 0.02, up_first=True)
    n_g = glide.size
    # The truth: pass k of the glide is the k-th equal share of its samples.
    glide_pass = np.floor(np.arange(n_g) * passes / n_g)
    u = np.concatenate([glide, thumb])
    u = u + rng.normal(0.0, 0.0004, u.size)
    v = np.concatenate([np.full(n_g, 0.0), np.full(thumb.size, KNOT_V)])
    n = u.size
    t = np.cumsum(np.full(n, 1.0 / RATE_HZ) * (1.0 + rng.uniform(-0.1, 0.1, n)))
    base = 2100.0 * (1.0 + 0.08 * np.sin(2 * np.pi * u * 3))
    soft = np.where(glide_pass >= SOFT_FROM_PASS, 1.0 - SOFT_DROP, 1.0)
    k_true = base * np.concatenate([soft, np.ones(thumb.size)])
    ds_m = np.hypot((u - KNOT_U) * BACK_M, v - KNOT_V)
    bump = (KNOT_RATIO - 1.0) * np.exp(-0.5 * (ds_m / KNOT_R_M) ** 2)
    k_true = k_true * (1.0 + np.concatenate([np.zeros(n_g), bump[n_g:]]))
    force = np.concatenate([np.full(n_g, 12.0), np.full(thumb.size, 9.0)])
    force = force * (1.0 + rng.normal(0.0, 0.01, n))
    depth = force / k_true
    t0 = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    return {
        "t_s": t,
        "u": u,
        "v": v + rng.normal(0.0, 0.0005, n),
        "normal_force_n": force,
        "indentation_m": depth,
        "tool": np.array(["hands"] * n_g + ["Thumbs"] * thumb.size, dtype=object),
        "block": np.array(["warm-up glide"] * n_g + ["Thumb work L"] * thumb.size, dtype=object),
        # Extras another recorder adds.
        "wall_time": [(t0 + dt.timedelta(seconds=float(x))).isoformat() for x in t],
        "operator": ["Dana K."] * n,
        "frame": np.arange(n, dtype=np.int64),
        "valid": np.ones(n, dtype=bool),
        "temp_c": np.full(n, 31.5),
    }


CANONICAL = {"hands": "palms", "Thumbs": "thumb", "Elbow": "forearm"}


def _canonical(cols: dict[str, Any]) -> dict[str, Any]:
    keep = ("t_s", "u", "v", "normal_force_n", "indentation_m", "tool", "block")
    out = {c: cols[c] for c in keep}
    out["tool"] = np.array([CANONICAL[x] for x in cols["tool"]], dtype=object)
    return out


def _write_csv(path: Path, cols: dict[str, Any]) -> Path:
    names = list(cols)
    n = len(cols["t_s"])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(n):
            w.writerow([_cell(cols[c][i]) for c in names])
    return path


def _cell(x: Any) -> str:
    if isinstance(x, float | np.floating):
        return repr(float(x))
    return str(x)


def _write_parquet(path: Path, cols: dict[str, Any]) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = {}
    for c, v in cols.items():
        if c == "wall_time":
            data[c] = pa.array([dt.datetime.fromisoformat(s) for s in v], pa.timestamp("us"))
        elif isinstance(v, np.ndarray) and v.dtype == object:
            data[c] = pa.array(list(v))
        else:
            data[c] = pa.array(v)
    data["tags"] = pa.array([["a", "b"]] * len(cols["t_s"]))  # a list column
    pq.write_table(pa.table(data), path)
    return path


_SAME = ("log", "format", "tool_labels", "notes")


def _comparable(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k not in _SAME}


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("recorders")
    cols = recorder_log()
    return {
        "csv": _write_csv(d / "other.csv", cols),
        "parquet": _write_parquet(d / "other.parquet", cols),
        "own": _write_csv(d / "own.csv", _canonical(cols)),
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_analysis_as_the_projects_own_labels(logs: dict[str, Path], fmt: str) -> None:
    other = analyze(logs[fmt])
    own = analyze(logs["own"])
    assert _comparable(other) == _comparable(own)
    assert other["tool_labels"] == []  # every label named a face
    assert [b["tool"] for b in other["blocks"]] == ["palms", "thumb"]
    assert [b["block"] for b in other["blocks"]] == ["warm-up glide", "Thumb work L"]


def test_it_still_hears_the_knot_and_the_softening(logs: dict[str, Path]) -> None:
    r = analyze(logs["csv"])
    glide = r["blocks"][0]
    assert glide["passes"] == 7
    assert glide["softening_pass"] is not None
    assert abs(glide["softening_pass"] - SOFT_FROM_PASS) <= 1
    assert r["knots"], r["knots"]
    near = min(r["knots"], key=lambda k: abs(k["u"] - KNOT_U))
    assert abs(near["u"] - KNOT_U) * BACK_M < 0.015
    assert abs(near["v"] - KNOT_V) < 0.015


@pytest.mark.parametrize(
    ("label", "face"),
    [
        ("palm", 0),
        ("Palms", 0),
        ("hand", 0),
        ("HANDS", 0),
        ("heel-of-hand", 0),
        ("forearm", 1),
        ("Elbow", 1),
        ("fore_arm", 1),
        ("thumbs", 2),
        ("thumb pad", 2),
        ("2", 2),
        ("2.0", 2),
        ("knuckles", None),
        ("", None),
    ],
)
def test_tool_names(label: str, face: int | None) -> None:
    assert face_code(label) == face


def test_unknown_labels_are_kept_and_searched_for_knots(tmp_path: Path) -> None:
    cols = recorder_log()
    cols["tool"] = np.array(
        ["hands" if x == "hands" else "knuckle roll" for x in cols["tool"]], dtype=object
    )
    r = analyze(_write_csv(tmp_path / "odd.csv", cols))
    assert r["tool_labels"] == ["knuckle roll"]
    assert r["blocks"][1]["tool"] == "knuckle roll"
    # Samples with a label naming no face are searched as in a log without tools.
    thumbs = analyze(_write_csv(tmp_path / "thumbs.csv", recorder_log()))
    assert r["knots"] == thumbs["knots"]


def test_numeric_tool_codes_outside_the_faces_are_labels(tmp_path: Path) -> None:
    cols = _canonical(recorder_log())
    cols["tool"] = np.where(cols["tool"] == "palms", 0, 7).astype(np.int64)
    r = analyze(_write_csv(tmp_path / "codes.csv", cols))
    assert r["tool_labels"] == ["7"] and r["blocks"][0]["tool"] == "palms"


def test_optional_column_of_text_is_ignored_not_refused(tmp_path: Path) -> None:
    cols = _canonical(recorder_log())
    cols["x_m"] = np.array(["n/a"] * len(cols["t_s"]), dtype=object)
    cols["target_force_n"] = np.array(
        ["" if i % 2 else "12" for i in range(len(cols["t_s"]))], dtype=object
    )
    r = analyze(_write_csv(tmp_path / "text.csv", cols))
    assert any("x_m" in n for n in r["notes"])
    plain = analyze(_write_csv(tmp_path / "plain.csv", _canonical(recorder_log())))
    assert _comparable(r) == _comparable(plain)
