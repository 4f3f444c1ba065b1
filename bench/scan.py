"""``python -m bench.scan [N_PHANTOM N_PARAMETRIC N_SLICE N_LOFT N_SHELL N_TOF]``: scan-fit accuracy
and speed.

Writes bench/results/scan.json (and the figures block of docs/scan.md,
``bench/scan_doc.py``).

* ``phantom``: scans from the second generator (``tests/body/phantom*.py``:
  superquadric client, ray-marched pinhole camera), varying yaw, arms, noise 1–2.5 mm,
  pixel 3.5–6 mm, holes, flying pixels. The fit's constants were calibrated on it and
  on ``backmodel``.
* ``backmodel``: scans of random parametric clients (``backstroke.body.scan_sim``).
* ``slice``: the third generator (``tests/body/slice_*.py``: a stack of elliptical
  cross-sections with its own anatomy, a structured-light camera rendered by z-buffer
  with projector shadows, table tilt), written after the calibration and first run
  blind (``bench/results/scan_blind_first_run.json``, ``python -m bench.scan_blind``).
* ``loft``: the fourth generator (``tests/body/loft_*.py``: a tube lofted along a
  curved core axis with superellipse sections tilted with the spine, vertebral levels
  of its own, 3D surface samples seen by a time-of-flight camera with multipath, mixed
  pixels and lens distortion), written after the fit was calibrated on the others and
  run blind first (``bench/results/scan_blind_third_first_run.json``).
* ``shell``: the fifth generator (``tests/body/shell_*.py``: a superellipse height-field
  body with explicit scapular plates and sacral dimples, an active-stereo camera),
  written after the landmark finders were tuned on the other four, without reading the
  fit code, and run blind first (``bench/results/scan_blind_fifth_first_run.json``).
* ``tof``: the sixth generator (``tests/body/metaball_body.py``, ``tof_camera.py``: a
  signed-distance torso with a skeleton under soft tissue, sphere-traced by a
  time-of-flight camera with multipath, mixed pixels and dark blobs), written after the
  finders were tuned on the other five, without reading the fit code, and run blind
  first (``bench/results/scan_blind_sixth_first_run.json``).
* ``timing``: fitting a 300 000-point scan (and reading it from a binary PLY).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from tests.body.loft_camera import loft_case_scan
from tests.body.phantom import ARM_POSES, Phantom
from tests.body.phantom_camera import Pinhole, render
from tests.body.phantom_score import LIMITS_M, score, within_limits
from tests.body.shell_camera import shell_case_scan
from tests.body.slice_camera import slice_case_scan
from tests.body.tof_camera import tof_case_scan

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import random_client
from backstroke.body.scan_fit import fit_scan
from backstroke.body.scan_io import Scan, ScanError, read_scan
from backstroke.body.scan_sim import ARMS, CameraSpec, ScanPose, simulate_scan
from bench.scan_doc import write_doc

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scan.json"
PREFACE = """
Written by `python -m bench.scan` (2 shared cores). Median / 90th percentile / worst;
"within" counts the scans meeting issue 14's limits (midline lateral RMS ≤ 5 mm,
C7 ≤ 20 mm, PSIS ≤ 15 mm, scapular inferior angles ≤ 25 mm, iliac-crest tops ≤ 30 mm,
back length within 5 %; the paired landmarks count the worse side). The fit's
constants were calibrated on the first two generators; the slices and the loft were
each written afterwards, and their first, blind runs are kept in
`bench/results/scan_blind_first_run.json` and `scan_blind_third_first_run.json`; the
landmark finders were then tuned on all four, and the shell written after that, its
blind run kept in `scan_blind_fifth_first_run.json`. Session 7 changed the dimple
pair test looking at the phantom, slices, loft and shell only; the parametric body and
the sixth generator (`tof`) were held out until session 7's run. Session 9 changed the
shoulder tops (elbows beside the head, seen on `tof`) and the table test (a flat back
or, on a noisy scan, a plane through the body taken for the table: `loft`, `slice`),
and checked them on 30 scans of every generator. Session 10 moved C7 from the knee into
the neck to the prominens caudal of it (signed errors of scans 0-9 of the phantom,
slices, loft, shell and tof, `bench/scan_errors.py`), then ran this once. Session 11
made the dimple pair a mirror pair (one pit's mirror image within an ellipse of the
other, not a box; a false pair on the phantom), checked on scans 0-9 of the phantom,
slices, loft, shell and tof, then ran this.
"""


def phantom_case_scan(seed: int) -> tuple[Any, Any, float, Any]:
    """Scan ``seed`` of the phantom generator: the body, its camera, the yaw (rad) and
    the rendered scan (with its truth; ``s_from_q``: phantom frame → scan frame)."""
    rng = np.random.default_rng(70_000 + seed)
    ph = Phantom.draw(rng, ARM_POSES[seed % len(ARM_POSES)])
    cam = Pinhole(
        pixel_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        height_m=float(rng.uniform(0.95, 1.3)),
        offset_m=(float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.3, 0.3))),
        dropout=float(rng.uniform(0.0, 0.03)),
        stripes=int(rng.integers(0, 5)),
        flying=float(rng.uniform(0.2, 0.8)),
    )
    yaw = float(rng.uniform(-np.pi, np.pi))
    at = (
        float(rng.uniform(0.3, 0.8)),
        float(rng.uniform(-0.3, 0.3)),
        float(rng.uniform(-0.1, 0.1)),
    )
    return ph, cam, yaw, render(ph, cam, yaw, at, rng)


def phantom_case(seed: int) -> dict[str, Any]:
    ph, cam, yaw, sc = phantom_case_scan(seed)
    row: dict[str, Any] = {
        "seed": seed,
        "arms": ph.arms,
        "points": len(sc.points_m),
        "noise_m": cam.noise_m,
        "pixel_m": cam.pixel_m,
        "yaw_deg": round(float(np.degrees(yaw)), 1),
    }
    return _fit_row(row, sc.points_m, f"phantom-{seed}", sc, sc.s_from_q[:3, 0])


def _fit_row(
    row: dict[str, Any], points_m: Any, name: str, truth: Any, head: Any
) -> dict[str, Any]:
    """Fit one generated scan and score it against its truth (``landmarks_m``,
    ``midline_m``, ``back_length_m``; ``head``: the true head direction)."""
    t0 = time.perf_counter()
    try:
        fit = fit_scan(Scan(points_m, name, "points"))
    except ScanError as exc:
        return {**row, "error": str(exc)}
    row["fit_s"] = round(time.perf_counter() - t0, 3)
    s = score(fit, truth.landmarks_m, truth.midline_m, truth.back_length_m, head)
    return {
        **row,
        **s,
        "along_error_m": along_errors_m(fit, truth.landmarks_m),
        "ok": within_limits(s),
    }


def along_errors_m(fit: Any, landmarks_m: dict[str, Any]) -> dict[str, float]:
    """Signed errors along the fitted spine (B's x, + = headward) of C7 and of the
    PSIS pair's mean: the back length's miss is C7's minus the PSIS's (over the arc)."""
    out = {}
    for key, names in (("C7", ("C7",)), ("psis", ("psis_left", "psis_right"))):
        err = [
            float(fit.landmarks[n].point_m[0] - fit.to_body(np.asarray(landmarks_m[n])[None])[0][0])
            for n in names
            if n in landmarks_m
        ]
        if err:
            out[key] = round(float(np.mean(err)), 4)
    return out


def _camera_case(kind: str, seed: int, body: Any, cam: Any, sc: Any, s_from: Any) -> dict[str, Any]:
    """One generated body seen by its camera, fitted and scored (``s_from``: the
    generator's frame → scan frame, whose first column is the head direction)."""
    row: dict[str, Any] = {
        "seed": seed,
        "arms": body.arms,
        "points": len(sc.points_m),
        "noise_m": cam.noise_m,
        "pixel_m": cam.pixel_m,
    }
    return _fit_row(row, sc.points_m, f"{kind}-{seed}", sc, s_from[:3, 0])


def slice_case(seed: int) -> dict[str, Any]:
    body, cam, sc = slice_case_scan(seed)
    return _camera_case("slice", seed, body, cam, sc, sc.s_from_e)


def loft_case(seed: int) -> dict[str, Any]:
    body, cam, sc = loft_case_scan(seed)
    return _camera_case("loft", seed, body, cam, sc, sc.s_from_e)


def shell_case(seed: int) -> dict[str, Any]:
    body, cam, sc = shell_case_scan(seed)
    return _camera_case("shell", seed, body, cam, sc, sc.s_from_f)


def tof_case(seed: int) -> dict[str, Any]:
    body, cam, sc = tof_case_scan(seed)
    return _camera_case("tof", seed, body, cam, sc, sc.s_from_g)


def backmodel_case(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(60_000 + seed)
    back = BackModel(random_client(seed))
    pose = ScanPose(
        yaw_rad=float(rng.uniform(-np.pi, np.pi)),
        offset_m=(float(rng.uniform(0.4, 0.8)), float(rng.uniform(-0.2, 0.2))),
        table_z_m=float(rng.uniform(-0.1, 0.1)),
        torso_depth_m=float(rng.uniform(0.18, 0.25)),
        arms=ARMS[seed % len(ARMS)],
    )
    cam = CameraSpec(
        spacing_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        hole_fraction=float(rng.uniform(0.0, 0.04)),
        flying_fraction=float(rng.uniform(0.1, 0.6)),
    )
    sim = simulate_scan(back, pose, cam, rng)
    row: dict[str, Any] = {"seed": seed, "arms": pose.arms, "points": len(sim.points_m)}
    t0 = time.perf_counter()
    try:
        fit = fit_scan(Scan(sim.points_m, f"backmodel-{seed}", "points"))
    except ScanError as exc:
        return {**row, "error": str(exc)}
    row["fit_s"] = round(time.perf_counter() - t0, 3)
    length = float(np.linalg.norm(np.diff(sim.midline_m, axis=0), axis=1).sum())
    s = score(fit, sim.landmarks_m, sim.midline_m, length, sim.s_from_b[:3, 0])
    along = along_errors_m(fit, sim.landmarks_m)
    return {**row, **s, "along_error_m": along, "ok": within_limits(s)}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    good = [r for r in rows if "error" not in r]

    def stats(vals: list[float]) -> dict[str, float]:
        a = np.abs(np.asarray(vals))
        return {
            "median": round(float(np.median(a)), 4),
            "p90": round(float(np.percentile(a, 90)), 4),
            "max": round(float(a.max()), 4),
        }

    out: dict[str, Any] = {"cases": len(rows), "fitted": len(good)}
    if not good:
        return out
    out["head_right"] = sum(r["head_right"] for r in good)
    out["midline_lateral_rms_m"] = stats([r["midline_lateral_rms_m"] for r in good])
    out["back_length_rel"] = stats([r["back_length_rel"] for r in good])
    for name in good[0]["landmark_error_m"]:
        out[f"{name}_m"] = stats([r["landmark_error_m"][name] for r in good])
    for pair in ("psis", "scapula_inferior_angle", "iliac_crest_top"):
        out[f"{pair}_m"] = stats(
            [
                max(r["landmark_error_m"][f"{pair}_left"], r["landmark_error_m"][f"{pair}_right"])
                for r in good
            ]
        )
    keys = good[0]["ok"].keys()
    out["within_limits"] = {k: sum(r["ok"][k] for r in good) for k in keys}
    out["all_within"] = sum(all(r["ok"].values()) for r in good)
    out["fit_s"] = stats([r["fit_s"] for r in good])
    return out


def timing() -> dict[str, Any]:
    """Fit a ~300 000-point scan (parametric client, 2.4 mm grid): fit and read+fit."""
    import trimesh

    back = BackModel(random_client(3))
    sim = simulate_scan(
        back, ScanPose(yaw_rad=0.4), CameraSpec(spacing_m=0.0024), np.random.default_rng(3)
    )
    pts = sim.points_m
    fits = []
    for _ in range(3):
        t0 = time.perf_counter()
        fit_scan(Scan(pts, "timing", "points"))
        fits.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "scan.ply"
        trimesh.PointCloud(pts).export(str(path))
        t0 = time.perf_counter()
        fit_scan(read_scan(path))
        read_fit = time.perf_counter() - t0
    return {
        "points": len(pts),
        "fit_s_best": round(min(fits), 3),
        "fit_s_median": round(float(np.median(fits)), 3),
        "read_binary_ply_and_fit_s": round(read_fit, 3),
        "cores": "2 shared cores (other jobs running)",
    }


def run_cases(kind: str, n: int) -> list[dict[str, Any]]:
    case = {
        "phantom": phantom_case,
        "backmodel": backmodel_case,
        "slice": slice_case,
        "loft": loft_case,
        "shell": shell_case,
        "tof": tof_case,
    }[kind]
    rows = []
    for seed in range(n):
        rows.append(case(seed))
        brief = {k: rows[-1].get(k) for k in ("seed", "arms", "ok", "error")}
        print(json.dumps({"kind": kind, **brief}), flush=True)
    return rows


def main(
    n_phantom: int = 30,
    n_backmodel: int = 15,
    n_slice: int = 30,
    n_loft: int = 30,
    n_shell: int = 30,
    n_tof: int = 30,
    out: Path = RESULTS,
    doc: bool = True,
) -> dict[str, Any]:
    result: dict[str, Any] = {"limits_m": LIMITS_M}
    kinds = (
        ("phantom", n_phantom),
        ("backmodel", n_backmodel),
        ("slice", n_slice),
        ("loft", n_loft),
        ("shell", n_shell),
        ("tof", n_tof),
    )
    for kind, n in kinds:
        rows = run_cases(kind, n)
        result[kind] = {"summary": summarise(rows), "cases": rows}
    result["timing_300k"] = timing()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    if doc:
        write_doc(result, PREFACE)
    print(
        json.dumps(
            {
                k: v["summary"] if isinstance(v, dict) and "summary" in v else v
                for k, v in result.items()
            },
            indent=1,
        )
    )

    return result


USAGE = "usage: python -m bench.scan [N_PHANTOM N_PARAMETRIC N_SLICE N_LOFT N_SHELL N_TOF]"


def parse_counts(argv: list[str]) -> list[int]:
    """Scan counts per generator from the command line; bad input raises ValueError."""
    if len(argv) > 6:
        raise ValueError("at most six counts")
    counts = [int(a) for a in argv]
    if any(c < 0 for c in counts):
        raise ValueError("counts must be >= 0")
    return counts


if __name__ == "__main__":
    try:
        counts = parse_counts(sys.argv[1:])
    except ValueError:
        # bad input: one line and exit 2 (the project's rule), not a traceback
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    n = counts + [30, 15, 30, 30, 30, 30][len(counts) :]
    main(n[0], n[1], n[2], n[3], n[4], n[5])
