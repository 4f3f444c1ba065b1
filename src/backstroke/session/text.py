"""A short human-readable summary of a session for the terminal."""

from __future__ import annotations

from typing import Any


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """A few lines: duration, continuity, force tracking, what each block heard."""
    orient = summary.get("orientation_error_deg") or {}
    tempo = summary.get("tempo") or {}
    lines = [
        f"session: {summary.get('routine')} on '{summary.get('client')}', "
        f"{summary['duration_s']:.1f} s at {tempo.get('bpm', 0):.1f} BPM ({tempo.get('source')}), "
        f"{summary.get('sim_realtime_factor')}x real time",
        f"  contact breaks {summary['contact_breaks']}, force RMSE {summary['force_rmse_n']} N, "
        f"orientation error mean {orient.get('mean')}° max {orient.get('max')}°",
        f"  max force {summary['max_normal_force_n']:.1f} N, "
        f"max pressure {summary['max_pressure_n_cm2']:.2f} N/cm², "
        f"safety events {len(summary['safety_events'])}",
    ]
    if tempo.get("worst_beat_error_ms") is not None:
        lines.append(
            f"  strokes on the beat: {tempo['turnarounds']} turnarounds, worst "
            f"{tempo['worst_beat_error_ms']:.0f} ms, median {tempo['median_beat_error_ms']:.0f} ms"
        )
    if summary.get("breathing_rate_bpm") is not None:
        lines.append(f"  breathing {summary['breathing_rate_bpm']:.1f} breaths/min")
    for i, b in enumerate(summary["blocks"]):
        soft = b.get("softening_pass")
        heard = f", softened at pass {soft}" if soft is not None else ""
        lines.append(
            f"  block {i}: {b['technique']:<12} {b['passes']} passes, "
            f"ended: {b['ended_because']}{heard}"
        )
    knots = summary.get("knots") or []
    if knots:
        where = ", ".join(f"(u {k['u']:.2f}, v {100 * k['v']:+.1f} cm)" for k in knots)
        lines.append(f"  knots: {where}")
    for note in summary.get("notes") or []:
        lines.append(f"  note: {note}")
    return lines
