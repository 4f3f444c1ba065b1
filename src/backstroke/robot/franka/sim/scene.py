"""backstroke's table, client and massage tool added to franky-sim's MuJoCo scene.

franky-sim builds its MJCF as an ElementTree that may be extended before the server
starts (``MujocoSimulator.worldbody`` / ``.scene``). Its world frame is the arm's base
frame O. Added here:

* the massage table and the client, from the ``mujoco`` backend's own scene code
  (:mod:`backstroke.robot.mujoco_scene`: same table height, the BackModel skin mesh and
  the body proxies), wrapped in one body placed at the registration pose of B in O; the
  table collides with the arm and the tool housing (contact bits 1 and 2; the housing
  has no bit 1, so it does not touch the Hand's fingers it surrounds); the client's
  proxies are visual (the skin is touched only through the skin pairs);
* the massage tool, fixed under the Franka Hand: a housing and two contact spheres
  (the pads; moved per tool at run time), with the tool's mass (the driver declares the
  same load with ``set_load``);
* two skin patches (mocap planes) and the explicit contact pairs pad ↔ skin patch that
  :class:`~backstroke.robot.franka.sim.skin.SkinContact` drives every tick.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.robot.franka.frames import BodyPose
from backstroke.robot.franka.tool import (
    PAD_RADIUS_M,
    TOOL_COM_FROM_FLANGE_M,
    TOOL_MASS_KG,
    TOOL_TCP_FROM_NE_M,
)
from backstroke.robot.mujoco_scene import TABLE_SIZE_M, TABLE_TOP_Z_M, _client_xml

NE_FROM_HAND_M = 0.1034  # franky-sim's hand frame → NE (its default TCP) along z
HAND_FROM_FLANGE_M = 0.107  # the hand body sits at the flange (link7 + 0.107)
ROBOT_PREFIX = "robot0_"


def _f(*xs: float) -> str:
    return " ".join(f"{x:.6g}" for x in xs)


def link_side_torques(sim: Any) -> None:
    """Take the arm's joint friction out of the simulation.

    franky-sim reports the torque it applies to each joint as ``tau_J``: with friction in
    the joints that is a motor-side torque. A real FR3 measures ``tau_J`` with link-side
    torque sensors, after the gears, where joint friction does not enter. Without
    friction in the simulation both mean the same, so the driver's force estimate is
    tested against what a real arm would report.
    """
    for j in sim.worldbody.iter("joint"):
        if (j.get("name") or "").startswith(f"{ROBOT_PREFIX}fr3_joint"):
            j.set("frictionloss", "0")


def add_client(sim: Any, back: BackModel, pose: BodyPose) -> dict[str, Any]:
    """Add the table, the client, the tool and the skin pairs to ``sim``'s scene.

    Call after ``sim.add_robot()`` and before the server starts.

    Returns:
        the names :class:`~backstroke.robot.franka.sim.skin.SkinContact` looks up.
    """
    scene: ET.Element = sim.scene
    world: ET.Element = sim.worldbody
    option = scene.find("option")
    if option is not None:  # elliptic friction cones, as in the mujoco backend
        option.set("cone", "elliptic")
    asset = scene.find("asset")
    contact = scene.find("contact")
    if asset is None or contact is None:
        raise ValueError("franky-sim scene has no <asset> or <contact> section")
    c_assets, c_lines, _proxies = _client_xml(back)
    for text in c_assets:
        asset.append(ET.fromstring(text))
    half = 0.5 * pose.yaw_rad
    body = ET.SubElement(
        world,
        "body",
        name="client_frame",
        pos=_f(*pose.position_m),
        quat=_f(math.cos(half), 0.0, 0.0, math.sin(half)),
    )
    for text in c_lines:
        g = ET.fromstring(text)
        g.set("contype", "0")
        g.set("conaffinity", "0")
        body.append(g)
    lm = back.landmarks
    tx, ty, tz = TABLE_SIZE_M
    table_x = 0.5 * (float(lm["C7"].point_m[0]) + 0.35 + float(lm["L5"].point_m[0]) - 1.35)
    ET.SubElement(
        body,
        "geom",
        name="massage_table",
        type="box",
        size=_f(0.5 * tx, 0.5 * ty, 0.5 * tz),
        pos=_f(table_x, 0.0, TABLE_TOP_Z_M - 0.5 * tz),
        contype="3",
        conaffinity="3",
        rgba="0.55 0.42 0.32 1",
    )
    tcp_z = NE_FROM_HAND_M + TOOL_TCP_FROM_NE_M
    names = _add_tool(world, tcp_z)
    for k in range(2):
        skin = ET.SubElement(world, "body", name=f"skin_{k}", mocap="true", pos="0 0 -5")
        ET.SubElement(
            skin,
            "geom",
            name=f"skin_plane_{k}",
            type="plane",
            size="0.08 0.08 0.01",
            contype="0",
            conaffinity="0",
            group="4",
            rgba="0.9 0.3 0.3 0.15",
        )
        ET.SubElement(
            contact,
            "pair",
            name=f"skin_pair_{k}",
            geom1=f"pad_{k}",
            geom2=f"skin_plane_{k}",
            condim="3",
            friction="0.05 0.05 0.005 0.0001 0.0001",
            solref="-2000 -20",
            solimp="0.5 0.95 0.03 0.5 2",
        )
    names.update(
        {
            "skins": ("skin_0", "skin_1"),
            "pairs": ("skin_pair_0", "skin_pair_1"),
            "env_geoms": ("massage_table",),
        }
    )
    return names


def _add_tool(world: ET.Element, tcp_z: float) -> dict[str, Any]:
    """The tool body under the Franka Hand (hand frame: z out of the flange)."""
    hand = None
    for b in world.iter("body"):
        if b.get("name") == f"{ROBOT_PREFIX}hand":
            hand = b
            break
    if hand is None:
        raise ValueError(f"franky-sim scene has no body '{ROBOT_PREFIX}hand'")
    r = PAD_RADIUS_M
    com_z = TOOL_COM_FROM_FLANGE_M[2] - HAND_FROM_FLANGE_M
    tool = ET.SubElement(hand, "body", name="massage_tool", pos="0 0 0")
    ET.SubElement(
        tool,
        "inertial",
        pos=_f(0.0, 0.0, com_z),
        mass=f"{TOOL_MASS_KG:.6g}",
        diaginertia="0.0012 0.0012 0.0006",
    )
    ET.SubElement(tool, "site", name="tcp", pos=_f(0.0, 0.0, tcp_z), size="0.006")
    housing_lo, housing_hi = 0.065, tcp_z - 0.02
    ET.SubElement(
        tool,
        "geom",
        name="tool_housing",
        type="cylinder",
        size=_f(0.035, 0.5 * (housing_hi - housing_lo)),
        pos=_f(0.0, 0.0, 0.5 * (housing_lo + housing_hi)),
        contype="2",
        conaffinity="2",
        mass="0",
        rgba="0.25 0.45 0.7 1",
    )
    ET.SubElement(
        tool,
        "geom",
        name="tool_head",
        type="box",
        size=_f(0.045, 0.08, 0.006),
        pos=_f(0.0, 0.0, tcp_z - 0.026),
        contype="0",
        conaffinity="0",
        mass="0",
        rgba="0.95 0.8 0.7 1",
    )
    for k in range(2):
        ET.SubElement(
            tool,
            "geom",
            name=f"pad_{k}",
            type="sphere",
            size=f"{r:.6g}",
            pos=_f(0.0, 0.0, tcp_z - r),
            contype="0",
            conaffinity="0",
            mass="0",
            rgba="1 0 0 0.5",
        )

    def pad_local(offset_v_m: float) -> tuple[float, float, float]:
        # a pad at chart offset +v lies at y_EE = −v (see frames.py)
        return (0.0, -offset_v_m, tcp_z - r)

    local: Callable[[float], tuple[float, float, float]] = pad_local
    return {
        "pads": ("pad_0", "pad_1"),
        "tcp_site": "tcp",
        "tool_body": "massage_tool",
        "pad_local": local,
    }
