"""What a session leaves behind: summary.json, report.html and the outcome it returns.

A file that cannot be written is one line in ``problems``, not a crash; a summary the
typed model refuses is still written (plain), and the report is then left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstroke.atomic_io import write_json_atomic
from backstroke.body.back_model import BackModel
from backstroke.errors import BackstrokeError, SafetyFault, SessionInterrupted
from backstroke.session.assemble import finite_json
from backstroke.session.interrupts import DISK_FULL
from backstroke.session.runner import SessionResult
from backstroke.session.summary import Summary, validate_summary

if TYPE_CHECKING:
    from backstroke.app.client_memory import ClientMemory
    from backstroke.app.session import SessionRequest


@dataclass(frozen=True)
class SessionOutcome:
    """What a session left behind.

    Attributes:
        ended_because: ``completed``, ``safety_stop``, ``client_stop``,
            ``interrupted: SIGINT`` (``SIGTERM``, ``SIGHUP``) or ``disk_full``.
        written: the output files actually written.
        problems: one line each for outputs that could not be written.
        summary: what summary.json holds (a JSON-ready dict).
        typed_summary: the same as the typed model (``backstroke.session.summary``;
            read it by attribute), or None when the model refused it (``problems`` says
            why: a figure gone bad).
    """

    summary: dict[str, Any]
    out: Path
    fault: SafetyFault | None
    notes: tuple[str, ...]
    ended_because: str = "completed"
    written: tuple[Path, ...] = ()
    problems: tuple[str, ...] = ()
    typed_summary: Summary | None = None

    @property
    def exit_code(self) -> int:
        if self.ended_because.startswith("interrupted") or self.ended_because in (
            DISK_FULL,
            "log_write_failed",
        ):
            return SessionInterrupted.exit_code
        if self.problems:
            return SessionInterrupted.exit_code
        return 0 if self.fault is None else self.fault.exit_code


def summary_model(summary: dict[str, Any]) -> tuple[Summary | None, str]:
    """The summary as the typed model (report, store, ``/summary`` and summary.json use it).

    A summary the model refuses (a sensor gone NaN in a required figure) is kept as the
    plain dict for summary.json; the reason comes back to name it in the outputs' problems.
    """
    try:
        return validate_summary(finite_json(summary), "summary"), ""
    except BackstrokeError as exc:
        return None, str(exc)


def write_outputs(
    req: SessionRequest,
    summary: dict[str, Any],
    typed: Summary | None,
    why_untyped: str,
    result: SessionResult | None,
    back: BackModel,
    memory: ClientMemory | None,
    fault: SafetyFault | None,
    notes: tuple[str, ...],
    ended: str,
) -> SessionOutcome:
    """summary.json and report.html; a file that cannot be written is one line, not a crash."""
    written: list[Path] = []
    problems: list[str] = []
    log_path = req.out / "session.mcap"
    if log_path.exists():
        written.append(log_path)
    # What summary.json holds is what the caller gets (the Python API, sweeps).
    doc = typed.to_json_dict() if typed is not None else finite_json(summary)
    try:
        write_json_atomic(req.out / "summary.json", doc)
        written.append(req.out / "summary.json")
    except OSError as exc:
        problems.append(f"{req.out / 'summary.json'}: cannot write ({exc.strerror or exc})")
    if result is not None and typed is None:
        problems.append(f"{req.out / 'report.html'}: not written ({why_untyped})")
        if memory is not None:
            memory.store.close()
    elif result is not None and typed is not None:
        from backstroke.report.html import write_report

        try:
            history = memory.record(typed, req.out, req.music) if memory else None
            write_report(req.out, typed, result.data, back, history=history)
            written.append(req.out / "report.html")
        except OSError as exc:
            problems.append(f"{req.out / 'report.html'}: cannot write ({exc.strerror or exc})")
    elif memory is not None:
        memory.store.close()
    return SessionOutcome(doc, req.out, fault, notes, ended, tuple(written), tuple(problems), typed)
