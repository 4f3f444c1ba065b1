"""Writes session.mcap as the session runs, with the stock ``mcap`` writer (zstd chunks).

Channels (``docs/logs.md``): ``/state`` (``backstroke.StateBatch``: every 1 kHz sample,
columnar, 1 000 samples a message), ``/plan`` (``backstroke.PlanChunk``: the executed plan
at 100 Hz), ``/contact`` (``backstroke.ContactSample``: force and depth at 50 Hz, for
plots), ``/tf`` (``foxglove.FrameTransform`` body → tool, 50 Hz), ``/scene``
(``foxglove.SceneUpdate``: the back, keep-outs and knots once, the force arrow at 20 Hz),
``/events``, ``/session`` and ``/summary`` (JSON). Log times are session time (ns from
the session's t = 0).

Durability: a chunk never spans more than ``chunk_period_s`` of session time, and each
``on_chunk`` call ends its chunk, so what the runner handed over is in the file (with the
OS) at once; ``os.fsync`` follows at most once per ``fsync_period_s`` of wall time and at
``close``. A killed process leaves a file that ``read_session_log`` reads up to its last
whole chunk.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
from foxglove_schemas_protobuf.FrameTransform_pb2 import FrameTransform
from foxglove_schemas_protobuf.SceneUpdate_pb2 import SceneUpdate
from mcap.writer import CompressionType, Writer
from numpy.typing import ArrayLike, NDArray

from backstroke.session.log import scene
from backstroke.session.log.columns import PLAN_SPEC, STATE_SPEC, Column, columns_of
from backstroke.session.log.jsonable import jsonable
from backstroke.session.log.mcap_bulk import add_messages
from backstroke.session.log.schemas import (
    CONTACT_FIELDS,
    DOC_SCHEMAS,
    EVENT_SCHEMA,
    descriptor_set,
    json_schema,
    message_class,
)
from backstroke.session.log.wire import encode_batches

STATE_BATCH = 1000  # one /state message a second of session: fewer, larger messages
CHUNK_PERIOD_S = 1.0
FSYNC_PERIOD_S = 1.0
PLAN_RATE_HZ = 100.0
CONTACT_RATE_HZ = 25.0
TF_RATE_HZ = 30.0
ARROW_RATE_HZ = 20.0
# The plan's columns that /state carries next to the measured ones.
STATE_FROM_PLAN = ("u", "v", "tool", "block", "pass_index", "in_contact")
_BINARY_TOPICS = ("/state", "/plan", "/contact", "/tf", "/scene", "/events")


def _ns(t_s: float) -> int:
    return max(0, round(t_s * 1e9)) if math.isfinite(t_s) else 0


class _Decimator:
    """Picks the first sample in each ``1 / rate_hz`` cell of session time, across calls."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self._last: int | None = None

    def __call__(self, t_s: NDArray[np.float64]) -> NDArray[np.int64]:
        if t_s.size == 0:
            return np.zeros(0, dtype=np.int64)
        cell = np.floor(np.nan_to_num(t_s) * self.rate_hz + 1e-6).astype(np.int64)
        first = np.concatenate([[True], cell[1:] != cell[:-1]])
        if self._last is not None:
            first[0] = cell[0] != self._last
        self._last = int(cell[-1])
        return np.flatnonzero(first)


class SessionLogWriter:
    """Writes one session's MCAP log; use as a context manager.

    Args:
        path: the ``.mcap`` file to create (overwritten).
        back: the BackModel to draw on ``/scene`` (also ``write_back``).
        state_batch: samples per ``/state`` message.
        chunk_period_s: longest session time one MCAP chunk covers.
        fsync_period_s: shortest wall time between two ``os.fsync``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        back: Any = None,
        state_batch: int = STATE_BATCH,
        chunk_period_s: float = CHUNK_PERIOD_S,
        fsync_period_s: float = FSYNC_PERIOD_S,
    ) -> None:
        if state_batch < 1 or not chunk_period_s > 0 or not fsync_period_s >= 0:
            raise ValueError("state_batch and chunk_period_s must be positive")
        from backstroke import __version__

        self.path = Path(path)
        self.state_batch = state_batch
        self.chunk_period_s = chunk_period_s
        self.fsync_period_s = fsync_period_s
        self._file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._mcap = Writer(self._file, chunk_size=1 << 30, compression=CompressionType.ZSTD)
        self._mcap.start(profile="", library=f"backstroke {__version__}")
        self._channels: dict[str, int] = {}
        self._seq: dict[str, int] = {}
        self._window: int | None = None  # chunk window of the open chunk
        self._pending = False
        self._last_fsync = time.monotonic()
        self._t_last = 0.0
        self._events_seen = 0
        self._plan_grid = _Decimator(PLAN_RATE_HZ)
        self._contact_grid = _Decimator(CONTACT_RATE_HZ)
        self._tf_grid = _Decimator(TF_RATE_HZ)
        self._arrow_grid = _Decimator(ARROW_RATE_HZ)
        self._closed = False
        self._contact_cls = message_class("ContactSample")
        for topic, cls in (
            ("/state", message_class("StateBatch")),
            ("/plan", message_class("PlanChunk")),
            ("/contact", self._contact_cls),
            ("/tf", FrameTransform),
            ("/scene", SceneUpdate),
        ):
            d = cls.DESCRIPTOR
            self._channel(topic, d.full_name, "protobuf", descriptor_set(d), "protobuf")
        self._channel("/events", "backstroke.Event", "jsonschema", EVENT_SCHEMA, "json")
        self._mcap.add_metadata("backstroke.columns", _column_metadata())
        if back is not None:
            self.write_back(back)

    # -------------------------------------------------------------- plumbing
    def __enter__(self) -> SessionLogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _channel(self, topic: str, name: str, enc: str, schema: bytes, msg_enc: str) -> None:
        sid = self._mcap.register_schema(name=name, encoding=enc, data=schema)
        self._channels[topic] = self._mcap.register_channel(
            topic=topic, message_encoding=msg_enc, schema_id=sid
        )
        self._seq[topic] = 0

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{self.path}: the session log is closed")

    def _add_sorted(self, messages: list[tuple[int, str, bytes]]) -> None:
        """Many messages of several topics, in time order, then end the chunk.

        A message in a later chunk window than the open chunk's ends that chunk first;
        the messages of one chunk go to the writer in one call (``mcap_bulk``).
        """
        self._check_open()
        messages.sort(key=lambda m: m[0])
        period_ns = round(self.chunk_period_s * 1e9)
        seqs, channels = self._seq, self._channels
        run: list[tuple[int, int, int, bytes]] = []
        for t_ns, topic, data in messages:
            window = int(t_ns // period_ns)
            if window != self._window and (run or self._pending) and self._window is not None:
                self._flush_run(run)
                self._end_chunk()
                run = []
            self._window = window
            seq = seqs[topic]
            seqs[topic] = seq + 1
            run.append((channels[topic], seq, t_ns, data))
        self._flush_run(run)
        if messages:
            self._t_last = max(self._t_last, messages[-1][0] / 1e9)
        self._end_chunk()

    def _flush_run(self, run: list[tuple[int, int, int, bytes]]) -> None:
        if run:
            add_messages(self._mcap, run)
            self._pending = True

    def _end_chunk(self) -> None:
        """Close the open chunk and hand it to the OS; fsync at most every period."""
        if not self._pending:
            return
        self._mcap.flush()
        self._pending = False
        now = time.monotonic()
        if now - self._last_fsync >= self.fsync_period_s:
            os.fsync(self._file.fileno())
            self._last_fsync = now

    def flush(self) -> None:
        """End the open chunk and push everything to the OS (``os.fsync`` included)."""
        if self._closed:
            return
        self._end_chunk()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._last_fsync = time.monotonic()

    def close(self) -> None:
        """Finish the file (summary and index), fsync and close it. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self._mcap.finish()
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    # -------------------------------------------------------------- topics
    def on_chunk(
        self,
        cols: Mapping[str, ArrayLike],
        plan_cols: Mapping[str, ArrayLike],
        events: Iterable[Any] = (),
    ) -> None:
        """Log samples the runner executed (its ``on_chunk`` hook; any run of ticks).

        Writes ``/state`` (measured columns plus the plan's ``u, v, tool, block,
        pass_index, in_contact``), ``/plan``, ``/contact``, ``/tf``, the force arrow on
        ``/scene`` and the events not logged yet; then ends the chunk.

        Args:
            cols: recorded columns at the control rate (``t_s``, ``x_m`` …), ``(N,)``.
            plan_cols: the plan's columns at the same ticks.
            events: the Supervisor's events so far (objects or dicts with ``t_s, kind,
                value, limit`` and ``action`` or ``message``); only new ones are written.
        """
        self._check_open()
        rec = columns_of(cols)
        plan = columns_of(plan_cols)
        state = dict(rec)
        for c in STATE_FROM_PLAN:
            if c not in state and c in plan:
                state[c] = plan[c]
        new_events = list(events)[self._events_seen :]
        self._events_seen += len(new_events)
        msgs = [(_ns(float(_field(e, "t_s"))), "/events", _event_json(e)) for e in new_events]
        t = state.get("t_s", np.zeros(0))
        if t.size:
            msgs += self._state_messages(state)
            if "t_s" not in plan:
                plan["t_s"] = t
            msgs += self._plan_messages(plan)
            msgs += self._contact_messages(state)
            msgs += self._tf_messages(state)
        self._add_sorted(msgs)

    def write_state(self, batch: Mapping[str, ArrayLike]) -> None:
        """Append samples to ``/state`` only (``t_s`` required; other ``STATE_COLUMNS``
        optional: a missing one reads back as NaN)."""
        cols = columns_of(batch)
        if "t_s" not in cols:
            raise ValueError("missing column 't_s'")
        self._add_sorted(self._state_messages(cols))

    def write_event(
        self, t_s: float, kind: str, value: float | None, limit: float | None, message: str = ""
    ) -> None:
        """Append one safety or session event to ``/events``."""
        doc = {"t_s": t_s, "kind": kind, "value": value, "limit": limit, "message": message}
        self._add_sorted([(_ns(float(t_s)), "/events", _event_json(doc))])

    def write_json(self, topic: str, obj: Any, t_s: float | None = None) -> None:
        """Write one JSON document (``/session``, ``/summary`` or any other topic).

        A ``/summary`` with knots (``x_m, y_m, z_m``) also puts them on ``/scene``.

        Args:
            topic: channel topic, e.g. ``/summary``.
            obj: JSON-able data (numpy values converted; NaN and infinities → null); the
                session writes ``/summary`` as ``Summary.model_dump(mode="json")``, and that
                channel's schema is the model's (``backstroke schema summary``).
            t_s: log time; default the latest session time written so far.
        """
        if topic in _BINARY_TOPICS:
            raise ValueError(f"{topic} is written by on_chunk/write_state/write_event")
        self._check_open()
        if topic not in self._channels:
            name, desc = DOC_SCHEMAS.get(topic, (f"backstroke{topic.replace('/', '.')}", topic))
            self._channel(topic, name, "jsonschema", _doc_schema(topic, name, desc), "json")
        t_ns = _ns(self._t_last if t_s is None else float(t_s))
        doc = jsonable(obj)
        msgs = [(t_ns, topic, json.dumps(doc, separators=(",", ":"), allow_nan=False).encode())]
        if topic == "/summary" and isinstance(doc, dict) and isinstance(doc.get("knots"), list):
            msgs.append((t_ns, "/scene", scene.knot_scene(doc["knots"], t_ns)))
        self._add_sorted(msgs)

    def write_back(self, back: Any, t_s: float = 0.0) -> None:
        """Put the back's mesh and keep-out zones on ``/scene`` (shown for ever)."""
        t_ns = _ns(t_s)
        self._add_sorted([(t_ns, "/scene", scene.back_scene(back, t_ns))])

    def write_knots(self, knots: Iterable[Mapping[str, Any]], t_s: float | None = None) -> None:
        """Put knots (``x_m, y_m, z_m`` each) on ``/scene`` (replacing earlier ones)."""
        t_ns = _ns(self._t_last if t_s is None else float(t_s))
        self._add_sorted([(t_ns, "/scene", scene.knot_scene(knots, t_ns))])

    # -------------------------------------------------------------- encoders
    def _state_messages(self, state: Mapping[str, NDArray[np.float64]]) -> list[Any]:
        batches = encode_batches(state, STATE_SPEC, self.state_batch)
        return [(_ns(t), "/state", d) for t, d in batches]

    def _plan_messages(self, plan: Mapping[str, NDArray[np.float64]]) -> list[Any]:
        sel = self._plan_grid(plan["t_s"])
        if sel.size == 0:
            return []
        sub = {k: v[sel] for k, v in plan.items()}
        return [(_ns(t), "/plan", d) for t, d in encode_batches(sub, PLAN_SPEC, sel.size)]

    def _contact_messages(self, state: Mapping[str, NDArray[np.float64]]) -> list[Any]:
        sel = self._contact_grid(state["t_s"])
        have = [c for c in CONTACT_FIELDS if c in state]
        rows = np.stack([state[c][sel] for c in have], axis=1).tolist()
        msg = self._contact_cls()
        out = []
        for row in rows:
            msg.Clear()
            for k, v in zip(have, row, strict=True):
                if math.isfinite(v):
                    setattr(msg, k, v)
            out.append((_ns(row[0]), "/contact", msg.SerializeToString()))
        return out

    def _tf_messages(self, state: Mapping[str, NDArray[np.float64]]) -> list[Any]:
        need = ("x_m", "y_m", "z_m", "ax", "ay", "az")
        if any(c not in state for c in need):
            return []
        t = state["t_s"]
        pos = np.stack([state[c] for c in ("x_m", "y_m", "z_m")], axis=1)
        axis = np.stack([state[c] for c in ("ax", "ay", "az")], axis=1)
        out: list[Any] = []
        sel = self._tf_grid(t)
        sel = sel[np.isfinite(pos[sel]).all(1) & np.isfinite(axis[sel]).all(1)]
        tf_ns = [_ns(x) for x in t[sel].tolist()]
        out += [
            (n, "/tf", d)
            for n, d in zip(tf_ns, scene.frame_transforms(tf_ns, pos[sel], axis[sel]), strict=True)
        ]
        if all(c in state for c in ("fx_n", "fy_n", "fz_n")):
            force = np.stack([state[c] for c in ("fx_n", "fy_n", "fz_n")], axis=1)
            sel = self._arrow_grid(t)
            sel = sel[np.isfinite(pos[sel]).all(1)]
            a_ns = [_ns(x) for x in t[sel].tolist()]
            arrows = scene.force_arrows(a_ns, pos[sel], force[sel])
            out += [(n, "/scene", d) for n, d in zip(a_ns, arrows, strict=True)]
        return out


def _column_metadata() -> dict[str, str]:
    """MCAP metadata ``backstroke.columns``: how to read the packed batches."""

    def table(spec: tuple[Column, ...]) -> dict[str, Any]:
        return {
            c.field: {"column": c.name, "scale": c.scale, "description": c.description}
            for c in spec
        }

    doc = {
        "encoding": "value[i] = sum(field[:i+1]) / scale; <field>_nan lists NaN samples",
        "StateBatch": table(STATE_SPEC),
        "PlanChunk": table(PLAN_SPEC),
    }
    return {"columns": json.dumps(doc)}


def _field(e: Any, name: str, default: Any = ...) -> Any:
    if isinstance(e, Mapping):
        return e[name] if default is ... else e.get(name, default)
    return getattr(e, name) if default is ... else getattr(e, name, default)


def _event_json(e: Any) -> bytes:
    msg = _field(e, "message", None)
    if msg is None:
        msg = _field(e, "action", "")
    doc = {
        "t_s": _field(e, "t_s"),
        "kind": str(_field(e, "kind")),
        "value": _field(e, "value", None),
        "limit": _field(e, "limit", None),
        "message": str(msg),
    }
    return json.dumps(jsonable(doc), separators=(",", ":"), allow_nan=False).encode()


def _doc_schema(topic: str, name: str, desc: str) -> bytes:
    """A JSON channel's schema: ``/summary`` carries the typed summary's own."""
    if topic == "/summary":
        from backstroke.session.summary import summary_json_schema

        return json.dumps(summary_json_schema(), sort_keys=True).encode()
    return json_schema(name, desc, {})
