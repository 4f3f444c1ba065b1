"""Write the figures block of docs/scan.md from a ``bench.scan`` result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[1] / "docs" / "scan.md"
BEGIN, END = "<!-- scan-figures:begin -->", "<!-- scan-figures:end -->"

_COLUMNS = (
    ("backmodel", "parametric (`scan_sim`)"),
    ("phantom", "superquadric phantom"),
    ("slice", "elliptical slices (blind first)"),
    ("loft", "lofted tube, time of flight (blind first)"),
    ("shell", "superellipse shell, active stereo (blind first)"),
    ("tof", "signed-distance skeleton, time of flight (blind first)"),
)
_ROWS = (
    ("midline lateral RMS", "midline_lateral_rms_m", 1000.0, "mm", "midline"),
    ("back length error", "back_length_rel", 100.0, "%", "length"),
    ("C7", "C7_m", 1000.0, "mm", "C7"),
    ("PSIS (worse side)", "psis_m", 1000.0, "mm", "psis"),
    ("scapular inferior angles (worse side)", "scapula_inferior_angle_m", 1000.0, "mm", "scapula"),
    ("iliac-crest tops (worse side)", "iliac_crest_top_m", 1000.0, "mm", "iliac"),
)


def _fmt(v: float) -> str:
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def _worse_side(summary: dict[str, Any], key: str) -> dict[str, float] | None:
    if key in summary:
        return dict(summary[key])
    left, right = (
        summary.get(key.replace("_m", "_left_m")),
        summary.get(key.replace("_m", "_right_m")),
    )
    if left is None or right is None:
        return None
    return {k: max(left[k], right[k]) for k in ("median", "p90", "max")}


def figures_block(result: dict[str, Any]) -> str:
    """The markdown table (median / 90th pct / worst; count within the limit)."""
    kinds = [
        (k, title) for k, title in _COLUMNS if result.get(k, {}).get("summary", {}).get("fitted")
    ]
    head = "| | " + " | ".join(f"{t}, {result[k]['summary']['cases']}" for k, t in kinds) + " |"
    lines = [head, "|---" * (len(kinds) + 1) + "|"]
    cells = []
    for k, _ in kinds:
        sm = result[k]["summary"]
        cells.append(f"{sm['fitted']} / {sm['head_right']}")
    lines.append("| fitted / head end right | " + " | ".join(cells) + " |")
    for label, key, scale, unit, ok_key in _ROWS:
        cells = []
        for k, _ in kinds:
            sm = result[k]["summary"]
            st = _worse_side(sm, key)
            if st is None:
                cells.append("–")
                continue
            vals = " / ".join(_fmt(st[q] * scale) for q in ("median", "p90", "max"))
            cells.append(f"{vals} {unit} ({sm['within_limits'][ok_key]} within)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for k, _ in kinds:
        sm = result[k]["summary"]
        all_ok = sm.get("all_within", "–")
        cells.append(str(all_ok))
    lines.append("| scans within every limit | " + " | ".join(cells) + " |")
    cells = [f"{result[k]['summary']['fit_s']['median']:.1f} s median" for k, _ in kinds]
    lines.append("| fit time | " + " | ".join(cells) + " |")
    t = result.get("timing_300k")
    if t:
        lines.append("")
        lines.append(
            f"A {t['points']:,}-point scan fits in {t['fit_s_best']:.1f}–{t['fit_s_median']:.1f} s "
            f"({t['read_binary_ply_and_fit_s']:.1f} s including reading it from a binary PLY) "
            f"on {t['cores']}."
        )
    return "\n".join(lines)


def write_doc(result: dict[str, Any], preface: str, doc: Path = DOC) -> None:
    """Replace the text between the figures markers with ``preface`` and the table."""
    text = doc.read_text()
    block = f"{BEGIN}\n{preface.strip()}\n\n{figures_block(result)}\n{END}"
    new, n = re.subn(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    if n != 1:
        raise ValueError(f"{doc}: expected one {BEGIN} … {END} block, found {n}")
    doc.write_text(new)
