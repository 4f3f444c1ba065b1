"""DIR/report.html: how each routine treated the population, from the sweep's Parquet.

One self-contained page (plotly's JavaScript inlined once, no network): a table per
routine (sessions, failures, softening, passes, "too much", largest received pressure,
contact breaks, knots precision/recall against the client files' true knots), the
distribution of each figure across clients per routine, the rank correlation of each
outcome with the client's body (``correlation.py``), and the clients each routine
served worst with the command that reproduces the session.

"Served worst" orders a routine's sessions by: failed first, then most "too much"
episodes, then the largest pressure the tissue received, then most contact breaks,
then not softened, then the longest time to softening.
"""

from __future__ import annotations

import html
import math
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.sweep.store import SweepStore, write_text_atomic

REPORT_NAME = "report.html"
WORST_SHOWN = 5
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
_COLORS = ("#4c6ef5", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#f08c00", "#c92a2a")

# (column, title, unit) of the distributions shown per routine.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("sweep.time_to_softening_s", "Time to softening", "s"),
    ("sweep.passes", "Stroke passes", "passes"),
    ("sweep.too_much_episodes", '"Too much" episodes', "episodes"),
    ("sweep.max_received_pressure_n_cm2", "Largest pressure received", "N/cm²"),
    ("contact_breaks", "Contact breaks", "breaks"),
    ("sweep.knots_precision", "Knots precision (found knots that are true)", "fraction"),
    ("sweep.knots_recall", "Knots recall (true knots found)", "fraction"),
)


def _num(x: Any) -> float | None:
    if x is None or isinstance(x, str):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _values(rows: list[dict[str, Any]], key: str) -> list[float]:
    return [v for v in (_num(r.get(key)) for r in rows) if v is not None]


def _sum(rows: list[dict[str, Any]], key: str) -> float:
    return float(sum(_values(rows, key)))


def by_routine(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by ``routine``, in first-seen order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r.get("routine")), []).append(r)
    return out


def routine_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line of figures per routine (what the report's table and the CLI show)."""
    table = []
    for routine, rs in by_routine(rows).items():
        ok = [r for r in rs if r.get("error") is None]
        soft = _values(ok, "sweep.time_to_softening_s")
        passes = _values(ok, "sweep.passes")
        pressure = _values(ok, "sweep.max_received_pressure_n_cm2")
        found, true, matched = (
            _sum(ok, "sweep.knots_found"),
            _sum(ok, "sweep.knots_true"),
            _sum(ok, "sweep.knots_matched"),
        )
        table.append(
            {
                "routine": routine,
                "sessions": len(rs),
                "failed": len(rs) - len(ok),
                "safety_stops": sum(1 for r in ok if r.get("safety_fault")),
                "softened_fraction": (
                    sum(1 for r in ok if r.get("sweep.softened")) / len(ok) if ok else None
                ),
                "time_to_softening_s_median": float(np.median(soft)) if soft else None,
                "passes_median": float(np.median(passes)) if passes else None,
                "too_much_episodes": int(_sum(ok, "sweep.too_much_episodes")),
                "too_much_sessions": sum(
                    1 for r in ok if (_num(r.get("sweep.too_much_episodes")) or 0) > 0
                ),
                "max_received_pressure_n_cm2_median": (
                    float(np.median(pressure)) if pressure else None
                ),
                "max_received_pressure_n_cm2_max": max(pressure) if pressure else None,
                "contact_breaks": int(_sum(ok, "contact_breaks")),
                "knots_precision": matched / found if found else None,
                "knots_recall": matched / true if true else None,
                "wall_s_median": (
                    float(np.median(_values(ok, "wall_s"))) if _values(ok, "wall_s") else None
                ),
            }
        )
    return table


def _badness(r: dict[str, Any]) -> tuple[float, ...]:
    return (
        1.0 if r.get("error") is not None else 0.0,
        _num(r.get("sweep.too_much_episodes")) or 0.0,
        _num(r.get("sweep.max_received_pressure_n_cm2")) or 0.0,
        _num(r.get("contact_breaks")) or 0.0,
        0.0 if r.get("sweep.softened") else 1.0,
        _num(r.get("sweep.time_to_softening_s")) or 0.0,
    )


def worst_served(rows: list[dict[str, Any]], n: int = WORST_SHOWN) -> list[dict[str, Any]]:
    """The ``n`` sessions of one routine that served their clients worst (see module doc)."""
    return sorted(rows, key=_badness, reverse=True)[:n]


def reproduce_command(out_dir: Path, row: dict[str, Any]) -> str:
    """``backstroke run`` that repeats this row's session (same client file, routine, seed)."""
    client = Path(out_dir) / str(row.get("client_file"))
    return shlex.join(
        [
            "backstroke",
            "run",
            "--client",
            str(client),
            "--routine",
            str(row.get("routine")),
            "--seed",
            str(row.get("seed")),
            "--out",
            f"out/repro-{row.get('task_id')}",
        ]
    )


def write_sweep_report(out_dir: Path) -> Path:
    """Rebuild ``DIR/report.html`` from the rows under ``DIR`` (atomically)."""
    out = Path(out_dir)
    rows = SweepStore(out).rows()
    path = out / REPORT_NAME
    write_text_atomic(path, render(out, rows))
    return path


def _fmt(x: Any, digits: int = 2, pct: bool = False) -> str:
    v = _num(x)
    if v is None:
        return "—"
    return f"{100 * v:.0f} %" if pct else f"{v:.{digits}f}"


def _figure(key: str, title: str, unit: str, groups: dict[str, list[dict[str, Any]]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (routine, rs) in enumerate(groups.items()):
        pts = [(r, _num(r.get(key))) for r in rs if r.get("error") is None]
        ys = [v for _, v in pts if v is not None]
        names = [str(r.get("client")) for r, v in pts if v is not None]
        if not ys:
            continue
        fig.add_trace(
            go.Box(
                y=ys,
                x=[f"{routine} (n={len(ys)})"] * len(ys),
                name=routine,
                marker_color=_COLORS[i % len(_COLORS)],
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                text=names,
                hovertemplate="%{text}: %{y}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title,
        yaxis_title=unit,
        height=360,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        showlegend=False,
        template="plotly_white",
    )
    fig.update_xaxes(type="category")
    return fig


def _plotly_script() -> str:
    """plotly's JavaScript, inlined once in the page's head (no network)."""
    from plotly.offline import get_plotlyjs

    return f'<script type="text/javascript">{get_plotlyjs()}</script>'


class _Divs:
    """Figures as HTML divs (plotly's JavaScript is in the head, see ``_plotly_script``)."""

    def __call__(self, fig: Any, div_id: str) -> str:
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            config=_PLOTLY_CONFIG,
            default_width="100%",
            default_height=f"{fig.layout.height or 360}px",
        )
        return f'<div class="figure">{div}</div>'


def render(out_dir: Path, rows: list[dict[str, Any]]) -> str:
    """The whole page as a string."""
    e = html.escape
    groups = by_routine(rows)
    _div = _Divs()
    n_clients = len({r.get("client_file") for r in rows})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>backstroke sweep — routines across a population</title>",
        f"<style>{_CSS}</style>",
        _plotly_script() if rows else "",
        "</head><body>",
        "<h1>backstroke sweep: routines across a population</h1>",
        f'<p class="sub">{len(rows)} sessions: {len(groups)} routines × {n_clients} clients '
        f"in {e(str(out_dir))}. Every figure is what the robot measured, except the "
        'largest received pressure, "too much" episodes and the knots\' truth, which come '
        "from the simulated client (sim_truth and the client files). See docs/sweep.md.</p>",
    ]
    if not rows:
        parts.append("<p>No sessions yet.</p></body></html>")
        return "\n".join(parts)
    parts.append("<h2>Per routine</h2>")
    parts.append(_table_html(routine_table(rows)))
    parts.append("<h2>Distributions across clients</h2>")
    parts.append('<div class="grid">')
    for key, title, unit in FIGURES:
        parts.append(_div(_figure(key, title, unit, groups), "fig-" + key.replace(".", "-")))
    parts.append("</div>")
    parts.append("<h2>Which bodies each routine serves worse</h2>")
    parts.append(
        "<p>Spearman rank correlation, over a routine's sessions, of each outcome with each "
        "client parameter (blank: fewer than 5 sessions or a constant). Red: the outcome "
        "rises with the parameter (for knots recall, higher is better).</p>"
    )
    from backstroke.sweep.correlation import correlation_figure

    for i, (routine, rs) in enumerate(groups.items()):
        fig = correlation_figure(routine, rs)
        if fig is None:
            parts.append(f"<p>{e(routine)}: too few sessions to correlate.</p>")
        else:
            parts.append(_div(fig, f"fig-correlation-{i}"))
    parts.append("<h2>Clients each routine served worst</h2>")
    parts.append(
        '<p>Order: failed, then most "too much" episodes, largest received pressure, most '
        "contact breaks, not softened, longest time to softening.</p>"
    )
    for routine, rs in groups.items():
        parts.append(f"<h3>{e(routine)}</h3>")
        parts.append(_worst_html(out_dir, worst_served(rs)))
    parts.append(
        f"<footer>Made by backstroke sweep on {datetime.now(UTC):%Y-%m-%d %H:%M UTC}. "
        "Rebuild with <code>backstroke sweep --report DIR</code>.</footer>"
        f"{_RESIZE_SCRIPT}</body></html>"
    )
    return "\n".join(parts)


def _table_html(table: list[dict[str, Any]]) -> str:
    e = html.escape
    head = (
        "<tr><th>routine</th><th>sessions</th><th>failed</th><th>safety stops</th>"
        "<th>softened</th><th>time to softening (median, s)</th><th>passes (median)</th>"
        '<th>"too much" (episodes / sessions)</th><th>largest received pressure '
        "(median / max, N/cm²)</th><th>contact breaks</th><th>knots precision</th>"
        "<th>knots recall</th><th>wall per session (median, s)</th></tr>"
    )
    body = []
    for t in table:
        body.append(
            "<tr>"
            f"<td>{e(t['routine'])}</td><td>{t['sessions']}</td><td>{t['failed']}</td>"
            f"<td>{t['safety_stops']}</td><td>{_fmt(t['softened_fraction'], pct=True)}</td>"
            f"<td>{_fmt(t['time_to_softening_s_median'], 1)}</td>"
            f"<td>{_fmt(t['passes_median'], 1)}</td>"
            f"<td>{t['too_much_episodes']} / {t['too_much_sessions']}</td>"
            f"<td>{_fmt(t['max_received_pressure_n_cm2_median'], 3)} / "
            f"{_fmt(t['max_received_pressure_n_cm2_max'], 3)}</td>"
            f"<td>{t['contact_breaks']}</td><td>{_fmt(t['knots_precision'], pct=True)}</td>"
            f"<td>{_fmt(t['knots_recall'], pct=True)}</td>"
            f"<td>{_fmt(t['wall_s_median'], 1)}</td></tr>"
        )
    return f'<table id="routines">{head}{"".join(body)}</table>'


def _worst_html(out_dir: Path, rows: list[dict[str, Any]]) -> str:
    e = html.escape
    head = (
        '<tr><th>client</th><th>problem</th><th>"too much"</th><th>received (N/cm²)</th>'
        "<th>contact breaks</th><th>softened at (s)</th><th>reproduce</th></tr>"
    )
    body = []
    for r in rows:
        cf = str(r.get("client_file"))
        problem = r.get("error") or r.get("safety_fault") or ""
        body.append(
            "<tr>"
            f'<td><a href="{e(cf)}">{e(cf)}</a></td><td>{e(str(problem))}</td>'
            f"<td>{_fmt(r.get('sweep.too_much_episodes'), 0)}</td>"
            f"<td>{_fmt(r.get('sweep.max_received_pressure_n_cm2'), 3)}</td>"
            f"<td>{_fmt(r.get('contact_breaks'), 0)}</td>"
            f"<td>{_fmt(r.get('sweep.time_to_softening_s'), 1)}</td>"
            f"<td><code>{e(reproduce_command(out_dir, r))}</code></td></tr>"
        )
    return f'<table class="worst">{head}{"".join(body)}</table>'


def table_lines(table: list[dict[str, Any]]) -> list[str]:
    """The per-routine table as text lines (for the terminal and the bench)."""
    lines = [
        "routine | sessions | failed | softened | t_soften med s | passes med | too much "
        "ep/sess | max recv N/cm² med/max | breaks | knots P | knots R"
    ]
    for t in table:
        lines.append(
            f"{t['routine']} | {t['sessions']} | {t['failed']} | "
            f"{_fmt(t['softened_fraction'], pct=True)} | "
            f"{_fmt(t['time_to_softening_s_median'], 1)} | {_fmt(t['passes_median'], 1)} | "
            f"{t['too_much_episodes']}/{t['too_much_sessions']} | "
            f"{_fmt(t['max_received_pressure_n_cm2_median'], 3)}/"
            f"{_fmt(t['max_received_pressure_n_cm2_max'], 3)} | {t['contact_breaks']} | "
            f"{_fmt(t['knots_precision'], pct=True)} | {_fmt(t['knots_recall'], pct=True)}"
        )
    return lines


# Figures drawn before the grid settles take the page's width: fit them to their cells.
_RESIZE_SCRIPT = """<script>
window.addEventListener('load', function () {
  document.querySelectorAll('.plotly-graph-div').forEach(function (d) {
    window.Plotly.Plots.resize(d);
  });
});
</script>"""

_CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1200px;
  color: #1d2733; padding: 0 16px; }
h1 { font-size: 24px; } h2 { margin-top: 32px; border-bottom: 1px solid #d5dde5; }
.sub { color: #5a6776; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d5dde5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f5f8; }
code { font-size: 12px; background: #f2f5f8; padding: 1px 4px; user-select: all; }
.figure { border: 1px solid #d5dde5; border-radius: 6px; padding: 4px; margin: 8px 0;
  min-width: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr));
  gap: 0 12px; }
footer { color: #5a6776; font-size: 12px; margin-top: 32px; }
"""
