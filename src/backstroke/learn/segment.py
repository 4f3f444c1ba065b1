"""From pieces to blocks: the techniques the master used, in order, and the transitions.

Without block labels, a block is a run of work strokes of one technique (rests are
blocks of their own). A light move between strokes of the same technique belongs to
the block (a thumb strip's return, the forearm crossing the spine); a light move
between different techniques is a transition. A hold in a thumb lane inside a thumb
block is a dwell; other short holds are pauses of the block they fall in.

With block labels (free text: ``Rest``, ``long glides``, ``thumbs``, or numbers), the
labels decide where blocks start and end; the technique is read from the label when it
names one, else from what the hands did. Samples labelled ``transition`` (or blank, or
a negative block number) are transitions, and so is a light move before a block's
first stroke (a lead-in).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from backstroke.learn.demo import Demo
from backstroke.learn.pieces import Piece, cut_pieces

TECHNIQUES = ("rest", "glide", "forearm", "thumb_strip")
_LABEL_WORDS: tuple[tuple[str, str], ...] = (
    ("transition", "transition"),
    ("lead-in", "transition"),
    ("lead in", "transition"),
    ("approach", "transition"),
    ("lift", "transition"),
    ("rest", "rest"),
    ("listen", "rest"),
    ("breath", "rest"),
    ("forearm", "forearm"),
    ("elbow", "forearm"),
    ("thumb", "thumb_strip"),
    ("strip", "thumb_strip"),
    ("glide", "glide"),
    ("effleurage", "glide"),
    ("palm", "glide"),
    ("long stroke", "glide"),
)


def technique_of_label(label: str) -> str | None:
    """The technique a free-text block label names, ``transition``, or ``None``."""
    key = label.strip().lower().replace("_", " ")
    if not key:
        return "transition"
    for word, tech in _LABEL_WORDS:
        if word in key:
            return tech
    return None


@dataclass
class Block:
    """One block of the demonstration.

    Attributes:
        technique: ``rest``, ``glide``, ``forearm`` or ``thumb_strip``.
        pieces: its pieces in order (work strokes, dwells, pauses, returns, lifts).
        label: the log's block label, when it had one.
    """

    technique: str
    pieces: list[Piece] = field(default_factory=list)
    label: str | None = None

    @property
    def a(self) -> int:
        return self.pieces[0].a

    @property
    def b(self) -> int:
        return self.pieces[-1].b

    def strokes(self) -> list[Piece]:
        return [p for p in self.pieces if p.kind == "work"]


@dataclass
class Segmentation:
    """A demonstration cut into blocks and transitions."""

    demo: Demo
    pieces: list[Piece]
    blocks: list[Block]
    transitions: list[Piece]

    @property
    def sequence(self) -> list[str]:
        return [b.technique for b in self.blocks]


def _piece_label(d: Demo, p: Piece) -> str:
    names = d.block_names or []
    seg = names[p.a : p.b]
    if not seg:
        return ""
    return Counter(seg).most_common(1)[0][0]


def _piece_kind_technique(p: Piece) -> str | None:
    if p.kind == "work":
        return p.technique
    if p.kind == "still" and p.technique == "rest":
        return "rest"
    return None


def segment(d: Demo, *, use_labels: bool = True) -> Segmentation:
    """Blocks and transitions of a demonstration (see the module docstring)."""
    pieces = cut_pieces(d)
    body = [p for p in pieces if not (p.kind == "off" and (p is pieces[0] or p is pieces[-1]))]
    if use_labels and d.block_names is not None and any(d.block_names):
        blocks, trans = _by_labels(d, body)
    else:
        blocks, trans = _by_motion(d, body)
    blocks = _drop_slivers(d, blocks, trans)
    for b in blocks:
        _dwells_inside_strips(d, b)
    return Segmentation(d, pieces, blocks, trans)


DWELL_LANE_M = 0.01


def _dwells_inside_strips(d: Demo, block: Block) -> None:
    """A dwell is a hold *inside* a strip: between two strokes of the block on the same
    lane, with nothing but holds or a lift between them. A hold in a thumb lane before a
    strip's first stroke (the thumb loading up) or after its last (before the return) is
    a pause: taken for a dwell, it would join the strips either side into one."""
    ps = block.pieces
    for i, p in enumerate(ps):
        if p.kind != "still" or p.technique != "dwell":
            continue
        before = next((q for q in reversed(ps[:i]) if q.kind not in ("still", "off")), None)
        after = next((q for q in ps[i + 1 :] if q.kind not in ("still", "off")), None)
        inside = (
            before is not None
            and after is not None
            and before.kind == "work"
            and after.kind == "work"
            and abs(float(d.v_m[before.b - 1]) - float(d.v_m[after.a])) < DWELL_LANE_M
        )
        if not inside:
            p.technique = "pause"


FINAL_REST_MIN_S = 5.0
LEAD_IN_HOLD_MAX_S = 8.0


def _holds_between_strokes(d: Demo, pieces: list[Piece]) -> None:
    """A still palm hold straight between two strokes of one technique (nothing but
    holds or a lift between) is a pause there;
    so is a short one (< 8 s) that leads straight into a stroke after the massage has
    begun, and one under 5 s at the very end (the release before lift-off)."""
    for i, p in enumerate(pieces):
        if p.kind != "still" or p.technique != "rest":
            continue
        after = next((q for q in pieces[i + 1 :] if q.kind != "off"), None)
        if after is None or (
            after.kind != "work" and not any(q.kind == "work" for q in pieces[i + 1 :])
        ):
            # The hands' last stillness before lifting off is a release, not a rest,
            # unless it is a long one (and not the last stroke's turnaround hold).
            if p.duration_s(d) >= FINAL_REST_MIN_S and not _turn_hold(d, pieces, i):
                continue
            p.technique = "pause"
            continue
        if (
            pieces[i + 1] is after
            and after.kind == "work"
            and p.duration_s(d) < LEAD_IN_HOLD_MAX_S
            and any(q.kind == "work" for q in pieces[:i])
        ):
            p.technique = "pause"  # a short hold that leads straight into a stroke
            continue
        # a hold split by a change of force (the turn at working force, then the hands
        # resting lighter) is still one hold between the two strokes
        work_before = next(
            (q for q in reversed(pieces[:i]) if q.kind not in ("still", "off")), None
        )
        work_after = next((q for q in pieces[i + 1 :] if q.kind not in ("still", "off")), None)
        if (
            work_before is not None
            and work_before.kind == "work"
            and p.duration_s(d) < LEAD_IN_HOLD_MAX_S
        ):
            p.technique = "pause"  # a short hold straight after a block's last stroke
            continue
        if (
            work_before is not None
            and work_after is not None
            and work_before.kind == "work"
            and work_after.kind == "work"
            and work_before.technique == work_after.technique
        ):
            p.technique = "pause"


def _turn_hold(d: Demo, pieces: list[Piece], i: int) -> bool:
    """Hold ``i`` after a stroke, at the stroke's force (within 15 %), no longer than
    twice the median hold between that technique's strokes: the stroke's turnaround."""
    p = pieces[i]
    before = next((q for q in reversed(pieces[:i]) if q.kind != "off"), None)
    if before is None or before.kind != "work":
        return False
    if abs(p.level_n - before.level_n) > 0.15 * before.level_n:
        return False
    turns = [
        q.duration_s(d)
        for j, q in enumerate(pieces[1:i], start=1)
        if q.kind == "still"
        and pieces[j - 1].kind == "work"
        and pieces[j + 1].kind == "work"
        and pieces[j - 1].technique == before.technique == pieces[j + 1].technique
    ]
    return bool(turns) and p.duration_s(d) <= 2.0 * float(np.median(turns))


# A work piece travelling less than this is no stroke (``learn.elements.MIN_STRIP_M``).
STUB_M = 0.03


def _one_way_strips(d: Demo, pieces: list[Piece]) -> None:
    """An upward stroke out in the forearm's lanes with a light move (or nothing) on
    either side is a thumb strip on an outer lane: thumbs strip up only, with a light
    return down; the forearm strokes down and back up. (A band of thumb lanes may reach
    9 cm out: where a stroke ran does not tell them apart; which way it ran does.)"""
    moves = [p for p in pieces if p.kind not in ("still", "off")]

    def _stub(p: Piece) -> bool:
        return p.kind == "work" and p.tool is None and _travel_m(d, p) < STUB_M

    def upward_forearm(p: Piece) -> bool:
        return (
            p.kind == "work"
            and p.technique == "forearm"
            and p.tool is None
            and float(d.u[p.b - 1]) > float(d.u[p.a])
        )

    i = 0
    while i < len(moves):
        if not upward_forearm(moves[i]):
            i += 1
            continue
        j = i  # a strip held on a knot is two upward pieces on one lane
        while (
            j + 1 < len(moves)
            and upward_forearm(moves[j + 1])
            and abs(float(d.v_m[moves[j + 1].a]) - float(d.v_m[moves[j].b - 1])) < 0.005
        ):
            j += 1
        # a stub of work under 3 cm after the strip (the return starting before the
        # force has dropped: a hand's force lags) belongs to the strip
        k = j
        while k + 1 < len(moves) and _stub(moves[k + 1]):
            k += 1
        before = moves[i - 1] if i > 0 else None
        after = moves[k + 1] if k + 1 < len(moves) else None
        if all(q is None or q.kind == "light" for q in (before, after)):
            for q in moves[i : k + 1]:
                q.technique = "thumb_strip"
        i = k + 1


def _by_motion(d: Demo, pieces: list[Piece]) -> tuple[list[Block], list[Piece]]:
    _holds_between_strokes(d, pieces)
    _one_way_strips(d, pieces)
    blocks: list[Block] = []
    trans: list[Piece] = []
    pending: list[Piece] = []  # light/still/off pieces since the last work or rest
    for p in pieces:
        tech = _piece_kind_technique(p)
        if tech is None:
            pending.append(p)
            continue
        cur = blocks[-1] if blocks else None
        if cur is not None and cur.technique == tech:
            cur.pieces.extend(pending)
        else:
            # Holds right after a block (dwell at its end, pause) stay with it; light
            # moves in between are the transition.
            while pending and pending[0].kind in ("still", "off") and cur is not None:
                cur.pieces.append(pending.pop(0))
            trans.extend(q for q in pending if q.kind == "light")
            blocks.append(Block(tech))
        pending = []
        blocks[-1].pieces.append(p)
    if blocks:
        blocks[-1].pieces.extend(q for q in pending if q.kind != "light")
        trans.extend(q for q in pending if q.kind == "light")
    return blocks, trans


def _numbered(label: str) -> bool:
    return label.strip().lstrip("-").replace(".", "", 1).isdigit()


def _logged_narrow_technique(d: Demo, pieces: list[Piece]) -> str | None:
    """``forearm`` or ``thumb_strip`` when the log's tool column says most of these
    strokes' samples were pressed with that face, else ``None``."""
    faces: Counter[str | None] = Counter()
    for p in pieces:
        if p.kind == "work":
            faces[p.tool] += p.b - p.a
    if not faces:
        return None
    top = faces.most_common(1)[0][0]
    return {"forearm": "forearm", "thumb": "thumb_strip"}.get(top or "")


def _by_labels(d: Demo, pieces: list[Piece]) -> tuple[list[Block], list[Piece]]:
    blocks: list[Block] = []
    trans: list[Piece] = []
    for p in pieces:
        label = _piece_label(d, p)
        named = technique_of_label(label)
        if named == "transition":
            if p.kind == "light":
                trans.append(p)
            continue
        if not blocks or blocks[-1].label != label:
            blocks.append(Block("", label=label))
        blocks[-1].pieces.append(p)
    out: list[Block] = []
    for b in blocks:
        named = technique_of_label(b.label or "")
        work: Counter[str] = Counter()
        for p in b.pieces:
            tech = _piece_kind_technique(p)
            if tech is not None:
                work[tech] += p.b - p.a
        tech = named if named in TECHNIQUES else (work.most_common(1)[0][0] if work else None)
        logged = _logged_narrow_technique(d, b.pieces)
        if named in ("rest", "glide") and logged is not None:
            # the tool column names the forearm or thumbs: a "forearm glide" is forearm work
            tech = logged
        strokes = sum(1 for p in b.pieces if p.kind == "work")
        numbered = _numbered(b.label or "")
        narrow = any(p.kind == "work" and p.tool != "palms" for p in b.pieces)
        if named is None and not numbered and tech not in (None, "rest") and strokes <= 1:
            # an unknown word over one palm move: a transition in other words (a thumb
            # or a forearm pressing is a stroke whatever it is called)
            tech = tech if narrow else None
        if tech is None:
            trans.extend(p for p in b.pieces if p.kind == "light")
            continue
        if tech == "rest":
            still = [p for p in b.pieces if p.kind == "still"]
            for p in still:
                p.technique = "rest"
        else:
            for p in b.pieces:
                if p.kind == "work" and tech in ("forearm", "thumb_strip") and p.tool == "palms":
                    p.kind, p.technique = "light", None  # the palms' return or crossing
                elif p.kind == "work":
                    p.technique = tech
        # Lead-in and lead-out: light moves before the first / after the last stroke.
        while b.pieces and b.pieces[0].kind == "light":
            trans.append(b.pieces.pop(0))
        while b.pieces and b.pieces[-1].kind == "light" and tech == "glide":
            trans.append(b.pieces.pop())
        if tech != "rest" and not any(p.kind == "work" for p in b.pieces):
            trans.extend(p for p in b.pieces if p.kind == "light")
            continue
        if b.pieces:
            b.technique = tech
            if out and out[-1].label == b.label:
                out[-1].pieces.extend(b.pieces)
            else:
                out.append(b)
    trans.sort(key=lambda p: p.a)
    return out, trans


SLIVER_U = 0.08
SLIVER_M = 0.10


def _travel_m(d: Demo, p: Piece) -> float:
    dt = np.diff(d.t_s[p.a : p.b])
    return float(np.sum(d.speed_m_s[p.a : p.b - 1] * dt))


def _drop_slivers(d: Demo, blocks: list[Block], trans: list[Piece]) -> list[Block]:
    """A block of one short stroke (< 3 s, a mis-read ramp), or whose strokes cover
    less than 0.08 of the back's length or 10 cm of skin (a small repositioning), joins
    its predecessor, or the transitions when it comes first."""
    out: list[Block] = []
    for b in blocks:
        strokes = b.strokes()
        work_s = sum(p.duration_s(d) for p in strokes)
        # A label naming no technique (``move``, ``step 3``) is no evidence of a block.
        unnamed = b.label is None or (
            technique_of_label(b.label) is None and not _numbered(b.label)
        )
        sliver = b.technique != "rest" and len(strokes) <= 1 and work_s < 3.0 and unnamed
        if strokes and unnamed and b.technique != "rest":
            uu = np.concatenate([d.u[p.a : p.b] for p in strokes])
            travel = sum(_travel_m(d, p) for p in strokes)
            sliver = sliver or float(np.ptp(uu)) < SLIVER_U or travel < SLIVER_M
        if b.technique == "rest":
            sliver = sum(p.duration_s(d) for p in b.pieces) < 2.0
        if sliver and out:
            for p in b.pieces:
                if p.kind == "work":
                    p.technique = out[-1].technique
            out[-1].pieces.extend(b.pieces)
            continue
        if sliver:
            trans.extend(b.pieces)
            continue
        if out and out[-1].technique == b.technique and b.label is None:
            out[-1].pieces.extend(b.pieces)
            continue
        out.append(b)
    return out
