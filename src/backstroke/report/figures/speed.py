"""Surface speed over the session, with the beats and the speed ceiling."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from backstroke.report import data as rd
from backstroke.report.figures.style import (
    ALERT,
    MEASURED,
    PLANNED,
    SPEED_CEILING_M_S,
    ReportFigure,
    _f32,
    _layout,
    simplified_line,
)

if TYPE_CHECKING:
    from backstroke.session.summary import Summary


def beat_times_s(summary: Summary, t_end_s: float) -> tuple[np.ndarray, str]:
    """Beat times for the speed plot and where they came from."""
    tempo = summary.tempo
    if tempo is None:
        return np.zeros(0), "no tempo in the summary"
    if tempo.beats_s:
        b = np.asarray(tempo.beats_s, dtype=np.float64)
        return b[(b >= 0) & (b <= t_end_s)], "tracked beats of the music"
    bpm = tempo.bpm
    if not bpm or float(bpm) <= 0:
        return np.zeros(0), "no tempo in the summary"
    period = 60.0 / float(bpm)
    src = (
        f"a constant {float(bpm):.1f} BPM grid"
        if tempo.source == "bpm"
        else f"a {float(bpm):.1f} BPM grid (the music's tracked beats are not in the summary)"
    )
    return np.arange(0.0, t_end_s + 1e-9, period), src


def speed_figure(data: rd.SessionColumns, win: rd.Windows, summary: Summary) -> ReportFigure:
    """Planned vs measured tool speed with the beats underneath."""
    p = data.plan_columns
    t = p["t_s"]
    dt = rd.sample_period_s(t)
    per = max(1, round(0.1 / dt))
    tp = rd.window_mean(t, per)
    sp = rd.window_mean(p["speed_m_s"], per) * 100
    fig = go.Figure()
    fig.add_trace(
        simplified_line(
            tp,
            sp,
            0.1,
            colour=PLANNED,
            width=2.5,
            name="planned speed",
            hover="%{x:.1f} s: %{y:.2f} cm/s<extra>planned</extra>",
        )
    )
    fig.add_trace(
        simplified_line(
            win.t_s,
            win.speed_m_s * 100,
            0.1,
            colour=MEASURED,
            width=1,
            name="measured speed",
            hover="%{x:.1f} s: %{y:.2f} cm/s<extra>measured</extra>",
        )
    )
    t_end = float(t[-1]) if t.size else 0.0
    beats, src = beat_times_s(summary, t_end)
    step = int((summary.tempo.beat_step if summary.tempo else 1) or 1)
    if beats.size:
        fig.add_trace(
            go.Scatter(
                x=_f32(beats, 3),
                y=np.zeros(beats.size, dtype=np.int8),
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 9, "color": "#777", "line": {"width": 1}},
                name="beats",
                hovertemplate="beat at %{x:.2f} s<extra></extra>",
            )
        )
    fig.update_layout(
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": SPEED_CEILING_M_S * 100,
                "y1": SPEED_CEILING_M_S * 100,
                "line": {"color": ALERT, "width": 1, "dash": "dot"},
            }
        ],
        annotations=[
            {
                "xref": "paper",
                "x": 0.0,
                "y": SPEED_CEILING_M_S * 100,
                "yref": "y",
                "text": "10 cm/s: fastest pleasant stroke",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": ALERT},
            }
        ],
        xaxis={"title": {"text": "session time (s)"}},
        yaxis={"title": {"text": "speed (cm/s)"}, "rangemode": "tozero"},
    )
    _layout(fig, "Pace: speed and beats", 380)
    per_step = "" if step <= 1 else f"; each stroke step lasts {step} beats"
    return ReportFigure(
        "speed",
        "Slow, and on the beat?",
        "Planned tool speed (grey) and the speed measured from the tool's positions (blue, "
        f"{1000 * win.window_s:.0f} ms windows); ticks along the bottom are the beats "
        f"({src}){per_step}. Strokes start and turn around on beats; a pleasant stroke "
        "runs at 1–10 cm/s, best near 3.",
        fig,
        380,
    )
