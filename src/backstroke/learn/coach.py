"""``backstroke coach``: a page for a human learning a routine, on the beat.

The page is built from the planner's plan (``plan.compile_plan``): one cue per timed
segment ("glide down to the waist — 8 beats, firm"), shown while the music plays, and
the stroke animated on an outline of the client's back (SVG, plain inline JavaScript).
The music is embedded as a ``data:`` URI in an ``<audio>`` element; with ``--bpm`` (or
no music) a click track on the plan's beats is synthesised. Nothing is fetched: the
page works offline. The page's clock is the audio's ``currentTime`` while the music
plays, else a wall clock started by the play button.
"""

from __future__ import annotations

import base64
import html
import io
import json
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.plan.plan import TOOL_CODES, Plan
from backstroke.routine.schema import Routine

AUDIO_MIME = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
}
CLICK_RATE_HZ = 8000
KEYFRAME_HZ = 10.0


@dataclass(frozen=True)
class Cue:
    t0_s: float
    t1_s: float
    text: str
    technique: str
    beats: int


def force_word(force_n: float) -> str:
    if force_n < 6.0:
        return "light"
    if force_n < 10.0:
        return "gentle"
    if force_n < 20.0:
        return "firm"
    return "deep"


def _where_down(u_end: float) -> str:
    return "to the waist" if u_end < 0.3 else "to the mid back"


def _where_up(u_end: float) -> str:
    return "to the shoulders" if u_end > 0.8 else "to the shoulder blades"


def cue_text(label: str, technique: str, u_start: float, u_end: float) -> str:
    """What to do in a segment, in words (without beats and force)."""
    side = "left" if "left" in label else "right" if "right" in label else ""
    on_side = f" the {side} side" if side else ""
    if label == "approach":
        return "lay both palms softly on the upper back"
    if label == "rest":
        return "rest both palms on the upper back: listen and breathe"
    if label == "release":
        return "ease the pressure off, hands still on the skin"
    if label == "lift-off":
        return "lift the hands slowly"
    if label == "lead-in":
        return "glide lightly to where the next stroke starts"
    if label == "cross":
        return "roll lightly across the spine to the other side"
    if label == "return":
        return "glide lightly back down to the low back"
    if label == "dwell":
        return "hold still on the knot"
    if technique == "glide":
        return (
            f"glide down {_where_down(u_end)}"
            if label.startswith("down")
            else f"glide back up {_where_up(u_end)}"
        )
    if technique == "forearm":
        return (
            f"forearm down{on_side} {_where_down(u_end)}"
            if label.startswith("down")
            else f"forearm back up{on_side}"
        )
    if technique == "thumb_strip":
        return f"thumbs up{on_side} of the spine {_where_up(u_end)}"
    return label or technique


def plan_cues(plan: Plan, routine: Routine) -> list[Cue]:
    """One cue per timed segment of the plan, in time order."""
    out = []
    for ts in plan.timed_segments():
        seg = ts.segment
        tech = routine.blocks[ts.block].technique if ts.block >= 0 else "transition"
        what = cue_text(seg.label, tech, float(seg.u[0]), float(seg.u[-1]))
        force = force_word(seg.force_n) if seg.force_n > 0 else "no pressure"
        beats = int(ts.beats)
        text = f"{what} — {beats} beat{'s' if beats != 1 else ''}, {force}"
        out.append(Cue(ts.t0_s, ts.t1_s, text, tech, beats))
    return out


def click_track_wav(beats_s: np.ndarray, duration_s: float) -> bytes:
    """An 8 kHz, 8-bit mono WAV with a short click on every beat (accent every 4th)."""
    n = int((duration_s + 1.0) * CLICK_RATE_HZ)
    sig = np.zeros(n)
    click_n = int(0.04 * CLICK_RATE_HZ)
    tt = np.arange(click_n) / CLICK_RATE_HZ
    for i, b in enumerate(beats_s):
        k = round(float(b) * CLICK_RATE_HZ)
        if k < 0 or k + click_n > n:
            continue
        freq = 1760.0 if i % 4 == 0 else 1320.0
        sig[k : k + click_n] += 0.8 * np.sin(2 * np.pi * freq * tt) * np.exp(-tt / 0.01)
    pcm = np.clip(128 + 127 * sig, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(CLICK_RATE_HZ)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def keyframes(plan: Plan) -> dict[str, list[float]]:
    """The plan's path at ``KEYFRAME_HZ``: time, u, v (cm), tool code, contact."""
    s = plan.samples()
    t = s["t_s"]
    grid = np.arange(float(t[0]), float(t[-1]), 1.0 / KEYFRAME_HZ)
    idx = np.clip(np.searchsorted(t, grid), 0, t.size - 1)
    return {
        "t": [round(float(x), 2) for x in grid],
        "u": [round(float(x), 4) for x in s["u"][idx]],
        "v": [round(float(x) * 100, 2) for x in s["v"][idx]],
        "tool": [int(x) for x in s["tool"][idx]],
        "on": [int(x > 0) for x in s["in_contact"][idx]],
    }


def back_outline(back: BackModel) -> str:
    """SVG path of the back's outline in cm (x lateral, y down from C7)."""
    u = np.linspace(0.0, 1.0, 41)
    half = back.full_width_m(u) * 50.0
    y = (1.0 - u) * back.back_length_m * 100.0
    left = [f"{-h:.1f},{yy:.1f}" for h, yy in zip(half, y, strict=True)]
    right = [f"{h:.1f},{yy:.1f}" for h, yy in zip(half[::-1], y[::-1], strict=True)]
    return "M" + " L".join(left + right) + " Z"


_JS = r"""
(function(){
const C = JSON.parse(document.getElementById('coach-data').textContent);
const audio = document.getElementById('music');
const cue = document.getElementById('cue'), next = document.getElementById('next-cue');
const clock = document.getElementById('clock'), hand = document.getElementById('hand');
const btn = document.getElementById('play');
let running = false, start = 0, last = -1;
function now(){
  if (!audio.paused && !audio.ended && audio.currentTime > 0) return audio.currentTime;
  return running ? (performance.now() - start) / 1000 : 0;
}
function find(arr, t){ let lo = 0, hi = arr.length - 1;
  while (lo < hi){ const m = (lo + hi + 1) >> 1; if (arr[m] <= t) lo = m; else hi = m - 1; }
  return lo; }
const starts = C.cues.map(c => c.t0);
function frame(){
  const t = now();
  const i = find(starts, t);
  if (i !== last){ last = i; cue.textContent = C.cues[i].text;
    cue.dataset.index = String(i); cue.className = 'cue ' + C.cues[i].tech;
    next.textContent = i + 1 < C.cues.length ? 'next: ' + C.cues[i + 1].text : 'the end'; }
  const k = find(C.kf.t, t);
  const y = (1 - C.kf.u[k]) * C.length_cm, x = C.kf.v[k];
  hand.setAttribute('cx', x.toFixed(2)); hand.setAttribute('cy', y.toFixed(2));
  hand.setAttribute('r', [4.5, 2.5, 0.9][C.kf.tool[k]] || 2);
  hand.setAttribute('opacity', C.kf.on[k] ? '0.85' : '0.3');
  const beat = Math.floor((t - C.beat0) / C.period) + 1;
  clock.textContent = t.toFixed(1) + ' s · beat ' + Math.max(beat, 0) + ' · '
    + C.bpm.toFixed(1) + ' BPM';
  if (running) requestAnimationFrame(frame);
}
btn.addEventListener('click', function(){
  if (running){ running = false; audio.pause(); btn.textContent = 'play'; return; }
  running = true; start = performance.now() - 1000 * audio.currentTime;
  const p = audio.play(); if (p && p.catch) p.catch(function(){});
  btn.textContent = 'pause'; requestAnimationFrame(frame);
});
audio.addEventListener('play', function(){ if (!running){ running = true;
  start = performance.now() - 1000 * audio.currentTime; requestAnimationFrame(frame);} });
frame();
})();
"""

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:900px;color:#222}"
    ".stage{display:flex;gap:2em;align-items:flex-start}.cue{font-size:1.6em;min-height:3em}"
    "#next-cue{color:#777}#clock{font-variant-numeric:tabular-nums;color:#555}"
    "svg{background:#fafafa;border:1px solid #ddd}button{font-size:1.2em;padding:.3em 1.2em}"
    ".glide{color:#1f77b4}.forearm{color:#d62728}.thumb_strip{color:#2ca02c}.rest{color:#666}"
)


def coach_page(
    routine: Routine,
    plan: Plan,
    back: BackModel,
    audio: bytes,
    mime: str,
    *,
    title: str,
) -> str:
    """The whole page as a string."""
    cues = plan_cues(plan, routine)
    length_cm = back.back_length_m * 100.0
    beats = plan.beats_s
    data = {
        "cues": [
            {"t0": round(c.t0_s, 3), "t1": round(c.t1_s, 3), "text": c.text, "tech": c.technique}
            for c in cues
        ],
        "kf": keyframes(plan),
        "length_cm": round(length_cm, 2),
        "bpm": float(plan.bpm),
        "period": 60.0 / float(plan.bpm),
        "beat0": float(beats[0]) if len(beats) else 0.0,
    }
    e = html.escape
    src = "data:" + mime + ";base64," + base64.b64encode(audio).decode("ascii")
    w = max(back.full_width_m(np.linspace(0, 1, 21))) * 50 + 3
    svg = (
        f'<svg id="back" viewBox="{-w:.1f} -3 {2 * w:.1f} {length_cm + 6:.1f}" width="320">'
        f'<path d="{back_outline(back)}" fill="#f3e3d3" stroke="#b08060" stroke-width="0.4"/>'
        f'<line x1="0" y1="0" x2="0" y2="{length_cm:.1f}" stroke="#c9a"'
        ' stroke-dasharray="1,1" stroke-width="0.3"/>'
        '<circle id="hand" cx="0" cy="0" r="3" fill="#1f77b4" opacity="0.85"/></svg>'
    )
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{e(title)}</title><style>{_CSS}</style></head>",
            f'<body data-cues="{len(cues)}">',
            f"<h1>{e(title)}</h1>",
            f"<p>{e(routine.description or routine.name)} — {plan.duration_s / 60:.1f} min at "
            f"{plan.bpm:.1f} BPM, {len(cues)} cues.</p>",
            f'<audio id="music" controls preload="auto" src="{src}"></audio>',
            '<p><button id="play" type="button">play</button> <span id="clock"></span></p>',
            '<div class="stage">',
            svg,
            '<div><div id="cue" class="cue"></div><div id="next-cue"></div></div>',
            "</div>",
            f'<script type="application/json" id="coach-data">{payload}</script>',
            f"<script>{_JS}</script>",
            "</body></html>",
        ]
    )


def audio_for(music: Path | None, plan: Plan) -> tuple[bytes, str]:
    """The music file's bytes and MIME type, or a click track on the plan's beats."""
    if music is None:
        return click_track_wav(plan.beats_s, plan.duration_s), "audio/wav"
    mime = AUDIO_MIME.get(music.suffix.lower(), "audio/wav")
    return music.read_bytes(), mime


def tool_name(code: int) -> str:
    return str(TOOL_CODES[code])
