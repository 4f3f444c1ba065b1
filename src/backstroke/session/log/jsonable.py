"""Plain JSON values from what a session produces (numpy, enums, paths, models)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np


def jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays converted, NaN/inf → None, pydantic models
    dumped, anything else unknown as its ``str``."""
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, str) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return jsonable(dump(mode="json"))
    if isinstance(obj, Iterable):
        return [jsonable(v) for v in obj]
    return str(obj)
