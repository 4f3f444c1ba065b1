"""Sixth scan generator, body: a signed-distance torso with a skeleton under soft tissue.

Written after the landmark finders were tuned on the other five generators, without
reading the fit code, and run blind once (``bench/results/scan_blind_sixth_first_run.json``).

Frame G: x cranial with x = 0 at the PSIS level and x = ``c7_m`` at C7, y toward the
client's left, z up with the table top at z = 0. The body is a signed distance field
(negative inside), built as a smooth union of soft-tissue blobs (buttocks, pelvis,
abdomen, thorax, shoulder girdle, neck, head, legs, arms as ellipsoids and capsules),
then bone features that lie under thin tissue are added: each scapula a rounded
triangle (superior angle, inferior angle, glenoid corner) a few mm proud of the
tissue, the spinous processes as small spheres in the furrow between two erector
capsules, the vertebra prominens at C7, the iliac crests as a capsule arc, and the
dimples of Venus pressed in over each PSIS (skin tethered to the bone). Landmark
truth is the skin directly above each bone point (what a therapist palpates from
above); the midline truth is the skin over the spinous processes from PSIS level to C7.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tests.body.sdf_shapes import capsule, ellipsoid, in_box, local_cut, local_union, smin, triangle

FloatArray = NDArray[np.float64]
ARM_POSES_M = ("sides", "overhead", "elbows_out", "hanging", "one_up", "hands_under_head")


@dataclass
class MetaballBody:
    c7_m: float  # back length PSIS level -> C7 along x
    height_m: float  # thorax top above the table
    shoulder_half_m: float
    rib_half_m: float
    waist_half_m: float
    hip_half_m: float
    lumbar_dip_m: float
    glute_rise_m: float  # buttock apex above the pelvis top
    glute_x_m: float  # buttock apex below the PSIS (positive)
    psis_lat_m: float
    dimple_depth_m: float
    crest_x_m: float
    crest_lat: float
    crest_rise_m: float  # crest bone proud of (or under, < 0) the soft envelope
    tip_frac: float  # scapular inferior angle, fraction of the back below C7
    tip_lat_m: float
    blade_rise_m: float
    prominens_m: float
    erector_m: float
    scoliosis_m: float
    arms: str
    head_y_m: float
    _scap: dict[str, tuple[FloatArray, FloatArray, FloatArray]] = field(default_factory=dict)
    _cache: dict[str, list] = field(default_factory=dict)  # type: ignore[type-arg]

    @staticmethod
    def draw(rng: np.random.Generator, arms: str | None = None) -> MetaballBody:
        sh = float(rng.uniform(0.18, 0.235))
        waist = sh * float(rng.uniform(0.66, 0.82))
        b = MetaballBody(
            c7_m=float(rng.uniform(0.41, 0.55)),
            height_m=float(rng.uniform(0.18, 0.27)),
            shoulder_half_m=sh,
            rib_half_m=sh * float(rng.uniform(0.80, 0.90)),
            waist_half_m=waist,
            hip_half_m=waist * float(rng.uniform(1.08, 1.3)),
            lumbar_dip_m=float(rng.uniform(0.01, 0.04)),
            glute_rise_m=float(rng.uniform(0.01, 0.045)),
            glute_x_m=float(rng.uniform(0.07, 0.11)),
            psis_lat_m=float(rng.uniform(0.035, 0.052)),
            dimple_depth_m=float(rng.uniform(0.0015, 0.004)),
            crest_x_m=float(rng.uniform(0.045, 0.08)),
            crest_lat=float(rng.uniform(0.72, 0.88)),
            crest_rise_m=float(rng.uniform(-0.002, 0.004)),
            tip_frac=float(rng.uniform(0.32, 0.42)),
            tip_lat_m=float(rng.uniform(0.08, 0.105)) * sh / 0.205,
            blade_rise_m=float(rng.uniform(0.003, 0.007)),
            prominens_m=float(rng.uniform(0.003, 0.007)),
            erector_m=float(rng.uniform(0.002, 0.007)),
            scoliosis_m=float(rng.uniform(-0.007, 0.007)),
            arms=arms if arms is not None else str(rng.choice(ARM_POSES_M)),
            head_y_m=float(rng.uniform(-0.03, 0.03)),
        )
        b._prepare()
        b._place_scapulae()
        return b

    # ------------------------------------------------------------------ layout
    def spine_y(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.scoliosis_m * np.sin(np.pi * np.clip(x / self.c7_m, 0.0, 1.0)))

    def _arm_shift(self, side: str) -> tuple[float, float]:
        """Scapular (cranial, lateral) shift of the inferior angle for this side's arm."""
        pose = self.arms
        if pose == "one_up":
            pose = "overhead" if side == "left" else "sides"
        return {
            "sides": (0.0, 0.0),
            "overhead": (0.018, 0.028),
            "elbows_out": (0.008, 0.014),
            "hands_under_head": (0.012, 0.018),
            "hanging": (-0.005, 0.022),
        }[pose]

    def _place_scapulae(self) -> None:
        c7 = self.c7_m
        for side, g in (("left", 1.0), ("right", -1.0)):
            up, lat = self._arm_shift(side)
            x_tip = c7 * (1.0 - self.tip_frac) + up
            y_tip = g * (self.tip_lat_m + lat)
            sup = (c7 - 0.025 + 0.5 * up, g * (0.055 + 0.3 * lat))
            glen = (c7 - 0.055 + up, g * (self.shoulder_half_m - 0.035))
            verts = []
            for x, y in ((x_tip, y_tip), sup, glen):
                xa, ya = np.array([x]), np.array([y]) + self.spine_y(np.array([x]))
                z = float(self.top(xa, ya, self._envelope)[0])
                verts.append(np.array([x, float(ya[0]), z + self.blade_rise_m - 0.008]))
            self._scap[side] = (verts[0], verts[1], verts[2])

    # ------------------------------------------------------------------ fields
    def _envelope(self, p: FloatArray) -> FloatArray:
        """Soft tissue of the trunk, neck and head (no bone features, no limbs)."""
        c7, h = self.c7_m, self.height_m
        sy = self.spine_y(p[:, 0])
        q = p.copy()
        q[:, 1] -= sy

        def blob(cx: float, ax: float, ay: float, top: float) -> FloatArray:
            bz = 0.62 * top
            return ellipsoid(q, np.array([cx, 0.0, top - bz]), np.array([ax, ay, bz]))

        d = blob(0.62 * c7, 0.40 * c7, self.rib_half_m, h)
        d = smin(d, blob(0.90 * c7, 0.13, self.shoulder_half_m, h - 0.012), 0.06)
        d = smin(d, blob(0.28 * c7, 0.25 * c7, self.waist_half_m, h - self.lumbar_dip_m), 0.08)
        pelvis_top = h - self.lumbar_dip_m * 0.5 - 0.01
        d = smin(d, blob(-0.02, 0.13, self.hip_half_m, pelvis_top), 0.07)
        for g in (1.0, -1.0):
            cb = np.array([-self.glute_x_m, g * 0.07, pelvis_top + self.glute_rise_m - 0.085])
            d = smin(d, ellipsoid(q, cb, np.array([0.11, 0.095, 0.085])), 0.05)
        # Erector spinae either side of the spine (lumbar to mid-thorax), a furrow between.
        for a, b in self._cache["erectors"]:
            d = smin(d, capsule(q, a, b, 0.025, 0.025), 0.03)
        # Neck and head.
        d = smin(
            d,
            capsule(
                q,
                np.array([c7 - 0.03, 0.0, h - 0.07]),
                np.array([c7 + 0.11, 0.0, 0.1]),
                0.058,
                0.05,
            ),
            0.04,
        )
        head = ellipsoid(
            p, np.array([c7 + 0.2, self.head_y_m, 0.095]), np.array([0.115, 0.085, 0.1])
        )
        return smin(d, head, 0.03)

    def _trunk_only(self, p: FloatArray) -> FloatArray:
        c7, h = self.c7_m, self.height_m
        q = p.copy()
        q[:, 1] -= self.spine_y(p[:, 0])
        d = ellipsoid(
            q, np.array([0.62 * c7, 0, 0.38 * h]), np.array([0.4 * c7, self.rib_half_m, 0.62 * h])
        )
        dw = h - self.lumbar_dip_m
        d = smin(
            d,
            ellipsoid(
                q,
                np.array([0.28 * c7, 0, 0.38 * dw]),
                np.array([0.25 * c7, self.waist_half_m, 0.62 * dw]),
            ),
            0.08,
        )
        pt = h - self.lumbar_dip_m * 0.5 - 0.01
        return smin(
            d,
            ellipsoid(
                q, np.array([-0.02, 0, 0.38 * pt]), np.array([0.13, self.hip_half_m, 0.62 * pt])
            ),
            0.07,
        )

    def _bones(self, d: FloatArray, p: FloatArray) -> FloatArray:
        """Add the bone features under thin tissue to the soft field ``d`` (only near the
        back's top; elsewhere a lower bound)."""
        lo = np.array([-0.1, -self.shoulder_half_m - 0.02, 0.08])
        hi = np.array([self.c7_m + 0.05, self.shoulder_half_m + 0.02, 0.4])
        near = in_box(p, lo, hi)
        out = np.minimum(d, 0.02)
        if near.any():
            out[near] = self._bones_near(d[near], p[near])
        return out

    def _bones_near(self, d: FloatArray, p: FloatArray) -> FloatArray:
        for a, b, c in self._scap.values():
            v = np.stack([a, b, c])
            d = local_union(
                d,
                p,
                v.min(0) - 0.008,
                v.max(0) + 0.008,
                lambda q, a=a, b=b, c=c: triangle(q, a, b, c) - 0.008,
                0.012,
            )
        # Spinous processes in the furrow, then the vertebra prominens at C7.
        r_sp = np.array([0.009, 0.007, 0.007])
        for c in self._cache["spinous"]:
            d = local_union(d, p, c - r_sp, c + r_sp, lambda q, c=c: ellipsoid(q, c, r_sp), 0.006)
        c, r7 = self._cache["c7"][0], np.array([0.013, 0.011, 0.011])
        d = local_union(d, p, c - r7, c + r7, lambda q: ellipsoid(q, c, r7), 0.01)
        # Iliac crests: a capsule arc PSIS -> crest top -> lateral.
        for pts in self._cache["crests"]:
            for u, w in itertools.pairwise(pts):
                d = local_union(
                    d,
                    p,
                    np.minimum(u, w) - 0.007,
                    np.maximum(u, w) + 0.007,
                    lambda q, u=u, w=w: capsule(q, u, w, 0.007, 0.007),
                    0.015,
                )
        # Dimples of Venus over the PSIS: skin pulled in.
        r_pit = np.array([0.016, 0.014, 0.014])
        for c in self._cache["dimples"]:
            d = local_cut(d, p, c - r_pit, c + r_pit, lambda q, c=c: ellipsoid(q, c, r_pit), 0.006)
        # Gluteal cleft below the sacrum.
        a, b = self._cache["cleft"]
        return local_cut(
            d,
            p,
            np.minimum(a, b) - 0.02,
            np.maximum(a, b) + 0.02,
            lambda q: capsule(q, a, b, 0.006, 0.02),
            0.01,
        )

    def _prepare(self) -> None:
        """Place the erectors and the bone features on the soft tissue (once)."""
        c7 = self.c7_m
        self._cache["erectors"] = []
        for g in (1.0, -1.0):
            a = np.array([-0.01, g * 0.03, 0.0])
            b = np.array([0.7 * c7, g * 0.028, 0.0])
            a[2] = self._top1(a[0], a[1], self._trunk_only) - 0.025 + self.erector_m
            b[2] = self._top1(b[0], b[1], self._trunk_only) - 0.026
            self._cache["erectors"].append((a, b))
        env = self._envelope
        sp = []
        for x in np.arange(0.02, c7 - 0.02, 0.025):
            y = float(self.spine_y(np.array([x]))[0])
            sp.append(np.array([x, y, self._top1(x, y, env) - 0.008]))
        self._cache["spinous"] = sp
        y7 = float(self.spine_y(np.array([c7]))[0])
        self._cache["c7"] = [np.array([c7, y7, self._top1(c7, y7, env) - 0.011 + self.prominens_m])]
        crests = []
        for g in (1.0, -1.0):
            pts = []
            for x, lat in self._crest_path(g):
                ya = float(self.spine_y(np.array([x]))[0]) + lat
                pts.append(np.array([x, ya, self._top1(x, ya, env) + self.crest_rise_m - 0.007]))
            crests.append(pts)
        self._cache["crests"] = crests
        dim = []
        for g in (1.0, -1.0):
            y = float(self.spine_y(np.array([0.0]))[0]) + g * self.psis_lat_m
            dim.append(np.array([0.0, y, self._top1(0.0, y, env) + 0.014 - self.dimple_depth_m]))
        self._cache["dimples"] = dim
        y0 = float(self.spine_y(np.array([0.0]))[0])
        ct = np.array([-0.05, y0, self._top1(-0.05, y0, env) + 0.004])
        self._cache["cleft"] = (ct, np.array([-0.3, y0, ct[2] + 0.02]))

    def _top1(self, x: float, y: float, f: Callable[[FloatArray], FloatArray]) -> float:
        return float(self.top(np.array([x]), np.array([y]), f)[0])

    def _crest_path(self, g: float) -> list[tuple[float, float]]:
        half = self.half_width(self.crest_x_m)
        y_top = self.crest_lat * half
        return [
            (0.012, g * (self.psis_lat_m + 0.008)),
            (0.5 * self.crest_x_m, g * 0.5 * (self.psis_lat_m + y_top)),
            (self.crest_x_m, g * y_top),
            (self.crest_x_m - 0.035, g * min(half - 0.01, y_top + 0.035)),
        ]

    def _limbs(self, p: FloatArray) -> FloatArray:
        c7, sh, h = self.c7_m, self.shoulder_half_m, self.height_m
        d = np.full(len(p), np.inf)
        for g in (1.0, -1.0):  # legs
            d = np.minimum(
                d,
                capsule(
                    p,
                    np.array([-0.12, g * 0.085, 0.075]),
                    np.array([-0.9, g * 0.1, 0.06]),
                    0.085,
                    0.055,
                ),
            )
        for side, g in (("left", 1.0), ("right", -1.0)):
            pose = self.arms
            if pose == "one_up":
                pose = "overhead" if side == "left" else "sides"
            s = np.array([c7 - 0.05, g * (sh - 0.03), 0.55 * h])
            e, w = {
                "sides": ((c7 - 0.31, g * (sh + 0.03), 0.06), (c7 - 0.56, g * (sh + 0.01), 0.045)),
                "overhead": ((c7 + 0.25, g * (sh + 0.04), 0.07), (c7 + 0.5, g * 0.16, 0.045)),
                "elbows_out": (
                    (c7 + 0.0, g * (sh + 0.22), 0.055),
                    (c7 + 0.18, g * (sh + 0.05), 0.04),
                ),
                "hands_under_head": (
                    (c7 + 0.05, g * (sh + 0.18), 0.06),
                    (c7 + 0.17, g * 0.06, 0.15),
                ),
                "hanging": (
                    (c7 - 0.07, g * (sh + 0.13), -0.22),
                    (c7 - 0.02, g * (sh + 0.16), -0.48),
                ),
            }[pose]
            ea, wa = np.array(e), np.array(w)
            for u, w2, ru, rw in ((s, ea, 0.048, 0.04), (ea, wa, 0.038, 0.03)):
                d = local_union(
                    d,
                    p,
                    np.minimum(u, w2) - ru,
                    np.maximum(u, w2) + ru,
                    lambda q, u=u, w2=w2, ru=ru, rw=rw: capsule(q, u, w2, ru, rw),
                    0.0,
                )
        return d

    def body(self, p: FloatArray) -> FloatArray:
        """Signed distance of the whole client (m, negative inside), points ``p`` (N, 3) in G."""
        return np.asarray(smin(self._bones(self._envelope(p), p), self._limbs(p), 0.015))

    # ------------------------------------------------------------------ probes
    def top(
        self, x: FloatArray, y: FloatArray, f: Callable[[FloatArray], FloatArray] | None = None
    ) -> FloatArray:
        """Height of the topmost surface of field ``f`` (default: the body) over (x, y);
        0 where the field does not rise above the table. Bisection on the field's sign."""
        f = self.body if f is None else f
        lo = np.zeros(len(x))
        hi = np.full(len(x), 0.5)
        inside0 = f(np.stack([x, y, np.full(len(x), 0.002)], axis=1)) < 0
        # Coarse scan from above for the first inside sample, then bisection.
        zs = np.linspace(0.45, 0.002, 90)
        found = np.zeros(len(x), dtype=bool)
        for z0, z1 in itertools.pairwise(zs):
            ins = f(np.stack([x, y, np.full(len(x), z1)], axis=1)) < 0
            new = ins & ~found
            lo[new], hi[new] = z1, z0
            found |= ins
            if found.all():
                break
        for _ in range(22):
            mid = 0.5 * (lo + hi)
            ins = f(np.stack([x, y, mid], axis=1)) < 0
            lo = np.where(ins, mid, lo)
            hi = np.where(ins, hi, mid)
        return np.asarray(np.where(found | inside0, 0.5 * (lo + hi), 0.0))

    def half_width(self, x: float) -> float:
        """Half-width of the trunk at level x (where its top stands 3 cm above the table)."""
        ys = np.linspace(0.0, 0.3, 151)
        z = self.top(
            np.full(len(ys), x), ys + float(self.spine_y(np.array([x]))[0]), self._trunk_only
        )
        return float(ys[np.flatnonzero(z > 0.03).max()])

    def landmarks(self) -> dict[str, FloatArray]:
        """Skin points over the bone landmarks, frame G."""
        pts: dict[str, tuple[float, float]] = {"C7": (self.c7_m, 0.0)}
        half = self.half_width(self.crest_x_m)
        for side, g in (("left", 1.0), ("right", -1.0)):
            pts[f"psis_{side}"] = (0.0, g * self.psis_lat_m)
            pts[f"iliac_crest_top_{side}"] = (self.crest_x_m, g * self.crest_lat * half)
        out: dict[str, FloatArray] = {}
        for name, (x, dy) in pts.items():
            xa = np.array([x])
            ya = self.spine_y(xa) + dy
            out[name] = np.array([x, float(ya[0]), float(self.top(xa, ya)[0])])
        for side, (tip, _, _) in self._scap.items():
            xa, ya = np.array([tip[0]]), np.array([tip[1]])
            out[f"scapula_inferior_angle_{side}"] = np.array(
                [tip[0], tip[1], float(self.top(xa, ya)[0])]
            )
        return out

    def midline(self, n: int = 121) -> FloatArray:
        x = np.linspace(0.0, self.c7_m, n)
        y = self.spine_y(x)
        return np.stack([x, y, self.top(x, y)], axis=1)
