"""The learner report: ``analyze DEMO --explain --report DIR`` writes ``DIR/learn.html``.

One self-contained page (plotly's JavaScript inline once, no network): each element of
the demonstration in words (``learn.explain``) and, where a picture says it better, a
plot: the force over time with the blocks, speed and pressure per technique, pressure
per zone, the coverage of the back, the stiffness pass by pass, and the stroke lengths
in beats.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from backstroke.learn.elements import TECH_TOOL, Figures
from backstroke.learn.explain import NAMES, explain_lines
from backstroke.learn.routine_out import write_text_atomic
from backstroke.tools import TOOLS

REPORT_NAME = "learn.html"
COLOURS = {"rest": "#8c8c8c", "glide": "#1f77b4", "forearm": "#d62728", "thumb_strip": "#2ca02c"}
_CONFIG = {"displaylogo": False, "responsive": True}
_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em}"
    "ul.elements li{margin:.3em 0}.what{color:#555}"
)


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, height=360, margin=dict(l=60, r=20, t=50, b=50)
    )
    return fig


def _force_figure(fig: Figures) -> go.Figure | None:
    seg = fig.segmentation
    if seg is None:
        return None
    d = seg.demo
    step = max(1, int(d.rate_hz / 20))
    out = go.Figure()
    out.add_trace(
        go.Scatter(
            x=d.t_s[::step], y=d.force_smooth_n[::step], name="force", line=dict(color="#444")
        )
    )
    for b in seg.blocks:
        out.add_vrect(
            x0=float(d.t_s[b.a]),
            x1=float(d.t_s[b.b - 1]),
            fillcolor=COLOURS[b.technique],
            opacity=0.15,
            line_width=0,
            annotation_text=NAMES[b.technique],
            annotation_position="top left",
        )
    return _layout(out, "Force over time, blocks shaded", "time (s)", "normal force (N)")


def _bars(
    title: str, names: list[str], values: list[float], unit: str, colours: list[str]
) -> go.Figure:
    out = go.Figure(go.Bar(x=names, y=values, marker_color=colours, name=title))
    return _layout(out, title, "", unit)


def _coverage_figure(fig: Figures) -> go.Figure | None:
    seg = fig.segmentation
    if seg is None:
        return None
    d = seg.demo
    out = go.Figure()
    for b in seg.blocks:
        ii = np.concatenate([np.arange(p.a, p.b) for p in b.pieces if p.kind in ("work", "still")])
        ii = ii[:: max(1, int(d.rate_hz / 10))]
        out.add_trace(
            go.Scatter(
                x=d.v_m[ii] * 100,
                y=d.u[ii],
                mode="markers",
                marker=dict(
                    size=max(3, TOOLS[TECH_TOOL[b.technique]].half_width_m * 120),
                    color=COLOURS[b.technique],
                    opacity=0.25,
                ),
                name=NAMES[b.technique],
            )
        )
    out.update_yaxes(range=[0, 1])
    out.update_xaxes(range=[-15, 15])
    return _layout(
        out,
        f"Where the hands worked: {fig.coverage * 100:.0f} % of the back",
        "lateral (cm, + client's left)",
        "u (0 waist … 1 C7)",
    )


def _softening_figure(fig: Figures) -> go.Figure | None:
    out = go.Figure()
    n = 0
    for b in fig.blocks:
        if len(b.stiffness_by_pass_n_m) < 2:
            continue
        ref = b.stiffness_by_pass_n_m[0] or 1.0
        out.add_trace(
            go.Scatter(
                x=list(range(len(b.stiffness_by_pass_n_m))),
                y=[100 * (x / ref - 1) for x in b.stiffness_by_pass_n_m],
                mode="lines+markers",
                name=NAMES[b.technique],
                line=dict(color=COLOURS[b.technique]),
            )
        )
        n += 1
    if not n:
        return None
    out.add_hline(y=-5, line_dash="dot", annotation_text="softening threshold")
    return _layout(out, "Stiffness pass by pass", "pass", "stiffness vs pass 0 (%)")


def _beats_figure(fig: Figures) -> go.Figure | None:
    seg = fig.segmentation
    period = fig.beat.period_s
    if seg is None or period is None:
        return None
    d = seg.demo
    out = go.Figure()
    for b in seg.blocks:
        durs = [p.duration_s(d) / period for p in b.strokes() if p.duration_s(d) > 1.0]
        if durs:
            out.add_trace(
                go.Histogram(
                    x=durs,
                    name=NAMES[b.technique],
                    xbins=dict(size=0.25),
                    marker_color=COLOURS[b.technique],
                )
            )
    out.update_layout(barmode="overlay")
    out.update_traces(opacity=0.6)
    return _layout(
        out,
        f"Stroke lengths in beats of {fig.beat.bpm:.1f} BPM (whole beats line up)",
        "beats",
        "strokes",
    )


def learner_figures(fig: Figures) -> list[tuple[str, go.Figure]]:
    """``(key, figure)`` for every plot that has data."""
    moving = [b for b in fig.blocks if b.speed_m_s]
    out: list[tuple[str, go.Figure | None]] = [
        ("force", _force_figure(fig)),
        (
            "speed",
            _bars(
                "Speed per technique",
                [NAMES[b.technique] for b in moving],
                [b.speed_m_s * 100 for b in moving if b.speed_m_s],
                "cm/s",
                [COLOURS[b.technique] for b in moving],
            )
            if moving
            else None,
        ),
        (
            "pressure",
            _bars(
                "Force per technique",
                [NAMES[b.technique] for b in fig.blocks],
                [b.force_n for b in fig.blocks],
                "N",
                [COLOURS[b.technique] for b in fig.blocks],
            )
            if fig.blocks
            else None,
        ),
        (
            "zones",
            _bars(
                "Force per zone (work strokes)",
                list(fig.zone_force_n),
                list(fig.zone_force_n.values()),
                "N",
                ["#9467bd"] * len(fig.zone_force_n),
            )
            if fig.zone_force_n
            else None,
        ),
        ("coverage", _coverage_figure(fig)),
        ("softening", _softening_figure(fig)),
        ("beats", _beats_figure(fig)),
    ]
    return [(k, f) for k, f in out if f is not None]


def render_learner_page(fig: Figures, source: str) -> str:
    e = html.escape
    lines = explain_lines(fig, source)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>backstroke — what the master does: {e(source)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>What the master does — {e(source)}</h1>",
        '<ul class="elements">' + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>",
    ]
    first = True
    figs = learner_figures(fig)
    for key, f in figs:
        div = f.to_html(
            full_html=False,
            include_plotlyjs=first,
            div_id=f"fig-{key}",
            config=_CONFIG,
            default_width="100%",
            default_height="360px",
        )
        first = False
        parts.append(f'<section id="{key}"><div class="figure">{div}</div></section>')
    parts.append(f'<footer data-figures="{len(figs)}">Made by backstroke learn.</footer>')
    parts.append("</body></html>")
    return "\n".join(parts)


def write_learner_report(out_dir: Path, fig: Figures, source: str) -> Path:
    """Write ``out_dir/learn.html`` atomically; returns its path."""
    path = Path(out_dir) / REPORT_NAME
    write_text_atomic(path, render_learner_page(fig, source))
    return path
