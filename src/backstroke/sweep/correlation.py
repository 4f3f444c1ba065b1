"""Which bodies a routine serves worse: rank correlation of client parameters with outcomes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MIN_PAIRS = 5

# (row column, label) of the client parameters and of the outcomes correlated.
PARAMETERS: tuple[tuple[str, str], ...] = (
    ("client.height_m", "height"),
    ("client.back_length_m", "back length"),
    ("client.shoulder_width_m", "shoulder width"),
    ("client.waist_width_m", "waist width"),
    ("client.adipose_m", "fat layer"),
    ("client.kyphosis_deg", "kyphosis"),
    ("client.lordosis_deg", "lordosis"),
    ("client.stiffness_n_m", "stiffness"),
    ("client.softening_rate", "softening rate"),
    ("client.guarding", "guarding"),
    ("client.breathing_rate_bpm", "breathing rate"),
    ("client.knot_count", "knots"),
)
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("sweep.time_to_softening_s", "time to softening"),
    ("sweep.passes", "passes"),
    ("sweep.too_much_episodes", '"too much"'),
    ("sweep.max_received_pressure_n_cm2", "received pressure"),
    ("contact_breaks", "contact breaks"),
    ("sweep.knots_recall", "knots recall"),
)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank), 0-based."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.arange(len(x), dtype=np.float64)
    for value in np.unique(x):
        tie = x == value
        if np.count_nonzero(tie) > 1:
            ranks[tie] = ranks[tie].mean()
    return ranks


def spearman(x: list[float | None], y: list[float | None]) -> float | None:
    """Spearman's rank correlation over the pairs where both are numbers; None if undefined.

    Undefined: fewer than ``MIN_PAIRS`` pairs, or either side constant.
    """
    pairs = [
        (float(a), float(b))
        for a, b in zip(x, y, strict=True)
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
    ]
    if len(pairs) < MIN_PAIRS:
        return None
    xa = np.array([p[0] for p in pairs])
    ya = np.array([p[1] for p in pairs])
    if np.ptp(xa) == 0 or np.ptp(ya) == 0:
        return None
    rx, ry = _ranks(xa), _ranks(ya)
    return float(np.corrcoef(rx, ry)[0, 1])


def _number(v: Any) -> float | None:
    if v is None or isinstance(v, str):
        return None
    if isinstance(v, bool):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def correlation_matrix(rows: list[dict[str, Any]]) -> list[list[float | None]]:
    """``[outcome][parameter]`` rank correlations over one routine's sessions that ran."""
    ok = [r for r in rows if r.get("error") is None]
    cols = {k: [_number(r.get(k)) for r in ok] for k, _ in PARAMETERS + OUTCOMES}
    return [[spearman(cols[p], cols[o]) for p, _ in PARAMETERS] for o, _ in OUTCOMES]


def correlation_figure(routine: str, rows: list[dict[str, Any]]) -> Any:
    """A heatmap: outcomes × client parameters, red = the outcome rises with the parameter.

    ``None`` when no pair of columns has a correlation (fewer than 5 sessions).
    """
    import plotly.graph_objects as go

    z = correlation_matrix(rows)
    if all(v is None for line in z for v in line):
        return None
    text = [["" if v is None else f"{v:+.2f}" for v in line] for line in z]
    fig = go.Figure(
        go.Heatmap(
            z=[[np.nan if v is None else v for v in line] for line in z],
            x=[label for _, label in PARAMETERS],
            y=[label for _, label in OUTCOMES],
            text=text,
            texttemplate="%{text}",
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            hovertemplate="%{y} vs %{x}: %{z:+.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{routine}: rank correlation of outcomes with the client's body",
        height=330,
        margin={"l": 130, "r": 20, "t": 50, "b": 80},
        template="plotly_white",
    )
    return fig
