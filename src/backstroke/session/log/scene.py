"""Foxglove 3D messages: the tool's frame (``/tf``) and the scene (``/scene``).

Frames: ``body`` is the body frame B (DESIGN §4: x cranial, y left, z posterior);
``tool`` has its origin at the measured tool position and its z axis along the measured
tool axis. Scene entities (all in ``body``): ``back`` (the back surface mesh), one
``keep_out/<zone>`` outline per bony zone, ``knots`` (spheres) and ``force`` (an arrow
pressing into the back along the measured contact force, 5 mm per newton, its head at
the tool).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from foxglove_schemas_protobuf.Color_pb2 import Color
from foxglove_schemas_protobuf.FrameTransform_pb2 import FrameTransform
from foxglove_schemas_protobuf.LinePrimitive_pb2 import LinePrimitive
from foxglove_schemas_protobuf.Point3_pb2 import Point3
from foxglove_schemas_protobuf.Pose_pb2 import Pose
from foxglove_schemas_protobuf.Quaternion_pb2 import Quaternion
from foxglove_schemas_protobuf.SceneEntity_pb2 import SceneEntity
from foxglove_schemas_protobuf.SceneUpdate_pb2 import SceneUpdate
from foxglove_schemas_protobuf.SpherePrimitive_pb2 import SpherePrimitive
from foxglove_schemas_protobuf.TriangleListPrimitive_pb2 import TriangleListPrimitive
from foxglove_schemas_protobuf.Vector3_pb2 import Vector3
from google.protobuf.timestamp_pb2 import Timestamp
from numpy.typing import NDArray

BODY_FRAME = "body"
TOOL_FRAME = "tool"
ARROW_M_PER_N = 0.005
_SKIN = Color(r=0.93, g=0.78, b=0.67, a=0.9)
_BONE = Color(r=0.85, g=0.1, b=0.1, a=1.0)
_KNOT = Color(r=1.0, g=0.55, b=0.0, a=0.9)
_FORCE = Color(r=0.1, g=0.35, b=0.95, a=1.0)


def _stamp(t_ns: int) -> Timestamp:
    return Timestamp(seconds=t_ns // 1_000_000_000, nanos=t_ns % 1_000_000_000)


def quaternions_from(axis: NDArray[np.float64], ref: int) -> NDArray[np.float64]:
    """``(N, 4)`` quaternions ``(x, y, z, w)`` of the shortest rotation taking the unit
    vector ``e_ref`` (0 = x, 2 = z) onto each row of ``axis`` ``(N, 3)``."""
    a = axis / np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-12)
    e = np.zeros(3)
    e[ref] = 1.0
    q = np.empty((a.shape[0], 4))
    q[:, :3] = np.cross(e, a)
    q[:, 3] = 1.0 + a @ e
    norm = np.linalg.norm(q, axis=1)
    flip = norm < 1e-9  # opposite: a half turn about any perpendicular axis
    q[flip] = (0.0, 1.0, 0.0, 0.0) if ref == 0 else (1.0, 0.0, 0.0, 0.0)
    norm[flip] = 1.0
    return q / norm[:, None]


def frame_transforms(
    t_ns: list[int], pos_m: NDArray[np.float64], axis: NDArray[np.float64]
) -> list[bytes]:
    """Serialized ``foxglove.FrameTransform`` body → tool, one per row."""
    q = quaternions_from(axis, 2).tolist()
    msg = FrameTransform(parent_frame_id=BODY_FRAME, child_frame_id=TOOL_FRAME)
    stamp, tr, rot = msg.timestamp, msg.translation, msg.rotation
    out = []
    for t, p, r in zip(t_ns, pos_m.tolist(), q, strict=True):
        stamp.seconds, stamp.nanos = divmod(t, 1_000_000_000)
        tr.x, tr.y, tr.z = p
        rot.x, rot.y, rot.z, rot.w = r
        out.append(msg.SerializeToString())
    return out


def force_arrows(
    t_ns: list[int], pos_m: NDArray[np.float64], force_n: NDArray[np.float64]
) -> list[bytes]:
    """Serialized ``foxglove.SceneUpdate`` with the ``force`` arrow, one per row: it
    points along the force the client receives (minus the measured force on the tool),
    its head at the tool; no arrow below 0.02 N."""
    push = -np.nan_to_num(force_n)
    mag = np.linalg.norm(push, axis=1)
    q = quaternions_from(np.where(mag[:, None] > 1e-9, push, (0.0, 0.0, -1.0)), 0)
    length = mag * ARROW_M_PER_N
    unit = push / np.maximum(mag, 1e-9)[:, None]
    tail = pos_m - unit * length[:, None]
    with_arrow = SceneUpdate()
    entity = with_arrow.entities.add(frame_id=BODY_FRAME, id="force")
    arrow = entity.arrows.add(shaft_diameter=0.004, head_diameter=0.012, color=_FORCE)
    pos, rot = arrow.pose.position, arrow.pose.orientation
    empty = SceneUpdate()
    bare = empty.entities.add(frame_id=BODY_FRAME, id="force")
    out = []
    for t, p, r, n in zip(t_ns, tail.tolist(), q.tolist(), length.tolist(), strict=True):
        if n > 1e-4:
            entity.timestamp.seconds, entity.timestamp.nanos = divmod(t, 1_000_000_000)
            head = min(0.012, 0.5 * n)
            arrow.shaft_length, arrow.head_length = n - head, head
            pos.x, pos.y, pos.z = p
            rot.x, rot.y, rot.z, rot.w = r
            out.append(with_arrow.SerializeToString())
        else:
            bare.timestamp.seconds, bare.timestamp.nanos = divmod(t, 1_000_000_000)
            out.append(empty.SerializeToString())
    return out


def _points(xyz: NDArray[np.float64]) -> list[Point3]:
    return [Point3(x=p[0], y=p[1], z=p[2]) for p in xyz.tolist()]


def back_scene(back: Any, t_ns: int = 0) -> bytes:
    """``foxglove.SceneUpdate``: the back's mesh and its keep-out outlines (for ever)."""
    mesh = back.mesh
    tri = TriangleListPrimitive(
        pose=Pose(orientation=Quaternion(w=1.0)),
        points=_points(np.asarray(mesh.vertices, dtype=np.float64)),
        color=_SKIN,
        indices=np.asarray(mesh.faces, dtype=np.int64).ravel().tolist(),
    )
    stamp = _stamp(t_ns)
    entities = [SceneEntity(timestamp=stamp, frame_id=BODY_FRAME, id="back", triangles=[tri])]
    length = float(back.back_length_m)
    for zone in back.keep_out_zones:
        s, v = _capsule_outline(zone.a_sv_m, zone.b_sv_m, zone.radius_m)
        u = np.clip(s / length, 0.0, 1.0)
        pts = np.asarray(back.point(u, v)) + 0.002 * np.asarray(back.normal(u, v))
        line = LinePrimitive(
            type=LinePrimitive.Type.LINE_LOOP,
            pose=Pose(orientation=Quaternion(w=1.0)),
            thickness=0.002,
            points=_points(pts.reshape(-1, 3)),
            color=_BONE,
        )
        entities.append(
            SceneEntity(
                timestamp=stamp, frame_id=BODY_FRAME, id=f"keep_out/{zone.name}", lines=[line]
            )
        )
    return SceneUpdate(entities=entities).SerializeToString()


def _capsule_outline(
    a: tuple[float, float], b: tuple[float, float], r: float, n: int = 16
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Chart-metric ``(s, v)`` points around a capsule (two half circles)."""
    pa, pb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = pb - pa
    ang = float(np.arctan2(d[1], d[0])) if float(d @ d) > 0 else 0.0
    half = np.linspace(-np.pi / 2, np.pi / 2, n)
    ring = np.concatenate(
        [
            pb + r * np.stack([np.cos(ang + half), np.sin(ang + half)], axis=1),
            pa + r * np.stack([np.cos(ang + np.pi + half), np.sin(ang + np.pi + half)], axis=1),
        ]
    )
    return ring[:, 0], ring[:, 1]


def knot_scene(knots: Iterable[Mapping[str, Any]], t_ns: int) -> bytes:
    """``foxglove.SceneUpdate``: one sphere per knot with ``x_m, y_m, z_m``."""
    spheres = []
    for k in knots:
        try:
            x, y, z = (float(k[c]) for c in ("x_m", "y_m", "z_m"))
        except (KeyError, TypeError, ValueError):
            continue
        if not all(np.isfinite((x, y, z))):
            continue
        spheres.append(
            SpherePrimitive(
                pose=Pose(position=Vector3(x=x, y=y, z=z), orientation=Quaternion(w=1.0)),
                size=Vector3(x=0.015, y=0.015, z=0.015),
                color=_KNOT,
            )
        )
    entity = SceneEntity(timestamp=_stamp(t_ns), frame_id=BODY_FRAME, id="knots", spheres=spheres)
    return SceneUpdate(entities=[entity]).SerializeToString()
