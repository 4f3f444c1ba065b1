"""``backstroke compare MASTER LEARNER``: the differences that matter, ranked.

Both demonstrations are reduced to their elements (``learn.elements``); each element
gives a difference with both figures, one line of advice and a *normalised effect
size*: the difference in units of what the master's own variation (or a just
noticeable difference) is for that element, so a 40 % harder glide outranks a 3 %
slower forearm, and a learner's real fault comes first.

Effect sizes:

- ratios (speed, pressure, tempo): ``|ln(learner / master)|`` over the larger of the
  master's stroke-to-stroke spread and a floor (6 % speed, 5 % force, 6 % tempo);
- counts (lifts 0.5, pauses 1, passes 1, dwells 1.5, dwell beats 1): ``|Δ| / unit``;
- rest: ``|Δ s| / max(3 s, 20 % of the master's)``; coverage: ``|Δ| / 5 points``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from backstroke.learn.elements import Figures
from backstroke.learn.explain import NAMES

ELEMENTS = ("continuity", "tempo", "speed", "pressure", "rest", "coverage", "passes", "dwell")
SPEED_FLOOR = 0.06
FORCE_FLOOR = 0.05
TEMPO_FLOOR = 0.06
ZONE_FLOOR = 0.06
# Differences smaller than this effect are not worth a learner's attention.
MIN_EFFECT = 1.0


@dataclass(frozen=True)
class Difference:
    element: str
    master: float
    learner: float
    advice: str
    effect: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "element": self.element,
            "master": _num(self.master),
            "learner": _num(self.learner),
            "advice": self.advice,
        }


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 3)


def _ratio_words(r: float, more: str, less: str) -> str:
    if 1.85 <= r <= 2.2:
        return f"twice as {more}"
    if r > 2.2:
        return f"{r:.1f} times as {more}"
    if 0.45 <= r <= 0.55:
        return f"half as {more}"
    pct = abs(r - 1.0) * 100
    return f"{pct:.0f} % {more if r > 1 else less}er"


def _log_effect(m: float, learner: float, spread: float, floor: float) -> float:
    if m <= 0 or learner <= 0:
        return 0.0
    return abs(math.log(learner / m)) / max(spread, floor)


def _times(n: int) -> str:
    return {0: "never", 1: "once", 2: "twice"}.get(n, f"{n} times")


def differences(master: Figures, learner: Figures) -> list[Difference]:
    """Every difference, ranked by effect (largest first); small ones left out."""
    out: list[Difference] = []
    # Continuity.
    if master.lifts != learner.lifts:
        m, lv = master.lifts, learner.lifts
        if lv > m:
            master_did = "never did" if m == 0 else f"only {_times(m)}"
            adv = f"you lifted your hands {_times(lv)}; the master {master_did}"
        else:
            adv = f"the master lifted the hands {_times(m)}; you {_times(lv)}"
        out.append(Difference("continuity", m, lv, adv, abs(lv - m) / 0.5))
    if master.pauses != learner.pauses:
        out.append(
            Difference(
                "continuity",
                master.pauses,
                learner.pauses,
                f"you paused {_times(learner.pauses)} mid-stroke; the master "
                f"{_times(master.pauses)}: keep the hands gliding",
                abs(learner.pauses - master.pauses),
            )
        )
    # Tempo.
    if master.strokes_per_min and learner.strokes_per_min:
        sm, sl = master.strokes_per_min, learner.strokes_per_min
        words = _ratio_words(sl / sm, "fast", "slow")
        out.append(
            Difference(
                "tempo",
                round(sm, 2),
                round(sl, 2),
                f"your strokes came {words}: {sl:.1f} vs {sm:.1f} strokes/min "
                f"(beat {learner.beat.bpm or 0:.0f} vs {master.beat.bpm or 0:.0f} BPM): "
                "give each stroke its beats",
                _log_effect(sm, sl, 0.0, TEMPO_FLOOR),
            )
        )
    # Per technique: speed, pressure, passes, dwells.
    for tech in ("glide", "forearm", "thumb_strip", "rest"):
        mb, lb = master.of(tech), learner.of(tech)
        name = NAMES[tech]
        if not mb:
            continue
        if not lb:
            out.append(
                Difference(
                    "passes",
                    sum(b.passes for b in mb),
                    0,
                    f"the master used the {name}; you left it out",
                    3.0,
                )
            )
            continue
        m0, l0 = mb[0], lb[0]
        if m0.speed_m_s and l0.speed_m_s:
            ms, ls = m0.speed_m_s * 100, l0.speed_m_s * 100
            out.append(
                Difference(
                    "speed",
                    round(ms, 2),
                    round(ls, 2),
                    f"your {name} was {_ratio_words(ls / ms, 'fast', 'slow')}: "
                    f"{ls:.1f} vs {ms:.1f} cm/s",
                    _log_effect(ms, ls, math.hypot(m0.speed_cv, l0.speed_cv) / 1.414, SPEED_FLOOR),
                )
            )
        if tech != "rest":
            out.append(
                Difference(
                    "pressure",
                    round(m0.force_n, 2),
                    round(l0.force_n, 2),
                    f"you pressed {_ratio_words(l0.force_n / m0.force_n, 'hard', 'light')} "
                    f"in the {name}: {l0.force_n:.1f} vs {m0.force_n:.1f} N",
                    _log_effect(
                        m0.force_n,
                        l0.force_n,
                        math.hypot(m0.force_cv, l0.force_cv) / 1.414,
                        FORCE_FLOOR,
                    ),
                )
            )
            soft = m0.until_softening and not l0.until_softening
            if m0.passes != l0.passes or soft:
                extra = "; the master waited for the tissue to soften" if soft else ""
                out.append(
                    Difference(
                        "passes",
                        m0.passes,
                        l0.passes,
                        f"you made {l0.passes} {name} passes, the master {m0.passes}{extra}",
                        abs(m0.passes - l0.passes) + (1.5 if soft else 0.0),
                    )
                )
        if tech == "thumb_strip" and (m0.dwells != l0.dwells):
            out.append(
                Difference(
                    "dwell",
                    m0.dwells,
                    l0.dwells,
                    f"the master dwelt {_times(m0.dwells)} on knots"
                    + (f" for {m0.dwell_beats} beats" if m0.dwell_beats else "")
                    + f"; you {_times(l0.dwells)}",
                    abs(m0.dwells - l0.dwells) / 1.5,
                )
            )
        elif tech == "thumb_strip" and m0.dwell_beats and l0.dwell_beats:
            out.append(
                Difference(
                    "dwell",
                    m0.dwell_beats,
                    l0.dwell_beats,
                    f"your dwells lasted {l0.dwell_beats} beats, the master's {m0.dwell_beats}",
                    abs(m0.dwell_beats - l0.dwell_beats),
                )
            )
    # Pressure per zone.
    for zone, mf in master.zone_force_n.items():
        lf = learner.zone_force_n.get(zone)
        if lf is None or mf <= 0:
            continue
        out.append(
            Difference(
                "pressure",
                round(mf, 2),
                round(lf, 2),
                f"you pressed {_ratio_words(lf / mf, 'hard', 'light')} over the {zone}: "
                f"{lf:.1f} vs {mf:.1f} N",
                _log_effect(mf, lf, 0.0, ZONE_FLOOR),
            )
        )
    # Rest and coverage.
    if master.rest_s or learner.rest_s:
        out.append(
            Difference(
                "rest",
                round(master.rest_s, 1),
                round(learner.rest_s, 1),
                f"you rested {learner.rest_s:.0f} s at the start, the master {master.rest_s:.0f} s"
                + (
                    ": listen longer before the first stroke"
                    if learner.rest_s < master.rest_s
                    else ""
                ),
                abs(master.rest_s - learner.rest_s) / max(3.0, 0.2 * master.rest_s),
            )
        )
    out.append(
        Difference(
            "coverage",
            round(master.coverage * 100, 1),
            round(learner.coverage * 100, 1),
            f"you worked {learner.coverage * 100:.0f} % of the back, the master "
            f"{master.coverage * 100:.0f} %",
            abs(master.coverage - learner.coverage) / 0.05,
        )
    )
    out.sort(key=lambda x: -x.effect)
    return [x for x in out if x.effect >= MIN_EFFECT]


def compare_lines(diffs: list[Difference]) -> list[str]:
    if not diffs:
        return ["no difference that matters: you did what the master did"]
    return [f"{i}. {d.element}: {d.advice} (effect {d.effect:.1f})" for i, d in enumerate(diffs, 1)]


def compare_json(diffs: list[Difference]) -> dict[str, Any]:
    return {"differences": [d.to_dict() for d in diffs]}
