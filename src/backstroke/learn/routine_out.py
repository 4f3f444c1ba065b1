"""Writing the learned routine: a TOML file ``backstroke check`` accepts.

Each figure is clipped to the routine schema's range (and the tool's force limit), and
every block carries a comment with the evidence: strokes, beats per stroke, the pass
where the tissue softened. Speeds are written as the cruise speed the planner aims for
(it times a move to average 90 % of it, in whole beats), so the plan's strokes last the
master's beats.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

from backstroke.config import validate
from backstroke.errors import RoutineError
from backstroke.learn.elements import TECH_TOOL, BlockFigures, Figures
from backstroke.routine.schema import SPEED_CEILING_M_S, SPEED_FLOOR_M_S, Routine
from backstroke.tools import TOOLS

# The planner times a move so its mean speed is this fraction of the cruise speed.
MEAN_OVER_CRUISE = 0.9
DEFAULT_BPM = 60.0


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _cruise_m_s(mean_m_s: float | None) -> float:
    """The cruise speed whose planned moves average ``mean_m_s`` (0.03 when unknown)."""
    mean = mean_m_s or 0.03
    return _clip(mean / MEAN_OVER_CRUISE, SPEED_FLOOR_M_S, SPEED_CEILING_M_S)


def block_dict(b: BlockFigures, threshold: float) -> dict[str, Any]:
    """One routine block from a block's figures (schema ranges respected)."""
    limit = TOOLS[TECH_TOOL[b.technique]].max_force_n
    if b.technique == "rest":
        return {
            "technique": "rest",
            "target_force_n": _r(_clip(b.force_n, 0.5, 15.0), 1),
            "u": _r(_clip(b.u_rest, 0.3, 0.95), 2),
            "duration_s": _r(_clip(b.duration_s, 2.0, 300.0), 1),
        }
    out: dict[str, Any] = {
        "technique": b.technique,
        "target_force_n": _r(_clip(b.force_n, 0.5, limit), 1),
        "speed_m_s": _r(_cruise_m_s(b.speed_m_s), 4),
    }
    if b.transition_speed_m_s is not None:
        # the master's returns and crosses keep their own pace (a quick light glide)
        out["transition_speed_m_s"] = _r(_cruise_m_s(b.transition_speed_m_s), 4)
    lo = math.floor(_clip(b.u_min, 0.0, 0.899) * 1000) / 1000
    hi = math.ceil(_clip(b.u_max, 0.1, 1.0) * 1000) / 1000
    if hi - lo < 0.101:  # the schema wants at least 0.1 (a little more: rounding)
        hi = min(1.0, round(lo + 0.101, 3))
        lo = round(hi - 0.101, 3)
    out["u_min"], out["u_max"] = lo, hi
    if b.technique == "forearm":
        out["side"] = b.side
        out["lateral_m"] = _r(_clip(b.lateral_m, 0.05, 0.12), 3)
    band = b.technique == "thumb_strip" and len(b.lanes_m) > 1
    if b.technique == "thumb_strip":
        out["side"] = b.side
        if band:
            # several lanes each pass: a band from the inner to the outer lane
            inner = _clip(min(b.lanes_m), 0.015, 0.085)
            outer = _clip(max(b.lanes_m), inner + 0.001, 0.09)
            spacing = (outer - inner) / (len(b.lanes_m) - 1)
            out["cover"] = "band"
            out["band_m"] = [_r(inner, 4), _r(outer, 4)]
            out["lane_spacing_m"] = _r(_clip(spacing, 0.004, 0.02), 4)
        else:
            out["lateral_m"] = _r(_clip(b.lateral_m, 0.025, 0.04), 3)
        if b.dwells:
            out["dwell_on_knots"] = True
            out["dwell_beats"] = int(_clip(b.dwell_beats or 4, 1, 16))
    passes = int(_clip(b.passes, 1, 50))
    if b.until_softening and b.softening_pass is not None:
        low = int(_clip(max(2, b.softening_pass + 2), 1, 50))
        out["repeat"] = {
            "until": "softening",
            "min_passes": low,
            "max_passes": int(_clip(max(low + 2, passes + 2), low, 50)),
            "threshold": threshold,
        }
    elif band and b.lanes_shared:
        # lanes shared out over the passes: the schema's fixed-pass band
        out["repeat"] = {"passes": passes}
    elif band:
        # A band with a fixed number of passes shares its lanes out over them; a
        # master who swept every lane in every pass is a band that runs every lane
        # each pass, exactly as many passes (the schema says that only with ``until``)
        out["repeat"] = {
            "until": "softening",
            "min_passes": passes,
            "max_passes": passes,
            "threshold": threshold,
        }
    else:
        out["repeat"] = {"passes": passes}
    return out


def routine_dict(fig: Figures, *, name: str, threshold: float) -> dict[str, Any]:
    """The whole routine (validated by ``Routine``); raises ``RoutineError`` if it is not."""
    bpm = fig.beat.bpm or DEFAULT_BPM
    blocks = [block_dict(b, threshold) for b in fig.blocks]
    cruise = [b["speed_m_s"] for b in blocks if "speed_m_s" in b]
    light = [b["transition_speed_m_s"] for b in blocks if "transition_speed_m_s" in b]
    fastest = max(max(cruise, default=0.03) * 1.25, max(light, default=0.0))
    max_m_s = _clip(fastest, SPEED_FLOOR_M_S, SPEED_CEILING_M_S)
    default = _clip(float(sorted(cruise)[len(cruise) // 2]) if cruise else 0.03, 0.01, max_m_s)
    work = [b.force_n for b in fig.blocks if b.technique != "rest"]
    fast = max((b.speed_m_s or 0.0) for b in fig.blocks) if fig.blocks else 0.0
    intention = "sports" if (max(work, default=0.0) > 24.0 or fast > 0.05) else "spa"
    trans = fig.transition_force_n if fig.transition_force_n else 4.0
    data = {
        "name": name[:80] or "learned",
        "description": (
            f"Learned from a {fig.duration_s:.0f} s demonstration at {bpm:.1f} BPM "
            f"({len(fig.blocks)} blocks)."
        ),
        "intention": intention,
        "bpm": _r(_clip(bpm, 30.0, 200.0), 1),
        "transition_force_n": _r(_clip(trans, 1.0, 10.0), 1),
        "speed": {
            "default_m_s": _r(default, 4),
            "max_m_s": _r(max_m_s, 4),
            "max_accel_m_s2": 0.1,
            "max_jerk_m_s3": 0.5,
        },
        "blocks": blocks,
    }
    validate(Routine, data, path=None, error=RoutineError)
    return data


def _toml_value(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError(f"not a finite number: {x}")
        return repr(x) if isinstance(x, int) else f"{x:g}"
    if isinstance(x, str):
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(x, list):
        return "[" + ", ".join(_toml_value(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in x.items()) + " }"
    raise TypeError(f"cannot write {type(x).__name__} to TOML")


def _evidence(b: BlockFigures) -> str:
    if b.technique == "rest":
        return f"# rest: {b.duration_s:.0f} s still at {b.force_n:.1f} N"
    parts = [f"# {b.technique}: {b.strokes} strokes"]
    if b.stroke_beats:
        parts.append(f"{b.stroke_beats} beats each")
    if b.speed_m_s:
        parts.append(f"{b.speed_m_s * 100:.1f} cm/s on average")
    parts.append(f"{b.passes} passes")
    if len(b.lanes_m) > 1:
        lanes = ", ".join(f"{x * 100:.1f}" for x in b.lanes_m)
        spread = "shared out over the passes" if b.lanes_shared else "each pass"
        parts.append(f"{len(b.lanes_m)} lanes ({lanes} cm) {spread}")
    if b.softening_pass is not None:
        parts.append(f"softened at pass {b.softening_pass}")
    if b.dwells:
        parts.append(f"{b.dwells} dwells")
    return ", ".join(parts)


def routine_toml(data: dict[str, Any], fig: Figures) -> str:
    """TOML text of ``routine_dict``'s output, with one evidence comment per block."""
    lines = ["# Learned by `backstroke learn` from a demonstration.", ""]
    for k, v in data.items():
        if k in ("speed", "blocks"):
            continue
        lines.append(f"{k} = {_toml_value(v)}")
    lines += ["", "[speed]"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in data["speed"].items()]
    for b, fb in zip(data["blocks"], fig.blocks, strict=True):
        lines += ["", _evidence(fb), "[[blocks]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in b.items()]
    return "\n".join(lines) + "\n"


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file (nothing half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a routine is a normal file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
