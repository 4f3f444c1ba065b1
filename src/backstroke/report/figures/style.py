"""Shared style of the report's figures: colours, template, the ReportFigure record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from backstroke.report import data as rd

TOOL_COLOURS = {"palms": "#1f77b4", "forearm": "#e377c2", "thumb": "#2ca02c"}
MEASURED = "#1f5fbf"
TARGET = "#222222"
PLANNED = "#9a9a9a"
ALERT = "#d62728"
CONTACT_FILL = "rgba(44, 160, 44, 0.10)"
BREAK_FILL = "rgba(214, 39, 40, 0.45)"
KEEP_OUT_FILL = "rgba(110, 110, 110, 0.28)"
SPEED_CEILING_M_S = 0.10  # DESIGN §1: surface speed 1–10 cm/s
VERTEBRAL_TICKS = ("C7", "T4", "T7", "T10", "L1", "L4")
MAX_FORCE_WINDOWS = 3000

_AXIS = {
    "showgrid": True,
    "gridcolor": "#ececec",
    "zeroline": False,
    "showline": True,
    "linecolor": "#999",
    "ticks": "outside",
    "tickcolor": "#999",
}
TEMPLATE = go.layout.Template(
    layout={
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
            "size": 13,
            "color": "#222",
        },
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 70, "r": 30, "t": 70, "b": 55},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        "hoverlabel": {"font": {"size": 12}},
        "colorway": ["#1f5fbf", "#e377c2", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"],
    }
)


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report.

    Attributes:
        key: stable id (HTML anchor, PNG file name).
        title: heading.
        what: one sentence: what this shows and how to read it.
        figure: the plotly figure.
        height_px: its height on the page.
        main: whether ``--png`` exports it.
    """

    key: str
    title: str
    what: str
    figure: go.Figure
    height_px: int
    main: bool = True


def _f32(a: Any, decimals: int = 3) -> np.ndarray:
    return np.round(np.asarray(a, dtype=np.float64), decimals).astype(np.float32)


def simplified_line(
    t: np.ndarray,
    y: np.ndarray,
    tolerance: float,
    *,
    colour: str,
    width: float,
    name: str,
    hover: str,
) -> go.Scatter:
    """A line of ``y`` over ``t`` (finite samples only) simplified to within ``tolerance``
    (``report.data.simplify``): time to 3 decimals, values to 2, as float32."""
    ok = np.isfinite(t) & np.isfinite(y)
    keep = rd.simplify(t[ok], y[ok], tolerance)
    return go.Scatter(
        x=_f32(t[ok][keep], 3),
        y=_f32(y[ok][keep], 2),
        mode="lines",
        line={"color": colour, "width": width},
        name=name,
        hovertemplate=hover,
    )


def _layout(fig: go.Figure, title: str, height_px: int) -> None:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        height=height_px,
    )


def _series(t_s: np.ndarray, values: np.ndarray, decimals: int) -> dict[str, Any]:
    """x/y arguments for a scatter trace, using x0/dx when the time axis is uniform."""
    if t_s.size > 2 and rd.is_uniform(t_s):
        return {
            "x0": round(float(t_s[0]), 4),
            "dx": round(float(t_s[1] - t_s[0]), 6),
            "y": _f32(values, decimals),
        }
    return {"x": _f32(t_s, 3), "y": _f32(values, decimals)}
