"""A short human-readable summary of a session for the terminal."""

from __future__ import annotations

from typing import Any


def _n(x: Any, fmt: str = ".1f") -> str:
    """A number for the terminal; ``-`` when absent or not a number."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return "-"
    return format(x, fmt)


def _cm(v_m: Any) -> float | None:
    return 100.0 * v_m if isinstance(v_m, int | float) and not isinstance(v_m, bool) else None


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """A few lines: duration, continuity, force tracking, what each block heard.

    Works on any summary (one cut short by a stop at once lacks most figures).
    """
    orient = summary.get("orientation_error_deg") or {}
    tempo = summary.get("tempo") or {}
    lines = [
        f"session: {summary.get('routine')} on '{summary.get('client')}', "
        f"{_n(summary.get('duration_s'))} s at {_n(tempo.get('bpm'))} BPM "
        f"({tempo.get('source')}), {_n(summary.get('sim_realtime_factor'), 'g')}x real time",
        f"  contact breaks {_n(summary.get('contact_breaks'), 'g')}, "
        f"force RMSE {_n(summary.get('force_rmse_n'), 'g')} N, "
        f"orientation error mean {_n(orient.get('mean'), 'g')}° "
        f"max {_n(orient.get('max'), 'g')}°",
        f"  max force {_n(summary.get('max_normal_force_n'))} N, "
        f"max pressure {_n(summary.get('max_pressure_n_cm2'), '.2f')} N/cm², "
        f"safety events {len(summary.get('safety_events') or [])}",
    ]
    if tempo.get("worst_beat_error_ms") is not None:
        lines.append(
            f"  strokes on the beat: {tempo.get('turnarounds')} turnarounds, worst "
            f"{_n(tempo.get('worst_beat_error_ms'), '.0f')} ms, "
            f"median {_n(tempo.get('median_beat_error_ms'), '.0f')} ms"
        )
    if summary.get("breathing_rate_bpm") is not None:
        lines.append(f"  breathing {_n(summary['breathing_rate_bpm'])} breaths/min")
    for i, b in enumerate(summary.get("blocks") or []):
        soft = b.get("softening_pass")
        heard = f", softened at pass {soft}" if soft is not None else ""
        lines.append(
            f"  block {i}: {b.get('technique', '?'):<12} {b.get('passes')} passes, "
            f"ended: {b.get('ended_because')}{heard}"
        )
    knots = summary.get("knots") or []
    if knots:
        where = ", ".join(
            f"(u {_n(k.get('u'), '.2f')}, v {_n(_cm(k.get('v')), '+.1f')} cm)" for k in knots
        )
        lines.append(f"  knots: {where}")
    for note in summary.get("notes") or []:
        lines.append(f"  note: {note}")
    ended = summary.get("ended_because")
    if ended not in (None, "completed"):
        lines.append(f"  ended because: {ended}")
    return lines
