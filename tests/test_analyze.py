"""``analyze``: contact logs in CSV, Parquet and MCAP, and the errors a bad log gets."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from backstroke.analyze import (
    REQUIRED_COLUMNS,
    TOOL_NAMES,
    analyze,
    analyze_columns,
    read_contact_log,
)
from backstroke.errors import BackstrokeError, LogError, MissingExtraError
from backstroke.session.log import SessionLogWriter
from tests.sense.synth import (
    Field,
    TrueKnot,
    concat_logs,
    glide_log,
    knot_scores,
    rest_log,
    thumb_log,
)

KNOTS = [TrueKnot(0.45, 0.03, 0.010, 2.0), TrueKnot(0.65, -0.03, 0.008, 1.7)]


def _session_like(seed: int = 0) -> dict[str, np.ndarray]:
    """Rest 20 s (block 0), 6 glide passes softening 10 % from pass 3 (block 1), two thumb
    passes over two knots (block 2); force noise σ 0.1 N; two 100 ms contact breaks."""
    rest = rest_log(rate_bpm=15.0, duration_s=20.0, rate_hz=200.0, u=0.92, seed=seed)
    rest.update(
        pass_index=np.zeros(rest["t_s"].size),
        tool=np.zeros(rest["t_s"].size),
        x_m=np.full(rest["t_s"].size, 0.5),
        y_m=np.zeros(rest["t_s"].size),
        target_force_n=np.full(rest["t_s"].size, 6.0),
    )
    glide = glide_log(passes=6, soften_from=3, drop=0.1, noise_n=0.1, rate_hz=200.0, seed=seed)
    fld = Field(base_n_m=2500.0, knots=KNOTS)
    thumb = thumb_log(fld, passes=2, rate_hz=200.0, noise_n=0.1, seed=seed)
    parts = [rest, glide.columns, thumb.columns]
    for b, p in enumerate(parts):
        p["block"] = np.full(p["t_s"].size, float(b))
    cols = concat_logs(*parts)
    t0 = cols["t_s"][cols["block"] == 1][0]
    for start in (t0 + 30.0, t0 + 70.0):
        cols["normal_force_n"][(cols["t_s"] >= start) & (cols["t_s"] < start + 0.1)] = 0.1
    cols["normal_force_n"][-20:] = 0.0  # release at the end: not a break
    return cols


def write_csv(path: Path, cols: dict[str, np.ndarray], *, tool_names: bool = True) -> Path:
    names = list(cols)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(cols["t_s"].size):
            row = []
            for c in names:
                x = cols[c][i]
                if c == "tool" and tool_names:
                    row.append(TOOL_NAMES[int(x)])
                elif c in ("pass_index", "block"):
                    row.append(str(int(x)))
                else:
                    row.append(repr(float(x)))
            w.writerow(row)
    return path


def write_parquet(path: Path, cols: dict[str, np.ndarray]) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = {
        c: (pa.array([TOOL_NAMES[int(x)] for x in v]) if c == "tool" else v)
        for c, v in cols.items()
    }
    pq.write_table(pa.table(data), path)
    return path


def write_mcap(path: Path, cols: dict[str, np.ndarray]) -> Path:
    with SessionLogWriter(path) as log:
        log.write_state(cols)
    return path


@pytest.fixture(scope="module")
def session_cols() -> dict[str, np.ndarray]:
    return _session_like()


@pytest.fixture(scope="module")
def csv_result(
    session_cols: dict[str, np.ndarray], tmp_path_factory: pytest.TempPathFactory
) -> dict:
    path = write_csv(tmp_path_factory.mktemp("a") / "session.csv", session_cols)
    return analyze(path)


def test_csv_session_figures(csv_result: dict, session_cols: dict[str, np.ndarray]) -> None:
    r = csv_result
    assert r["format"] == "csv"
    assert r["passes"] == 1 + 6 + 2
    assert r["softening_pass"] == 3 and r["softening_block"] == 1 and r["stiffness_block"] == 1
    s = r["stiffness_by_pass_n_m"]
    assert len(s) == 6 and s[3] / s[0] == pytest.approx(0.9, abs=0.01)
    tp, found, matched, truth = knot_scores([(k["u"], k["v"]) for k in r["knots"]], KNOTS)
    assert (tp, found, matched, truth) == (2, 2, 2, 2)
    assert all(k["x_m"] is not None and k["passes_seen"] == 2 for k in r["knots"])
    assert r["contact_breaks"] == 2
    f = session_cols["normal_force_n"]
    assert r["mean_force_n"] == pytest.approx(float(np.mean(f[f >= 0.5])), abs=1e-3)
    assert r["breathing_rate_bpm"] == pytest.approx(15.0, abs=1.0)
    assert r["baseline_stiffness_n_m"] == pytest.approx(1500.0, rel=0.02)
    assert r["duration_s"] == pytest.approx(
        session_cols["t_s"][-1] - session_cols["t_s"][0], abs=1e-3
    )
    assert [b["tool"] for b in r["blocks"]] == ["palms", "palms", "thumb"]
    assert [b["passes"] for b in r["blocks"]] == [1, 6, 2]
    assert [b["block"] for b in r["blocks"]] == [0, 1, 2]
    assert r["blocks"][0]["breathing_rate_bpm"] == pytest.approx(15.0, abs=1.0)
    assert len(r["blocks"][2]["knots"]) == 2 and r["blocks"][1]["knots"] == []
    json.dumps(r, allow_nan=False)


def test_parquet_matches_csv(
    csv_result: dict, session_cols: dict[str, np.ndarray], tmp_path: Path
) -> None:
    r = analyze(write_parquet(tmp_path / "session.parquet", session_cols))
    assert r["format"] == "parquet"
    strip = {"log", "format"}
    assert {k: v for k, v in r.items() if k not in strip} == {
        k: v for k, v in csv_result.items() if k not in strip
    }


def test_mcap_matches_csv(
    csv_result: dict, session_cols: dict[str, np.ndarray], tmp_path: Path
) -> None:
    r = analyze(write_mcap(tmp_path / "session.mcap", session_cols))
    assert r["format"] == "mcap"
    for key in ("passes", "softening_pass", "softening_block", "contact_breaks", "samples"):
        assert r[key] == csv_result[key]
    assert r["stiffness_by_pass_n_m"] == pytest.approx(
        csv_result["stiffness_by_pass_n_m"], rel=1e-3
    )
    got = [x for k in r["knots"] for x in (k["u"], k["v"])]
    want = [x for k in csv_result["knots"] for x in (k["u"], k["v"])]
    assert got == pytest.approx(want, abs=1e-3)
    assert r["breathing_rate_bpm"] == pytest.approx(csv_result["breathing_rate_bpm"], abs=0.05)


def test_derived_passes_without_pass_index_or_blocks(session_cols: dict[str, np.ndarray]) -> None:
    glide = {c: v for c, v in session_cols.items() if c not in ("pass_index", "block")}
    sel = session_cols["block"] == 1
    r = analyze_columns({c: v[sel] for c, v in glide.items()})
    assert r["passes"] == 6 and r["softening_pass"] == 3
    assert r["blocks"] == [] and r["softening_block"] is None and r["stiffness_block"] is None
    assert r["contact_breaks"] == 2
    assert r["knots"] == []


def test_thumb_block_outside_the_logs_passes_still_heard(
    session_cols: dict[str, np.ndarray],
) -> None:
    # A recorder numbering only its glide's passes (-1 elsewhere): the thumb's strips
    # are still there, as legs of u.
    cols = dict(session_cols)
    cols["pass_index"] = np.where(cols["block"] == 2, -1.0, cols["pass_index"])
    r = analyze_columns(cols)
    tp, found, matched, truth = knot_scores([(k["u"], k["v"]) for k in r["knots"]], KNOTS)
    assert (tp, found, matched, truth) == (2, 2, 2, 2)
    assert r["blocks"][2]["passes"] == 0 and len(r["blocks"][2]["knots"]) == 2


def test_tempo_from_whole_beat_strokes() -> None:
    """Strokes of 4 beats at 60 BPM: one turnaround every 4 s = 15 strokes/min."""
    rate = 100.0
    legs = []
    for i in range(8):
        s = np.arange(1, 401) / 400
        prog = s - np.sin(2 * np.pi * s) / (2 * np.pi)
        a, b = (0.9, 0.1) if i % 2 == 0 else (0.1, 0.9)
        legs.append(a + (b - a) * prog)
    u = np.concatenate([[0.9], *legs])
    n = u.size
    cols = {
        "t_s": np.arange(n) / rate,
        "u": u,
        "v": np.zeros(n),
        "normal_force_n": np.full(n, 12.0),
        "indentation_m": np.full(n, 0.006),
    }
    r = analyze_columns(cols)
    assert r["stroke_period_s"] == pytest.approx(4.0, abs=0.02)
    assert r["tempo_bpm"] == pytest.approx(15.0, abs=0.1)
    assert r["passes"] == 4 and r["softening_pass"] is None
    assert r["stiffness_by_pass_n_m"] == [2000.0] * 4


def test_single_pass_is_not_an_error(tmp_path: Path) -> None:
    n = 500
    cols = {
        "t_s": np.arange(n) * 0.01,
        "u": np.linspace(0.9, 0.1, n),
        "v": np.zeros(n),
        "normal_force_n": np.full(n, 10.0),
        "indentation_m": np.full(n, 0.005),
    }
    r = analyze(write_csv(tmp_path / "one.csv", cols))
    assert r["passes"] == 1 and r["softening_pass"] is None
    assert r["tempo_bpm"] is None and r["stroke_period_s"] is None
    assert r["breathing_rate_bpm"] is None


def test_deterministic(session_cols: dict[str, np.ndarray], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", session_cols)
    assert json.dumps(analyze(path), sort_keys=True) == json.dumps(analyze(path), sort_keys=True)


def test_tool_codes_and_named_blocks(tmp_path: Path) -> None:
    cols = thumb_log(Field(knots=KNOTS), passes=1, rate_hz=100.0).columns
    path = write_csv(tmp_path / "codes.csv", cols, tool_names=False)
    text = path.read_text().splitlines()
    lines = [text[0] + ",block"] + [ln + ",strips" for ln in text[1:]]
    path.write_text("\n".join(lines) + "\n")
    r = analyze(path)
    assert r["blocks"][0]["block"] == "strips" and r["stiffness_block"] == "strips"
    assert r["softening_block"] is None
    assert len(r["knots"]) == 2
    assert read_contact_log(path).columns["tool"].max() == 2.0


# ------------------------------------------------------------------ errors


def _small(tmp_path: Path, **edits: list[str]) -> Path:
    rows = {
        "t_s": ["0.0", "0.01", "0.02"],
        "u": ["0.5", "0.5", "0.5"],
        "v": ["0", "0", "0"],
        "normal_force_n": ["10", "10", "10"],
        "indentation_m": ["0.005", "0.005", "0.005"],
    }
    rows.update(edits)
    path = tmp_path / "small.csv"
    names = [c for c in rows if rows[c]]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(3):
            w.writerow([rows[c][i] for c in names])
    return path


def _err(path: Path) -> LogError:
    with pytest.raises(LogError) as info:
        analyze(path)
    assert info.value.exit_code == 2
    assert str(path) in str(info.value)
    return info.value


def test_error_missing_file(tmp_path: Path) -> None:
    e = _err(tmp_path / "nope.csv")
    assert "not found" in str(e)


def test_error_empty_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "empty" in str(_err(empty))
    header = tmp_path / "header.csv"
    header.write_text(",".join(REQUIRED_COLUMNS) + "\n")
    assert "no samples" in str(_err(header))


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_error_missing_column(tmp_path: Path, missing: str) -> None:
    e = _err(_small(tmp_path, **{missing: []}))
    assert e.key == missing and "missing" in str(e)


def test_error_non_numeric(tmp_path: Path) -> None:
    e = _err(_small(tmp_path, normal_force_n=["10", "ten", "10"]))
    assert e.key == "normal_force_n" and e.value == "ten" and "line 3" in str(e)
    e = _err(_small(tmp_path, u=["0.5", "", "0.5"]))
    assert e.key == "u"


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_error_nan_inf_in_required(tmp_path: Path, bad: str) -> None:
    e = _err(_small(tmp_path, indentation_m=["0.005", "0.005", bad]))
    assert e.key == "indentation_m" and "line 4" in str(e)


def test_nan_in_optional_column_is_fine(tmp_path: Path) -> None:
    r = analyze(_small(tmp_path, x_m=["0.1", "nan", ""]))
    assert r["samples"] == 3


def test_error_time_not_increasing(tmp_path: Path) -> None:
    e = _err(_small(tmp_path, t_s=["0.0", "0.02", "0.02"]))
    assert e.key == "t_s" and "line 4" in str(e) and "increas" in str(e)


def test_optional_columns_never_refuse(tmp_path: Path) -> None:
    # Free-text tools (issue 13): 'elbow' is the forearm, an unknown label is kept.
    r = analyze(_small(tmp_path, tool=["thumb", "elbow", "knuckles"]))
    assert r["tool_labels"] == ["knuckles"]
    # A pass_index that is not whole numbers is ignored (passes derived from u).
    r = analyze(_small(tmp_path, pass_index=["0", "0.5", "1"]))
    assert any("pass_index" in n for n in r["notes"])


def test_error_other_bad_values(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("t_s,u,v,normal_force_n,indentation_m\n0,0.5,0,10,0.005\n0.1,0.5,0\n")
    assert "line 3" in str(_err(ragged))


def test_error_unknown_format_and_not_mcap(tmp_path: Path) -> None:
    odd = tmp_path / "log.txt"
    odd.write_text("x")
    assert ".csv" in str(_err(odd))
    fake = tmp_path / "fake.mcap"
    fake.write_text("t_s,u\n")
    assert "MCAP" in str(_err(fake))


def test_error_mcap_without_contact(tmp_path: Path) -> None:
    path = tmp_path / "empty.mcap"
    with SessionLogWriter(path) as log:
        log.write_json("/summary", {"x": 1})
    assert "/contact" in str(_err(path))


def test_parquet_needs_pyarrow(
    tmp_path: Path, session_cols: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_parquet(tmp_path / "x.parquet", {c: v[:100] for c, v in session_cols.items()})
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingExtraError) as info:
        analyze(path)
    assert "parquet" in str(info.value) and info.value.exit_code == 2


def test_bad_threshold(tmp_path: Path) -> None:
    with pytest.raises(BackstrokeError):
        analyze(_small(tmp_path), softening_threshold=1.5)
