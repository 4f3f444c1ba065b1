"""A client's history: their sessions and how each knot's stiffness changed across them.

Knots are matched across sessions on the surface chart: a knot belongs to an earlier
knot's track when it lies within ``match_radius_m`` (15 mm by default) of that track's
mean position, measured in chart metres (``s = u · back_length``, ``v``). Sessions are
taken oldest first; within one session each track takes at most one knot, closest pairs
first. A knot that matches no track starts a new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from backstroke.store.db import ClientRecord, SessionRecord, Store

MATCH_RADIUS_M = 0.015
TREND_CHANGE = 0.05  # a relative change of the ratio beyond this is "softer"/"stiffer"


@dataclass(frozen=True)
class KnotPoint:
    """One knot of a track in one session."""

    session_id: int
    session_number: int  # 1 = the client's first session
    recorded_at: str
    u: float
    v_m: float
    stiffness_ratio: float


@dataclass
class KnotTrend:
    """One knot followed across sessions.

    Attributes:
        id: 1, 2, ... in order of first appearance.
        u, v_m: mean chart position of its points.
        points: the sessions it was found in, oldest first.
        sessions_total: how many sessions the client has (to tell "not found" apart).
    """

    id: int
    u: float
    v_m: float
    points: list[KnotPoint] = field(default_factory=list)
    sessions_total: int = 0
    _s_m: float = 0.0

    @property
    def label(self) -> str:
        side = "left" if self.v_m > 0 else "right"
        return f"K{self.id} (u {self.u:.2f}, {100 * abs(self.v_m):.1f} cm {side})"

    @property
    def ratios(self) -> list[float]:
        return [p.stiffness_ratio for p in self.points]

    @property
    def change(self) -> float | None:
        """Relative change of the stiffness ratio, last vs first session (None if seen once)."""
        r = self.ratios
        return None if len(r) < 2 else r[-1] / r[0] - 1.0

    @property
    def slope_per_session(self) -> float | None:
        """Least-squares slope of the ratio against the session number."""
        if len(self.points) < 2:
            return None
        xs = [float(p.session_number) for p in self.points]
        ys = self.ratios
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx == 0.0:
            return None
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx

    @property
    def trend(self) -> str:
        """``softer``, ``stiffer``, ``steady`` (|change| < 5 %) or ``new`` (seen once)."""
        c = self.change
        if c is None:
            return "new"
        if c <= -TREND_CHANGE:
            return "softer"
        if c >= TREND_CHANGE:
            return "stiffer"
        return "steady"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "u": round(self.u, 4),
            "v_m": round(self.v_m, 4),
            "trend": self.trend,
            "change": None if self.change is None else round(self.change, 4),
            "slope_per_session": (
                None if self.slope_per_session is None else round(self.slope_per_session, 4)
            ),
            "seen_in": len(self.points),
            "sessions_total": self.sessions_total,
            "points": [
                {
                    "session_id": p.session_id,
                    "session_number": p.session_number,
                    "recorded_at": p.recorded_at,
                    "u": round(p.u, 4),
                    "v_m": round(p.v_m, 4),
                    "stiffness_ratio": round(p.stiffness_ratio, 4),
                }
                for p in self.points
            ],
        }


def match_knots(
    sessions: list[SessionRecord], match_radius_m: float = MATCH_RADIUS_M
) -> list[KnotTrend]:
    """Follow knots across ``sessions`` (oldest first); see the module docstring."""
    tracks: list[KnotTrend] = []
    for number, sess in enumerate(sessions, start=1):
        length = sess.back_length_m
        found = [(k, k.u * length, k.v_m) for k in sess.knots]
        pairs: list[tuple[float, int, int]] = []
        for ti, tr in enumerate(tracks):
            for ki, (_, s, v) in enumerate(found):
                d = math.hypot(s - tr._s_m, v - tr.v_m)
                if d <= match_radius_m:
                    pairs.append((d, ti, ki))
        pairs.sort()
        used_t: set[int] = set()
        used_k: set[int] = set()
        for _, ti, ki in pairs:
            if ti in used_t or ki in used_k:
                continue
            used_t.add(ti)
            used_k.add(ki)
            _add(tracks[ti], found[ki], sess, number)
        for ki, item in enumerate(found):
            if ki not in used_k:
                tr = KnotTrend(id=len(tracks) + 1, u=item[0].u, v_m=item[0].v_m)
                tracks.append(tr)
                _add(tr, item, sess, number)
    for tr in tracks:
        tr.sessions_total = len(sessions)
    return tracks


def _add(tr: KnotTrend, item: tuple[Any, float, float], sess: SessionRecord, number: int) -> None:
    k, s, v = item
    tr.points.append(KnotPoint(sess.id, number, sess.recorded_at, k.u, k.v_m, k.stiffness_ratio))
    n = len(tr.points)
    tr._s_m += (s - tr._s_m) / n
    tr.v_m += (v - tr.v_m) / n if n > 1 else 0.0
    tr.u += (k.u - tr.u) / n if n > 1 else 0.0


@dataclass(frozen=True)
class ClientHistory:
    """What the client memory knows about one client.

    Attributes:
        client: the client record with preferences.
        sessions: their sessions, oldest first.
        knots: each knot's trend across those sessions.
    """

    client: ClientRecord
    sessions: list[SessionRecord]
    knots: list[KnotTrend]

    def to_json(self) -> dict[str, Any]:
        return {
            "client": self.client.to_json(),
            "sessions": [
                {"number": i, **_session_row(s), **s.to_json()}
                for i, s in enumerate(self.sessions, start=1)
            ],
            "knots": [k.to_json() for k in self.knots],
        }

    def known_knots(self) -> tuple[tuple[float, float], ...]:
        """Chart points ``(u, v_m)`` of every knot seen before, latest-seen first.

        For ``SessionRunner(known_knots=...)``: thumb strips dwell on them.
        """
        order = sorted(self.knots, key=lambda k: (-k.points[-1].session_number, k.id))
        return tuple((round(k.u, 4), round(k.v_m, 4)) for k in order)

    def session_rows(self) -> list[dict[str, Any]]:
        """One display row per session (number, date, routine, passes, softened...)."""
        return [{"number": i, **_session_row(s)} for i, s in enumerate(self.sessions, start=1)]

    def lines(self) -> list[str]:
        """The history as plain-text tables for a terminal."""
        c = self.client
        p = c.preferences
        out = [
            f"client '{c.name}': {len(self.sessions)} session(s); preferences: pressure scale "
            f"{p.pressure_scale:.2f}, skip {', '.join(p.skip_techniques) or 'nothing'}, "
            f"music {p.music or 'none'}"
        ]
        for b in p.regional:
            out.append(
                f"  less force at u {b['u']:.2f}, v {100 * b['v_m']:+.1f} cm: "
                f"×{b['scale']:.2f} (within {100 * b['radius_m']:.0f} cm)"
            )
        rows = self.session_rows()
        if rows:
            out.append("")
            out += text_table(
                [
                    "#",
                    "date (UTC)",
                    "routine",
                    "duration",
                    "passes",
                    "softened",
                    "knots",
                    "max N/cm²",
                    "breaks",
                    "events",
                ],
                [
                    [
                        str(r["number"]),
                        r["date"],
                        r["routine"],
                        r["duration"],
                        r["passes"],
                        r["softened"],
                        str(r["knots"]),
                        r["max_pressure"],
                        str(r["contact_breaks"]),
                        str(r["safety_events"]),
                    ]
                    for r in rows
                ],
            )
        if self.knots:
            out.append("")
            out.append("knot stiffness ratio by session (— = not found):")
            n = len(self.sessions)
            head = ["knot", *[f"#{i}" for i in range(1, n + 1)], "trend"]
            body = []
            for k in self.knots:
                by = {p.session_number: p.stiffness_ratio for p in k.points}
                cells = [f"{by[i]:.2f}" if i in by else "—" for i in range(1, n + 1)]
                ch = "" if k.change is None else f" ({100 * k.change:+.0f} %)"
                body.append([k.label, *cells, k.trend + ch])
            out += text_table(head, body)
        return out


def client_history(
    store: Store, name: str, match_radius_m: float = MATCH_RADIUS_M
) -> ClientHistory:
    """The history of client ``name`` from ``store``.

    Raises:
        StoreError: no such client.
    """
    client = store.client(name)
    sessions = store.sessions(name)
    return ClientHistory(client, sessions, match_knots(sessions, match_radius_m))


def _session_row(s: SessionRecord) -> dict[str, Any]:
    summ = s.typed_summary
    blocks = [] if summ is None else summ.blocks
    softened = [f"{b.technique}@{b.softening_pass}" for b in blocks if b.softening_pass is not None]
    dur = s.duration_s
    mp = None if summ is None else summ.max_pressure_n_cm2
    return {
        "date": s.recorded_at[:16].replace("T", " "),
        "routine": s.routine or "?",
        "duration": "?" if dur is None else f"{int(dur // 60)}:{int(dur % 60):02d}",
        "passes": "/".join(str(b.passes) for b in blocks) or "—",
        "softened": ", ".join(softened) or "—",
        "knots": len(s.knots),
        "max_pressure": "?" if mp is None else f"{float(mp):.2f}",
        "contact_breaks": "?" if summ is None else summ.contact_breaks,
        "safety_events": 0 if summ is None else len(summ.safety_events),
    }


def text_table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    return [line.rstrip() for line in lines + [fmt.format(*r) for r in rows]]
