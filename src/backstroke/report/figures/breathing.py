"""Breathing: the back's rise and fall as the tool followed it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backstroke.report import data as rd
from backstroke.report.figures.style import (
    MEASURED,
    ReportFigure,
    _layout,
    _series,
)

if TYPE_CHECKING:
    from backstroke.session.summary import Summary


def breathing_figure(
    data: rd.SessionColumns, summary: Summary, spans: list[tuple[int, float, float]]
) -> ReportFigure | None:
    """The rest block's force and surface displacement, where the breathing shows."""
    blocks = summary.blocks
    rest = [(a, b) for bi, a, b in spans if bi < len(blocks) and blocks[bi].technique == "rest"]
    if not rest:
        return None
    a, b = rest[0]
    c, p = data.columns, data.plan_columns
    t = c["t_s"]
    m = (t >= a) & (t < b)
    if int(m.sum()) < 10:
        return None
    dt = rd.sample_period_s(t)
    per = max(1, round(0.05 / dt))  # 20 points per second
    tw = rd.window_mean(t[m], per)
    fw = rd.window_mean(c["normal_force_n"][m], per)
    xyz = np.stack([c[k][m] for k in ("x_m", "y_m", "z_m")], axis=1)
    nrm = np.stack([p[k][m] for k in ("nx", "ny", "nz")], axis=1)
    n_mean = np.nanmean(nrm, axis=0)
    n_mean = n_mean / (np.linalg.norm(n_mean) or 1.0)
    disp = (xyz - np.nanmean(xyz, axis=0)) @ n_mean
    dw = rd.window_mean(disp, per)
    ok = np.isfinite(dw) & np.isfinite(tw)
    if ok.sum() >= 3:
        coef = np.polyfit(tw[ok], dw[ok], 1)
        dw = dw - np.polyval(coef, tw)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Scatter(
            **_series(tw, fw, 3),
            mode="lines",
            line={"color": MEASURED, "width": 1.3},
            name="normal force (N)",
            hovertemplate="%{x:.2f} s: %{y:.2f} N<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            **_series(tw, dw * 1000, 3),
            mode="lines",
            line={"color": "#ff7f0e", "width": 1.3},
            name="tool position along the normal (mm, detrended)",
            hovertemplate="%{x:.2f} s: %{y:.2f} mm<extra></extra>",
        ),
        secondary_y=True,
    )
    rate = summary.breathing_rate_bpm
    base = summary.baseline_stiffness_n_m
    title = "Breathing during the rest"
    if rate is not None:
        title += f": {float(rate):.1f} breaths/min"
    fig.update_xaxes(title_text="session time (s)")
    fig.update_yaxes(title_text="normal force (N)", secondary_y=False)
    fig.update_yaxes(
        title_text="displacement (mm)", secondary_y=True, showgrid=False, tickmode="auto"
    )
    _layout(fig, title, 340)
    extra = "" if base is None else f" Baseline stiffness heard at rest: {float(base):.0f} N/m."
    return ReportFigure(
        "breathing",
        "Listening at rest",
        "While both palms rest on the upper back, each breath moves the back a few "
        "millimetres and modulates the force; the rate estimated from this signal is in "
        f"the title (typical at rest: 12–20 breaths/min).{extra}",
        fig,
        340,
        main=False,
    )
