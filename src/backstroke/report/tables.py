"""report.html's small pieces: number formatting, key-value and grid tables, and the
safety events' and client history's tables."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from backstroke.session.summary import SafetyEventSummary, Summary
    from backstroke.store.history import ClientHistory


def fmt(x: Any, digits: int = 2, unit: str = "") -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return html.escape(str(x))
    if not np.isfinite(v):
        return "—"
    return f"{v:.{digits}f}{(' ' + unit) if unit else ''}"


def duration(s: Any) -> str:
    if s is None:
        return "—"
    total = round(float(s))
    return f"{total // 60}:{total % 60:02d} ({float(s):.1f} s)"


def kv_table(rows: list[tuple[str, str]], cls: str = "kv") -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def grid_table(head: list[str], rows: list[list[str]], cls: str = "grid") -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    b = "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>'


def flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out += flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def fmt_any(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return html.escape(str(v))
    if isinstance(v, int | float):
        return f"{float(v):.4g}"
    if isinstance(v, list):
        return html.escape(", ".join(fmt_any(x) for x in v[:20]) + (" …" if len(v) > 20 else ""))
    return html.escape(str(v))


def safety_table(summary: Summary) -> str:
    events = summary.safety_events
    if not events:
        return "<p>No safety events: no clamp, no retreat, no client signal.</p>"
    rows = [
        [
            fmt(ev.t_s, 3, "s"),
            html.escape(ev.kind),
            fmt_any(ev.value),
            fmt_any(ev.limit),
            html.escape(ev.action),
        ]
        for ev in events
    ]
    intro = (
        '<p class="what">Every clamp (the Supervisor backed the tool off near a limit), '
        "retreat (a limit or fault stopped the session) and client signal. Values are in SI "
        "units, pressure in N/cm².</p>"
    )
    full = grid_table(["time", "kind", "value", "limit", "action"], rows)
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
            fmt(evs[0].t_s, 2, "s"),
            fmt(evs[-1].t_s, 2, "s"),
            fmt_any(max(ev.value for ev in evs)),
            fmt_any(evs[0].limit),
        ]
        for (k, a), evs in sorted(groups.items(), key=lambda kv: -len(kv[1]))
    ]
    return (
        intro
        + grid_table(
            ["kind", "action", "count", "first", "last", "largest value", "limit"], by_kind
        )
        + f"<details><summary>all {len(events)} events</summary>{full}</details>"
    )


def history_block(history: ClientHistory) -> str:
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
    table = grid_table(
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
        grid_table(["knot", *[f"#{i}" for i in range(1, n + 1)], "trend"], krows)
        if krows
        else "<p>No knots recorded for this client.</p>"
    )
    return f"{prefs}<h3>Sessions</h3>{table}<h3>Knot stiffness ratio by session</h3>{ktable}"
