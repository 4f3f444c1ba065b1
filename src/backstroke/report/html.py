"""report.html: one self-contained page that shows what happened in a session.

The page embeds plotly's JavaScript once (no network, opens from a file) and holds:
an overview (who, what, tempo, duration, passes per block and why each block ended,
continuity, force tracking, orientation, peak force and pressure against their limits,
simulator truth, notes), the back map (path, pressure, keep-outs, knots), the softening
curves, target vs measured force, speed with the beats, the breathing at rest, the
safety events, and — when given — the client's history across sessions.

``write_report`` is called at the end of every run; ``backstroke report DIR`` rebuilds
the page from a session directory (see ``report/cli.py``).
"""

from __future__ import annotations

import html
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from backstroke.errors import MissingExtraError
from backstroke.plan.plan import TOOL_CODES
from backstroke.report import data as rd
from backstroke.report import figures as rf
from backstroke.safety.limits import (
    ISO_TS_15066_FORCE_N,
    ISO_TS_15066_PRESSURE_SHOULDER_N_CM2,
    PAIN_THRESHOLD_LUMBAR_N_CM2,
)
from backstroke.sense.contact import (
    break_intervals,
    contact_intervals,
    in_contact_mask,
    planned_contact,
)
from backstroke.tools import TOOLS

if TYPE_CHECKING:
    from backstroke.body.back_model import BackModel
    from backstroke.session.summary import SafetyEventSummary, Summary
    from backstroke.store.history import ClientHistory

REPORT_NAME = "report.html"
PNG_DIR = "figures"
DEFAULT_THRESHOLD = 0.05
MAX_WINDOWS = 6000  # back map and speed: 100 ms windows, longer for sessions over 10 min
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}

ENDED_BECAUSE = {
    "softening": "the tissue softened",
    "max_passes": "reached its maximum passes without softening",
    "passes": "its planned passes were done",
    "rest complete": "the rest was complete",
    "safety_stop": "a safety stop",
    "": "did not finish",
}


def write_report(
    out_dir: Path,
    summary: Summary,
    data: rd.SessionColumns,
    back: BackModel,
    *,
    png: bool = False,
    history: ClientHistory | None = None,
) -> Path:
    """Write ``out_dir/report.html`` (atomically) and, with ``png``, the main figures as PNG.

    Args:
        out_dir: the session directory.
        summary: the session summary, typed (``backstroke.session.summary.Summary``).
        data: the recorded columns (a ``SessionData``).
        back: the client's BackModel (for the outline, landmarks and keep-out zones).
        png: also write ``out_dir/figures/<figure>.png`` (needs kaleido, the 'png' extra).
        history: the client's history from the client memory, shown when given.

    Returns:
        the path of report.html.

    Raises:
        MissingExtraError: ``png`` without kaleido installed (report.html is written first).
    """
    figures = build_figures(summary, data, back, history=history)
    page = render_html(summary, data, figures, history=history)
    out = Path(out_dir)
    path = out / REPORT_NAME
    _write_atomic(path, page)
    if png:
        write_pngs(figures, out / PNG_DIR)
    return path


def build_figures(
    summary: Summary,
    data: rd.SessionColumns,
    back: BackModel,
    *,
    history: ClientHistory | None = None,
) -> list[rf.ReportFigure]:
    """Every figure of the report, in page order (absent ones skipped)."""
    c, p = data.columns, data.plan_columns
    t = c["t_s"]
    span_s = float(t[-1] - t[0]) if t.size > 1 else 0.0
    win = rd.windows(data, max(0.1, span_s / MAX_WINDOWS))
    pmap = rd.pressure_map(back, win)
    spans = rd.block_spans(p["t_s"], p["block"])
    within = planned_contact(p["in_contact"], p.get("target_force_n"))
    breaks = break_intervals(t, c["normal_force_n"], within=within)
    contact = contact_intervals(t, c["normal_force_n"])
    blocks = summary.blocks
    out: list[rf.ReportFigure | None] = [
        rf.back_map_figure(back, win, pmap, list(summary.knots), history),
        rf.softening_figure(blocks, block_thresholds(summary)),
        rf.force_figure(data, summary, spans, breaks, contact),
        rf.speed_figure(data, win, summary),
        rf.breathing_figure(data, summary, spans),
        rf.trust_figure(summary),
        None if history is None else rf.history_figure(history),
    ]
    return [f for f in out if f is not None]


def block_thresholds(summary: Summary) -> list[float]:
    """Each block's softening threshold (relative stiffness drop).

    From the block's ``threshold`` in the summary when present; else, when the routine
    is a shipped preset whose blocks match the summary's, from the preset; else 5 %.
    """
    blocks = summary.blocks
    out = [float(b.threshold or 0.0) for b in blocks]
    if all(out):
        return out
    preset: list[float] = []
    try:
        from backstroke.routine.io import PRESETS, load_routine

        name = summary.routine
        if name in PRESETS:
            r = load_routine(str(name))
            if [b.technique for b in r.blocks] == [b.technique for b in blocks]:
                preset = [
                    float(getattr(getattr(b, "repeat", None), "threshold", 0.0) or 0.0)
                    for b in r.blocks
                ]
    except Exception:  # the report must not fail on a routine that cannot be loaded
        preset = []
    for i, val in enumerate(out):
        if not val:
            out[i] = preset[i] if i < len(preset) and preset[i] else DEFAULT_THRESHOLD
    return out


def write_pngs(figures: list[rf.ReportFigure], folder: Path) -> list[Path]:
    """Write the main figures as PNG files (1400 px wide, 2× scale) into ``folder``.

    Raises:
        MissingExtraError: kaleido (the 'png' extra) is not installed.
    """
    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("png", "kaleido") from exc
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in figures:
        if not f.main:
            continue
        path = folder / f"{f.key}.png"
        f.figure.write_image(str(path), format="png", width=1400, height=f.height_px, scale=2)
        paths.append(path)
    return paths


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- page
def render_html(
    summary: Summary,
    data: rd.SessionColumns,
    figures: list[rf.ReportFigure],
    *,
    history: ClientHistory | None = None,
) -> str:
    """The whole page as a string."""
    e = html.escape
    client = str(summary.client or "?")
    routine = str(summary.routine or "?")
    title = f"backstroke — {routine} session for {client}"
    sections: list[tuple[str, str, str]] = [("overview", "Overview", _overview(summary, data))]
    first = True
    fig_by_key = {f.key: f for f in figures}
    order = ["back_map", "softening", "force", "speed", "breathing", "trust"]
    for key in order:
        f = fig_by_key.get(key)
        if f is None:
            continue
        sections.append((key, f.title, _figure_block(f, include_js=first)))
        first = False
    if "softening" not in fig_by_key:
        sections.append(
            (
                "softening",
                "Did the tissue soften?",
                "<p>No stroke block reported a stiffness per pass.</p>",
            )
        )
    if "breathing" not in fig_by_key:
        rate = summary.breathing_rate_bpm
        msg = (
            "No rest block in this session."
            if rate is None
            else (f"Breathing rate {float(rate):.1f} breaths/min (no rest block recorded).")
        )
        sections.append(("breathing", "Listening at rest", f"<p>{e(msg)}</p>"))
    sections.append(("safety", "Safety events", _safety_table(summary)))
    if history is not None:
        body = _history_block(history)
        hf = fig_by_key.get("history")
        if hf is not None:
            body += _figure_block(hf, include_js=first)
            first = False
        sections.append(("history", f"History of '{history.client.name}'", body))
    toc = " · ".join(f'<a href="#{k}">{e(t)}</a>' for k, t, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        _ERROR_SCRIPT,
        "<header>",
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">{e(_subtitle(summary))}</p>',
        _verdicts(summary),
        f"<nav>{toc}</nav>",
        "</header><main>",
    ]
    for key, heading, body in sections:
        parts.append(f'<section id="{key}"><h2>{e(heading)}</h2>{body}</section>')
    parts += [
        "</main>",
        "<footer>Made by backstroke "
        f"{e(str(summary.backstroke_version or ''))} on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Every figure is what the robot "
        "measured (its force sensor and pose), never the commanded values. "
        "See docs/report.md for how to read this page.</footer>",
        _CHECK_SCRIPT,
        "</body></html>",
    ]
    return "\n".join(parts)


def _figure_block(f: rf.ReportFigure, *, include_js: bool) -> str:
    div = f.figure.to_html(
        full_html=False,
        include_plotlyjs=include_js,
        div_id=f"fig-{f.key}",
        config=_PLOTLY_CONFIG,
        default_width="100%",
        default_height=f"{f.height_px}px",
        validate=False,
    )
    return f'<p class="what">{html.escape(f.what)}</p><div class="figure">{div}</div>'


# --------------------------------------------------------------------------- overview
def _fmt(x: Any, digits: int = 2, unit: str = "") -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return html.escape(str(x))
    if not np.isfinite(v):
        return "—"
    return f"{v:.{digits}f}{(' ' + unit) if unit else ''}"


def _duration(s: Any) -> str:
    if s is None:
        return "—"
    total = round(float(s))
    return f"{total // 60}:{total % 60:02d} ({float(s):.1f} s)"


def _subtitle(summary: Summary) -> str:
    tempo = summary.tempo
    bits = [
        f"intention: {summary.intention or '?'}",
        f"tempo {_fmt(tempo and tempo.bpm, 1)} BPM ({(tempo and tempo.source) or '?'})",
        f"duration {_duration(summary.duration_s)}",
        f"backend {summary.backend or '?'}",
        f"seed {summary.seed}",
    ]
    return " · ".join(bits)


def _safety_stop(summary: Summary) -> SafetyEventSummary | None:
    return next((ev for ev in summary.safety_events if ev.action == "retreat"), None)


def _verdicts(summary: Summary) -> str:
    e = html.escape
    items: list[tuple[str, str]] = []
    stop = _safety_stop(summary)
    if stop is not None:
        items.append(
            (
                "bad",
                f"Safety stop at {_fmt(stop.t_s, 1)} s: {stop.kind} "
                f"{_fmt(stop.value, 3)} (limit {_fmt(stop.limit, 3)})",
            )
        )
    breaks = summary.contact_breaks
    if breaks == 0:
        items.append(("good", "One seamless stroke: no contact break"))
    else:
        items.append(("bad", f"{breaks} contact break(s)"))
    for i, b in enumerate(summary.blocks):
        if b.softening_pass is not None and b.technique != "rest":
            items.append(("good", f"Block {i} ({b.technique}) softened at pass {b.softening_pass}"))
    mp = summary.max_pressure_n_cm2
    if mp is not None:
        share = float(mp) / PAIN_THRESHOLD_LUMBAR_N_CM2
        items.append(
            (
                "good" if share < 0.5 else "warn",
                f"Peak pressure {float(mp):.1f} N/cm² = {100 * share:.0f} % of the lowest "
                f"lumbar pain threshold ({PAIN_THRESHOLD_LUMBAR_N_CM2:g} N/cm²)",
            )
        )
    n_ev = len(summary.safety_events)
    items.append(("good" if n_ev == 0 else "warn", f"{n_ev} safety event(s)"))
    return (
        '<ul class="verdicts">'
        + "".join(f'<li class="{k}">{e(t)}</li>' for k, t in items)
        + "</ul>"
    )


def _kv_table(rows: list[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _table(head: list[str], rows: list[list[str]], cls: str = "grid") -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    b = "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>'


def tool_stats(data: rd.SessionColumns) -> list[dict[str, Any]]:
    """Per tool used in contact: contact time, peak force and pressure, and their limits."""
    c, p = data.columns, data.plan_columns
    fn = np.nan_to_num(c["normal_force_n"], nan=0.0)
    dt = rd.sample_period_s(c["t_s"])
    pres = rd.pressure_n_cm2(data)
    tool = np.nan_to_num(p["tool"], nan=0.0).astype(np.int64)
    touching = in_contact_mask(fn)
    out = []
    for code, t in enumerate(TOOL_CODES):
        m = touching & (tool == code)
        if not np.any(m):
            continue
        spec = TOOLS[t]
        out.append(
            {
                "tool": str(t),
                "contact_s": float(m.sum() * dt),
                "max_force_n": float(fn[m].max()),
                "force_limit_n": spec.max_force_n,
                "max_pressure_n_cm2": float(pres[m].max()),
                "pressure_limit_n_cm2": spec.max_pressure_n_cm2,
                "area_cm2": spec.area_cm2,
            }
        )
    return out


def _overview(summary: Summary, data: rd.SessionColumns) -> str:
    e = html.escape
    tempo = summary.tempo
    orient = summary.orientation_error_deg
    cone = summary.force_cone_deg
    who = _kv_table(
        [
            ("client", e(str(summary.client or "?"))),
            ("routine", e(str(summary.routine or "?"))),
            ("intention", e(str(summary.intention or "?"))),
            (
                "tempo",
                f"{_fmt(tempo and tempo.bpm, 1)} BPM from "
                f"{e(str((tempo and tempo.source) or '?'))}, "
                f"{e(str((tempo and tempo.beat_step) or 1))} beat(s) per stroke step",
            ),
            ("duration", _duration(summary.duration_s)),
            ("simulated speed", f"{_fmt(summary.sim_realtime_factor, 1)} × real time"),
            (
                "seed · version",
                f"{summary.seed} · {e(str(summary.backstroke_version))}",
            ),
        ]
    )
    quality = _kv_table(
        [
            (
                "contact breaks",
                f"{summary.contact_breaks} <small>(0 = one seamless stroke)</small>",
            ),
            (
                "force tracking (RMSE)",
                f"{_fmt(summary.force_rmse_n, 2, 'N')} <small>"
                "measured vs target while in contact</small>",
            ),
            (
                "tool axis vs plan",
                f"mean {_fmt(orient.mean, 1, '°')}, max {_fmt(orient.max, 1, '°')}",
            ),
            (
                "force vs tool axis (stacked joints)",
                f"mean {_fmt(cone and cone.mean, 1, '°')}, max "
                f"{_fmt(cone and cone.max, 1, '°')}, {_fmt(cone and cone.over_s, 1, 's')} "
                "outside <small>(under load the force stays within 10° of the tool axis)"
                "</small>",
            ),
            (
                "peak normal force",
                f"{_fmt(summary.max_normal_force_n, 1, 'N')} <small>"
                f"(ISO/TS 15066 transient limit {ISO_TS_15066_FORCE_N:g} N)</small>",
            ),
            (
                "peak pressure",
                f"{_fmt(summary.max_pressure_n_cm2, 2, 'N/cm²')} <small>"
                f"(pain threshold lumbar {PAIN_THRESHOLD_LUMBAR_N_CM2:g} N/cm², ISO shoulder "
                f"{ISO_TS_15066_PRESSURE_SHOULDER_N_CM2:g} N/cm²)</small>",
            ),
            ("breathing", f"{_fmt(summary.breathing_rate_bpm, 1, 'breaths/min')}"),
            ("baseline stiffness", f"{_fmt(summary.baseline_stiffness_n_m, 0, 'N/m')}"),
        ]
    )
    thresholds = block_thresholds(summary)
    rows = []
    for i, b in enumerate(summary.blocks):
        ended = b.ended_because
        why = ENDED_BECAUSE.get(ended, ended.replace("_", " "))
        k = b.stiffness_by_pass_n_m
        change = f"{100 * (k[-1] / k[0] - 1):+.1f} %" if len(k) >= 2 and k[0] else "—"
        rows.append(
            [
                str(i),
                e(b.technique),
                str(b.passes),
                e(why),
                "—" if b.softening_pass is None else str(b.softening_pass),
                f"{100 * thresholds[i]:.1f} %" if b.technique != "rest" else "—",
                change,
                _fmt(b.force_scale, 2),
            ]
        )
    blocks = _table(
        [
            "block",
            "technique",
            "passes",
            "ended because",
            "softened at pass",
            "threshold",
            "stiffness last vs first",
            "force scale",
        ],
        rows,
    )
    tools = tool_stats(data)
    tool_rows = [
        [
            e(t["tool"]),
            f"{t['contact_s']:.0f} s",
            f"{t['max_force_n']:.1f} / {t['force_limit_n']:g} N "
            f"({100 * t['max_force_n'] / t['force_limit_n']:.0f} %)",
            f"{t['max_pressure_n_cm2']:.2f} / {t['pressure_limit_n_cm2']:g} N/cm² "
            f"({100 * t['max_pressure_n_cm2'] / t['pressure_limit_n_cm2']:.0f} %)",
            f"{t['area_cm2']:.1f} cm²",
        ]
        for t in tools
    ]
    tool_table = _table(
        ["tool", "in contact", "peak force / limit", "peak pressure / limit", "contact area"],
        tool_rows,
    )
    knots = summary.knots
    knot_html = (
        _table(
            ["knot", "u (0 waist → 1 C7)", "side, from midline", "stiffness ratio"],
            [
                [
                    f"K{j + 1}",
                    _fmt(k.u, 3),
                    f"{'left' if k.v > 0 else 'right'} {abs(100 * k.v):.1f} cm",
                    f"{k.stiffness_ratio:.2f}×",
                ]
                for j, k in enumerate(knots)
            ],
        )
        if knots
        else "<p>No knots found.</p>"
    )
    truth = {} if summary.sim_truth is None else summary.sim_truth.in_source_order()
    truth_html = ""
    if truth:
        truth_html = (
            "<h3>Simulator truth <small>(what the simulated tissue really received; "
            "a real robot has no such row)</small></h3>"
            + _kv_table([(str(k), _fmt_any(v)) for k, v in _flatten(truth)])
        )
    notes = summary.notes
    notes_html = (
        "<h3>Notes</h3><ul>" + "".join(f"<li>{e(str(n))}</li>" for n in notes) + "</ul>"
        if notes
        else ""
    )
    return (
        '<div class="cols"><div>'
        f"<h3>Session</h3>{who}</div><div><h3>How it went</h3>{quality}</div></div>"
        f"<h3>Blocks: passes and why each ended</h3>{blocks}"
        f"<h3>Peak force and pressure per tool <small>(limits over soft tissue; halved "
        f"over bone)</small></h3>{tool_table}"
        f"<h3>Knots found</h3>{knot_html}{truth_html}{notes_html}"
    )


def _flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out += _flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def _fmt_any(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    if isinstance(v, int | float):
        return f"{float(v):.4g}"
    if isinstance(v, list):
        return html.escape(", ".join(_fmt_any(x) for x in v[:20]) + (" …" if len(v) > 20 else ""))
    return html.escape(str(v))


def _safety_table(summary: Summary) -> str:
    events = summary.safety_events
    if not events:
        return "<p>No safety events: no clamp, no retreat, no client signal.</p>"
    rows = [
        [
            _fmt(ev.t_s, 3, "s"),
            html.escape(ev.kind),
            _fmt_any(ev.value),
            _fmt_any(ev.limit),
            html.escape(ev.action),
        ]
        for ev in events
    ]
    intro = (
        '<p class="what">Every clamp (the Supervisor backed the tool off near a limit), '
        "retreat (a limit or fault stopped the session) and client signal. Values are in SI "
        "units, pressure in N/cm².</p>"
    )
    full = _table(["time", "kind", "value", "limit", "action"], rows)
    if len(events) <= 30:
        return intro + full
    # Many events: one line per kind and action first, the full list folded.
    groups: dict[tuple[str, str], list[SafetyEventSummary]] = {}
    for ev in events:
        groups.setdefault((ev.kind, ev.action), []).append(ev)
    by_kind = [
        [
            html.escape(k),
            html.escape(a),
            str(len(evs)),
            _fmt(evs[0].t_s, 2, "s"),
            _fmt(evs[-1].t_s, 2, "s"),
            _fmt_any(max(ev.value for ev in evs)),
            _fmt_any(evs[0].limit),
        ]
        for (k, a), evs in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    ]
    return (
        intro
        + _table(["kind", "action", "count", "first", "last", "largest value", "limit"], by_kind)
        + f"<details><summary>all {len(events)} events</summary>{full}</details>"
    )


def _history_block(history: ClientHistory) -> str:
    e = html.escape
    p = history.client.preferences
    prefs = (
        f"<p>Preferences: pressure scale {p.pressure_scale:.2f}, skip "
        f"{e(', '.join(p.skip_techniques) or 'nothing')}, music {e(p.music or 'none')}.</p>"
    )
    rows = [
        [
            str(r["number"]),
            e(r["date"]),
            e(str(r["routine"])),
            e(r["duration"]),
            e(r["passes"]),
            e(r["softened"]),
            str(r["knots"]),
            e(r["max_pressure"]),
            str(r["contact_breaks"]),
        ]
        for r in history.session_rows()
    ]
    table = _table(
        [
            "#",
            "date (UTC)",
            "routine",
            "duration",
            "passes per block",
            "softened",
            "knots",
            "peak N/cm²",
            "breaks",
        ],
        rows,
    )
    n = len(history.sessions)
    krows = []
    for k in history.knots:
        by = {pt.session_number: pt.stiffness_ratio for pt in k.points}
        cells = [f"{by[i]:.2f}" if i in by else "—" for i in range(1, n + 1)]
        ch = "" if k.change is None else f" ({100 * k.change:+.0f} %)"
        krows.append([e(k.label), *cells, e(k.trend + ch)])
    ktable = (
        _table(["knot", *[f"#{i}" for i in range(1, n + 1)], "trend"], krows)
        if krows
        else "<p>No knots recorded for this client.</p>"
    )
    return f"{prefs}<h3>Sessions</h3>{table}<h3>Knot stiffness ratio by session</h3>{ktable}"


_CSS = """
:root { --fg:#222; --muted:#666; --line:#e3e3e3; --good:#1d7a34; --warn:#a66300; --bad:#b3261e; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color: var(--fg); margin: 0 auto; max-width: 1440px; padding: 0 20px 40px; line-height: 1.4; }
header { border-bottom: 1px solid var(--line); padding: 16px 0 8px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 4px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
small { color: var(--muted); font-weight: normal; }
.sub { color: var(--muted); margin: 0 0 8px; }
nav { font-size: 14px; margin: 8px 0; }
nav a { color: #1f5fbf; text-decoration: none; }
.what { color: #444; font-size: 14px; margin: 4px 0 8px; max-width: 1100px; }
.verdicts { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 8px; }
.verdicts li { padding: 4px 10px; border-radius: 12px; font-size: 14px; border: 1px solid; }
.verdicts .good { color: var(--good); border-color: #a8d5b3; background: #f0f9f2; }
.verdicts .warn { color: var(--warn); border-color: #f0cf9c; background: #fff8ec; }
.verdicts .bad { color: var(--bad); border-color: #f0b0ab; background: #fdf0ef; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 24px; }
table { border-collapse: collapse; font-size: 14px; margin: 4px 0 8px; }
table.kv th { text-align: left; font-weight: 600; padding: 3px 14px 3px 0; vertical-align: top; }
table.kv td { padding: 3px 0; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 4px 10px;
  text-align: left; }
table.grid thead th { background: #f6f6f6; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 4px; }
#report-errors { color: var(--bad); border: 1px solid var(--bad); padding: 8px 12px;
  margin: 12px 0; border-radius: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@media print { nav { display: none; } section { break-inside: avoid; } }
"""

_ERROR_SCRIPT = """<div id="report-errors" hidden><b>Part of this report failed to display:</b>
<ul></ul></div>
<script>
(function () {
  var box = document.getElementById('report-errors');
  function add(msg) {
    box.hidden = false;
    var li = document.createElement('li');
    li.textContent = msg;
    box.querySelector('ul').appendChild(li);
  }
  window.backstrokeReportError = add;
  window.addEventListener('error', function (ev) { add(String(ev.message || ev)); });
  window.addEventListener('unhandledrejection', function (ev) {
    add('unhandled: ' + String(ev.reason));
  });
})();
</script>"""

_CHECK_SCRIPT = """<script>
window.addEventListener('load', function () {
  var divs = document.querySelectorAll('.plotly-graph-div');
  divs.forEach(function (d) {
    if (!d.querySelector('.main-svg')) {
      window.backstrokeReportError('figure ' + d.id + ' did not render');
    }
  });
  document.body.setAttribute('data-figures', String(divs.length));
});
</script>"""
