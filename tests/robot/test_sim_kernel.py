"""The compiled tick (robot/sim_kernel.py) gives the same bits as plain Python floats.

The reference below is the simulator's tick as it was written in Python before it was
compiled (SimRobot.step's actuator, contact and sensor arithmetic), run on random
states: every returned number and every state the kernels write must be identical.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.robot import sim_kernel as kernel

V_EPS2 = 0.002 * 0.002


def _ref_move(s: list[float], k: list[float], t: float, c: tuple[float, ...]) -> tuple:
    dt, w2, zw, amax2, vmax2, alpha, beta, h2 = k[:8]
    px, py, pz, vx, vy, vz, ux, uy, uz, fax, fay, faz = s[0:12]
    cx, cy, cz, kx, ky, kz = c
    ax = w2 * (cx - px) - zw * vx
    ay = w2 * (cy - py) - zw * vy
    az = w2 * (cz - pz) - zw * vz
    a2 = ax * ax + ay * ay + az * az
    if a2 > amax2:
        sc = math.sqrt(amax2 / a2)
        ax, ay, az = ax * sc, ay * sc, az * sc
    vx += ax * dt
    vy += ay * dt
    vz += az * dt
    v2 = vx * vx + vy * vy + vz * vz
    if v2 > vmax2:
        sc = math.sqrt(vmax2 / v2)
        vx, vy, vz = vx * sc, vy * sc, vz * sc
    px += vx * dt
    py += vy * dt
    pz += vz * dt
    fax += (ax - fax) * alpha
    fay += (ay - fay) * alpha
    faz += (az - faz) * alpha
    ux += (kx - ux) * beta
    uy += (ky - uy) * beta
    uz += (kz - uz) * beta
    inv = 1.0 / math.sqrt(ux * ux + uy * uy + uz * uz)
    ux, uy, uz = ux * inv, uy * inv, uz * inv
    s[0:12] = [px, py, pz, vx, vy, vz, ux, uy, uz, fax, fay, faz]
    wx, wy, wz = px, py, pz
    if s[kernel.MOVED]:
        ox, oy, oz, ovx, ovy, ovz = s[kernel.OFFSET : kernel.OFFSET + 6]
        px, py, pz = px - ox, py - oy, pz - oz
        vx, vy, vz = vx - ovx, vy - ovy, vz - ovz
    sx, sy, sz, nx, ny, nz, fu, fv, ju0, ju1, ju2, jv0, jv1, jv2 = s[12:26]
    rx, ry, rz = px - sx, py - sy, pz - sz
    rn = rx * nx + ry * ny + rz * nz
    du = ju0 * rx + ju1 * ry + ju2 * rz
    dv = jv0 * rx + jv1 * ry + jv2 * rz
    head = (wx, wy, wz, ux, uy, uz, px, py, pz, vx, vy, vz, du, dv)
    if rx * rx + ry * ry + rz * rz - rn * rn > h2 or t >= s[kernel.T_REFRESH]:
        return (1.0, *head, *(0.0,) * 9)
    return (0.0, *head, fu + du, fv + dv, *_ref_contact(s, px, py, pz, vx, vy, vz, du, dv))


def _ref_gaps(s: list[float], px: float, py: float, pz: float, du: float, dv: float) -> tuple:
    c0, n0x, n0y, n0z, l0, m0, k0, a0, b0, c1, n1x, n1y, n1z, l1, m1, k1, a1, b1 = s[26:44]
    q1, q2, q3 = du * du, du * dv, dv * dv
    return (
        c0 - (px * n0x + py * n0y + pz * n0z) + a0 * du + b0 * dv + l0 * q1 + m0 * q2 + k0 * q3,
        c1 - (px * n1x + py * n1y + pz * n1z) + a1 * du + b1 * dv + l1 * q1 + m1 * q2 + k1 * q3,
    )


def _ref_contact(s: list[float], px, py, pz, vx, vy, vz, du, dv) -> tuple:  # type: ignore[no-untyped-def]
    nx, ny, nz = s[15:18]
    vn = vx * nx + vy * ny + vz * nz
    tx, ty, tz = vx - vn * nx, vy - vn * ny, vz - vn * nz
    vt2 = tx * tx + ty * ty + tz * tz
    g0, g1 = _ref_gaps(s, px, py, pz, du, dv)
    if s[kernel.ROLL] > 0.0:
        g0 -= s[kernel.ROLL]
        g1 -= s[kernel.ROLL]
        s[kernel.ROLL] = max(0.0, s[kernel.ROLL] - s[kernel.ROLL + 1])
    fax, fay, faz = s[9:12]
    return g0, g1, vt2, tx, ty, tz, fax * fax + fay * fay + faz * faz


def _ref_forces(s: list[float], k: list[float], e: tuple, f0, f1, tx, ty, tz, vt2) -> tuple:  # type: ignore[no-untyped-def]
    n0x, n0y, n0z = s[27:30]
    n1x, n1y, n1z = s[36:39]
    if f0 or f1:
        fr = k[8] / math.sqrt(vt2 + V_EPS2) * (f0 + f1)
        force = (
            f0 * n0x + f1 * n1x - fr * tx + e[0],
            f0 * n0y + f1 * n1y - fr * ty + e[1],
            f0 * n0z + f1 * n1z - fr * tz + e[2],
        )
        torque = (0.0, 0.0, 0.0)
        if s[kernel.TWO]:
            ex, ey, ez, o0, o1 = s[kernel.LAT : kernel.LAT + 5]
            g0, g1 = o0 * f0, o1 * f1
            mx, my, mz = g0 * n0x + g1 * n1x, g0 * n0y + g1 * n1y, g0 * n0z + g1 * n1z
            torque = (ey * mz - ez * my, ez * mx - ex * mz, ex * my - ey * mx)
    else:
        force, torque = (e[0], e[1], e[2]), (0.0, 0.0, 0.0)
    joint = tuple(force[j] - e[j] + k[9 + j] for j in range(3))
    return (*force, *torque, *joint)


def _random_state(rng: np.random.Generator) -> np.ndarray:
    s = rng.normal(0.0, 0.05, kernel.SIZE)
    s[6:9] /= np.linalg.norm(s[6:9])  # a unit tool axis
    s[kernel.PLANE + 3 : kernel.PLANE + 6] /= np.linalg.norm(s[15:18])
    s[kernel.ROLL] = max(0.0, s[kernel.ROLL]) * rng.integers(0, 2)
    s[kernel.ROLL + 1] = abs(s[kernel.ROLL + 1]) * 0.1
    s[kernel.MOVED] = float(rng.integers(0, 2))
    s[kernel.TWO] = float(rng.integers(0, 2))
    s[kernel.T_REFRESH] = rng.uniform(0.0, 2.0)
    return s


def _constants(rng: np.random.Generator) -> np.ndarray:
    w = 2 * math.pi * rng.uniform(5.0, 60.0)
    dt = 1.0 / rng.choice([500.0, 1000.0, 2000.0])
    return np.array(
        [
            dt,
            w * w,
            2 * w,
            rng.uniform(0.5, 20.0) ** 2,
            rng.uniform(0.05, 1.0) ** 2,
            min(dt / 0.03, 1.0),
            1.0 - math.exp(-w * dt),
            rng.uniform(1e-4, 5e-3) ** 2,
            rng.uniform(0.0, 0.1),
            *rng.normal(0.0, 0.5, 3),
        ]
    )


@pytest.mark.parametrize("seed", range(8))
def test_kernels_match_the_python_tick_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 0.07, 30)
    for _ in range(300):
        S, K = _random_state(rng), _constants(rng)
        ref = S.tolist()
        t = float(rng.uniform(0.0, 2.0))
        cmd = tuple(float(x) for x in rng.normal(0.0, 0.1, 6))
        got = kernel.move(S, K, t, *cmd)
        want = _ref_move(ref, K.tolist(), t, cmd)
        assert got == want
        px, py, pz, vx, vy, vz, du, dv = got[7:15]
        assert kernel.gaps(S, px, py, pz, du, dv) == _ref_gaps(ref, px, py, pz, du, dv)
        if got[0]:  # after a refresh: the contact part alone
            r = kernel.resume(S, px, py, pz, vx, vy, vz)
            rx, ry, rz = px - ref[12], py - ref[13], pz - ref[14]
            du2 = ref[20] * rx + ref[21] * ry + ref[22] * rz
            dv2 = ref[23] * rx + ref[24] * ry + ref[25] * rz
            want_r = (
                *_ref_gaps(ref, px, py, pz, du2, dv2),
                ref[18] + du2,
                ref[19] + dv2,
                *_ref_contact(ref, px, py, pz, vx, vy, vz, du2, dv2),
            )
            assert r == want_r
        assert S.tolist() == ref  # every state written the same
        f0, f1 = (float(x) for x in rng.uniform(0.0, 20.0, 2) * rng.integers(0, 2, 2))
        tx, ty, tz = (float(x) for x in rng.normal(0.0, 0.1, 3))
        vt2 = tx * tx + ty * ty + tz * tz
        i = int(rng.integers(0, 27))
        e = tuple(noise[i : i + 3].tolist())
        got_f = kernel.forces(S, K, noise, i, f0, f1, tx, ty, tz, vt2)
        assert got_f == _ref_forces(ref, K.tolist(), e, f0, f1, tx, ty, tz, vt2)


def test_the_robot_state_lives_in_the_kernel_array() -> None:
    """The robot's state lives in the kernel's array: start, step and stop agree."""
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.robot.factory import make_robot
    from backstroke.robot.protocol import RobotCommand
    from backstroke.tools import Tool

    client = load_client()
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=3)
    p = tuple(float(x) for x in back.point(0.5, 0.05) + 0.01 * back.normal(0.5, 0.05))
    axis = tuple(float(x) for x in back.normal(0.5, 0.05))
    st = robot.start(Tool.PALMS, p, axis)  # type: ignore[arg-type]
    assert st.position_m == pytest.approx(p, abs=1e-6)
    for n in range(1, 200):
        target = (p[0], p[1], p[2] - 0.0001 * n)
        st = robot.step(RobotCommand(Tool.PALMS, target, axis, n * robot.dt_s))  # type: ignore[arg-type]
    assert all(type(x) is float for x in (*st.position_m, *st.force_n, *st.axis))
    assert robot.velocity_m_s[2] < 0.0  # moving down toward the command
    robot.stop()  # zero velocity, then one tick holding the pose
    assert max(map(abs, robot.velocity_m_s)) < 0.01
    u, v = robot.foot
    assert u == pytest.approx(0.5, abs=0.01) and v == pytest.approx(0.05, abs=0.01)
