"""The summary of one session run (DESIGN §6.2), assembled from the runner's record.

Figures are what the robot measured; ``session/summary.py`` is the typed model that
checks them. :func:`finite_json` makes any figure gone non-finite (a faulty sensor) null.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from backstroke import __version__
from backstroke.session.metrics import beat_alignment, session_metrics
from backstroke.session.recording import BlockResult, SessionData
from backstroke.session.summary import SCHEMA_VERSION

if TYPE_CHECKING:
    from backstroke.session.runner import SessionRunner


def session_summary(
    runner: SessionRunner,
    data: SessionData,
    blocks: list[BlockResult],
    knots: list[dict[str, float]],
    breathing: float | None,
    baseline: float | None,
    wall_s: float,
) -> dict[str, Any]:
    """The session's summary (``session/summary.py`` types it) from what ``runner`` heard
    and recorded; ``wall_s`` is the run's wall time (the realtime factor)."""
    c, p = data.columns, data.plan_columns
    metrics = session_metrics(c, p, runner.dt_s)
    # Turnarounds as the robot measured them (every 10th tick is plenty), vs beats.
    on = np.flatnonzero(p["in_contact"] > 0)[::10]
    pts = np.stack([c["x_m"][on], c["y_m"][on], c["z_m"][on]], axis=1)
    measured_u = runner.back.project(pts)[0] if on.size else np.zeros(0)
    t_on = c["t_s"][on]
    beats = runner.grid.beats_between(float(t_on[0]), float(t_on[-1])) if on.size else t_on
    alignment = beat_alignment(t_on, measured_u, beats)
    duration = float(c["t_s"][-1] - c["t_s"][0]) if c["t_s"].size else 0.0
    sup = runner.supervisor
    return finite_json(
        {
            "schema_version": SCHEMA_VERSION,
            "duration_s": round(duration, 3),
            "sim_realtime_factor": round(duration / wall_s, 2) if wall_s > 0 else None,
            **metrics,
            "max_normal_force_n": round(sup.max_normal_force_n, 3),
            "max_pressure_n_cm2": round(sup.max_pressure_n_cm2, 4),
            "blocks": [
                {
                    "technique": b.technique,
                    "passes": b.passes,
                    "softening_pass": b.softening_pass,
                    "stiffness_by_pass_n_m": [round(x, 1) for x in b.stiffness_by_pass_n_m],
                    "ended_because": b.ended_because,
                    "force_scale": round(b.force_scale, 3),
                    "threshold": b.threshold,
                    **({"force_changed_at": b.force_changed_at} if b.force_changed_at else {}),
                }
                for b in blocks
            ],
            "knots": knots,
            "knot_dwells": runner.knot_dwells,
            "breathing_rate_bpm": None if breathing is None else round(breathing, 2),
            "breathing_over_time": runner.breathing.over_time(),
            "trust_over_time": runner.trust.history,
            "full_depth_t_s": runner.trust.full_depth_t_s,
            "baseline_stiffness_n_m": None if baseline is None else round(baseline, 1),
            "tempo": {
                "bpm": round(runner.grid.bpm, 3),
                "source": runner.grid.source,
                "beat_step": runner.planner.step,
                "beats_s": [round(float(b), 4) for b in runner.grid.beats_s],
                **alignment,
            },
            "pressure_preference": round(runner.preferred_scale, 3),
            "regional_preference": runner.voice.regions.to_json(),
            "client_signals": runner.voice.signals,
            "skipped_techniques": list(runner.voice.skipped),
            "safety_events": [
                {
                    "t_s": round(e.t_s, 4),
                    "kind": e.kind,
                    "value": round(e.value, 4),
                    "limit": round(e.limit, 4),
                    "action": e.action,
                }
                for e in sup.events
            ],
            **(
                {
                    "surface_refinement": runner.touch_depth.offset().to_json(),
                    **(
                        {}
                        if runner.palpation is None
                        else {"palpation": runner.palpation.to_json()}
                    ),
                }
                if runner.touch_depth is not None
                else {}
            ),
            "seed": runner.seed,
            "backstroke_version": __version__,
        }
    )


def finite_json(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, ±inf from a faulty sensor) as None, so
    the summary is valid JSON; numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_json(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
