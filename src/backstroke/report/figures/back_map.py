"""The back map: where the tool pressed, how hard, and the keep-out zones and knots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backstroke.plan.plan import TOOL_CODES
from backstroke.report import data as rd
from backstroke.report.figures.style import (
    ALERT,
    KEEP_OUT_FILL,
    TOOL_COLOURS,
    VERTEBRAL_TICKS,
    ReportFigure,
    _f32,
    _layout,
)

if TYPE_CHECKING:
    from backstroke.body.back_model import BackModel
    from backstroke.session.summary import KnotSummary
    from backstroke.store.history import ClientHistory


def back_map_figure(
    back: BackModel,
    win: rd.Windows,
    pmap: rd.PressureMap,
    knots: list[KnotSummary],
    history: ClientHistory | None = None,
) -> ReportFigure:
    """The back seen from behind: path, pressure (mean and max), keep-outs, knots."""
    fig = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.07,
        subplot_titles=(
            "stroke path by tool",
            "mean pressure under the tool (N/cm²)",
            "largest pressure (N/cm²)",
        ),
    )
    _add_outline(fig, back)
    col_has_heat = _add_pressure(fig, pmap)
    _add_keep_outs(fig, back)
    _add_paths(fig, back, win)
    for col in (1, 2, 3):
        _add_markers(fig, back, knots, history, col)
    _chart_axes(fig, back)
    _layout(fig, "The back from behind (head at the top)", 640)
    fig.update_layout(legend={"y": -0.16, "yanchor": "top", "x": 0, "xanchor": "left"})
    fig.update_layout(margin={"b": 110})
    heat = (
        "mean and largest contact pressure per 1 cm square (normal force ÷ tool area, "
        "spread over the tool's footprint)"
        if col_has_heat
        else "no contact pressure was recorded"
    )
    return ReportFigure(
        "back_map",
        "Where the hands went",
        "The back as seen from behind on its surface chart (distances measured on the skin): "
        f"the measured stroke path by tool; {heat}; grey capsules are bony keep-out zones; "
        "red stars are the knots found this session with their stiffness relative to the "
        "tissue around them.",
        fig,
        640,
    )


def _add_outline(fig: go.Figure, back: BackModel) -> None:
    """The back's outline on all three panels."""
    L = back.back_length_m
    u_line = np.linspace(0.0, 1.0, 41)
    vmax = back.v_max_m(u_line)
    out_v = np.concatenate([vmax, [-vmax[-1]], -vmax[::-1], [vmax[0]]]) * 100
    out_s = np.concatenate([u_line, [1.0], u_line[::-1], [0.0]]) * L * 100
    for col in (1, 2, 3):
        first = col == 1
        fig.add_trace(
            go.Scatter(
                x=_f32(out_v, 2),
                y=_f32(out_s, 2),
                mode="lines",
                line={"color": "#555", "width": 1.5},
                name="back outline",
                legendgroup="outline",
                showlegend=first,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )


def _add_pressure(fig: go.Figure, pmap: rd.PressureMap) -> bool:
    """Mean and largest pressure heat maps (panels 2, 3); False when none was recorded."""
    if not np.any(np.isfinite(pmap.mean_n_cm2)):
        return False
    vmax_mean = float(np.nanmax(pmap.mean_n_cm2))
    vmax_max = float(np.nanmax(pmap.max_n_cm2))
    for col, z, cmax, axis, cbx in (
        (2, pmap.mean_n_cm2, vmax_mean, "coloraxis", 0.635),
        (3, pmap.max_n_cm2, vmax_max, "coloraxis2", 1.0),
    ):
        fig.add_trace(
            go.Heatmap(
                x=_f32(pmap.v_centres_m * 100, 2),
                y=_f32(pmap.s_centres_m * 100, 2),
                z=_f32(z, 3),
                coloraxis=axis,
                hovertemplate="v %{x:.0f} cm, %{y:.0f} cm from the waist<br>"
                "%{z:.2f} N/cm²<extra></extra>",
                name="pressure",
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.update_layout(
            {
                axis: {
                    "colorscale": "YlOrRd",
                    "cmin": 0.0,
                    "cmax": max(cmax, 1e-3),
                    "colorbar": {
                        "title": {"text": "N/cm²"},
                        "x": cbx,
                        "len": 0.8,
                        "thickness": 12,
                    },
                }
            }
        )
    return True


def _add_keep_outs(fig: go.Figure, back: BackModel) -> None:
    """All keep-out capsules in one trace per panel (gaps separate the filled shapes)."""
    ko_v: list[float | None] = []
    ko_s: list[float | None] = []
    for zone in back.keep_out_zones:
        zs, zv = rd.capsule_outline(zone.a_sv_m, zone.b_sv_m, zone.radius_m, n=12)
        ko_v += [*np.round(zv * 100, 1).tolist(), None]
        ko_s += [*np.round(zs * 100, 1).tolist(), None]
    for col in (1, 2, 3):
        first = col == 1
        fig.add_trace(
            go.Scatter(
                x=ko_v,
                y=ko_s,
                mode="lines",
                fill="toself",
                fillcolor=KEEP_OUT_FILL,
                line={"color": "rgba(90,90,90,0.7)", "width": 1},
                name="keep-out zone (bone)",
                legendgroup="keepout",
                showlegend=first,
                text="bony keep-out zone: spinous processes, scapulae, iliac crests",
                hoveron="fills",
                hoverinfo="text",
            ),
            row=1,
            col=col,
        )


def _add_paths(fig: go.Figure, back: BackModel, win: rd.Windows) -> None:
    """The measured stroke path per tool (simplified to 1 mm), only where touching."""
    L = back.back_length_m
    if win.t_s.size:
        u, v = rd.chart_of(back, win.xyz_m)
        touching = (win.contact_fraction > 0.5) & np.isfinite(u)
        for code, tool in enumerate(TOOL_CODES):
            m = touching & (win.tool == code)
            xs: list[float | None] = []
            ys: list[float | None] = []
            for i0, i1 in rd.runs(m):
                px, py = v[i0:i1] * 100, u[i0:i1] * L * 100
                keep = rd.simplify(px, py, 0.1, vertical=False)
                xs += [*np.round(px[keep], 2).tolist(), None]
                ys += [*np.round(py[keep], 2).tolist(), None]
            if xs:
                fig.add_trace(
                    go.Scatter(
                        x=xs,
                        y=ys,
                        mode="lines",
                        line={"color": TOOL_COLOURS.get(str(tool), "#444"), "width": 1.4},
                        opacity=0.8,
                        name=f"path: {tool}",
                        hoverinfo="skip",
                    ),
                    row=1,
                    col=1,
                )


def _add_markers(
    fig: go.Figure,
    back: BackModel,
    knots: list[KnotSummary],
    history: ClientHistory | None,
    col: int,
) -> None:
    """Landmarks, earlier sessions' knots and this session's knots on panel ``col``."""
    L = back.back_length_m
    first = col == 1
    lm = [x for x in back.landmarks.values() if x.name not in VERTEBRAL_TICKS]
    fig.add_trace(
        go.Scatter(
            x=[round(x.v_m * 100, 2) for x in lm],
            y=[round(x.u * L * 100, 2) for x in lm],
            mode="markers",
            marker={"size": 5, "color": "#333", "symbol": "circle"},
            name="landmarks",
            legendgroup="landmarks",
            showlegend=first,
            text=[x.name.replace("_", " ") for x in lm],
            hovertemplate="%{text}<extra></extra>",
        ),
        row=1,
        col=col,
    )
    if history is not None and history.knots:
        fig.add_trace(
            go.Scatter(
                x=[round(k.v_m * 100, 2) for k in history.knots],
                y=[round(k.u * L * 100, 2) for k in history.knots],
                mode="markers",
                marker={
                    "size": 16,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": "#7f3fbf", "width": 2},
                },
                name="knots in earlier sessions",
                legendgroup="histknots",
                showlegend=first,
                text=[f"{k.label}: {k.trend}" for k in history.knots],
                hovertemplate="%{text}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    if knots:
        fig.add_trace(
            go.Scatter(
                x=[round(float(k.v) * 100, 2) for k in knots],
                y=[round(float(k.u) * L * 100, 2) for k in knots],
                mode="markers+text" if first else "markers",
                marker={
                    "size": 14,
                    "symbol": "star",
                    "color": ALERT,
                    "line": {"color": "black", "width": 1},
                },
                text=[f"{float(k.stiffness_ratio):.1f}×" for k in knots],
                textposition="middle right",
                textfont={"size": 11, "color": ALERT},
                name="knots found (stiffness ratio)",
                legendgroup="knots",
                showlegend=first,
                hovertemplate="knot: %{text} the surrounding stiffness<br>"
                "v %{x:.1f} cm, %{y:.1f} cm from the waist<extra></extra>",
            ),
            row=1,
            col=col,
        )


def _chart_axes(fig: go.Figure, back: BackModel) -> None:
    """Equal-scale chart axes, client's left on the left, spine levels as ticks."""
    L = back.back_length_m
    level_names = [n for n in VERTEBRAL_TICKS if n in back.landmarks]
    for col in (1, 2, 3):
        ax = "" if col == 1 else str(col)
        fig.update_layout(
            {
                f"xaxis{ax}": {
                    "autorange": "reversed",
                    "title": {"text": "◄ client's left · v (cm) · right ►"},
                    "showgrid": False,
                },
                f"yaxis{ax}": {
                    "scaleanchor": f"x{ax}",
                    "scaleratio": 1,
                    "showgrid": False,
                    "tickvals": [round(back.landmarks[n].u * L * 100, 2) for n in level_names],
                    "ticktext": level_names,
                    "title": {"text": "spine level" if col == 1 else ""},
                },
            }
        )
