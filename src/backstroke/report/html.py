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
from typing import TYPE_CHECKING

from backstroke.errors import MissingExtraError
from backstroke.report import data as rd
from backstroke.report import figures as rf
from backstroke.report.overview import block_thresholds, overview, subtitle, verdicts
from backstroke.report.page_style import CHECK_SCRIPT, CSS, ERROR_SCRIPT
from backstroke.report.tables import history_block, safety_table
from backstroke.sense.contact import break_intervals, contact_intervals, planned_contact

if TYPE_CHECKING:
    from backstroke.body.back_model import BackModel
    from backstroke.session.summary import Summary
    from backstroke.store.history import ClientHistory

# Callers import these from here.
__all__ = ["block_thresholds", "build_figures", "render_html", "write_pngs", "write_report"]

REPORT_NAME = "report.html"
PNG_DIR = "figures"
MAX_WINDOWS = 6000  # back map and speed: 100 ms windows, longer for sessions over 10 min
_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False}


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
    sections: list[tuple[str, str, str]] = [("overview", "Overview", overview(summary, data))]
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
    sections.append(("safety", "Safety events", safety_table(summary)))
    if history is not None:
        body = history_block(history)
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
        f"<style>{CSS}</style></head><body>",
        ERROR_SCRIPT,
        "<header>",
        f"<h1>{e(title)}</h1>",
        f'<p class="sub">{e(subtitle(summary))}</p>',
        verdicts(summary),
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
        CHECK_SCRIPT,
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
