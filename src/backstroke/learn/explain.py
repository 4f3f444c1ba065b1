"""``analyze --explain``: a demonstration's elements in plain words and figures.

Rest at the start, continuity, tempo against the beat, speed and pressure per
technique, pressure per zone, coverage, passes (and whether the master waited for the
tissue to soften), dwells on knots. ``analyze``'s one-line ``tempo`` figure is strokes
per minute; here the beat (BPM, from the stroke timing) and strokes per minute are
given side by side and named.
"""

from __future__ import annotations

from typing import Any

from backstroke.learn.elements import TECH_TOOL, Figures
from backstroke.tools import TOOLS

NAMES = {"rest": "rest", "glide": "glide", "forearm": "forearm", "thumb_strip": "thumb strip"}


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


def explain_dict(fig: Figures) -> dict[str, Any]:
    """The elements as JSON-ready figures (SI units, except cm/s and N/cm² named so)."""
    return {
        "duration_s": _r(fig.duration_s, 1),
        "back_length_m": _r(fig.back_length_m, 3),
        "blocks": [
            {
                "technique": b.technique,
                "label": b.label,
                "t0_s": _r(b.t0_s, 1),
                "duration_s": _r(b.duration_s, 1),
                "force_n": _r(b.force_n, 2),
                "pressure_n_cm2": _r(b.force_n / TOOLS[TECH_TOOL[b.technique]].area_cm2, 3),
                "speed_cm_s": _r(b.speed_m_s * 100 if b.speed_m_s else None, 2),
                "stroke_beats": b.stroke_beats,
                "strokes": b.strokes,
                "passes": b.passes,
                "softening_pass": b.softening_pass,
                "waited_for_softening": b.until_softening,
                "side": b.side if b.technique in ("forearm", "thumb_strip") else None,
                "lateral_cm": _r(b.lateral_m * 100, 1),
                "u_range": [_r(b.u_min, 3), _r(b.u_max, 3)],
                "dwells": b.dwells,
                "dwell_beats": b.dwell_beats,
                "pauses": b.pauses,
            }
            for b in fig.blocks
        ],
        "rest_s": _r(fig.rest_s, 1),
        "breathing_rate_bpm": fig.breathing_rate_bpm,
        "lifts": fig.lifts,
        "pauses": fig.pauses,
        "beat_bpm": _r(fig.beat.bpm, 2),
        "beat_on_fraction": _r(fig.beat.on_beat, 3),
        "strokes_per_min": _r(fig.strokes_per_min, 2),
        "coverage": _r(fig.coverage, 3),
        "zone_force_n": {k: _r(v, 2) for k, v in fig.zone_force_n.items()},
        "zone_pressure_n_cm2": {k: _r(v, 3) for k, v in fig.zone_pressure_n_cm2.items()},
        "transitions": fig.transitions,
        "transition_force_n": _r(fig.transition_force_n, 2),
        "knots": fig.knots,
    }


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}" + ("es" if word.endswith("s") else "s")


def explain_lines(fig: Figures, source: str = "demonstration") -> list[str]:
    """The elements in plain words, one line each."""
    seq = " → ".join(NAMES[b.technique] for b in fig.blocks) or "no blocks"
    out = [
        f"{source}: {fig.duration_s:.0f} s, {_plural(len(fig.blocks), 'block')}: {seq} "
        f"({_plural(fig.transitions, 'light transition')} between them)"
    ]
    rest = fig.blocks[0] if fig.blocks and fig.blocks[0].technique == "rest" else None
    if rest is not None:
        br = (
            f"; breathing {fig.breathing_rate_bpm:.0f} breaths/min"
            if fig.breathing_rate_bpm
            else ""
        )
        out.append(
            f"rest at the start: {rest.duration_s:.0f} s with both palms still on the upper "
            f"back at {rest.force_n:.1f} N{br}"
        )
    else:
        out.append("rest at the start: none — the first stroke began straight away")
    if fig.lifts == 0 and fig.pauses == 0:
        out.append(
            "continuity: the hands never left the skin and never stopped (0 lifts, 0 pauses)"
        )
    else:
        out.append(
            f"continuity: {_plural(fig.lifts, 'lift')} off the skin, "
            f"{_plural(fig.pauses, 'pause')} of 2 s or more outside rests and dwells"
        )
    if fig.beat.bpm:
        spm = fig.strokes_per_min or 0.0
        beats = fig.beat.bpm / spm if spm else 0.0
        out.append(
            f"tempo: the strokes follow a beat of {fig.beat.bpm:.1f} BPM "
            f"({fig.beat.on_beat * 100:.0f} % of stroke starts on a beat); {spm:.2f} strokes/min, "
            f"a stroke lasting about {beats:.0f} beats (analyze's 'tempo' figure is strokes/min)"
        )
    else:
        out.append("tempo: too few strokes to hear a beat")
    moving = [b for b in fig.blocks if b.speed_m_s]
    if moving:
        out.append(
            "speed: "
            + "; ".join(
                f"{NAMES[b.technique]} {(b.speed_m_s or 0.0) * 100:.1f} cm/s"
                + (f" ({b.stroke_beats} beats a stroke)" if b.stroke_beats else "")
                for b in moving
            )
        )
    out.append(
        "pressure by technique: "
        + "; ".join(
            f"{NAMES[b.technique]} {b.force_n:.1f} N "
            f"({b.force_n / TOOLS[TECH_TOOL[b.technique]].area_cm2:.2f} N/cm²)"
            for b in fig.blocks
        )
    )
    if fig.zone_force_n:
        out.append(
            "pressure by zone: "
            + "; ".join(
                f"{z} {f:.1f} N ({fig.zone_pressure_n_cm2.get(z, 0.0):.2f} N/cm²)"
                for z, f in fig.zone_force_n.items()
            )
        )
    out.append(f"coverage: {fig.coverage * 100:.0f} % of the back was worked")
    parts = []
    for b in fig.blocks:
        if b.technique == "rest":
            continue
        s = f"{NAMES[b.technique]} {_plural(b.passes, 'pass')}"
        if b.until_softening and b.softening_pass is not None:
            s += f", waited for softening (soft from pass {b.softening_pass}, then stopped)"
        elif b.softening_pass is not None:
            s += f", softened at pass {b.softening_pass} but went on: a set count"
        else:
            s += ", a set count (no softening heard)"
        parts.append(s)
    if parts:
        out.append("passes: " + "; ".join(parts))
    dw = [b for b in fig.blocks if b.dwells]
    if dw:
        knots = len(fig.knots)
        out.append(
            "dwells: "
            + "; ".join(
                f"{_plural(b.dwells, 'dwell')} of about {b.dwell_beats} beats in the "
                f"{NAMES[b.technique]}"
                for b in dw
            )
            + f"; {_plural(knots, 'knot')} in the log"
        )
    else:
        out.append(f"dwells: none; {_plural(len(fig.knots), 'knot')} in the log")
    return out
