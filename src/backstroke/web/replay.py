"""Replay a recorded session in the live view, with a time slider.

The log is read through ONE boundary, :func:`read_replay_columns`: columns of equal
length (``t_s, x_m, y_m, z_m, fx_n, fy_n, fz_n, normal_force_n, target_force_n, u, v,
block, pass_index, tool``), the events and the summary. When the log format changes,
only that function changes.

Without ``live`` the page opens at the end of the session (the whole path drawn) and the
slider scrubs through it; with ``live`` it plays from the start at ``speed`` × the wall
clock (the slider follows; moving it jumps).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.errors import BackstrokeError
from backstroke.session.summary import Summary, validate_summary
from backstroke.web.view import SessionScene, check_port, import_viser, pressure_of, status_markdown

REPLAY_COLUMNS = (
    "t_s",
    "x_m",
    "y_m",
    "z_m",
    "fx_n",
    "fy_n",
    "fz_n",
    "normal_force_n",
    "target_force_n",
    "u",
    "v",
    "block",
    "pass_index",
    "tool",
)
REPLAY_RATE_HZ = 100.0
PATH_RATE_HZ = 20.0
CHART_WINDOW_S = 20.0
SIGNAL_KINDS = ("client_stop", "lighter", "firmer", "too_much", "skip")


@dataclass
class Replay:
    """A recorded session, resampled for the view.

    Attributes:
        columns: ``REPLAY_COLUMNS`` → (N,) arrays at ``REPLAY_RATE_HZ`` (``tool``: names).
        events: ``[{"t_s", "kind", ...}]`` as logged.
        summary: the session's typed summary, or ``None`` (a log cut short, or a
            summary the model refuses: the view then shows what the samples say).
        path: the log file.
    """

    columns: dict[str, NDArray[Any]]
    events: list[dict[str, Any]]
    summary: Summary | None
    path: Path

    @property
    def t0_s(self) -> float:
        return float(self.columns["t_s"][0])

    @property
    def t1_s(self) -> float:
        return float(self.columns["t_s"][-1])

    def index_at(self, t_s: float) -> int:
        """The last sample at or before ``t_s``."""
        t = self.columns["t_s"]
        return int(np.clip(np.searchsorted(t, t_s, side="right") - 1, 0, t.size - 1))

    def technique(self, block: int) -> str:
        blocks = self.summary.blocks if self.summary is not None else []
        if 0 <= block < len(blocks):
            return blocks[block].technique
        return f"block {block + 1}" if block >= 0 else "approach / lift-off"


def read_replay_columns(
    path: str | Path,
) -> tuple[dict[str, NDArray[Any]], list[Any], Summary | None]:
    """The log boundary: (columns at the control rate, events, typed summary or None).

    Raises:
        BackstrokeError: the file is missing, not a session log, or lacks a column.
    """
    from backstroke.session.log import read_session_log

    log = read_session_log(path)
    state = log.state
    missing = [c for c in REPLAY_COLUMNS if c not in state]
    if missing or state["t_s"].size < 2:
        raise BackstrokeError(
            f"{path}: not a session log with /state samples (missing {', '.join(missing) or 't_s'})"
        )
    return {c: state[c] for c in REPLAY_COLUMNS}, list(log.events), _typed(log.summary, path)


def _typed(doc: Any, path: str | Path) -> Summary | None:
    """The ``/summary`` document as the typed model; None when absent or refused."""
    if doc is None:
        return None
    try:
        return validate_summary(doc, f"{path}: /summary")
    except BackstrokeError:
        return None


def load_replay(path: str | Path) -> Replay:
    """Read a session log and resample it to ``REPLAY_RATE_HZ`` for the view."""
    from backstroke.session.log import TOOL_NAMES

    p = Path(path)
    cols, events, summary = read_replay_columns(p)
    t = np.asarray(cols["t_s"], dtype=np.float64)
    keep = np.concatenate([[True], np.diff(np.floor(t * REPLAY_RATE_HZ + 1e-6)) > 0])
    out: dict[str, NDArray[Any]] = {}
    for c, v in cols.items():
        v = np.asarray(v)[keep]
        if c == "tool" and v.dtype.kind == "f":
            names = np.array([*TOOL_NAMES, ""], dtype=str)
            codes = np.where(np.isfinite(v), v, len(TOOL_NAMES)).astype(int)
            v = names[np.clip(codes, 0, len(TOOL_NAMES))]
        out[c] = v
    return Replay(out, events, summary, p)


def back_for(path: Path) -> BackModel:
    """The BackModel of the session beside the log (its client.toml), else the default."""
    from backstroke.body.client_file import load_client

    client_file = path.parent / "client.toml"
    return BackModel(load_client(client_file if client_file.is_file() else None))


class ReplayServer:
    """Serve a replay (see the module docstring); ``stop()`` ends it."""

    def __init__(
        self,
        replay: Replay,
        back: BackModel,
        *,
        port: int = 8080,
        host: str = "127.0.0.1",
        live: bool = False,
        speed: float = 1.0,
    ) -> None:
        viser = import_viser()
        check_port(host, port)
        self.replay, self.live, self.speed = replay, live, speed
        self.url = f"http://{host}:{port}"
        self.server = viser.ViserServer(host=host, port=port, verbose=False)
        self.scene = SessionScene(self.server, back, f"backstroke replay · {replay.path.name}")
        r = replay
        gui = self.server.gui
        self.slider = gui.add_slider("time (s)", r.t0_s, r.t1_s, 0.01, r.t0_s if live else r.t1_s)
        self.playing = gui.add_checkbox("play", live)
        self.slider.on_update(lambda _e: self._moved())
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._shown_t: float | None = None
        self.show(float(self.slider.value))
        self._thread = threading.Thread(target=self._play, name="replay", daemon=True)
        self._thread.start()

    def _moved(self) -> None:
        t = float(self.slider.value)
        if self._shown_t is None or abs(t - self._shown_t) > 1e-6:
            self.show(t)

    def _play(self) -> None:
        last = time.perf_counter()
        while not self._stop.wait(0.1):
            now = time.perf_counter()
            if self.playing.value:
                t = min(float(self.slider.value) + (now - last) * self.speed, self.replay.t1_s)
                self._shown_t = t
                self.slider.value = round(t, 2)
                self.show(t)
                if t >= self.replay.t1_s:
                    self.playing.value = False
            last = now

    def show(self, t_s: float) -> None:
        """Draw the session as it was at session time ``t_s``."""
        with self._lock:
            self._shown_t = t_s
            r, scene = self.replay, self.scene
            c = r.columns
            i = r.index_at(t_s)
            step = max(1, int(REPLAY_RATE_HZ / PATH_RATE_HZ))
            sel = np.arange(0, i + 1, step)
            scene.clear_path()
            if sel.size >= 2:
                xyz = np.stack([c["x_m"][sel], c["y_m"][sel], c["z_m"][sel]], axis=1)
                scene.add_path(xyz, pressure_of(c["normal_force_n"][sel], list(c["tool"][sel])))
            scene.show_tool(
                (c["x_m"][i], c["y_m"][i], c["z_m"][i]), (c["fx_n"][i], c["fy_n"][i], c["fz_n"][i])
            )
            lo = r.index_at(t_s - CHART_WINDOW_S)
            w = slice(lo, i + 1)
            if i + 1 - lo >= 2:
                scene.show_chart(c["t_s"][w], c["normal_force_n"][w], c["target_force_n"][w])
            s = r.summary
            knots = [{"u": k.u, "v": k.v} for k in s.knots] if s is not None else []
            scene.show_knots(knots if t_s >= r.t1_s - 1e-6 else [], [])
            block = int(c["block"][i]) if np.isfinite(c["block"][i]) else -1
            said = [e for e in r.events if e.get("kind") in SIGNAL_KINDS and e["t_s"] <= t_s]
            scene.ack.content = (
                "heard: " + ", ".join(f"{e['kind']} at {e['t_s']:.1f} s" for e in said)
                if said
                else "&nbsp;"
            )
            scene.status.content = status_markdown(
                t_s=float(c["t_s"][i]),
                technique=r.technique(block),
                block=block,
                blocks=len(s.blocks) if s is not None else 0,
                pass_index=int(np.nan_to_num(c["pass_index"][i])),
                beat=None,
                force_n=float(c["normal_force_n"][i]),
                target_n=float(c["target_force_n"][i]),
                scale=1.0,
                planned_s=r.t1_s,
                breathing_bpm=s.breathing_rate_bpm if s is not None else None,
                mode="replay",
            )

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.server.stop()
