"""Softening: stiffness heard pass by pass, against each block's threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backstroke.report.figures.style import (
    ALERT,
    MEASURED,
    ReportFigure,
    _layout,
)

if TYPE_CHECKING:
    from backstroke.session.summary import BlockSummary


def softening_figure(blocks: list[BlockSummary], thresholds: list[float]) -> ReportFigure | None:
    """Stiffness by pass for each stroke block, its threshold line and softening pass."""
    shown = [
        (i, b)
        for i, b in enumerate(blocks)
        if b.technique != "rest" and len(b.stiffness_by_pass_n_m) >= 1
    ]
    if not shown:
        return None
    cols = min(len(shown), 4)
    rows = (len(shown) + cols - 1) // cols
    titles = []
    for i, b in shown:
        ended = b.ended_because
        titles.append(f"block {i}: {b.technique} — ended: {ended.replace('_', ' ')}")
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.07, vertical_spacing=0.2
    )
    for n, (i, b) in enumerate(shown):
        r, c = n // cols + 1, n % cols + 1
        k = np.asarray(b.stiffness_by_pass_n_m, dtype=np.float64)
        passes = np.arange(k.size)
        thr = thresholds[i]
        rel = 100.0 * (k / k[0] - 1.0) if k[0] else np.zeros_like(k)
        fig.add_trace(
            go.Scatter(
                x=passes.tolist(),
                y=np.round(k, 1).tolist(),
                mode="lines+markers",
                line={"color": MEASURED},
                marker={"size": 7},
                name="median stiffness of the pass",
                legendgroup="k",
                showlegend=n == 0,
                customdata=np.round(rel, 1).tolist(),
                hovertemplate="pass %{x}: %{y:.0f} N/m (%{customdata:+.1f} %)<extra></extra>",
            ),
            row=r,
            col=c,
        )
        line_y = float(k[0] * (1.0 - thr))
        fig.add_trace(
            go.Scatter(
                x=[-0.3, max(k.size - 1, 1) + 0.3],
                y=[round(line_y, 1)] * 2,
                mode="lines",
                line={"color": ALERT, "dash": "dash", "width": 1.2},
                name="softening threshold",
                legendgroup="thr",
                showlegend=n == 0,
                hovertemplate=f"threshold: {100 * thr:.1f} % below pass 0 = %{{y:.0f}} N/m"
                "<extra></extra>",
            ),
            row=r,
            col=c,
        )
        sp = b.softening_pass
        if sp is not None and 0 <= int(sp) < k.size:
            fig.add_trace(
                go.Scatter(
                    x=[int(sp)],
                    y=[round(float(k[int(sp)]), 1)],
                    mode="markers+text",
                    marker={"size": 16, "symbol": "star", "color": "#2ca02c"},
                    text=["softened"],
                    textposition="top center",
                    name="pass it softened",
                    legendgroup="sp",
                    showlegend=True,
                    hovertemplate="softened at pass %{x}<extra></extra>",
                ),
                row=r,
                col=c,
            )
        ax = "" if n == 0 else str(n + 1)
        lo = float(min(k.min(), line_y))
        hi = float(k.max())
        pad = max(0.04 * hi, 5.0)
        fig.update_layout(
            {
                f"xaxis{ax}": {"title": {"text": "pass (0 = first)"}, "dtick": 1},
                f"yaxis{ax}": {
                    "title": {"text": "stiffness (N/m)" if c == 1 else ""},
                    "range": [lo - pad, hi + pad],
                },
            }
        )
    height = 300 + 260 * (rows - 1) + 80
    _layout(fig, "Listening: stiffness pass by pass", height)
    fig.update_layout(
        legend={"y": -0.25, "yanchor": "top", "x": 0, "xanchor": "left"}, margin={"b": 100}
    )
    # A legend entry for "softened" once only.
    seen: set[str] = set()
    for tr in fig.data:
        if tr.legendgroup == "sp":
            tr.showlegend = "sp" not in seen
            seen.add("sp")
    return ReportFigure(
        "softening",
        "Did the tissue soften?",
        "Each stroke block's median stiffness (force ÷ indentation) per pass; the dashed "
        "line is the block's softening threshold below its first pass. The tissue has "
        "softened at the first pass below the line that the next pass confirms (green star); "
        "a listening block stops there, within its minimum and maximum passes.",
        fig,
        height,
    )
