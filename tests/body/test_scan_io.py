"""Reading scans: every format gives the same points; bad files are one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh
from typer.testing import CliRunner

from backstroke.body.scan_io import MIN_POINTS, ScanError, read_scan
from backstroke.cli import app


def _cloud(n: int = 5000) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.uniform([0, -0.4, 0], [2, 0.4, 0.3], (n, 3))


def test_xyz_ply_ascii_and_binary_read_the_same_points(tmp_path: Path) -> None:
    pts = _cloud()
    np.savetxt(tmp_path / "a.xyz", pts, fmt="%.6f")
    pc = trimesh.PointCloud(pts)
    pc.export(str(tmp_path / "b.ply"), encoding="binary")
    pc.export(str(tmp_path / "c.ply"), encoding="ascii")
    for name in ("a.xyz", "b.ply", "c.ply"):
        scan = read_scan(tmp_path / name)
        assert scan.source == "points"
        np.testing.assert_allclose(scan.points_m, pts, atol=2e-6)


def test_xyz_ignores_comments_and_extra_columns(tmp_path: Path) -> None:
    pts = _cloud()
    body = "\n".join(f"{x:.5f} {y:.5f} {z:.5f} 0 0 1" for x, y, z in pts)
    (tmp_path / "n.xyz").write_text("# x y z nx ny nz\n" + body + "\n")
    np.testing.assert_allclose(read_scan(tmp_path / "n.xyz").points_m, pts, atol=1e-5)


@pytest.mark.parametrize("suffix", [".stl", ".obj", ".ply"])
def test_meshes_are_sampled_densely(tmp_path: Path, suffix: str) -> None:
    box = trimesh.creation.box(extents=(1.0, 0.4, 0.2))
    box.export(str(tmp_path / f"box{suffix}"))
    scan = read_scan(tmp_path / f"box{suffix}")
    assert scan.source == "mesh"
    # a coarse 12-triangle box becomes a cloud of about one point per 4 mm square
    assert len(scan.points_m) > 0.8 * box.area / 0.004**2
    np.testing.assert_allclose(scan.points_m.min(axis=0), [-0.5, -0.2, -0.1], atol=1e-6)


def _bad_files(tmp: Path) -> dict[str, Path]:
    pts = _cloud()
    out = {}
    (tmp / "empty.ply").write_bytes(b"")
    out["empty"] = tmp / "empty.ply"
    (tmp / "text.ply").write_text("this is a shopping list, not a scan\n" * 20)
    out["text ply"] = tmp / "text.ply"
    (tmp / "words.xyz").write_text("one two three\n")
    out["text xyz"] = tmp / "words.xyz"
    trimesh.PointCloud(pts).export(str(tmp / "full.ply"))
    raw = (tmp / "full.ply").read_bytes()
    (tmp / "trunc.ply").write_bytes(raw[: len(raw) // 2])
    out["truncated"] = tmp / "trunc.ply"
    np.savetxt(tmp / "ten.xyz", pts[:10])
    out["ten points"] = tmp / "ten.xyz"
    nan = pts.copy()
    nan[17, 2] = np.nan
    np.savetxt(tmp / "nan.xyz", nan)
    out["nan"] = tmp / "nan.xyz"
    np.savetxt(tmp / "mm.xyz", pts * 1000)
    out["millimetres"] = tmp / "mm.xyz"
    (tmp / "scan.pcd").write_text("x")
    out["format"] = tmp / "scan.pcd"
    (tmp / "bin.xyz").write_bytes(bytes(range(256)) * 10)
    out["binary xyz"] = tmp / "bin.xyz"
    return out


def test_bad_files_raise_scan_error_naming_the_file(tmp_path: Path) -> None:
    for what, path in _bad_files(tmp_path).items():
        with pytest.raises(ScanError) as info:
            read_scan(path)
        msg = str(info.value)
        assert str(path) in msg, what
        assert "\n" not in msg, what
    assert MIN_POINTS > 10


def test_cli_bad_scans_exit_2_with_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    for what, path in _bad_files(tmp_path).items():
        res = runner.invoke(app, ["scan", str(path), "--json", "--out", str(tmp_path / "b.json")])
        assert res.exit_code == 2, what
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("backstroke: error: "), (what, res.output)
        assert not (tmp_path / "b.json").exists()
