"""The client's sessions over time (client memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from backstroke.report.figures.style import (
    ReportFigure,
    _layout,
)

if TYPE_CHECKING:
    from backstroke.store.history import ClientHistory


def history_figure(history: ClientHistory) -> ReportFigure | None:
    """Each knot's stiffness ratio across the client's sessions."""
    if not history.knots:
        return None
    fig = go.Figure()
    for k in history.knots:
        fig.add_trace(
            go.Scatter(
                x=[p.session_number for p in k.points],
                y=[round(p.stiffness_ratio, 3) for p in k.points],
                mode="lines+markers",
                name=f"{k.label}: {k.trend}",
                text=[p.recorded_at[:16].replace("T", " ") for p in k.points],
                hovertemplate="session %{x} (%{text}): %{y:.2f}×<extra></extra>",
            )
        )
    fig.update_layout(
        xaxis={"title": {"text": "session"}, "dtick": 1},
        yaxis={"title": {"text": "knot stiffness ÷ surrounding"}},
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"},
    )
    _layout(fig, f"Knots of '{history.client.name}' across sessions", 360)
    fig.update_layout(margin={"r": 260})
    return ReportFigure(
        "history",
        "Knots over time",
        "Each knot followed across this client's sessions (matched within 15 mm on the "
        "chart): its stiffness relative to the tissue around it. Falling lines mean the "
        "knot is releasing from session to session.",
        fig,
        360,
        main=False,
    )
