"""The massage end effector as the Franka sees it: mass, centre of mass, TCP offset.

The end effector mounts on the flange like the Franka Hand would (the franky-sim arm
keeps its hand; the tool is fixed under it). The TCP is the active face's contact centre,
``TOOL_TCP_FROM_NE_M`` beyond libfranka's nominal end-effector frame NE along its z axis;
the driver tells the arm with ``set_ee`` and its load with ``set_load`` so the arm's
gravity model includes it. Every face shares the TCP (the turret indexes the active one
into place), as in the MuJoCo backend.
"""

from __future__ import annotations

TOOL_TCP_FROM_NE_M = 0.075  # NE (hand TCP) → the contact faces' centre, along z_NE
TOOL_MASS_KG = 0.45  # turret, faces and the indexer, beyond the Franka Hand
TOOL_COM_FROM_FLANGE_M = (0.0, 0.0, 0.16)  # in the flange frame F
TOOL_INERTIA_KG_M2 = (0.0012, 0.0, 0.0, 0.0, 0.0012, 0.0, 0.0, 0.0, 0.0006)  # column-major
PAD_RADIUS_M = 0.010  # the contact spheres of the simulated faces (franky-sim scene)
