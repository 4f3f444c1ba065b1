"""Stacking the bones: the contact force runs along the tool axis, within a cone.

A therapist leans so the force goes straight through stacked joints; a force that
leaves the tool's axis shears the skin and loads the arm's wrist sideways. Under load
(axial force ≥ ``load_n``) the angle between the measured contact force (F/T sensor,
frame B) and the measured tool axis must stay within ``half_angle_deg``. Outside it the
Supervisor clamps (backs the tool off, which lowers the load and with it any shear).
Out-of-cone time under load accumulates, decays at half speed while the loaded force is
back inside, and holds while the force is below the load (backing off hides a shear; it
does not cure it); past ``confirm_s`` the session ends in a retreat (``force_cone``,
with the episode's largest angle). An axial load above the tool's own ceiling for two
samples running (a one-sample spike rides through, as with the force limits) is a
retreat (``axial_load``).

A sensor whose force direction is uncertain (``tolerance_n``, from the backend's
``force_direction_error_n``: a joint-torque estimate's few newtons) widens the cone by
that much tangential force, so its error is not read as shear.

Per tick: a dot product and a squared norm (no trigonometry or square root unless the
force is out of the cone).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.jit import numba_njit
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import BoolSlot, FloatSlot
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG, FORCE_CONE_LOAD_N, TOOLS

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them):
# the state, the settings, and the axial load of this tick's finding.
OUT_S, AXIAL_OVER, EPISODE, OUT_OF_CONE, ANGLE_DEG = range(5)
DT_S, HALF_ANGLE_DEG, LOAD_N, CONFIRM_S, CONE_TAN, TOLERANCE_N, AXIAL_N = range(5, 12)
N_SLOTS = 12
AXIAL_LOAD, OUT_TOO_LONG = 1, 2  # what cone_update finds (0: nothing)


@numba_njit()
def cone_update(K: Any, o: int, axial_limit_n: float, f: Any, axis: Any) -> int:
    """The force ``f`` against the cone around ``axis``, on the slots at ``K[o:]``:
    AXIAL_LOAD, OUT_TOO_LONG or 0 (``K[o + OUT_OF_CONE]``: a clamp this tick)."""
    fx, fy, fz = f[0], f[1], f[2]
    axial_n = fx * axis[0] + fy * axis[1] + fz * axis[2]
    K[o + OUT_OF_CONE] = 0.0
    if not axial_n >= K[o + LOAD_N]:  # also False for NaN: the health check judges it
        K[o + AXIAL_OVER] = 0.0
        return 0
    if axial_n > axial_limit_n:
        if K[o + AXIAL_OVER] != 0.0:
            K[o + AXIAL_N] = axial_n
            return AXIAL_LOAD
        K[o + AXIAL_OVER] = 1.0
    else:
        K[o + AXIAL_OVER] = 0.0
    dt = K[o + DT_S]
    norm2 = fx * fx + fy * fy + fz * fz
    bound_n = K[o + CONE_TAN] * axial_n + K[o + TOLERANCE_N]
    if norm2 - axial_n * axial_n <= bound_n * bound_n:
        K[o + EPISODE] = 0.0
        K[o + ANGLE_DEG] = 0.0
        out = K[o + OUT_S] - 0.5 * dt  # (max(0, ·) written out)
        K[o + OUT_S] = out if out > 0.0 else 0.0
        return 0
    c = axial_n / math.sqrt(norm2)
    angle_deg = math.degrees(math.acos(c if c < 1.0 else 1.0))
    K[o + OUT_OF_CONE] = 1.0
    if K[o + EPISODE] != 0.0 and not angle_deg > K[o + ANGLE_DEG]:
        angle_deg = K[o + ANGLE_DEG]  # (the episode's largest)
    K[o + ANGLE_DEG] = angle_deg
    K[o + EPISODE] = 1.0
    out = K[o + OUT_S] + dt
    K[o + OUT_S] = out
    return OUT_TOO_LONG if out > K[o + CONFIRM_S] else 0


class ForceCone:
    """The measured force's angle off the measured tool axis, under load.

    Args:
        dt_s: control period (s).
        half_angle_deg: the cone's half angle (degrees, (0, 45]).
        load_n: the cone applies from this axial force (N; below it — a light touch, a
            face rolling on, the sensor's bias — the direction says little).
        confirm_s: out-of-cone time (accumulated) that ends the session.
        tolerance_n: the sensor's tangential error (N): the force is out of the cone
            when its tangential part exceeds ``tan(half_angle) × axial + tolerance_n``.

    Attributes:
        out_of_cone: this tick's force is loaded and outside the cone (the Supervisor
            clamps while it is).
        angle_deg: the largest angle of the shear episode under way, else 0 (degrees).
        in_episode: a shear episode is under way (from the first loaded tick out of the
            cone to the first loaded tick back inside it).
    """

    _out_s = FloatSlot(OUT_S)
    _axial_over = BoolSlot(AXIAL_OVER)
    _episode = BoolSlot(EPISODE)
    out_of_cone = BoolSlot(OUT_OF_CONE)
    angle_deg = FloatSlot(ANGLE_DEG)
    dt_s = FloatSlot(DT_S)
    half_angle_deg = FloatSlot(HALF_ANGLE_DEG)
    load_n = FloatSlot(LOAD_N)
    confirm_s = FloatSlot(CONFIRM_S)
    cone_tan = FloatSlot(CONE_TAN)
    tolerance_n = FloatSlot(TOLERANCE_N)

    def __init__(
        self,
        dt_s: float,
        half_angle_deg: float = FORCE_CONE_HALF_ANGLE_DEG,
        load_n: float = FORCE_CONE_LOAD_N,
        confirm_s: float = 1.0,
        tolerance_n: float = 0.0,
    ) -> None:
        if not (0.0 < dt_s <= 0.1 and 0.0 < half_angle_deg <= 45.0 and load_n > 0.0):
            raise BackstrokeError(
                f"ForceCone: dt_s {dt_s} (0..0.1], half_angle_deg {half_angle_deg} "
                f"(0..45], load_n {load_n} (> 0)"
            )
        if not 0.0 < confirm_s <= 2.0:
            raise BackstrokeError(f"ForceCone: confirm_s {confirm_s} outside (0, 2]")
        if not 0.0 <= tolerance_n <= 10.0:
            raise BackstrokeError(f"ForceCone: tolerance_n {tolerance_n} outside [0, 10]")
        self._k = np.zeros(N_SLOTS)
        self.dt_s = dt_s
        self.half_angle_deg = half_angle_deg
        self.load_n = load_n
        self.confirm_s = confirm_s
        self.cone_tan = math.tan(math.radians(half_angle_deg))
        self.tolerance_n = tolerance_n
        self.axial_limit_n = {tool: spec.max_force_n for tool, spec in TOOLS.items()}

    def update(self, tick: Measurement) -> Finding | None:
        st, k = tick.state, self._k
        code = cone_update(k, 0, self.axial_limit_n[st.tool], st.force_n, st.axis)
        if code == AXIAL_LOAD:
            return Finding("axial_load", float(k[AXIAL_N]), self.axial_limit_n[st.tool], "retreat")
        if code == OUT_TOO_LONG:
            return Finding("force_cone", self.angle_deg, self.half_angle_deg, "retreat")
        return None

    @property
    def in_episode(self) -> bool:
        return self._episode
