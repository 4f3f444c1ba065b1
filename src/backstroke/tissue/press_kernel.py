"""The fast path's state in one float64 array, and its per-tick arithmetic compiled.

The simulated client's 1 kHz contact force (:meth:`TissuePress.press
<backstroke.tissue.press.TissuePress.press>`) reads the cached per-cell coefficients,
the breathing line and the window's sums and maxima. They live in one float64 array
``P`` (layout below) so a robot's compiled tick can call :func:`press_core` without
Python in between; the Python code (the slow update, the cell lookup, the records)
reads and writes them through the :class:`PressSlots` attributes, which are views of
``P`` under the names the Python code had before (``_prev0``, ``_pad0``, …).

:func:`press_core` is the arithmetic of the Python fast path it replaced, in the same
order of operations (the same bits). It refuses (returns ``ok = 0`` and changes
nothing) when the slow update is due or the foot has left the cached cell: the caller
then runs those in Python and calls again with ``located = 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backstroke.jit import numba_njit

# Layout of P.
T_SLOW = 0  # the next slow update (s)
BO_C0, BO_C1 = 1, 2  # breathing offset over the window: c0 + c1 t
CELLB = 3  # the cached cell: u bounds (2), v bounds (2), its origin (u, v) (6)
IDU, IDV = 9, 10  # 1 / the grid's steps
DAMP, CAP, CAP_F, CAP_SLOPE = 11, 12, 13, 14  # the contact law's constants
PAD0, PAD1 = 15, 24  # per pad: k00, ka, kb, kab, d00, da, db, dab, amp (9 each)
TWO = 33  # 1.0 for a two-pad tool
INV_LIM = 34  # 1 / force limit, 1 / pressure limit of pad 0, of pad 1 (3)
INV_AREA = 37  # 1 / a pad's area (1/cm²)
PADV = 38  # the pads' lateral offsets (m; pad 1 = pad 0 for one pad) (2)
ON_BONE = 40  # 1.0 when a pad's cell touches a bony zone (TRUTH)
TICK_S = 41  # the control period (s)
PREV0, PREV1 = 42, 43  # the pads' last indentation (m)
WINDOW = 44  # since the last slow update: contact ticks, Σf0, Σf1, max f0, f1, f0+f1 (6)
FRAC_F, FRAC_F_AT = 50, 51  # worst force / limit, and where: (t, u, v) (1 + 3)
FRAC_P, FRAC_P_AT = 54, 55  # worst pressure / limit, and where (1 + 3)
BONE_ZONE_S, BONE_S = 58, 59  # time pressing a bony zone, above its bone limit (s)
SIZE = 60
CLEAR_M = 0.006  # gaps below -6 mm cannot touch the skin, whatever the breathing


def new_press_state() -> np.ndarray:
    """A zeroed ``P`` (the tissue fills it in as it sets itself up)."""
    return np.zeros(SIZE)


class _Float:
    """A float attribute that is ``P[i]``."""

    __slots__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = i

    def __get__(self, obj: Any, owner: Any = None) -> float:
        return obj._P.item(self.i)

    def __set__(self, obj: Any, value: float) -> None:
        obj._P[self.i] = value


class _Bool(_Float):
    """A flag stored as 1.0 / 0.0 in ``P[i]``."""

    def __get__(self, obj: Any, owner: Any = None) -> bool:
        return obj._P.item(self.i) != 0.0

    def __set__(self, obj: Any, value: float) -> None:
        obj._P[self.i] = 1.0 if value else 0.0


class _Tuple:
    """A tuple of floats that is ``P[i : i + n]``."""

    __slots__ = ("i", "n")

    def __init__(self, i: int, n: int) -> None:
        self.i, self.n = i, n

    def __get__(self, obj: Any, owner: Any = None) -> tuple[float, ...]:
        return tuple(obj._P[self.i : self.i + self.n].tolist())

    def __set__(self, obj: Any, value: tuple[float, ...]) -> None:
        obj._P[self.i : self.i + self.n] = value


class PressSlots:
    """The fast path's attributes as views of ``self._P`` (set ``_P`` first)."""

    _P: np.ndarray
    _t_slow = _Float(T_SLOW)
    _bo_c0 = _Float(BO_C0)
    _bo_c1 = _Float(BO_C1)
    _cellb = _Tuple(CELLB, 6)
    _idu = _Float(IDU)
    _idv = _Float(IDV)
    _damp = _Float(DAMP)
    _cap = _Float(CAP)
    _cap_f = _Float(CAP_F)
    _cap_slope = _Float(CAP_SLOPE)
    _pad0 = _Tuple(PAD0, 9)
    _pad1 = _Tuple(PAD1, 9)
    _two = _Bool(TWO)
    _inv_lim = _Tuple(INV_LIM, 3)
    _inv_area = _Float(INV_AREA)
    _on_bone = _Bool(ON_BONE)
    _prev0 = _Float(PREV0)
    _prev1 = _Float(PREV1)
    _wn = _Float(WINDOW)
    _wf0 = _Float(WINDOW + 1)
    _wf1 = _Float(WINDOW + 2)
    _wm0 = _Float(WINDOW + 3)
    _wm1 = _Float(WINDOW + 4)
    _wmf = _Float(WINDOW + 5)
    _frac_f = _Float(FRAC_F)
    _frac_f_at = _Tuple(FRAC_F_AT, 3)
    _frac_p = _Float(FRAC_P)
    _frac_p_at = _Tuple(FRAC_P_AT, 3)
    _bone_zone_s = _Float(BONE_ZONE_S)
    _bone_s = _Float(BONE_S)

    @property
    def press_state(self) -> np.ndarray:
        """``P``: the fast path's state (layout in ``press_kernel.py``), for a robot's
        compiled tick to call :func:`press_core` on."""
        return self._P


@numba_njit()
def _pad_force(P: Any, o: int, delta: float, prev: float, a: float, b: float, ab: float) -> float:
    """One pad's normal force at indentation ``delta`` (> 0) from its tuple at ``P[o]``."""
    k = P[o] + P[o + 1] * a + P[o + 2] * b + P[o + 3] * ab
    d = P[o + 4] + P[o + 5] * a + P[o + 6] * b + P[o + 7] * ab
    x = delta / d
    dd = P[DAMP] * (delta - prev)
    if dd > delta:  # viscous part at most the elastic one
        dd = delta
    cap = P[CAP]
    if x < cap:
        q = 1.0 / (1.0 - x)
        f = k * q * q * (delta + dd)
    else:
        f = k * (P[CAP_F] * d + P[CAP_SLOPE] * (delta - cap * d + dd))
    if f < 0.0:
        f = 0.0
    return f


@numba_njit()
def press_core(
    P: Any, t_s: float, u: float, v_m: float, gap0_m: float, gap1_m: float, located: int
) -> tuple[int, float, float]:
    """The pads' normal forces at ``t_s`` (see ``TissuePress.press``): ``(ok, f0, f1)``.

    ``ok = 0`` (nothing changed): the slow update is due, or (unless ``located``) the
    foot ``(u, v_m)`` is outside the cached cell.
    """
    if t_s >= P[T_SLOW]:
        return 0, 0.0, 0.0
    f0 = 0.0
    f1 = 0.0
    if gap0_m > -CLEAR_M or gap1_m > -CLEAR_M:
        c = CELLB
        if not located and not (P[c] <= u < P[c + 1] and P[c + 2] <= v_m < P[c + 3]):
            return 0, 0.0, 0.0
        bo = P[BO_C0] + P[BO_C1] * t_s
        a = (u - P[c + 4]) * P[IDU]
        b = (v_m - P[c + 5]) * P[IDV]
        ab = a * b
        delta = gap0_m + P[PAD0 + 8] * bo
        if delta > 0.0:
            f0 = _pad_force(P, PAD0, delta, P[PREV0], a, b, ab)
        P[PREV0] = delta
        if P[TWO] != 0.0:
            delta = gap1_m + P[PAD1 + 8] * bo
            if delta > 0.0:
                f1 = _pad_force(P, PAD1, delta, P[PREV1], a, b, ab)
            P[PREV1] = delta
        ftot = f0 + f1
        if ftot > 0.0:
            _record(P, t_s, u, v_m, f0, f1, ftot)
    else:
        P[PREV0] = gap0_m
        P[PREV1] = gap1_m
    return 1, f0, f1


@numba_njit()
def _record(P: Any, t_s: float, u: float, v_m: float, f0: float, f1: float, ftot: float) -> None:
    """The window's sums and maxima, and the TRUTH records, of one loaded tick."""
    w = WINDOW
    P[w] += 1.0
    P[w + 1] += f0
    if f0 > P[w + 3]:
        P[w + 3] = f0
    if f1:
        P[w + 2] += f1
        if f1 > P[w + 4]:
            P[w + 4] = f1
    if ftot > P[w + 5]:
        P[w + 5] = ftot
    # worst received / limit of the tool and the TRUE zone under it now
    il_f, il_p0, il_p1 = P[INV_LIM], P[INV_LIM + 1], P[INV_LIM + 2]
    r = r_force = ftot * il_f
    if r > P[FRAC_F]:
        P[FRAC_F] = r
        P[FRAC_F_AT] = t_s
        P[FRAC_F_AT + 1] = u
        P[FRAC_F_AT + 2] = v_m + P[PADV + (0 if f0 >= f1 else 1)]
    r = (f0 * il_p0 if f0 * il_p0 > f1 * il_p1 else f1 * il_p1) * P[INV_AREA]
    if r > P[FRAC_P]:
        P[FRAC_P] = r
        P[FRAC_P_AT] = t_s
        P[FRAC_P_AT + 1] = u
        P[FRAC_P_AT + 2] = v_m + P[PADV + (0 if f0 * il_p0 >= f1 * il_p1 else 1)]
    if P[ON_BONE] != 0.0:
        P[BONE_ZONE_S] += P[TICK_S]
        if r_force > 1.0:  # over bone, above the bone limit
            P[BONE_S] += P[TICK_S]
