"""Scalar state kept in a float64 array, read and written under plain attribute names.

The Supervisor and its checks keep their state and settings in one array, which their
compiled rules read and write (``safety/layout.py``, ``safety/fast_tick.py``); the
Python code keeps its attribute names through these descriptors, so every path shares
one copy of the state.

A checker that owns slots sets ``self._k`` to its own array (``np.zeros(N_SLOTS)``);
:func:`rehome` moves it into a slice of a larger array (the Supervisor's).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class FloatSlot(_Slot):
    """A float attribute stored in ``obj._k[index]`` (read back as a Python float)."""

    __slots__ = ()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return float(obj._k[self.index])

    def __set__(self, obj: Any, value: float) -> None:
        obj._k[self.index] = value


class BoolSlot(_Slot):
    """A bool attribute stored as 1.0 / 0.0."""

    __slots__ = ()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return bool(obj._k[self.index] != 0.0)

    def __set__(self, obj: Any, value: bool) -> None:
        obj._k[self.index] = 1.0 if value else 0.0


class IntSlot(_Slot):
    """An int attribute (|value| < 2⁵³, so exact in a float64)."""

    __slots__ = ()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        return int(obj._k[self.index])

    def __set__(self, obj: Any, value: int) -> None:
        obj._k[self.index] = value


def rehome(obj: Any, into: NDArray[np.float64], offset: int) -> None:
    """Move ``obj``'s slots (its current values) to ``into[offset : offset + n]``."""
    own = obj._k
    view = into[offset : offset + own.size]
    view[:] = own
    obj._k = view
