"""Trust: how far the robot let the force deepen, and the breathing it heard, over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backstroke.report.figures.style import MEASURED, ReportFigure, _layout

if TYPE_CHECKING:
    from backstroke.session.summary import Summary

SIGNAL_COLOUR = "#d62728"


def trust_figure(summary: Summary) -> ReportFigure | None:
    """Trust and the force fraction it allowed, pass by pass; the breathing rate heard
    over the session on the second axis; the client's signals as marks."""
    trust = summary.trust_over_time
    if not trust:
        return None
    t = np.array([s.t_s for s in trust], dtype=np.float32)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            x=t,
            y=np.array([s.trust for s in trust], dtype=np.float32),
            mode="lines+markers",
            line={"color": MEASURED, "width": 1.6, "shape": "hv"},
            name="trust (0 guarded .. 1 relaxed)",
            text=[s.why for s in trust],
            hovertemplate="%{x:.0f} s: trust %{y:.2f} (%{text})<extra></extra>",
        ),
        secondary_y=False,
    )
    frac = [s.force_fraction for s in trust]
    if all(f is not None for f in frac):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=np.array(frac, dtype=np.float32),
                mode="lines",
                line={"color": "#2ca02c", "width": 1.3, "dash": "dot", "shape": "hv"},
                name="force allowed (fraction of target)",
                hovertemplate="%{x:.0f} s: %{y:.2f} of target<extra></extra>",
            ),
            secondary_y=False,
        )
    sig = [s for s in summary.client_signals if s.kind in ("too_much", "lighter", "firmer")]
    if sig:
        fig.add_trace(
            go.Scatter(
                x=np.array([s.t_s for s in sig], dtype=np.float32),
                y=np.full(len(sig), 1.05, dtype=np.float32),
                mode="markers",
                marker={"color": SIGNAL_COLOUR, "symbol": "triangle-down", "size": 10},
                name="client's signal",
                text=[s.kind for s in sig],
                hovertemplate="%{x:.1f} s: %{text}<extra></extra>",
            ),
            secondary_y=False,
        )
    breath = summary.breathing_over_time
    if breath:
        fig.add_trace(
            go.Scatter(
                x=np.array([b.t_s for b in breath], dtype=np.float32),
                y=np.array([b.rate_bpm for b in breath], dtype=np.float32),
                mode="markers",
                marker={"color": "#ff7f0e", "size": 6},
                name="breathing heard (breaths/min)",
                text=[b.source for b in breath],
                hovertemplate="%{x:.0f} s: %{y:.1f} /min (%{text})<extra></extra>",
            ),
            secondary_y=True,
        )
    title = "Trust heard, and the breath"
    if summary.full_depth_t_s is not None:
        title += f": full depth from {float(summary.full_depth_t_s):.0f} s"
    else:
        title += ": full depth not reached"
    fig.update_xaxes(title_text="session time (s)")
    fig.update_yaxes(title_text="trust / force fraction", range=[0, 1.12], secondary_y=False)
    fig.update_yaxes(title_text="breaths/min", secondary_y=True, showgrid=False)
    _layout(fig, title, 320)
    return ReportFigure(
        "trust",
        "Trust and breathing over the session",
        "The robot deepens only as it hears the client relax: calm passes whose stiffness "
        "has settled at equal force raise trust; a tissue still relaxing or tensing, a "
        "breath still slowing or faster than the calmest, a clamp or a signal hold it or "
        "take it back. The force each block asks "
        "for is start + (1 − start) × trust of its target.",
        fig,
        320,
        main=False,
    )
