"""The report's plotly figures, each with a title and a one-line "what this shows".

Units for people: centimetres on the back, cm/s for speed, N for force, N/cm² for
pressure, N/m for stiffness. Data arrays go in as float32 (plotly stores them as
compact binary), and uniform time series use ``x0``/``dx`` instead of a time array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backstroke.plan.plan import TOOL_CODES
from backstroke.report import data as rd

if TYPE_CHECKING:
    from backstroke.body.back_model import BackModel
    from backstroke.store.history import ClientHistory

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


# --------------------------------------------------------------------------- back map
def back_map_figure(
    back: BackModel,
    win: rd.Windows,
    pmap: rd.PressureMap,
    knots: list[dict[str, Any]],
    history: ClientHistory | None = None,
) -> ReportFigure:
    """The back seen from behind: path, pressure (mean and max), keep-outs, knots."""
    L = back.back_length_m
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
    if col_has_heat := bool(np.any(np.isfinite(pmap.mean_n_cm2))):
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
    # All keep-out capsules in one trace per panel (gaps separate the filled shapes).
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
    # Stroke path per tool (simplified to 1 mm), only where touching.
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
    for col in (1, 2, 3):
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
                    x=[round(float(k["v"]) * 100, 2) for k in knots],
                    y=[round(float(k["u"]) * L * 100, 2) for k in knots],
                    mode="markers+text" if first else "markers",
                    marker={
                        "size": 14,
                        "symbol": "star",
                        "color": ALERT,
                        "line": {"color": "black", "width": 1},
                    },
                    text=[f"{float(k['stiffness_ratio']):.1f}×" for k in knots],
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


# --------------------------------------------------------------------------- softening
def softening_figure(blocks: list[dict[str, Any]], thresholds: list[float]) -> ReportFigure | None:
    """Stiffness by pass for each stroke block, its threshold line and softening pass."""
    shown = [
        (i, b)
        for i, b in enumerate(blocks)
        if b.get("technique") != "rest" and len(b.get("stiffness_by_pass_n_m") or []) >= 1
    ]
    if not shown:
        return None
    cols = min(len(shown), 4)
    rows = (len(shown) + cols - 1) // cols
    titles = []
    for i, b in shown:
        ended = str(b.get("ended_because") or "")
        titles.append(f"block {i}: {b.get('technique')} — ended: {ended.replace('_', ' ')}")
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.07, vertical_spacing=0.2
    )
    for n, (i, b) in enumerate(shown):
        r, c = n // cols + 1, n % cols + 1
        k = np.asarray(b["stiffness_by_pass_n_m"], dtype=np.float64)
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
        sp = b.get("softening_pass")
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


# --------------------------------------------------------------------------- force
def force_figure(
    data: rd.SessionColumns,
    summary: dict[str, Any],
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
    ok = np.isfinite(ft) & np.isfinite(tt)
    keep = rd.simplify(tt[ok], ft[ok], 0.05)
    fig.add_trace(
        go.Scatter(
            x=_f32(tt[ok][keep], 3),
            y=_f32(ft[ok][keep], 2),
            mode="lines",
            line={"color": TARGET, "width": 1.6},
            name="target",
            hovertemplate="%{x:.1f} s: %{y:.2f} N<extra>target</extra>",
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
    blocks = summary.get("blocks") or []
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
        name = blocks[bi].get("technique", "?") if bi < len(blocks) else "?"
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
    events = summary.get("safety_events") or []
    finite = env[np.isfinite(env)]
    top = float(finite.max()) if finite.size else 1.0
    if events:
        fig.add_trace(
            go.Scatter(
                x=[float(e.get("t_s", 0.0)) for e in events],
                y=[round(top * 1.06, 2)] * len(events),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": ALERT},
                name="safety event",
                text=[
                    f"{e.get('kind')} {e.get('action', '')}: {e.get('value')} "
                    f"(limit {e.get('limit')})"
                    for e in events
                ],
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


# --------------------------------------------------------------------------- speed
def beat_times_s(summary: dict[str, Any], t_end_s: float) -> tuple[np.ndarray, str]:
    """Beat times for the speed plot and where they came from."""
    tempo = summary.get("tempo") or {}
    beats = tempo.get("beats_s") or summary.get("beats_s")
    if beats:
        b = np.asarray(beats, dtype=np.float64)
        return b[(b >= 0) & (b <= t_end_s)], "tracked beats of the music"
    bpm = tempo.get("bpm")
    if not bpm or float(bpm) <= 0:
        return np.zeros(0), "no tempo in the summary"
    period = 60.0 / float(bpm)
    src = (
        f"a constant {float(bpm):.1f} BPM grid"
        if tempo.get("source", "bpm") == "bpm"
        else f"a {float(bpm):.1f} BPM grid (the music's tracked beats are not in the summary)"
    )
    return np.arange(0.0, t_end_s + 1e-9, period), src


def speed_figure(data: rd.SessionColumns, win: rd.Windows, summary: dict[str, Any]) -> ReportFigure:
    """Planned vs measured tool speed with the beats underneath."""
    p = data.plan_columns
    t = p["t_s"]
    dt = rd.sample_period_s(t)
    per = max(1, round(0.1 / dt))
    tp = rd.window_mean(t, per)
    sp = rd.window_mean(p["speed_m_s"], per) * 100
    ok = np.isfinite(tp) & np.isfinite(sp)
    keep = rd.simplify(tp[ok], sp[ok], 0.1)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=_f32(tp[ok][keep], 3),
            y=_f32(sp[ok][keep], 2),
            mode="lines",
            line={"color": PLANNED, "width": 2.5},
            name="planned speed",
            hovertemplate="%{x:.1f} s: %{y:.2f} cm/s<extra>planned</extra>",
        )
    )
    meas = win.speed_m_s * 100
    okm = np.isfinite(meas) & np.isfinite(win.t_s)
    keep_m = rd.simplify(win.t_s[okm], meas[okm], 0.1)
    fig.add_trace(
        go.Scatter(
            x=_f32(win.t_s[okm][keep_m], 3),
            y=_f32(meas[okm][keep_m], 2),
            mode="lines",
            line={"color": MEASURED, "width": 1},
            name="measured speed",
            hovertemplate="%{x:.1f} s: %{y:.2f} cm/s<extra>measured</extra>",
        )
    )
    t_end = float(t[-1]) if t.size else 0.0
    beats, src = beat_times_s(summary, t_end)
    step = int((summary.get("tempo") or {}).get("beat_step") or 1)
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


# --------------------------------------------------------------------------- breathing
def breathing_figure(
    data: rd.SessionColumns, summary: dict[str, Any], spans: list[tuple[int, float, float]]
) -> ReportFigure | None:
    """The rest block's force and surface displacement, where the breathing shows."""
    blocks = summary.get("blocks") or []
    rest = [
        (a, b) for bi, a, b in spans if bi < len(blocks) and blocks[bi].get("technique") == "rest"
    ]
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
    rate = summary.get("breathing_rate_bpm")
    base = summary.get("baseline_stiffness_n_m")
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


# --------------------------------------------------------------------------- history
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
