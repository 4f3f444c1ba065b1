"""The tool axis follows the skin the robot feels, not only the model's normal.

On a body fitted to a scan the plan's normals are the *fitted* skin's: off the real
skin's by the registration's rotation (2–3°) and the fit's local error (up to ~10° over
the paraspinal valley with 1.5–3 mm of depth noise). Under force control the contact
force runs along the real skin's normal, so the force leaves the planned tool axis and
the Supervisor's force cone (stacking the bones, ``safety/checks/force_cone.py``) reads
that as shear. A force-controlled massage arm orients its tool to the surface it
touches: this tilts the commanded axis toward the measured contact force's direction.

What is followed, per tick, is the force's tilt off the model's normal
``w = F / (F·n) − n`` (a vector square to ``n``, ``|w| = tan`` of the angle: the
skin's normal error there); the commanded axis is the plan's (the normal tilted behind
the stroke) plus that correction, with:

* **friction left out**: while the plan slides (faster than ``sliding_m_s``) kinetic
  friction tilts the force against the sliding by ``atan μ``; following that would
  hide the shear the cone is there to catch (dry skin). ``μ`` is heard as the
  session goes (``friction``): the mean of the force's tilt against the sliding over
  ``FRICTION_TAU_S`` of sliding, where the skin's own slopes along the way average out
  (up and back over the same skin they cancel), from an oiled skin's 0.05. Along the
  sliding the correction follows the tilt less ``μ``: the skin's slope. Across the
  sliding the force's tilt is the skin's slope; standing still (a dwell, a hold) the
  whole tilt is.
* **only under load** (axial force ≥ ``load_n``): below it a face rolling on and the
  sensor's bias set the direction; the correction is held while touching lightly and
  relaxes to the plan's axis off the skin.
* **low-passed** (time constant ``tau_s``), **rate-limited** (``rate_deg_s``) and
  **bounded** (``max_tilt_deg`` off the plan's axis): a shear that appears faster than
  a skin's slope changes under a moving tool, or larger than a fitted skin's error, is
  still seen by the cone (the Supervisor also bounds the commanded axis off the normal,
  ``SafetyLimits.max_axis_tilt_deg``).

Per tick: scalar arithmetic and up to three square roots (the control loop runs at 1 kHz).
"""

from __future__ import annotations

import math

from backstroke.errors import BackstrokeError

Vec3 = tuple[float, float, float]
# The skin's friction coefficient as heard (oiled skin before anything is heard), how
# slowly it is heard (s), and the most it is taken to be.
PRIOR_FRICTION = 0.05
FRICTION_TAU_S = 5.0
MAX_FRICTION = 0.5


class AxisFollower:
    """Tilts the plan's tool axis toward the measured contact force (frame B).

    Args:
        dt_s: control period (s).
        max_tilt_deg: largest tilt of the commanded axis off the plan's axis (degrees).
        rate_deg_s: fastest the tilt may change (degrees per second).
        tau_s: time constant of the low-pass on the force's tilt (s).
        load_n: follow only at this axial force or more (N).
        sliding_m_s: the plan slides faster than this: its sliding direction's
            component of the tilt (friction) is not followed (m/s).

    Attributes:
        friction: the skin's kinetic friction coefficient as heard so far.
        tilt: the correction ``(x, y, z)`` added to the plan's axis (``tan`` of the
            skin's normal error as followed, square to the model normal).
    """

    def __init__(
        self,
        dt_s: float,
        max_tilt_deg: float = 15.0,
        rate_deg_s: float = 10.0,
        tau_s: float = 0.15,
        load_n: float = 3.0,
        sliding_m_s: float = 0.005,
    ) -> None:
        if not (0.0 < dt_s <= 0.1 and 0.0 <= max_tilt_deg <= 20.0 and rate_deg_s > 0.0):
            raise BackstrokeError(
                f"AxisFollower: dt_s {dt_s} (0..0.1], max_tilt_deg {max_tilt_deg} (0..20], "
                f"rate_deg_s {rate_deg_s} (> 0)"
            )
        if not (tau_s > 0.0 and load_n > 0.0 and sliding_m_s >= 0.0):
            raise BackstrokeError(
                f"AxisFollower: tau_s {tau_s}, load_n {load_n} (> 0), sliding_m_s {sliding_m_s}"
            )
        self.dt_s = dt_s
        self._max = math.tan(math.radians(max_tilt_deg))
        self._step = math.radians(rate_deg_s) * dt_s
        self._alpha = min(1.0, dt_s / tau_s)
        self.load_n = load_n
        self.sliding_m_s = sliding_m_s
        self.tilt: Vec3 = (0.0, 0.0, 0.0)
        self.friction = PRIOR_FRICTION
        self._beta = min(1.0, dt_s / FRICTION_TAU_S)

    def reset(self) -> None:
        """A new face: back to the plan's axis (the friction heard is the skin's: kept)."""
        self.tilt = (0.0, 0.0, 0.0)

    def update(
        self, normal: Vec3, axis: Vec3, force_n: Vec3, slide: Vec3, in_contact: bool
    ) -> Vec3:
        """One tick: the commanded axis (unit).

        Args:
            normal: the model's skin normal at the plan point (unit, frame B).
            axis: the plan's tool axis (unit, frame B).
            force_n: the measured contact force (N, frame B).
            slide: the plan's sliding velocity (m/s, frame B).
            in_contact: whether the plan expects contact now.
        """
        nx, ny, nz = normal
        cx, cy, cz = self.tilt
        fx, fy, fz = force_n
        fa = fx * axis[0] + fy * axis[1] + fz * axis[2]
        fn = fx * nx + fy * ny + fz * nz
        if in_contact and fa >= self.load_n and fn > 0.0:  # False for NaN: held
            # the force's tilt off the model normal, less the correction so far
            wx, wy, wz = fx / fn - nx, fy / fn - ny, fz / fn - nz
            ex, ey, ez = wx - cx, wy - cy, wz - cz
            sx, sy, sz = slide
            s2 = sx * sx + sy * sy + sz * sz
            if s2 > self.sliding_m_s * self.sliding_m_s:
                # along the sliding: the tilt less the friction heard so far
                inv = 1.0 / math.sqrt(s2)
                sx, sy, sz = sx * inv, sy * inv, sz * inv
                along = wx * sx + wy * sy + wz * sz
                mu = self.friction
                mu += self._beta * (-along - mu)
                mu = 0.0 if mu < 0.0 else (MAX_FRICTION if mu > MAX_FRICTION else mu)
                self.friction = mu
                ex, ey, ez = ex + mu * sx, ey + mu * sy, ez + mu * sz
            a = self._alpha
            dx, dy, dz = a * ex, a * ey, a * ez
        elif in_contact:
            dx = dy = dz = 0.0
        else:
            dx, dy, dz = -cx, -cy, -cz
        d2 = dx * dx + dy * dy + dz * dz
        step = self._step
        if d2 > step * step:
            r = step / math.sqrt(d2)
            dx, dy, dz = dx * r, dy * r, dz * r
        cx, cy, cz = cx + dx, cy + dy, cz + dz
        # square to this tick's normal (the plan's normal turns), within the bound
        k = cx * nx + cy * ny + cz * nz
        cx, cy, cz = cx - k * nx, cy - k * ny, cz - k * nz
        c2 = cx * cx + cy * cy + cz * cz
        if c2 > self._max * self._max:
            r = self._max / math.sqrt(c2)
            cx, cy, cz = cx * r, cy * r, cz * r
        self.tilt = (cx, cy, cz)
        ux, uy, uz = axis[0] + cx, axis[1] + cy, axis[2] + cz
        inv = 1.0 / math.sqrt(ux * ux + uy * uy + uz * uz)
        return (ux * inv, uy * inv, uz * inv)
