"""Cutting a demonstration into pieces: strokes, light moves, holds and lifts.

What the hands did, sample by sample, without any label:

- **off**: the measured force is below the contact force (0.5 N): the hands left the skin.
- **still**: the surface speed stays below 0.5 cm/s for at least 1.5 s (a rest, a dwell
  on a knot, a pause).
- **light**: a move at a force well below the work around it (under 62 % of the higher
  of the nearest moves of 1.5 s or more either side — a tool handover's short dip does
  not count — and at most 10 N), or a palm move of at most 10 N going one way (no
  turnaround inside) beside thumb or forearm work: a transition between blocks, a
  thumb strip's return, a forearm crossing the spine.
- **work**: every other move; split at the stroke's turnarounds into single strokes.

Force levels change at *change points*: where the mean log-force of the 0.75 s
starting 0.25 s later differs from that of the 0.75 s ending 0.25 s earlier by a factor
above 1.45 (the gap skips the ramp of a lagging force).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.analyze import TOOL_NAMES
from backstroke.learn.demo import Demo
from backstroke.sense.contact import CONTACT_FORCE_N
from backstroke.sense.passes import DEFAULT_HYSTERESIS_U, turnarounds

STILL_SPEED_M_S = 0.005
STILL_MIN_S = 1.5
CHANGE_WINDOW_S = 0.75
CHANGE_RATIO = 1.45
# The two windows compared stand this far either side of the change (s): a hand's
# force follows a new level with a lag, and the ramp itself is neither level.
CHANGE_GAP_S = 0.25
LIGHT_FRACTION = 0.62
LIGHT_MAX_N = 10.0
# A move that turns back this many times inside is strokes, however light.
LIGHT_PASS_TURNS = 3
# Lateral offset bands (m): palms straddle the spine, thumbs on the erector spinae
# 2.5–4 cm out, the forearm further out on the paraspinals and latissimus.
THUMB_LANE_M = 0.015
FOREARM_LANE_M = 0.045
REST_MIN_S = 4.0
# A turnaround this close to a piece's end does not split off a stroke of its own.
MIN_STROKE_S = 0.6
# Moves shorter than this (a handover's dip) are not a reference for "light".
SHORT_MOVE_S = 1.5
# A move this short between two holds is noise on the speed.
BLIP_S = 0.4
SETTLE_M = 0.015


@dataclass
class Piece:
    """A stretch of samples ``[a, b)`` of one kind.

    Attributes:
        kind: ``work``, ``light``, ``still`` or ``off``.
        a, b: sample range.
        level_n: median force.
        technique: for work pieces ``glide``/``forearm``/``thumb_strip``; for still
            pieces ``rest``/``dwell``/``pause``; ``None`` for light and off pieces.
        tool: majority tool name when the log has tools, else ``None``.
    """

    kind: str
    a: int
    b: int
    level_n: float = 0.0
    technique: str | None = None
    tool: str | None = None

    def t0(self, d: Demo) -> float:
        return float(d.t_s[self.a])

    def t1(self, d: Demo) -> float:
        return float(d.t_s[self.b - 1])

    def duration_s(self, d: Demo) -> float:
        return self.t1(d) - self.t0(d)


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _change_points(d: Demo) -> list[int]:
    lf = np.log(np.maximum(d.force_smooth_n, 0.3))
    w = max(2, round(CHANGE_WINDOW_S * d.rate_hz))
    gap = round(CHANGE_GAP_S * d.rate_hz)
    n = lf.size
    if n < 2 * (w + gap) + 2:
        return []
    cs = np.concatenate([[0.0], np.cumsum(lf)])
    i = np.arange(w + gap, n - w - gap)
    diff = (cs[i + gap + w] - cs[i + gap]) / w - (cs[i - gap] - cs[i - gap - w]) / w
    mag = np.abs(diff)
    thr = np.log(CHANGE_RATIO)
    out: list[int] = []
    order = np.argsort(-mag)
    taken = np.zeros(n, dtype=bool)
    for j in order:
        if mag[j] < thr:
            break
        k = int(i[j])
        if taken[max(0, k - w - gap) : k + w + gap].any():
            continue
        taken[k] = True
        out.append(k)
    # The windows' difference is flat along the ramp: the change is where the force
    # crosses halfway between the two levels.
    refined = []
    for k in out:
        half = 0.5 * ((cs[k + gap + w] - cs[k + gap]) + (cs[k - gap] - cs[k - gap - w])) / w
        a, b = max(0, k - gap - w // 2), min(n, k + gap + w // 2 + 1)
        refined.append(a + int(np.argmin(np.abs(lf[a:b] - half))))
    return sorted(set(refined))


def _tool_of(d: Demo, a: int, b: int) -> str | None:
    if d.tool is None:
        return None
    codes = d.tool[a:b]
    # codes from len(TOOL_NAMES) on are labels that name no tool: not given
    fin = codes[np.isfinite(codes) & (codes < len(TOOL_NAMES))].astype(np.int64)
    if fin.size < 0.5 * (b - a) or fin.size == 0:
        return None
    return TOOL_NAMES[int(np.bincount(fin, minlength=len(TOOL_NAMES)).argmax())]


def stroke_technique(d: Demo, a: int, b: int, tool: str | None) -> str:
    """Technique of a moving stroke: the tool if logged, else where on the back it ran."""
    if tool == "thumb":
        return "thumb_strip"
    if tool == "forearm":
        return "forearm"
    lat = float(np.median(np.abs(d.v_m[a:b])))
    if tool == "palms" or lat < THUMB_LANE_M:
        return "glide"
    return "thumb_strip" if lat < FOREARM_LANE_M else "forearm"


def _still_technique(d: Demo, p: Piece) -> str:
    lat = float(np.median(np.abs(d.v_m[p.a : p.b])))
    if p.tool == "thumb" or THUMB_LANE_M <= lat < FOREARM_LANE_M:
        return "dwell"
    if p.tool in (None, "palms") and lat < THUMB_LANE_M and p.duration_s(d) >= REST_MIN_S:
        return "rest"
    return "pause"


def turnaround_samples(d: Demo) -> NDArray[np.int64]:
    """Turnarounds of ``u``, each moved to the slowest sample within 1 s (the true stop)."""
    idx, _ = turnarounds(d.u, DEFAULT_HYSTERESIS_U)
    w = round(1.0 * d.rate_hz)
    out = []
    for i in idx:
        a, b = max(0, int(i) - w), min(d.samples, int(i) + w + 1)
        out.append(a + int(np.argmin(d.speed_m_s[a:b])))
    return np.asarray(out, dtype=np.int64)


def cut_pieces(d: Demo) -> list[Piece]:
    """The demonstration as consecutive pieces (see the module docstring)."""
    n = d.samples
    f = d.force_n
    touching = f >= CONTACT_FORCE_N
    on = np.flatnonzero(touching)
    if on.size == 0:
        return [Piece("off", 0, n)]
    first, last = int(on[0]), int(on[-1]) + 1
    bounds = {first, last}
    # Lifts: off-skin runs longer than 20 ms between first touch and the end.
    off_runs = [
        (a + first, b + first)
        for a, b in _runs(~touching[first:last])
        if d.t_s[min(b + first, n - 1)] - d.t_s[a + first] > 0.02
    ]
    for a, b in off_runs:
        bounds.update((a, b))
    still = (d.speed_m_s < STILL_SPEED_M_S)[first:last]
    still_runs = [
        (a + first, b + first)
        for a, b in _runs(still)
        if d.t_s[b + first - 1] - d.t_s[a + first] >= STILL_MIN_S
    ]
    for a, b in still_runs:
        bounds.update((a, b))
    bounds.update(k for k in _change_points(d) if first < k < last)
    cuts = sorted(bounds)
    off_mask = np.zeros(n, dtype=bool)
    for a, b in off_runs:
        off_mask[a:b] = True
    still_mask = np.zeros(n, dtype=bool)
    for a, b in still_runs:
        still_mask[a:b] = True
    pieces: list[Piece] = []
    for a, b in itertools.pairwise(cuts):
        if b <= a:
            continue
        mid = slice(a, b)
        if off_mask[mid].mean() > 0.5:
            kind = "off"
        elif still_mask[mid].mean() > 0.5:
            kind = "still"
        else:
            kind = "move"
        p = Piece(kind, a, b, float(np.median(d.force_smooth_n[mid])), tool=_tool_of(d, a, b))
        # Merge tiny moves (< 0.4 s, a ramp between two change points) into the previous.
        if (
            pieces
            and kind == "move"
            and pieces[-1].kind == "move"
            and (d.t_s[b - 1] - d.t_s[a] < 0.4)
        ):
            pieces[-1].b = b
            continue
        pieces.append(p)
    pieces = _holds_in_place(d, _absorb_blips(d, pieces))
    _mark_light(d, pieces)
    for p in pieces:
        if p.kind == "still":
            p.technique = _still_technique(d, p)
    return _split_strokes(d, pieces)


def _travel_m(d: Demo, p: Piece) -> float:
    dt = np.diff(d.t_s[p.a : p.b])
    return float(np.sum(d.speed_m_s[p.a : p.b - 1] * dt))


def _absorb_blips(d: Demo, pieces: list[Piece]) -> list[Piece]:
    """A move under 0.4 s, or under 1.5 s travelling less than 1.5 cm (the hands
    settling), next to a hold is part of that hold; one under 0.4 s after a still or off
    piece, before a move, is that move's start."""

    def settles(p: Piece) -> bool:
        dur = float(d.t_s[p.b - 1] - d.t_s[p.a])
        return dur < BLIP_S or (dur < SHORT_MOVE_S and _travel_m(d, p) < SETTLE_M)

    out: list[Piece] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        prev_still = bool(out) and out[-1].kind == "still"
        next_still = nxt is not None and nxt.kind == "still"
        hold = out[-1] if prev_still else (nxt if next_still else None)
        if p.kind == "move" and hold is not None and settles(p):
            if prev_still:
                hold.b = nxt.b if next_still and nxt is not None else p.b
                i += 2 if next_still else 1
            else:
                hold.a = p.a
                i += 1
            hold.level_n = float(np.median(d.force_smooth_n[hold.a : hold.b]))
            continue
        blip = p.kind == "move" and d.t_s[p.b - 1] - d.t_s[p.a] < BLIP_S
        if blip and nxt is not None and nxt.kind == "move" and (not out or out[-1].kind != "move"):
            nxt.a = p.a
            i += 1
            continue
        out.append(p)
        i += 1
    return out


def _extent_m(d: Demo, p: Piece) -> float:
    """How far the hands got from where the piece started (m, on the skin)."""
    du = (d.u[p.a : p.b] - d.u[p.a]) * d.back_length_m
    dv = d.v_m[p.a : p.b] - d.v_m[p.a]
    return float(np.max(np.hypot(du, dv)))


def _holds_in_place(d: Demo, pieces: list[Piece]) -> list[Piece]:
    """A move of 1.5 s or more right after a hold that never gets 1.5 cm from where it
    started (palms swaying or creeping while they rest) is part of that hold, and so is
    the hold right after it."""
    out: list[Piece] = []
    joined = False
    for p in pieces:
        last = out[-1] if out and out[-1].kind == "still" else None
        sway = p.kind == "move" and p.duration_s(d) >= STILL_MIN_S and _extent_m(d, p) < SETTLE_M
        if last is not None and (sway or (joined and p.kind == "still")):
            last.b = p.b
            last.level_n = float(np.median(d.force_smooth_n[last.a : last.b]))
            joined = sway
            continue
        joined = False
        out.append(p)
    return out


def _mark_light(d: Demo, pieces: list[Piece]) -> None:
    """Light moves: well below the nearest substantial moves either side, or a still hold
    of 1.5 s or more right next to them (a rest: see the module docstring); a palm move at
    most 10 N beside thumb or forearm work (a return)."""
    moves = [p for p in pieces if p.kind == "move"]
    long_ = [p.duration_s(d) >= SHORT_MOVE_S for p in moves]
    at = {id(p): i for i, p in enumerate(pieces)}

    def held(p: Piece, step: int) -> list[Piece]:
        k = at[id(p)] + step
        while 0 <= k < len(pieces) and pieces[k].kind == "off":
            k += step
        q = pieces[k] if 0 <= k < len(pieces) else None
        if q is None or q.kind != "still" or q.duration_s(d) < SHORT_MOVE_S:
            return []
        return [q]

    def nearest(j: int, step: int) -> Piece | None:
        k = j + step
        while 0 <= k < len(moves):
            if long_[k]:
                return moves[k]
            k += step
        return None

    turns = turnaround_samples(d)
    gap = int(MIN_STROKE_S * d.rate_hz)

    def _n_turns_inside(p: Piece) -> int:
        return int(np.count_nonzero((turns > p.a + gap) & (turns < p.b - gap)))

    def _turns_inside(p: Piece) -> bool:
        return _n_turns_inside(p) > 0

    for j, p in enumerate(moves):
        beside = [q for q in (nearest(j, -1), nearest(j, +1)) if q is not None]
        ref = max((q.level_n for q in [*beside, *held(p, -1), *held(p, 1)]), default=p.level_n)
        light = p.level_n <= LIGHT_MAX_N and p.level_n < LIGHT_FRACTION * ref
        if p.tool == "palms" and any(q.tool in ("thumb", "forearm") for q in beside):
            # a return goes one way: palms turning back and forth are a glide
            light = light or (p.level_n <= LIGHT_MAX_N and not _turns_inside(p))
        if _n_turns_inside(p) >= LIGHT_PASS_TURNS:
            # back and forth along the back, pass after pass: light strokes (a light
            # closing glide), not a move from one block to the next
            light = False
        p.kind = "light" if light else "work"


def _split_strokes(d: Demo, pieces: list[Piece]) -> list[Piece]:
    turns = turnaround_samples(d)
    out: list[Piece] = []
    for p in pieces:
        if p.kind != "work":
            out.append(p)
            continue
        gap = int(MIN_STROKE_S * d.rate_hz)
        inner = [int(k) for k in turns if p.a + gap < k < p.b - gap]
        edges = [p.a, *inner, p.b]
        for a, b in itertools.pairwise(edges):
            tool = _tool_of(d, a, b)
            out.append(
                Piece(
                    "work",
                    a,
                    b,
                    float(np.median(d.force_smooth_n[a:b])),
                    technique=stroke_technique(d, a, b, tool),
                    tool=tool,
                )
            )
    return out
