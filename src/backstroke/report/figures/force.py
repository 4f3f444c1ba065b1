"""Force against target over the session, with contact and breaks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from backstroke.report import data as rd
from backstroke.report.figures.style import (
    ALERT,
    BREAK_FILL,
    CONTACT_FILL,
    MAX_FORCE_WINDOWS,
    MEASURED,
    TARGET,
    ReportFigure,
    _f32,
    _layout,
    simplified_line,
)

if TYPE_CHECKING:
    from backstroke.session.summary import Summary


def force_figure(
    data: rd.SessionColumns,
    summary: Summary,
    spans: list[tuple[int, float, float]],
    breaks: list[tuple[float, float]],
    contact: list[tuple[float, float]],
) -> ReportFigure:
    """Target vs measured normal force over the session, contact shaded, breaks in red."""
    c = data.columns
    t = c["t_s"]
    dt = rd.sample_period_s(t)
    # Min and max of every window: 100 ms, or longer so that a long session stays
    # within MAX_FORCE_WINDOWS windows (the report's size is bounded).
    span_s = float(t[-1] - t[0]) if t.size > 1 else 0.0
    window_s = max(0.1, span_s / MAX_FORCE_WINDOWS)
    per = max(1, round(window_s / dt))
    env = rd.minmax_envelope(c["normal_force_n"], per)
    half = per * dt / 2.0
    t0 = float(t[0]) if t.size else 0.0
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x0=round(t0 + half / 2.0, 4),
            dx=round(half, 6),
            y=_f32(env, 2),
            mode="lines",
            line={"color": MEASURED, "width": 1},
            name="measured normal force",
            hovertemplate="%{x:.1f} s: %{y:.2f} N<extra>measured</extra>",
        )
    )
    per_t = max(1, round(0.05 / dt))
    tt = rd.window_mean(t, per_t)
    ft = rd.window_mean(c["target_force_n"], per_t)
    fig.add_trace(
        simplified_line(
            tt,
            ft,
            0.05,
            colour=TARGET,
            width=1.6,
            name="target",
            hover="%{x:.1f} s: %{y:.2f} N<extra>target</extra>",
        )
    )
    shapes: list[dict[str, Any]] = []
    for a, b in contact[:300]:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": round(a, 3),
                "x1": round(b, 3),
                "y0": 0,
                "y1": 1,
                "fillcolor": CONTACT_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    for a, b in breaks[:300]:
        mid, w = 0.5 * (a + b), max(b - a, 0.6)
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": round(mid - w / 2, 3),
                "x1": round(mid + w / 2, 3),
                "y0": 0,
                "y1": 1,
                "fillcolor": BREAK_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    annotations: list[dict[str, Any]] = []
    blocks = summary.blocks
    for bi, a, _b in spans:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": round(a, 3),
                "x1": round(a, 3),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#888", "width": 1, "dash": "dot"},
            }
        )
        name = blocks[bi].technique if bi < len(blocks) else "?"
        annotations.append(
            {
                "x": round(a, 3),
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "text": f"{bi}: {name}",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0.7)",
                "font": {"size": 11, "color": "#555"},
            }
        )
    # Legend entries for the shaded areas.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={"size": 12, "symbol": "square", "color": "rgba(44,160,44,0.35)"},
            name="in contact (≥ 0.5 N)",
        )
    )
    if breaks:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"size": 12, "symbol": "square", "color": BREAK_FILL},
                name=f"contact break ({len(breaks)})",
            )
        )
    events = summary.safety_events
    finite = env[np.isfinite(env)]
    top = float(finite.max()) if finite.size else 1.0
    if events:
        fig.add_trace(
            go.Scatter(
                x=[float(e.t_s) for e in events],
                y=[round(top * 1.06, 2)] * len(events),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": ALERT},
                name="safety event",
                text=[f"{e.kind} {e.action}: {e.value} (limit {e.limit})" for e in events],
                hovertemplate="%{x:.2f} s: %{text}<extra></extra>",
            )
        )
    fig.update_layout(
        shapes=shapes,
        annotations=annotations,
        xaxis={"title": {"text": "session time (s)"}},
        yaxis={"title": {"text": "normal force (N)"}, "rangemode": "tozero"},
        hovermode="closest",
    )
    _layout(fig, "Normal force: target vs measured", 430)
    fig.update_layout(margin={"t": 90})
    return ReportFigure(
        "force",
        "Pressing as planned?",
        "The force the robot measured along the skin normal (blue: the minimum and maximum "
        f"of every {1000 * per * dt:.0f} ms, so short spikes stay visible) against the force "
        "it aimed for (black). Green shading: in contact; red bands: contact breaks (force "
        "under 0.5 N for more than 20 ms between first touch and lift-off); dotted lines: "
        "block starts; "
        "red triangles: safety events.",
        fig,
        430,
    )
