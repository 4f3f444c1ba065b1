"""The session log: one MCAP file per session, written while the session runs.

- ``columns``: the packed columnar encoding of the 1 kHz state and the plan.
- ``schemas``: protobuf (Foxglove's and backstroke's) and JSON schemas.
- ``scene``: Foxglove 3D messages (``/tf``, ``/scene``).
- ``writer``: ``SessionLogWriter`` (stock ``mcap`` writer, zstd, durable chunks).
- ``reader``: ``read_session_log`` (tolerates a truncated or damaged file).

See ``docs/logs.md``.
"""

from backstroke.session.log.columns import PLAN_COLUMNS, STATE_COLUMNS, TOOL_NAMES
from backstroke.session.log.reader import SessionLog, read_session_log
from backstroke.session.log.writer import SessionLogWriter

__all__ = [
    "PLAN_COLUMNS",
    "STATE_COLUMNS",
    "TOOL_NAMES",
    "SessionLog",
    "SessionLogWriter",
    "read_session_log",
]
