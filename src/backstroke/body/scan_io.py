"""Read a depth scan of a prone client: PLY (ASCII/binary, points or mesh), OBJ, STL, XYZ.

The scan's frame is the robot base frame S (metres, z up away from the table top).
Every format comes back as one point set ``points_m: (N, 3) float64``; a mesh
contributes its vertices and, when it is coarser than about 4 mm, points sampled
evenly on its faces, so a sparse mesh weighs like a dense cloud.

Files that cannot be read, hold non-finite coordinates or too few points raise
:class:`ScanError` (exit 2, one line naming the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import InputFileError

if TYPE_CHECKING:
    import trimesh

FloatArray = NDArray[np.float64]

SUFFIXES = (".ply", ".obj", ".stl", ".xyz", ".txt", ".pts")
MIN_POINTS = 2000  # fewer points cannot describe a back at the needed resolution
MAX_POINTS = 5_000_000
MESH_SAMPLE_SPACING_M = 0.004
MAX_ABS_COORD_M = 20.0  # a scan in the robot frame lies within metres of the base


class ScanError(InputFileError):
    """A scan file is unreadable or does not hold a prone back."""

    kind = "scan"


@dataclass(frozen=True)
class Scan:
    """Points of one scan in the scan (robot base) frame.

    Attributes:
        points_m: ``(N, 3)`` float64, metres.
        path: where it came from (for messages).
        source: ``"points"`` or ``"mesh"``.
    """

    points_m: FloatArray
    path: str
    source: str


def read_scan(path: str | Path) -> Scan:
    """Load a scan file; raises :class:`ScanError` with one line on any bad input."""
    p = Path(path)
    if not p.is_file():
        raise ScanError("no such file", path=p)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise ScanError(
            f"unknown scan format '{suffix or p.name}'",
            path=p,
            allowed="PLY, OBJ, STL or XYZ text (.ply .obj .stl .xyz .txt .pts)",
        )
    if p.stat().st_size == 0:
        raise ScanError("empty file", path=p)
    if suffix in (".xyz", ".txt", ".pts"):
        pts, source = _read_xyz(p), "points"
    else:
        pts, source = _read_trimesh(p, suffix[1:])
    return Scan(_checked(pts, p), str(p), source)


def _read_xyz(p: Path) -> FloatArray:
    """One ``x y z`` per line (extra columns, e.g. normals or colour, are ignored)."""
    rows: list[list[float]] = []
    with p.open("r", encoding="utf-8", errors="strict") as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                text = line.strip()
                if not text or text[0] in "#/":
                    continue
                parts = text.replace(",", " ").split()
                if len(parts) < 3:
                    raise ScanError(
                        f"line {lineno}: expected 'x y z', got {len(parts)} value(s)", path=p
                    )
                try:
                    rows.append([float(parts[0]), float(parts[1]), float(parts[2])])
                except ValueError:
                    raise ScanError(f"line {lineno}: not a number: {text[:40]!r}", path=p) from None
                if len(rows) > MAX_POINTS:
                    raise ScanError(f"more than {MAX_POINTS} points", path=p)
        except UnicodeDecodeError:
            raise ScanError("not a text XYZ file (binary content)", path=p) from None
    return np.asarray(rows, dtype=np.float64).reshape(-1, 3)


def _read_trimesh(p: Path, file_type: str) -> tuple[FloatArray, str]:
    import trimesh

    try:
        loaded = trimesh.load(str(p), file_type=file_type, process=False, force=None)
    except Exception as exc:  # trimesh raises many kinds on malformed or truncated files
        raise ScanError(
            f"cannot read as {file_type.upper()}: {type(exc).__name__}: {exc}"[:200], path=p
        ) from None
    if isinstance(loaded, trimesh.Scene):
        geoms = list(loaded.dump()) if loaded.geometry else []
        if not geoms:
            raise ScanError(f"no geometry in the {file_type.upper()} file", path=p)
        meshes = [g for g in geoms if isinstance(g, trimesh.Trimesh)]
        clouds = [g for g in geoms if isinstance(g, trimesh.PointCloud)]
        if meshes:
            joined = trimesh.util.concatenate(meshes)
            if isinstance(joined, trimesh.Trimesh):
                return _mesh_points(joined), "mesh"
        if clouds:
            return np.concatenate([np.asarray(c.vertices, float) for c in clouds]), "points"
        raise ScanError(f"no mesh or points in the {file_type.upper()} file", path=p)
    if isinstance(loaded, trimesh.Trimesh):
        mesh: trimesh.Trimesh = loaded
        if len(mesh.faces) == 0:
            return np.asarray(mesh.vertices, dtype=np.float64), "points"
        return _mesh_points(mesh), "mesh"
    if isinstance(loaded, trimesh.PointCloud):
        return np.asarray(loaded.vertices, dtype=np.float64), "points"
    raise ScanError(f"no mesh or points in the {file_type.upper()} file", path=p)


def _mesh_points(mesh: trimesh.Trimesh) -> FloatArray:
    """Vertices plus even samples on the faces when the mesh is coarse (deterministic)."""
    import trimesh

    verts = np.asarray(mesh.vertices, dtype=np.float64)
    if not np.all(np.isfinite(verts)):
        return verts  # reported by _checked
    area = float(mesh.area)
    wanted = int(min(area / MESH_SAMPLE_SPACING_M**2, 400_000))
    if wanted <= len(verts) or not np.isfinite(area):
        return verts
    samples, _ = trimesh.sample.sample_surface(mesh, wanted - len(verts), seed=0)
    return np.concatenate([verts, np.asarray(samples, dtype=np.float64)])


def _checked(pts: FloatArray, p: Path) -> FloatArray:
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 3)
    bad = ~np.all(np.isfinite(pts), axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ScanError(
            f"point {i} is not finite ({pts[i].tolist()}); {int(bad.sum())} such points",
            path=p,
            allowed="finite x y z in metres (drop invalid depth pixels before writing)",
        )
    if len(pts) < MIN_POINTS:
        raise ScanError(
            f"only {len(pts)} points", path=p, allowed=f"at least {MIN_POINTS} points on the back"
        )
    if float(np.abs(pts).max()) > MAX_ABS_COORD_M:
        raise ScanError(
            f"coordinates up to {float(np.abs(pts).max()):.3g} m from the robot base",
            path=p,
            allowed=f"metres in the robot base frame, within {MAX_ABS_COORD_M:g} m",
        )
    return pts
