"""``backstroke analyze``: what a recorded massage says (DESIGN §6.1, §6.3).

Reads a contact log made by anything — a CSV or Parquet table, or a backstroke session
log (MCAP, its ``/contact`` topic) — and reports its elements: passes, softening,
knots, tempo, contact breaks, pressure. "Watch the master: what makes them successful?"

Columns (one row per sample, SI units):

- required: ``t_s, u, v, normal_force_n, indentation_m``
- optional: ``pass_index, block, tool, x_m, y_m, z_m, target_force_n``; other
  columns, of any type, are ignored. ``tool`` and ``block`` are free text (``palm``,
  ``thumbs``, ``elbow`` … are understood, see ``log_input``; other labels are kept as
  given). An optional column without numbers is ignored (``notes`` says so).
- every value inside the ranges of ``log_input.LIMITS`` and at most a day of samples:
  memory never grows with the values in a log.

A bad log raises ``LogError`` naming the file, the column and the first bad row; the
command line turns it into exit code 2.
"""

from backstroke.analyze.analysis import analyze, analyze_columns, analyze_log
from backstroke.analyze.log_files import FORMATS, read_contact_log
from backstroke.analyze.log_table import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TOOL_NAMES,
    ContactLog,
    validate_columns,
)

__all__ = [
    "FORMATS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "TOOL_NAMES",
    "ContactLog",
    "analyze",
    "analyze_columns",
    "analyze_log",
    "read_contact_log",
    "validate_columns",
]
