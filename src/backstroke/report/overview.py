"""report.html's overview: the verdicts at the top, who and what, how it went, the
blocks and why each ended, peak force and pressure per tool, knots and the simulator's
truth."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from backstroke.plan.plan import TOOL_CODES
from backstroke.report import data as rd
from backstroke.report.tables import duration, flatten, fmt, fmt_any, grid_table, kv_table
from backstroke.safety.limits import (
    ISO_TS_15066_FORCE_N,
    ISO_TS_15066_PRESSURE_SHOULDER_N_CM2,
    PAIN_THRESHOLD_LUMBAR_N_CM2,
)
from backstroke.sense.contact import in_contact_mask
from backstroke.tools import TOOLS

if TYPE_CHECKING:
    from backstroke.session.summary import SafetyEventSummary, Summary

DEFAULT_THRESHOLD = 0.05

ENDED_BECAUSE = {
    "softening": "the tissue softened",
    "max_passes": "reached its maximum passes without softening",
    "passes": "its planned passes were done",
    "rest complete": "the rest was complete",
    "safety_stop": "a safety stop",
    "": "did not finish",
}


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


def subtitle(summary: Summary) -> str:
    tempo = summary.tempo
    bits = [
        f"intention: {summary.intention or '?'}",
        f"tempo {fmt(tempo and tempo.bpm, 1)} BPM ({(tempo and tempo.source) or '?'})",
        f"duration {duration(summary.duration_s)}",
        f"backend {summary.backend or '?'}",
        f"seed {summary.seed}",
    ]
    return " · ".join(bits)


def safety_stop(summary: Summary) -> SafetyEventSummary | None:
    return next((ev for ev in summary.safety_events if ev.action == "retreat"), None)


def verdicts(summary: Summary) -> str:
    e = html.escape
    items: list[tuple[str, str]] = []
    stop = safety_stop(summary)
    if stop is not None:
        items.append(
            (
                "bad",
                f"Safety stop at {fmt(stop.t_s, 1)} s: {stop.kind} "
                f"{fmt(stop.value, 3)} (limit {fmt(stop.limit, 3)})",
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


def overview(summary: Summary, data: rd.SessionColumns) -> str:
    e = html.escape
    tempo = summary.tempo
    orient = summary.orientation_error_deg
    cone = summary.force_cone_deg
    who = kv_table(
        [
            ("client", e(str(summary.client or "?"))),
            ("routine", e(str(summary.routine or "?"))),
            ("intention", e(str(summary.intention or "?"))),
            (
                "tempo",
                f"{fmt(tempo and tempo.bpm, 1)} BPM from "
                f"{e(str((tempo and tempo.source) or '?'))}, "
                f"{e(str((tempo and tempo.beat_step) or 1))} beat(s) per stroke step",
            ),
            ("duration", duration(summary.duration_s)),
            ("simulated speed", f"{fmt(summary.sim_realtime_factor, 1)} × real time"),
            (
                "seed · version",
                f"{summary.seed} · {e(str(summary.backstroke_version))}",
            ),
        ]
    )
    quality = kv_table(
        [
            (
                "contact breaks",
                f"{summary.contact_breaks} <small>(0 = one seamless stroke)</small>",
            ),
            (
                "force tracking (RMSE)",
                f"{fmt(summary.force_rmse_n, 2, 'N')} <small>"
                "measured vs target while in contact</small>",
            ),
            (
                "tool axis vs plan",
                f"mean {fmt(orient.mean, 1, '°')}, max {fmt(orient.max, 1, '°')}",
            ),
            (
                "force vs tool axis (stacked joints)",
                f"mean {fmt(cone and cone.mean, 1, '°')}, max "
                f"{fmt(cone and cone.max, 1, '°')}, {fmt(cone and cone.over_s, 1, 's')} "
                "outside <small>(under load the force stays within 10° of the tool axis)"
                "</small>",
            ),
            (
                "peak normal force",
                f"{fmt(summary.max_normal_force_n, 1, 'N')} <small>"
                f"(ISO/TS 15066 transient limit {ISO_TS_15066_FORCE_N:g} N)</small>",
            ),
            (
                "peak pressure",
                f"{fmt(summary.max_pressure_n_cm2, 2, 'N/cm²')} <small>"
                f"(pain threshold lumbar {PAIN_THRESHOLD_LUMBAR_N_CM2:g} N/cm², ISO shoulder "
                f"{ISO_TS_15066_PRESSURE_SHOULDER_N_CM2:g} N/cm²)</small>",
            ),
            ("breathing", f"{fmt(summary.breathing_rate_bpm, 1, 'breaths/min')}"),
            ("baseline stiffness", f"{fmt(summary.baseline_stiffness_n_m, 0, 'N/m')}"),
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
                fmt(b.force_scale, 2),
            ]
        )
    blocks = grid_table(
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
    tool_table = grid_table(
        ["tool", "in contact", "peak force / limit", "peak pressure / limit", "contact area"],
        tool_rows,
    )
    knots = summary.knots
    knot_html = (
        grid_table(
            ["knot", "u (0 waist → 1 C7)", "side, from midline", "stiffness ratio"],
            [
                [
                    f"K{j + 1}",
                    fmt(k.u, 3),
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
            + kv_table([(str(k), fmt_any(v)) for k, v in flatten(truth)])
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
