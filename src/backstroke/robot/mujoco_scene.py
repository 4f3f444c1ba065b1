"""The MuJoCo scene: massage table, the client, a UR5 on a pedestal, the massage tool.

The world frame *is* body frame B (DESIGN §4): origin on the spine at the iliac crests,
x cranial, y to the client's left, z up (posterior; the client lies prone). Nothing
is converted in the control loop.

Contents (MJCF built as text at run time; no file is written or downloaded):

* floor and a massage table (top ``TABLE_TOP_Z_M`` below the skin at L4);
* the client: the BackModel mesh (visual), a convex torso proxy under it, head,
  buttocks and arms (proxies for the arm's collision avoidance);
* the UR5 from ``example-robot-data`` (joint-limited description, collision STL
  meshes, gravity-compensated position servos, ``base_link`` at ``base``);
* the tool on the flange (``tool0``): a 6-axis force/torque sensor (MuJoCo ``force``
  and ``torque`` sensors at site ``ft``), a turret housing and the three contact faces
  (palms: two pads; forearm; thumb) sharing one TCP site ``tcp``; the active face is
  indexed into place, the others are parked (drawn faint, no contact);
* the skin contact: two small spheres on the tool (one per pad) each pressing on its
  own *skin patch*, a mocap plane with the skin's normal under that pad, placed every
  tick so the pad is as deep as the tissue model says (conforming pads, breathing).
  The contact pairs carry the soft-contact parameters (``solref``/``solimp``) that
  reproduce the tissue's force–indentation law (see
  :mod:`backstroke.robot.mujoco_contact`).

Contact bits: arm links ``contype=2, conaffinity=4``; environment (table, client
proxies) ``contype=4, conaffinity=2``; the skin pairs are explicit ``<pair>`` elements
(their geoms have no contact bits), so the tool's pads touch nothing but the skin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.robot.mujoco_arm import JOINTS, Link, load_ur5, rpy_to_quat
from backstroke.tools import TOOLS, Tool

FloatArray = NDArray[np.float64]

TABLE_TOP_Z_M = -0.22  # table top relative to the skin at L4 (prone torso depth)
TABLE_SIZE_M = (1.95, 0.72, 0.05)  # length (x), width (y), thickness
FLOOR_Z_M = TABLE_TOP_Z_M - 0.72
# Tool geometry along the flange z axis (tool0).
FT_THICKNESS_M = 0.035
HOUSING_RADIUS_M = 0.045
HOUSING_END_M = 0.115
TCP_OFFSET_M = 0.165  # flange face → TCP (the active face's contact centre)
TOOL_MASS_KG = 1.4
PAD_SPHERE_RADIUS_M = 0.010
# Servo gains (N·m/rad, N·m·s/rad) per joint: stiff, well-damped position servos.
SERVO_KP = (30000.0, 30000.0, 20000.0, 4000.0, 4000.0, 2000.0)
SERVO_DAMPING_RATIO = 1.0
ARMATURE = (0.5, 0.5, 0.3, 0.05, 0.05, 0.05)  # reflected rotor inertia (kg·m²)

ARM_BITS = (2, 4)  # contype, conaffinity
ENV_BITS = (4, 2)


@dataclass(frozen=True)
class BasePose:
    """Where the arm's ``base_link`` stands, in frame B.

    Attributes:
        position_m: (x, y, z) of ``base_link``'s origin (top of the pedestal).
        yaw_rad: rotation about z.
    """

    position_m: tuple[float, float, float]
    yaw_rad: float

    def matrix(self) -> FloatArray:
        """4×4 transform B ← base_link."""
        c, s = math.cos(self.yaw_rad), math.sin(self.yaw_rad)
        t = np.eye(4)
        t[:2, :2] = [[c, -s], [s, c]]
        t[:3, 3] = self.position_m
        return t


@dataclass(frozen=True)
class Scene:
    """The MJCF text and the names the backend looks up.

    Attributes:
        xml: the MJCF document.
        assets: in-memory asset files (none: meshes are referenced by absolute path).
        arm_geoms: collision geoms of the arm (for avoidance pairs).
        env_geoms: collision geoms of the environment (table, client proxies).
        tool_geoms: the tool's housing geoms (avoid the table and the head).
        tool_env_geoms: what the tool housing must avoid.
        pad_geoms: the two contact spheres; skin_bodies: their mocap skin patches.
        face_geoms: per tool, the visual geoms of that face.
    """

    xml: str
    assets: dict[str, bytes]
    arm_geoms: tuple[str, ...]
    env_geoms: tuple[str, ...]
    tool_geoms: tuple[str, ...]
    tool_env_geoms: tuple[str, ...]
    pad_geoms: tuple[str, str]
    skin_bodies: tuple[str, str]
    face_geoms: dict[Tool, tuple[str, ...]] = field(default_factory=dict)


def _f(*xs: float) -> str:
    return " ".join(f"{x:.6g}" for x in xs)


def _mesh_text(vertices: FloatArray, faces: NDArray[np.int64] | None = None) -> str:
    v = " ".join(f"{x:.5f}" for x in vertices.ravel())
    if faces is None:
        return f'vertex="{v}"'
    return f'vertex="{v}" face="{" ".join(str(int(i)) for i in faces.ravel())}"'


def _torso_hull_vertices(back: BackModel) -> FloatArray:
    """Points whose convex hull stands for the torso: the back surface and its footprint."""
    uu, vv = back.grid(17, 9)
    top = back.point(uu, vv).reshape(-1, 3)
    edge_u = np.linspace(0.0, 1.0, 17)
    vmax = back.v_max_m(edge_u)
    sides = np.concatenate([back.point(edge_u, vmax), back.point(edge_u, -vmax)], axis=0)
    floor = sides.copy()
    floor[:, 2] = TABLE_TOP_Z_M
    return np.concatenate([top, floor], axis=0)


def _client_xml(back: BackModel) -> tuple[list[str], list[str], tuple[str, ...]]:
    """Assets and worldbody lines for the client; returns the proxy geom names."""
    mesh = back.mesh
    assets = [
        f'<mesh name="back_skin" inertia="shell" '
        f"{_mesh_text(np.asarray(mesh.vertices), np.asarray(mesh.faces))}/>",
        f'<mesh name="torso_hull" {_mesh_text(_torso_hull_vertices(back))}/>',
    ]
    ct, ca = ENV_BITS
    lm = back.landmarks
    c7 = np.asarray(lm["C7"].point_m)
    psis = np.asarray(lm["L5"].point_m)
    half_sw = 0.5 * back.shoulder_width_m
    half_ww = 0.5 * back.waist_width_m
    head_c = c7 + np.array([0.19, 0.0, -0.03])
    butt_c = np.array([psis[0] - 0.16, 0.0, TABLE_TOP_Z_M + 0.10])
    arm_z = TABLE_TOP_Z_M + 0.05
    arm_y = half_sw + 0.06
    x0, x1 = float(c7[0]) - 0.05, float(c7[0]) - 0.62
    lines = [
        '<geom name="client_skin" type="mesh" mesh="back_skin" contype="0" conaffinity="0" '
        'group="1" rgba="0.86 0.68 0.58 1"/>',
        f'<geom name="client_torso" type="mesh" mesh="torso_hull" contype="{ct}" '
        f'conaffinity="{ca}" group="3" rgba="0.86 0.68 0.58 0.25"/>',
        f'<geom name="client_head" type="ellipsoid" size="{_f(0.11, 0.085, 0.10)}" '
        f'pos="{_f(*head_c)}" contype="{ct}" conaffinity="{ca}" rgba="0.8 0.62 0.52 1"/>',
        f'<geom name="client_hips" type="ellipsoid" size="{_f(0.20, half_ww + 0.04, 0.12)}" '
        f'pos="{_f(*butt_c)}" contype="{ct}" conaffinity="{ca}" rgba="0.3 0.35 0.5 1"/>',
        f'<geom name="client_legs" type="box" size="{_f(0.45, half_ww, 0.07)}" '
        f'pos="{_f(float(butt_c[0]) - 0.55, 0.0, TABLE_TOP_Z_M + 0.07)}" contype="{ct}" '
        f'conaffinity="{ca}" rgba="0.3 0.35 0.5 1"/>',
    ]
    for side, sg in (("left", 1.0), ("right", -1.0)):
        lines.append(
            f'<geom name="client_arm_{side}" type="capsule" size="0.045" '
            f'fromto="{_f(x0, sg * arm_y, arm_z, x1, sg * arm_y, arm_z)}" contype="{ct}" '
            f'conaffinity="{ca}" rgba="0.8 0.62 0.52 1"/>'
        )
    names = (
        "client_torso",
        "client_head",
        "client_hips",
        "client_legs",
        "client_arm_left",
        "client_arm_right",
    )
    return assets, lines, names


def _arm_xml(chain: list[Link], base: BasePose) -> tuple[list[str], list[str], list[str], str]:
    """Assets, nested bodies (opened; closed by the caller) and arm geom names."""
    assets: list[str] = []
    names: list[str] = []
    ct, ca = ARM_BITS
    half = 0.5 * base.yaw_rad
    quat = (math.cos(half), 0.0, 0.0, math.sin(half))
    lines: list[str] = []
    for i, link in enumerate(chain):
        if link.mesh:
            assets.append(f'<mesh name="m_{link.name}" file="{link.mesh}"/>')
        if i == 0:
            lines.append(
                f'<body name="{link.name}" pos="{_f(*base.position_m)}" quat="{_f(*quat)}">'
            )
        else:
            lines.append(
                f'<body name="{link.name}" pos="{_f(*link.pos_m)}" '
                f'quat="{_f(*rpy_to_quat(link.rpy_rad))}" gravcomp="1">'
            )
        if link.mass_kg > 0:
            inertia = tuple(max(x, 1e-5) for x in link.inertia_diag)
            lines.append(
                f'<inertial pos="{_f(*link.com_m)}" mass="{link.mass_kg:.6g}" '
                f'diaginertia="{_f(*inertia)}"/>'
            )
        if link.joint:
            j = JOINTS.index(link.joint)
            lo, hi = link.limits_rad
            lines.append(
                f'<joint name="{link.joint}" axis="{_f(*link.axis)}" range="{_f(lo, hi)}" '
                f'armature="{ARMATURE[j]:.4g}" damping="0.5"/>'
            )
        if link.mesh:
            gname = f"g_{link.name}"
            lines.append(
                f'<geom name="{gname}" type="mesh" mesh="m_{link.name}" contype="{ct}" '
                f'conaffinity="{ca}" rgba="0.7 0.72 0.75 1"/>'
            )
            if i >= 2:  # the base and shoulder cannot reach the client
                names.append(gname)
    return assets, lines, names, chain[-1].name


def _tool_xml() -> tuple[list[str], tuple[str, ...], dict[Tool, tuple[str, ...]]]:
    """The tool body on the flange (tool0 frame: z out of the flange)."""
    ct, ca = ARM_BITS
    L = TCP_OFFSET_M
    r = PAD_SPHERE_RADIUS_M
    # tool0 is wrist_3_link offset (0, 0.0823, 0) with rpy (-π/2, 0, 0).
    q = rpy_to_quat((-math.pi / 2, 0.0, 0.0))
    palms = TOOLS[Tool.PALMS]
    fore = TOOLS[Tool.FOREARM]
    thumb = TOOLS[Tool.THUMB]
    pad_len = 2 * palms.half_length_m
    pad_w = 2 * (palms.half_width_m - max(abs(p) for p in palms.pads_v_m))
    lines = [
        f'<body name="tool" pos="0 0.0823 0" quat="{_f(*q)}" gravcomp="1">',
        f'<inertial pos="0 0 {0.5 * L:.4f}" mass="{TOOL_MASS_KG}" '
        f'diaginertia="0.006 0.006 0.002"/>',
        '<site name="ft" pos="0 0 0" size="0.01" rgba="1 0.5 0 1"/>',
        # TCP frame: z_tcp = axis = -z_tool0, x_tcp = x_tool0, y_tcp = -y_tool0.
        f'<site name="tcp" pos="0 0 {L:.4f}" quat="0 1 0 0" size="0.006" rgba="1 0 0 1"/>',
        f'<geom name="ft_sensor" type="cylinder" size="0.040 {0.5 * FT_THICKNESS_M:.4f}" '
        f'pos="0 0 {0.5 * FT_THICKNESS_M:.4f}" contype="0" conaffinity="0" '
        f'rgba="0.2 0.2 0.22 1"/>',
        f'<geom name="tool_housing" type="cylinder" '
        f'size="{HOUSING_RADIUS_M} {0.5 * (HOUSING_END_M - FT_THICKNESS_M):.4f}" '
        f'pos="0 0 {0.5 * (HOUSING_END_M + FT_THICKNESS_M):.4f}" contype="{ct}" '
        f'conaffinity="{ca}" rgba="0.25 0.45 0.7 1"/>',
        f'<geom name="tool_head" type="box" '
        f'size="0.05 0.095 {0.5 * (L - HOUSING_END_M - 0.018):.4f}" '
        f'pos="0 0 {0.5 * (L + HOUSING_END_M - 0.018):.4f}" contype="0" conaffinity="0" '
        f'rgba="0.25 0.45 0.7 1"/>',
    ]
    faces: dict[Tool, tuple[str, ...]] = {}
    # Palms: two pads, lateral along y_tcp = -y_tool0.
    names = []
    for k, pv in enumerate(palms.pads_v_m):
        n = f"face_palms_{k}"
        names.append(n)
        lines.append(
            f'<geom name="{n}" type="box" size="{_f(0.5 * pad_len, 0.5 * pad_w, 0.009)}" '
            f'pos="{_f(0.0, -pv, L - 0.009)}" contype="0" conaffinity="0" '
            f'rgba="0.95 0.8 0.7 1"/>'
        )
    faces[Tool.PALMS] = tuple(names)
    faces[Tool.FOREARM] = ("face_forearm",)
    lines.append(
        f'<geom name="face_forearm" type="capsule" '
        f'size="{0.5 * 0.05:.4f} {fore.half_length_m:.4f}" '
        f'pos="{_f(0.0, 0.0, L - 0.025)}" quat="0.7071068 0.7071068 0 0" contype="0" '
        f'conaffinity="0" rgba="0.95 0.8 0.7 0.2"/>'
    )
    faces[Tool.THUMB] = ("face_thumb",)
    lines.append(
        f'<geom name="face_thumb" type="cylinder" size="{thumb.half_width_m:.4f} 0.009" '
        f'pos="{_f(0.0, 0.0, L - 0.009)}" contype="0" conaffinity="0" rgba="0.95 0.8 0.7 0.2"/>'
    )
    # Contact spheres (moved per tool at run time), lowest point on the TCP plane.
    for k in range(2):
        lines.append(
            f'<geom name="pad_{k}" type="sphere" size="{r}" pos="{_f(0.0, 0.0, L - r)}" '
            f'contype="0" conaffinity="0" group="4" mass="0" rgba="1 0 0 0.5"/>'
        )
    lines.append("</body>")
    return lines, ("tool_housing",), faces


def build_scene(
    back: BackModel, base: BasePose, *, timestep_s: float, friction: float = 0.05
) -> Scene:
    """The whole MJCF for one client and one base placement.

    Args:
        back: the client's back (mesh and landmarks in frame B).
        base: the arm's base pose in B.
        timestep_s: physics step (one control period).
        friction: skin–tool sliding friction coefficient (oiled skin).
    """
    chain, _root = load_ur5()
    c_assets, c_lines, env_names = _client_xml(back)
    a_assets, a_lines, arm_names, _last = _arm_xml(chain, base)
    t_lines, tool_names, faces = _tool_xml()
    ct, ca = ENV_BITS
    tx, ty, tz = TABLE_SIZE_M
    lm = back.landmarks
    table_x = 0.5 * (float(lm["C7"].point_m[0]) + 0.35 + float(lm["L5"].point_m[0]) - 1.35)
    bx, by, bz = base.position_m
    ped_h = bz - FLOOR_Z_M
    # Provisional damping; MujocoRobot.start() sets it critically damped for the arm's
    # joint-space inertia at the start pose.
    kv = [
        2.0 * SERVO_DAMPING_RATIO * math.sqrt(kp * max(a, 0.05) * 4.0)
        for kp, a in zip(SERVO_KP, ARMATURE, strict=True)
    ]
    actuators = []
    for j, name in enumerate(JOINTS):
        eff = chain[j + 1].effort_nm
        actuators.append(
            f'<position name="a_{name}" joint="{name}" kp="{SERVO_KP[j]:.6g}" '
            f'kv="{kv[j]:.6g}" forcerange="{_f(-eff, eff)}" ctrlrange="-6.3 6.3"/>'
        )
    skin_lines = []
    pair_lines = []
    for k in range(2):
        skin_lines.append(
            f'<body name="skin_{k}" mocap="true" pos="0 0 -1">'
            f'<geom name="skin_plane_{k}" type="plane" size="0.06 0.06 0.01" contype="0" '
            f'conaffinity="0" group="4" rgba="0.9 0.3 0.3 0.15"/></body>'
        )
        pair_lines.append(
            f'<pair name="skin_pair_{k}" geom1="pad_{k}" geom2="skin_plane_{k}" condim="3" '
            f'friction="{_f(friction, friction, 0.005, 0.0001, 0.0001)}" '
            f'solref="-2000 -20" solimp="0.5 0.95 0.03 0.5 2"/>'
        )
    xml = "\n".join(
        [
            '<mujoco model="backstroke_ur5">',
            '<compiler angle="radian" autolimits="true"/>',
            f'<option timestep="{timestep_s:.6g}" integrator="implicitfast" cone="elliptic" '
            'impratio="1"/>',
            '<visual><global offwidth="1280" offheight="960"/></visual>',
            "<asset>",
            '<texture name="grid" type="2d" builtin="checker" rgb1=".35 .37 .4" '
            'rgb2=".3 .32 .35" width="256" height="256"/>',
            '<material name="floor" texture="grid" texrepeat="6 6"/>',
            *c_assets,
            *a_assets,
            "</asset>",
            "<worldbody>",
            '<light pos="0.3 0 2.5" dir="0 0 -1" diffuse="0.8 0.8 0.8"/>',
            f'<geom name="floor" type="plane" size="3 3 0.1" pos="0 0 {FLOOR_Z_M:.4f}" '
            'material="floor" contype="0" conaffinity="0"/>',
            f'<geom name="table" type="box" size="{_f(0.5 * tx, 0.5 * ty, 0.5 * tz)}" '
            f'pos="{_f(table_x, 0.0, TABLE_TOP_Z_M - 0.5 * tz)}" contype="{ct}" '
            f'conaffinity="{ca}" rgba="0.55 0.42 0.32 1"/>',
            f'<geom name="pedestal" type="box" size="{_f(0.12, 0.12, 0.5 * ped_h)}" '
            f'pos="{_f(bx, by, FLOOR_Z_M + 0.5 * ped_h - 0.001)}" contype="0" '
            'conaffinity="0" rgba="0.3 0.3 0.32 1"/>',
            *c_lines,
            *skin_lines,
            *a_lines,
            *t_lines,
            *(["</body>"] * len(chain)),
            "</worldbody>",
            "<contact>",
            *pair_lines,
            "</contact>",
            "<actuator>",
            *actuators,
            "</actuator>",
            "<sensor>",
            '<force name="ft_force" site="ft"/>',
            '<torque name="ft_torque" site="ft"/>',
            "</sensor>",
            "</mujoco>",
        ]
    )
    return Scene(
        xml=xml,
        assets={},
        arm_geoms=tuple(arm_names),
        env_geoms=("table", *env_names),
        tool_geoms=tool_names,
        tool_env_geoms=("table", "client_head"),
        pad_geoms=("pad_0", "pad_1"),
        skin_bodies=("skin_0", "skin_1"),
        face_geoms=faces,
    )
