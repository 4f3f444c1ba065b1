"""The simulated arm's per-tick arithmetic, compiled (numba): actuator lag and contact.

:class:`~backstroke.robot.sim.SimRobot` keeps its dynamic state in one float64 array
``S`` (layout below) and calls :func:`move` once per control tick: the critically damped
actuator with its acceleration and speed limits, the tool axis's lag, and the contact
geometry on the cached local quadratic skin (the pads' gaps, the sliding speed). When
the foot has slid far enough or the refresh time has come, :func:`move` stops before
the contact part and says so; the robot then re-expands the skin (Python, rare) and
calls :func:`resume`. The arithmetic is the one described in ``robot/sim.py``, written
once here, in the same order of operations as the Python it replaced (the same bits).

``K`` holds the constants ``dt, ω², 2ω, a_max², v_max², α_acc, β_axis, refresh_m², μ`` and
the joint-torque estimate's bias (3). :func:`forces` turns the pads' normal forces
(from the tissue) into what the sensors measure.

:func:`tick` is the whole common tick in one call: :func:`move`, the tissue's
``press_core`` (its state array ``P``) and :func:`forces`. When the skin must be
re-expanded, or the tissue's slow update or cell lookup is due, it stops there, leaves
what the rest needs in ``S[STASH:]`` and says so; the robot finishes the tick in Python
(the same calls, in the same order, as before).
"""

from __future__ import annotations

import math
from typing import Any

from backstroke.jit import numba_njit
from backstroke.tissue.press_kernel import press_core

# Layout of the state array S.
DYN = 0  # p(3), v(3), tool axis(3), low-passed acceleration(3)
PLANE = 12  # foot S(3), normal(3), foot (u, v), J⁺ rows (3 + 3)
PADGEO = 26  # per pad: plane constant, normal(3), L/2, M, N/2, first-order u, v (2 × 9)
ROLL = 44  # rolling handover: depth still to come on (m), its step per tick (m)
OFFSET = 46  # client offset (3), its velocity (3)
MOVED = 52  # 1.0 when any client offset is set
T_REFRESH = 53  # next refresh time (s)
LAT = 54  # the tool's lateral direction e(3), the pads' offsets along it (2)
TWO = 59  # 1.0 for a two-pad tool
STASH = 60  # what tick() hands to the Python path when it stops early (9)
SIZE = 69
V_EPS2 = 0.002 * 0.002  # friction regularisation speed (m/s), squared


@numba_njit()
def _gaps(S: Any, px: float, py: float, pz: float, du: float, dv: float) -> tuple[float, float]:
    """Each pad's geometric indentation at contact point ``p``, chart step ``(du, dv)``
    from the last refresh."""
    g = PADGEO
    q1 = du * du
    q2 = du * dv
    q3 = dv * dv
    g0 = (
        S[g]
        - (px * S[g + 1] + py * S[g + 2] + pz * S[g + 3])
        + S[g + 7] * du
        + S[g + 8] * dv
        + S[g + 4] * q1
        + S[g + 5] * q2
        + S[g + 6] * q3
    )
    g1 = (
        S[g + 9]
        - (px * S[g + 10] + py * S[g + 11] + pz * S[g + 12])
        + S[g + 16] * du
        + S[g + 17] * dv
        + S[g + 13] * q1
        + S[g + 14] * q2
        + S[g + 15] * q3
    )
    return g0, g1


@numba_njit()
def _contact(
    S: Any, px: float, py: float, pz: float, vx: float, vy: float, vz: float, du: float, dv: float
) -> tuple[float, float, float, float, float, float, float]:
    """Gaps (rolling handover applied), the tangential velocity and its square."""
    nx, ny, nz = S[PLANE + 3], S[PLANE + 4], S[PLANE + 5]
    vn = vx * nx + vy * ny + vz * nz
    tx = vx - vn * nx
    ty = vy - vn * ny
    tz = vz - vn * nz
    vt2 = tx * tx + ty * ty + tz * tz
    g0, g1 = _gaps(S, px, py, pz, du, dv)
    roll = S[ROLL]
    if roll > 0.0:
        g0 -= roll
        g1 -= roll
        rest = roll - S[ROLL + 1]
        S[ROLL] = rest if rest > 0.0 else 0.0  # (max(0.0, ·) written out)
    fax, fay, faz = S[DYN + 9], S[DYN + 10], S[DYN + 11]
    return g0, g1, vt2, tx, ty, tz, fax * fax + fay * fay + faz * faz


@numba_njit()
def _chart_step(S: Any, px: float, py: float, pz: float) -> tuple[float, float, float, float]:
    """Chart step ``(du, dv)`` of ``p`` from the last foot, its offset's square off the
    tangent plane ``|r|² − (r·n)²`` … and ``r·n``."""
    p = PLANE
    rx = px - S[p]
    ry = py - S[p + 1]
    rz = pz - S[p + 2]
    rn = rx * S[p + 3] + ry * S[p + 4] + rz * S[p + 5]
    du = S[p + 8] * rx + S[p + 9] * ry + S[p + 10] * rz
    dv = S[p + 11] * rx + S[p + 12] * ry + S[p + 13] * rz
    return du, dv, rx * rx + ry * ry + rz * rz - rn * rn, rn


@numba_njit()
def move(
    S: Any, K: Any, t: float, cx: float, cy: float, cz: float, kx: float, ky: float, kz: float
) -> tuple[float, ...]:
    """One tick of the arm toward command ``c`` (axis ``k``) at time ``t``.

    Returns ``(refresh, wx, wy, wz, ux, uy, uz, px, py, pz, vx, vy, vz, du, dv, fu, fv,
    g0, g1, vt2, tx, ty, tz, acc2)``: ``w`` the TCP in the world, ``u`` the tool axis,
    ``p``/``v`` the TCP in the client's frame; with ``refresh`` = 1.0 the skin must be
    re-expanded first (the contact fields are then not computed: call :func:`resume`).
    """
    dt, w2, zw, amax2, vmax2, alpha, beta, h2 = K[0], K[1], K[2], K[3], K[4], K[5], K[6], K[7]
    px, py, pz = S[0], S[1], S[2]
    vx, vy, vz = S[3], S[4], S[5]
    ux, uy, uz = S[6], S[7], S[8]
    fax, fay, faz = S[9], S[10], S[11]
    # critically damped second-order lag with acceleration and speed limits
    ax = w2 * (cx - px) - zw * vx
    ay = w2 * (cy - py) - zw * vy
    az = w2 * (cz - pz) - zw * vz
    a2 = ax * ax + ay * ay + az * az
    if a2 > amax2:
        sc = math.sqrt(amax2 / a2)
        ax *= sc
        ay *= sc
        az *= sc
    vx += ax * dt
    vy += ay * dt
    vz += az * dt
    v2 = vx * vx + vy * vy + vz * vz
    if v2 > vmax2:
        sc = math.sqrt(vmax2 / v2)
        vx *= sc
        vy *= sc
        vz *= sc
    px += vx * dt
    py += vy * dt
    pz += vz * dt
    # low-passed acceleration vector (vibration averages out, a jerk does not)
    fax += (ax - fax) * alpha
    fay += (ay - fay) * alpha
    faz += (az - faz) * alpha
    # tool axis: first-order lag, renormalised
    ux += (kx - ux) * beta
    uy += (ky - uy) * beta
    uz += (kz - uz) * beta
    inv = 1.0 / math.sqrt(ux * ux + uy * uy + uz * uz)
    ux *= inv
    uy *= inv
    uz *= inv
    S[0], S[1], S[2], S[3], S[4], S[5] = px, py, pz, vx, vy, vz
    S[6], S[7], S[8], S[9], S[10], S[11] = ux, uy, uz, fax, fay, faz
    wx, wy, wz = px, py, pz  # the TCP in the world: what the encoders measure
    if S[MOVED] != 0.0:
        # the client moved: contact happens in the client's (shifted) frame
        o = OFFSET
        px, py, pz = px - S[o], py - S[o + 1], pz - S[o + 2]
        vx, vy, vz = vx - S[o + 3], vy - S[o + 4], vz - S[o + 5]
    du, dv, off2, _ = _chart_step(S, px, py, pz)
    if off2 > h2 or t >= S[T_REFRESH]:
        z = 0.0
        return (
            1.0, wx, wy, wz, ux, uy, uz, px, py, pz, vx, vy, vz, du, dv,
            z, z, z, z, z, z, z, z, z,
        )  # fmt: skip
    fu = S[PLANE + 6] + du
    fv = S[PLANE + 7] + dv
    g0, g1, vt2, tx, ty, tz, acc2 = _contact(S, px, py, pz, vx, vy, vz, du, dv)
    return (
        0.0, wx, wy, wz, ux, uy, uz, px, py, pz, vx, vy, vz, du, dv,
        fu, fv, g0, g1, vt2, tx, ty, tz, acc2,
    )  # fmt: skip


@numba_njit()
def gaps(S: Any, px: float, py: float, pz: float, du: float, dv: float) -> tuple[float, float]:
    """Each pad's geometric indentation at ``p`` and chart step ``(du, dv)`` (see step)."""
    return _gaps(S, px, py, pz, du, dv)


@numba_njit()
def resume(
    S: Any, px: float, py: float, pz: float, vx: float, vy: float, vz: float
) -> tuple[float, ...]:
    """The contact part of :func:`move` after a refresh: ``(d0, d1, fu, fv, g0, g1, vt2,
    tx, ty, tz, acc2)``, ``d`` how far each pad's gap moved with the re-expansion alone
    (before the rolling handover)."""
    # the foot estimate is not exactly p's foot: keep the residual step
    du, dv, _, _ = _chart_step(S, px, py, pz)
    fu = S[PLANE + 6] + du
    fv = S[PLANE + 7] + dv
    n0, n1 = _gaps(S, px, py, pz, du, dv)
    g0, g1, vt2, tx, ty, tz, acc2 = _contact(S, px, py, pz, vx, vy, vz, du, dv)
    return n0, n1, fu, fv, g0, g1, vt2, tx, ty, tz, acc2


@numba_njit()
def forces(
    S: Any,
    K: Any,
    noise: Any,
    i: int,
    f0: float,
    f1: float,
    tx: float,
    ty: float,
    tz: float,
    vt2: float,
) -> tuple[float, float, float, float, float, float, float, float, float]:
    """The F/T sensor's force and torque and the joint-torque estimate, frame B:
    ``(force(3), torque(3), joint(3))`` from the pads' normal forces ``f0, f1``, the
    tangential velocity ``t`` and the noise sample at ``noise[i : i + 3]``."""
    g = PADGEO
    e0, e1, e2 = noise[i], noise[i + 1], noise[i + 2]
    qx = qy = qz = 0.0
    if f0 or f1:
        n0x, n0y, n0z = S[g + 1], S[g + 2], S[g + 3]
        n1x, n1y, n1z = S[g + 10], S[g + 11], S[g + 12]
        cf = K[8] / math.sqrt(vt2 + V_EPS2)
        fr = cf * (f0 + f1)
        fx = f0 * n0x + f1 * n1x - fr * tx + e0
        fy = f0 * n0y + f1 * n1y - fr * ty + e1
        fz = f0 * n0z + f1 * n1z - fr * tz + e2
        if S[TWO] != 0.0:
            # τ = Σ (o_i e) × f_i n_i = e × M, M = o0 f0 n0 + o1 f1 n1 (normal forces)
            ex, ey, ez, o0, o1 = S[LAT], S[LAT + 1], S[LAT + 2], S[LAT + 3], S[LAT + 4]
            h0 = o0 * f0
            h1 = o1 * f1
            mx = h0 * n0x + h1 * n1x
            my = h0 * n0y + h1 * n1y
            mz = h0 * n0z + h1 * n1z
            qx, qy, qz = ey * mz - ez * my, ez * mx - ex * mz, ex * my - ey * mx
    else:
        fx, fy, fz = e0, e1, e2
    return fx, fy, fz, qx, qy, qz, fx - e0 + K[9], fy - e1 + K[10], fz - e2 + K[11]


@numba_njit()
def tick(
    S: Any,
    K: Any,
    P: Any,
    noise: Any,
    i: int,
    t: float,
    cx: float,
    cy: float,
    cz: float,
    kx: float,
    ky: float,
    kz: float,
) -> tuple[float, ...]:
    """One whole tick: ``(stop, w(3), u(3), force(3), torque(3), joint(3))``.

    ``stop`` 0: done. 1: the skin must be re-expanded (``S[STASH:]`` holds ``p(3),
    v(3), du, dv``; call :func:`gaps`, refresh, :func:`resume`). 2: the tissue refused
    (``S[STASH:]`` holds ``fu, fv, g0, g1, vt2, t(3), acc2``; press in Python). On a
    stop the sensors are not computed (zeros).
    """
    (
        refresh, wx, wy, wz, ux, uy, uz, px, py, pz, vx, vy, vz, du, dv,
        fu, fv, g0, g1, vt2, tx, ty, tz, acc2,
    ) = move(S, K, t, cx, cy, cz, kx, ky, kz)  # fmt: skip
    z = 0.0
    h = STASH
    if refresh:
        S[h], S[h + 1], S[h + 2], S[h + 3], S[h + 4], S[h + 5] = px, py, pz, vx, vy, vz
        S[h + 6], S[h + 7] = du, dv
        return 1.0, wx, wy, wz, ux, uy, uz, z, z, z, z, z, z, z, z, z
    ok, f0, f1 = press_core(P, t, fu, fv, g0, g1, 0)
    if not ok:
        S[h], S[h + 1], S[h + 2], S[h + 3], S[h + 4] = fu, fv, g0, g1, vt2
        S[h + 5], S[h + 6], S[h + 7], S[h + 8] = tx, ty, tz, acc2
        return 2.0, wx, wy, wz, ux, uy, uz, z, z, z, z, z, z, z, z, z
    fx, fy, fz, qx, qy, qz, jx, jy, jz = forces(S, K, noise, i, f0, f1, tx, ty, tz, vt2)
    return 0.0, wx, wy, wz, ux, uy, uz, fx, fy, fz, qx, qy, qz, jx, jy, jz
