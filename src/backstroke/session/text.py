"""A short human-readable summary of a session for the terminal."""

from __future__ import annotations

from backstroke.session.summary import Summary


def _n(x: float | None, fmt: str = ".1f") -> str:
    """A number for the terminal; ``-`` when absent."""
    return "-" if x is None else format(x, fmt)


def summary_lines(summary: Summary) -> list[str]:
    """A few lines: duration, continuity, force tracking, what each block heard.

    Works on any valid summary (one cut short by a stop at once lacks most figures).
    """
    s = summary
    orient = s.orientation_error_deg
    tempo = s.tempo
    bpm, source = (tempo.bpm, tempo.source) if tempo is not None else (None, None)
    lines = [
        f"session: {s.routine} on '{s.client}', {_n(s.duration_s)} s at {_n(bpm)} BPM "
        f"({source}), {_n(s.sim_realtime_factor, 'g')}x real time",
        f"  contact breaks {_n(s.contact_breaks, 'g')}, force RMSE {_n(s.force_rmse_n, 'g')} N, "
        f"orientation error mean {_n(orient.mean, 'g')}° max {_n(orient.max, 'g')}°",
        f"  max force {_n(s.max_normal_force_n)} N, "
        f"max pressure {_n(s.max_pressure_n_cm2, '.2f')} N/cm², "
        f"safety events {len(s.safety_events)}",
    ]
    if tempo is not None and tempo.worst_beat_error_ms is not None:
        lines.append(
            f"  strokes on the beat: {tempo.turnarounds} turnarounds, worst "
            f"{_n(tempo.worst_beat_error_ms, '.0f')} ms, "
            f"median {_n(tempo.median_beat_error_ms, '.0f')} ms"
        )
    if s.breathing_rate_bpm is not None:
        lines.append(f"  breathing {_n(s.breathing_rate_bpm)} breaths/min")
    for i, b in enumerate(s.blocks):
        heard = f", softened at pass {b.softening_pass}" if b.softening_pass is not None else ""
        lines.append(
            f"  block {i}: {b.technique:<12} {b.passes} passes, ended: {b.ended_because}{heard}"
        )
    if s.knots:
        where = ", ".join(f"(u {k.u:.2f}, v {100.0 * k.v:+.1f} cm)" for k in s.knots)
        lines.append(f"  knots: {where}")
    lines += [f"  note: {note}" for note in s.notes]
    if s.ended_because not in (None, "completed"):
        lines.append(f"  ended because: {s.ended_because}")
    return lines
