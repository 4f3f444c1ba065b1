"""BackModel: the posterior torso of a prone client, its surface chart and landmarks.

Frames and charts (DESIGN §4):

* Body frame B: origin on the spine (skin) at the level of the iliac crests (L4),
  x cranial, y toward the client's left, z posterior (away from the table).
* Surface chart ``(u, v)``: ``u ∈ [0, 1]`` is the arc-length fraction along the skin
  midline from the PSIS/waist (0) to C7 (1); ``v`` is the signed lateral skin
  distance from the midline in metres (+ = client's left).

The surface is built from a sagittal midline curve (kyphosis, lordosis) and lateral
cross-sections (rounded back with paraspinal bulges). ``point`` maps chart → 3D
exactly; ``project`` inverts it by Gauss–Newton to well under 0.5 mm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import CubicSpline, RectBivariateSpline

from backstroke.body import anatomy
from backstroke.body.client_file import ClientSpec
from backstroke.body.spline_eval import spline_ev
from backstroke.body.zones import KeepOutZone

T = TypeVar("T")

if TYPE_CHECKING:
    import trimesh

FloatArray = NDArray[np.float64]

_N_U = 161  # chart table resolution along u
_N_Y = 241  # lateral table resolution
# Gauss–Newton steps below these (chart u; metres: nanometres on the skin) end the
# projection early.
_CONVERGED_U = 1e-9
_CONVERGED_M = 1e-9
SKIN_CURVE_FACTOR = 0.5  # skin follows about half of the spinal Cobb angles


@dataclass(frozen=True)
class Landmark:
    """A named anatomical point: chart coordinates and position in frame B (m)."""

    name: str
    u: float
    v_m: float
    point_m: tuple[float, float, float]


class BackModel:
    """Parametric back of one client.

    Args:
        client: a resolved :class:`ClientSpec` (see ``ClientSpec.resolved``).
    """

    def __init__(self, client: ClientSpec) -> None:
        self.client = client
        self.back_length_m = client.value("back_length_m")
        self.shoulder_width_m = client.value("shoulder_width_m")
        self.waist_width_m = client.value("waist_width_m")
        self.adipose_m = client.value("adipose_m")
        self._build_midline(client.value("kyphosis_deg"), client.value("lordosis_deg"))
        self._build_lateral_tables()

    def derived(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Read-only data derived from this back (``make()``), made once per ``key`` and
        kept on the back itself, so it is freed with it. (A module-level weak-keyed
        cache leaked: its values hold the back, which kept every session's back, zone
        limits and skin tables alive for the life of the process.)"""
        store: dict[tuple[Any, ...], Any] = self.__dict__.setdefault("_derived", {})
        if key not in store:
            store[key] = make()
        return cast(T, store[key])

    # ---------------------------------------------------------------- construction
    def _build_midline(self, kyphosis_deg: float, lordosis_deg: float) -> None:
        """Midline skin curve in the x–z plane, arc-length parametrised by u."""
        u = np.linspace(0.0, 1.0, 2001)
        u_l1 = anatomy.level_u("L1")
        k = np.deg2rad(kyphosis_deg) * SKIN_CURVE_FACTOR
        lo = np.deg2rad(lordosis_deg) * SKIN_CURVE_FACTOR
        # Heading θ(u): lumbar concave (θ rises by `lo`), thoracic convex (falls by `k`);
        # a smooth blend avoids a curvature jump at the thoracolumbar junction.
        blend = 0.5 * (1.0 + np.tanh((u - u_l1) / 0.06))
        lumbar = -lo / 2 + lo * np.clip(u / u_l1, 0, 1)
        thoracic = k / 2 - k * np.clip((u - u_l1) / (1 - u_l1), 0, 1)
        theta = (1 - blend) * lumbar + blend * (thoracic - k / 2 + lo / 2)
        ds = self.back_length_m / (u.size - 1)
        x = np.concatenate([[0.0], np.cumsum(0.5 * (np.cos(theta[1:]) + np.cos(theta[:-1])) * ds)])
        z = np.concatenate([[0.0], np.cumsum(0.5 * (np.sin(theta[1:]) + np.sin(theta[:-1])) * ds)])
        # Level the chord PSIS → C7 with the x axis, then put the origin at L4.
        chord = np.arctan2(z[-1] - z[0], x[-1] - x[0])
        c, s = np.cos(-chord), np.sin(-chord)
        x, z = c * x - s * z, s * x + c * z
        theta = theta - chord
        i0 = round(anatomy.level_u("L4") * (u.size - 1))
        x, z = x - x[i0], z - z[i0]
        self._mid_x = CubicSpline(u, x)
        self._mid_z = CubicSpline(u, z)
        self._mid_theta = CubicSpline(u, theta)

    def full_width_m(self, u: ArrayLike) -> FloatArray:
        """Width of the back (flank to flank, projected) at chart height ``u``."""
        uu = np.asarray(u, dtype=np.float64)
        w, sw = self.waist_width_m, self.shoulder_width_m
        rise = _smoothstep((uu - 0.2) / 0.6)
        pelvis = _smoothstep((0.2 - uu) / 0.2)
        return np.asarray(w + (sw - w) * rise + 0.12 * w * pelvis, dtype=np.float64)

    def _bulge_m(self, u: FloatArray) -> FloatArray:
        # Smooth (C¹) blend so the skin has no creases: a crease would flip the normal.
        t = _smoothstep((u - anatomy.level_u("L1") + 0.1) / 0.3)
        return np.asarray(0.010 * (1 - t) + 0.004 * t, dtype=np.float64)

    def _height_m(self, u: FloatArray, y: FloatArray) -> FloatArray:
        """Cross-section: height along the midline normal at lateral offset ``y``."""
        radius = 0.55 * self.full_width_m(u)
        a = anatomy.ERECTOR_CENTRE_V_M
        q = (y / a) ** 2
        return np.asarray(-(y**2) / (2 * radius) + self._bulge_m(u) * q * np.exp(1 - q))

    def _build_lateral_tables(self) -> None:
        """Tables y(u, v) from the lateral arc length, so v is a true skin distance."""
        u = np.linspace(0.0, 1.0, _N_U)
        half = 0.5 * self.full_width_m(u)
        t = np.linspace(0.0, 1.0, _N_Y)
        y = half[:, None] * t[None, :]
        h = self._height_m(np.repeat(u[:, None], _N_Y, 1), y)
        seg = np.hypot(np.diff(y, axis=1), np.diff(h, axis=1))
        arc = np.concatenate([np.zeros((_N_U, 1)), np.cumsum(seg, axis=1)], axis=1)
        self.v_max_m_table = arc[:, -1].copy()
        self._vmax = CubicSpline(u, self.v_max_m_table)
        # y as a function of (u, v / v_max): regular grid for a bicubic spline.
        w = np.linspace(0.0, 1.0, _N_Y)
        ygrid = np.empty((_N_U, _N_Y))
        for i in range(_N_U):
            ygrid[i] = np.interp(w * arc[i, -1], arc[i], y[i])
        self._y_of = RectBivariateSpline(u, w, ygrid, kx=3, ky=3)

    # ---------------------------------------------------------------- chart → 3D
    def v_max_m(self, u: ArrayLike) -> FloatArray:
        """Largest |v| on the chart at height ``u`` (the flank)."""
        return np.asarray(self._vmax(np.clip(np.asarray(u, dtype=np.float64), 0, 1)))

    def point(self, u: ArrayLike, v_m: ArrayLike) -> FloatArray:
        """Skin points in frame B, ``(..., 3)`` metres, for chart coordinates (broadcast)."""
        uu, vv = np.broadcast_arrays(
            np.asarray(u, dtype=np.float64), np.asarray(v_m, dtype=np.float64)
        )
        vmax = self.v_max_m(uu)
        w = np.abs(vv) / vmax
        y = np.sign(vv) * spline_ev(self._y_of, uu, w)
        h = self._height_m(uu, y)
        th = self._mid_theta(uu)
        x = self._mid_x(uu) - np.sin(th) * h
        z = self._mid_z(uu) + np.cos(th) * h
        return np.stack([x, y, z], axis=-1)

    def frame(self, u: ArrayLike, v_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Unit tangents along +u and +v and the outward unit normal, each ``(..., 3)``."""
        uu, vv = np.broadcast_arrays(
            np.asarray(u, dtype=np.float64), np.asarray(v_m, dtype=np.float64)
        )
        du, dv = 1e-5, 1e-5
        pu = (self.point(uu + du, vv) - self.point(uu - du, vv)) / (2 * du)
        pv = (self.point(uu, vv + dv) - self.point(uu, vv - dv)) / (2 * dv)
        n = np.cross(pu, pv)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        tu = pu / np.linalg.norm(pu, axis=-1, keepdims=True)
        tv = np.cross(n, tu)
        return tu, tv, n

    def normal(self, u: ArrayLike, v_m: ArrayLike) -> FloatArray:
        """Outward (posterior) unit normal ``(..., 3)``."""
        return self.frame(u, v_m)[2]

    # ---------------------------------------------------------------- 3D → chart
    def project(self, points_m: ArrayLike, iterations: int = 8) -> tuple[FloatArray, FloatArray]:
        """Chart coordinates ``(u, v_m)`` of the skin points nearest to ``points_m`` (N, 3).

        Gauss–Newton on the chart map; points off the skin project along the normal.
        """
        p = np.atleast_2d(np.asarray(points_m, dtype=np.float64))
        # Initial guess: nearest midline sample for u, lateral y for v.
        ug, tree = self._midline_tree
        xz = p[:, [0, 2]]
        finite = np.all(np.isfinite(xz), axis=1)
        nearest = np.zeros(p.shape[0], dtype=np.int64)  # a non-finite point stays NaN
        if np.any(finite):
            nearest[finite] = tree.query(xz[finite])[1]
        u = ug[nearest]
        v = p[:, 1].copy()
        live = np.arange(p.shape[0])  # the points still moving
        for _ in range(iterations):
            if not live.size:
                break
            uk = np.clip(u[live], 0.0, 1.0)
            vmax = self.v_max_m(uk)
            vk = np.clip(v[live], -vmax, vmax)
            q = self.point(uk, vk)
            eps = 1e-6
            ju = (self.point(uk + eps, vk) - self.point(uk - eps, vk)) / (2 * eps)
            jv = (self.point(uk, vk + eps) - self.point(uk, vk - eps)) / (2 * eps)
            r = p[live] - q
            a11 = np.einsum("ij,ij->i", ju, ju)
            a12 = np.einsum("ij,ij->i", ju, jv)
            a22 = np.einsum("ij,ij->i", jv, jv)
            b1 = np.einsum("ij,ij->i", ju, r)
            b2 = np.einsum("ij,ij->i", jv, r)
            det = a11 * a22 - a12 * a12
            step_u = (a22 * b1 - a12 * b2) / det
            step_v = (a11 * b2 - a12 * b1) / det
            u[live] = uk + step_u
            v[live] = vk + step_v
            # a point whose step is below a nanometre has converged: it stops here
            live = live[(np.abs(step_u) >= _CONVERGED_U) | (np.abs(step_v) >= _CONVERGED_M)]
        u = np.clip(u, 0.0, 1.0)
        return u, np.clip(v, -self.v_max_m(u), self.v_max_m(u))

    @cached_property
    def _midline_tree(self) -> tuple[FloatArray, Any]:
        """The midline sampled at 401 ``u`` and a k-d tree of its ``(x, z)`` points."""
        from scipy.spatial import cKDTree

        ug = np.linspace(0, 1, 401)
        return ug, cKDTree(np.stack([self._mid_x(ug), self._mid_z(ug)], axis=1))

    # ---------------------------------------------------------------- metrics
    def path_length_m(self, u: ArrayLike, v_m: ArrayLike) -> float:
        """Length on the skin of the polyline through chart samples ``(u, v_m)`` (N,)."""
        pts = self.point(u, v_m)
        return float(np.linalg.norm(np.diff(pts, axis=0), axis=1).sum())

    def s_m(self, u: ArrayLike) -> FloatArray:
        """Chart-metric distance along the spine (``u * back_length``)."""
        return np.asarray(u, dtype=np.float64) * self.back_length_m

    # ---------------------------------------------------------------- anatomy
    @cached_property
    def landmarks(self) -> dict[str, Landmark]:
        """Named landmarks: vertebral levels, PSIS, scapulae, iliac crests, lines."""
        sc = self.shoulder_width_m / anatomy.REFERENCE_SHOULDER_WIDTH_M
        wc = self.waist_width_m / anatomy.REFERENCE_WAIST_WIDTH_M
        entries: list[tuple[str, float, float]] = [
            (lvl, anatomy.level_u(lvl), 0.0)
            for lvl in ("C7", "T1", "T4", "T7", "T10", "L1", "L4", "L5")
        ]
        for side, sgn in (("left", 1.0), ("right", -1.0)):
            entries += [
                (f"psis_{side}", 0.0, sgn * anatomy.PSIS_V_M * wc),
                (
                    f"iliac_crest_top_{side}",
                    anatomy.level_u("L4"),
                    sgn * anatomy.ILIAC_CREST_TOP_V_M * wc,
                ),
                (
                    f"scapula_spine_root_{side}",
                    anatomy.level_u("T3"),
                    sgn * anatomy.SCAPULA_MEDIAL_BORDER_V_M[0] * sc,
                ),
                (
                    f"scapula_inferior_angle_{side}",
                    anatomy.level_u("T7"),
                    sgn * anatomy.SCAPULA_INFERIOR_ANGLE_V_M * sc,
                ),
                (
                    f"scapula_acromion_{side}",
                    anatomy.level_u("T1"),
                    sgn * anatomy.SCAPULA_SPINE_LATERAL_END_V_M * sc,
                ),
            ]
        out: dict[str, Landmark] = {}
        for name, u, v in entries:
            v = float(np.clip(v, -self.v_max_m(u), self.v_max_m(u)))
            p = self.point(u, v)
            out[name] = Landmark(name, float(u), v, (float(p[0]), float(p[1]), float(p[2])))
        return out

    @cached_property
    def lines(self) -> dict[str, float]:
        """Chart ``u`` of horizontal reference lines: waist, iliac crests, shoulders."""
        return {
            "iliac_crest_line": anatomy.level_u("L4"),
            "waist_line": anatomy.level_u("L3"),
            "shoulder_line": anatomy.level_u("T1"),
            "spinous_process_line_v_m": 0.0,
        }

    @cached_property
    def keep_out_zones(self) -> tuple[KeepOutZone, ...]:
        """Bony zones (spinous processes, scapulae, iliac crests) as chart capsules."""
        L = self.back_length_m
        sc = self.shoulder_width_m / anatomy.REFERENCE_SHOULDER_WIDTH_M
        wc = self.waist_width_m / anatomy.REFERENCE_WAIST_WIDTH_M
        t3, t7, t1, l4 = (anatomy.level_u(x) * L for x in ("T3", "T7", "T1", "L4"))
        zones = [KeepOutZone("spinous_processes", (0.0, 0.0), (L, 0.0), 0.010)]
        for side, g in (("left", 1.0), ("right", -1.0)):
            mb0, mb1 = (g * b * sc for b in anatomy.SCAPULA_MEDIAL_BORDER_V_M)
            zones += [
                KeepOutZone(f"scapula_medial_border_{side}", (t3, mb0), (t7, mb1), 0.008),
                KeepOutZone(
                    f"scapula_inferior_angle_{side}",
                    (t7, g * anatomy.SCAPULA_INFERIOR_ANGLE_V_M * sc),
                    (t7, g * anatomy.SCAPULA_INFERIOR_ANGLE_V_M * sc),
                    0.015,
                ),
                KeepOutZone(
                    f"scapula_spine_{side}",
                    (t3, mb0),
                    (t1, g * anatomy.SCAPULA_SPINE_LATERAL_END_V_M * sc),
                    0.010,
                ),
                KeepOutZone(
                    f"iliac_crest_{side}",
                    (0.01 * L, g * anatomy.PSIS_V_M * wc),
                    (l4, g * anatomy.ILIAC_CREST_TOP_V_M * wc),
                    0.012,
                ),
            ]
        return tuple(zones)

    def keep_out_clearance_m(
        self, u: ArrayLike, v_m: ArrayLike, zones: tuple[KeepOutZone, ...] | None = None
    ) -> FloatArray:
        """Smallest signed distance (m) from chart points to any keep-out zone's edge."""
        s = self.s_m(u)
        v = np.asarray(v_m, dtype=np.float64)
        zs = self.keep_out_zones if zones is None else zones
        return np.asarray(np.min([z.clearance_m(s, v) for z in zs], axis=0), dtype=np.float64)

    def bone_depth_m(self, u: ArrayLike, v_m: ArrayLike) -> FloatArray:
        """Soft-tissue thickness over bone (m): thin over spinous processes, scapulae, crests."""
        uu = np.asarray(u, dtype=np.float64)
        vv = np.asarray(v_m, dtype=np.float64)
        t = np.clip((uu - anatomy.level_u("L1")) / 0.25 + 0.5, 0.0, 1.0)
        erector = (
            1 - t
        ) * anatomy.ERECTOR_THICKNESS_LUMBAR_M + t * anatomy.ERECTOR_THICKNESS_THORACIC_M
        muscle = erector * np.exp(-(((np.abs(vv) - anatomy.ERECTOR_CENTRE_V_M) / 0.035) ** 2))
        soft = self.adipose_m + anatomy.RIB_COVER_M + muscle
        s = self.s_m(uu)
        near = np.min([z.distance_to_axis_m(s, vv) for z in self.keep_out_zones], axis=0)
        bony = self.adipose_m + anatomy.MIN_COVER_OVER_BONE_M + 0.5 * near
        # Smooth minimum so the field has no creases.
        k = 0.004
        return np.asarray(-k * np.logaddexp(-soft / k, -bony / k), dtype=np.float64)

    # ---------------------------------------------------------------- mesh
    def grid(self, n_u: int = 81, n_v: int = 41) -> tuple[FloatArray, FloatArray]:
        """Chart grid ``(u, v_m)`` each ``(n_u, n_v)`` spanning the whole back."""
        u = np.linspace(0.0, 1.0, n_u)
        t = np.linspace(-1.0, 1.0, n_v)
        return np.repeat(u[:, None], n_v, 1), self.v_max_m(u)[:, None] * t[None, :]

    @cached_property
    def mesh(self) -> trimesh.Trimesh:
        """Triangle mesh (trimesh) of the back surface in frame B, normals outward (+z)."""
        import trimesh

        n_u, n_v = 81, 41
        uu, vv = self.grid(n_u, n_v)
        verts = self.point(uu, vv).reshape(-1, 3)
        idx = np.arange(n_u * n_v).reshape(n_u, n_v)
        a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
        c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
        faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
        m = trimesh.Trimesh(vertices=verts, faces=faces, process=False)
        if float(np.mean(m.face_normals[:, 2])) < 0:
            m.invert()
        return m


def _smoothstep(x: FloatArray) -> FloatArray:
    """0 below 0, 1 above 1, C¹ in between."""
    c = np.clip(x, 0.0, 1.0)
    return np.asarray(c * c * (3.0 - 2.0 * c), dtype=np.float64)


def back_model_from_client(client: ClientSpec) -> BackModel:
    """A BackModel for a client (resolving unset keys first)."""
    return BackModel(client.resolved())
