"""What the client database hands back: clients, their preferences, sessions, knots."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from backstroke.errors import BackstrokeError
from backstroke.session.summary import Summary, validate_summary


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Preferences:
    """A client's remembered preferences.

    Attributes:
        pressure_scale: multiplies every block's force (0.5..1.5; 1 = as the routine says).
        skip_techniques: techniques this client does not want (e.g. ``("thumb_strip",)``).
        music: the client's music file, or ``None``.
        regional: where the client wants less force, ``({"u", "v_m", "scale", "radius_m"}, ...)``.
    """

    pressure_scale: float = 1.0
    skip_techniques: tuple[str, ...] = ()
    music: str | None = None
    regional: tuple[dict[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "pressure_scale": self.pressure_scale,
            "skip_techniques": list(self.skip_techniques),
            "music": self.music,
            "regional": [dict(b) for b in self.regional],
        }


@dataclass(frozen=True)
class ClientRecord:
    """One client as stored.

    Attributes:
        name: unique name.
        client_file: path of the client TOML file when it was last given, or ``None``.
        client_toml: that file's content (so the client survives the file), or ``None``.
        created_at: UTC ISO time.
        sessions: number of recorded sessions.
        last_session_at: UTC ISO time of the latest session, or ``None``.
        preferences: the client's preferences.
    """

    name: str
    client_file: str | None
    client_toml: str | None
    created_at: str
    sessions: int = 0
    last_session_at: str | None = None
    preferences: Preferences = field(default_factory=Preferences)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "client_file": self.client_file,
            "created_at": self.created_at,
            "sessions": self.sessions,
            "last_session_at": self.last_session_at,
            "preferences": self.preferences.to_json(),
        }


@dataclass(frozen=True)
class KnotRecord:
    """One knot found in one session (chart ``u``, ``v_m``; frame-B position if known)."""

    session_id: int
    u: float
    v_m: float
    stiffness_ratio: float
    x_m: float | None = None
    y_m: float | None = None
    z_m: float | None = None


@dataclass(frozen=True)
class SessionRecord:
    """One recorded session.

    Attributes:
        id: database id (increasing in recording order).
        recorded_at: UTC ISO time it was recorded.
        routine: routine name.
        duration_s: session duration.
        back_length_m: the client's back length (for chart distances).
        summary: the whole summary.json as stored (a JSON object); ``typed_summary`` is
            the same read through the model.
        out_dir, summary_path, log_path, report_path: where its files were written.
        knots: knots found in it.
    """

    id: int
    recorded_at: str
    routine: str | None
    duration_s: float | None
    back_length_m: float
    summary: dict[str, Any]
    out_dir: str | None
    summary_path: str | None
    log_path: str | None
    report_path: str | None
    knots: tuple[KnotRecord, ...] = ()

    def to_json(self, with_summary: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "recorded_at": self.recorded_at,
            "routine": self.routine,
            "duration_s": self.duration_s,
            "out_dir": self.out_dir,
            "summary_path": self.summary_path,
            "log_path": self.log_path,
            "report_path": self.report_path,
            "knots": [
                {"u": k.u, "v_m": k.v_m, "stiffness_ratio": k.stiffness_ratio} for k in self.knots
            ],
        }
        if with_summary:
            out["summary"] = self.summary
        return out

    @property
    def typed_summary(self) -> Summary | None:
        """The stored summary through the model; ``None`` for one it refuses (a row
        recorded by an older backstroke before the summary had a schema)."""
        try:
            return validate_summary(self.summary, f"session {self.id}")
        except BackstrokeError:
            return None


def prefs_from_row(r: sqlite3.Row) -> Preferences:
    if r["pressure_scale"] is None:
        return Preferences()
    try:
        skip = tuple(str(s) for s in json.loads(r["skip_techniques"] or "[]"))
    except ValueError:
        skip = ()
    try:
        from backstroke.session.preferences import RegionalPreference

        regional = tuple(RegionalPreference.from_json(json.loads(r["regional_json"])).to_json())
    except (ValueError, BackstrokeError):
        regional = ()
    return Preferences(float(r["pressure_scale"]), skip, r["music"], regional)
