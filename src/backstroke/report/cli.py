"""``backstroke report DIR``: rebuild a session's report.html from its files.

Reads ``DIR/summary.json`` and ``DIR/session.mcap`` (through
``backstroke.session.log.read_session_log``) and writes ``DIR/report.html``. The back
outline needs the client's body: ``--client FILE``, else ``DIR/client.toml`` when the
session left one, else the default client (the page then says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from numpy.typing import NDArray

from backstroke.errors import BackstrokeError, LogError

if TYPE_CHECKING:
    from backstroke.session.summary import Summary
    from backstroke.store.history import ClientHistory

# Columns the report reads (session/runner.py RECORD_COLUMNS and plan/plan.py COLUMNS).
REQUIRED_RECORDED = ("t_s", "x_m", "y_m", "z_m", "normal_force_n", "target_force_n")
REQUIRED_PLAN = ("t_s", "in_contact", "tool", "block")
# The plan's columns that session.mcap's /state carries next to the measured ones.
STATE_PLAN_COLUMNS = ("u", "v", "tool", "block", "pass_index", "in_contact")


@dataclass
class LoadedSession:
    """Recorded and planned columns read back from a session log (like ``SessionData``)."""

    columns: dict[str, NDArray[np.float64]]
    plan_columns: dict[str, NDArray[np.float64]]


def session_columns(log: Any, path: Path | None = None) -> LoadedSession:
    """Adapt what ``read_session_log`` returns to the report's columns.

    Accepts an object (or a mapping) with ``columns`` and ``plan_columns``, an object
    with a ``data`` attribute holding those, or one flat mapping of columns where the
    plan's carry a ``plan_`` prefix.

    Raises:
        LogError: a required column is missing or the columns differ in length.
    """
    src = getattr(log, "data", log)
    if isinstance(src, dict) and isinstance(src.get("state"), dict):
        # read_session_log: /state holds the measured columns and some of the plan's.
        rec = dict(src["state"])
        plan = {c: rec[c] for c in ("t_s", *STATE_PLAN_COLUMNS) if c in rec}
    elif isinstance(src, dict) and "columns" in src and "plan_columns" in src:
        rec, plan = src["columns"], src["plan_columns"]
    elif hasattr(src, "columns") and hasattr(src, "plan_columns"):
        rec, plan = src.columns, src.plan_columns
    elif isinstance(src, dict):
        rec = {k: v for k, v in src.items() if not str(k).startswith("plan_")}
        plan = {k[5:]: v for k, v in src.items() if str(k).startswith("plan_")}
    else:
        raise LogError("the session log holds no recorded columns", path=path)
    cols = {str(k): _numeric(str(k), v, path) for k, v in dict(rec).items()}
    pcols = {str(k): _numeric(str(k), v, path) for k, v in dict(plan).items()}
    if "t_s" not in pcols and "t_s" in cols:
        pcols["t_s"] = cols["t_s"]
    for name, have, need in (("recorded", cols, REQUIRED_RECORDED), ("plan", pcols, REQUIRED_PLAN)):
        missing = [c for c in need if c not in have]
        if missing:
            raise LogError(
                f"the session log lacks {name} column(s) {', '.join(missing)}",
                path=path,
                allowed=", ".join(need),
            )
    # The skin normal, when the log lacks the plan's, is taken from the measured tool
    # axis (within 10° of it).
    for n_col, a_col in (("nx", "ax"), ("ny", "ay"), ("nz", "az")):
        if n_col not in pcols and a_col in cols:
            pcols[n_col] = cols[a_col]
    n = cols["t_s"].size
    bad = [
        k
        for k, v in {**cols, **{f"plan {k}": v for k, v in pcols.items()}}.items()
        if v.shape != (n,)
    ]
    if bad:
        raise LogError(f"columns {', '.join(bad[:5])} are not {n} samples long", path=path)
    return LoadedSession(cols, pcols)


def _numeric(name: str, values: Any, path: Path | None) -> NDArray[np.float64]:
    """A column as float64; tool names become tool codes (``TOOL_CODES``), unknown → NaN."""
    from backstroke.plan.plan import TOOL_CODES

    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64)
    codes = {str(t): float(i) for i, t in enumerate(TOOL_CODES)}
    if name == "tool":
        return np.array([codes.get(str(x), np.nan) for x in arr.ravel()], dtype=np.float64)
    try:
        return np.array([np.nan if x is None else float(x) for x in arr.ravel()])
    except (TypeError, ValueError) as exc:
        raise LogError(f"column {name} is not numeric", path=path) from exc


def load_session_data(path: Path, summary: Summary | None = None) -> LoadedSession:
    """The recorded and planned columns of ``session.mcap``.

    Args:
        path: the log.
        summary: ``summary.json`` of the same folder: refused when the log says it
            belongs to another session (never a report merging two sessions).

    Raises:
        LogError: the file is missing, unreadable, lacks columns, or is not the
            summary's session.
    """
    if not path.is_file():
        raise LogError("no such session log", path=path)
    try:
        from backstroke.session.log import read_session_log
    except ImportError as exc:  # the log reader is not part of this installation
        raise LogError(f"cannot read session logs here ({exc})", path=path) from exc
    try:
        log = read_session_log(path)
    except BackstrokeError:
        raise
    except Exception as exc:
        raise LogError(f"cannot read the session log: {exc}", path=path) from exc
    state = getattr(log, "state", None)  # a SessionLog: its /state columns
    as_dict = log if state is None else {"state": state, "summary": log.summary}
    if summary is not None:
        check_same_session(summary, as_dict, path)
    return session_columns(as_dict, path)


# Summary keys that identify a session (the log keeps its own copy in /summary).
_IDENTITY_KEYS = ("seed", "duration_s", "routine", "client", "backstroke_version")


def check_same_session(summary: Summary, log: Any, path: Path) -> None:
    """``summary.json`` and the log's own ``/summary`` (or its duration) must agree.

    Raises:
        LogError: they come from different sessions.
    """
    logged = log.get("summary") if isinstance(log, dict) else None
    if isinstance(logged, dict):
        for key in _IDENTITY_KEYS:
            mine = getattr(summary, key)
            if key in logged and mine is not None and logged[key] != mine:
                raise LogError(
                    f"summary.json ({key} = {mine!r}) and session.mcap ({logged[key]!r}) "
                    "come from different sessions; re-run into a new folder",
                    path=path,
                )
        return
    state = log.get("state") if isinstance(log, dict) else None
    duration = summary.duration_s
    if isinstance(state, dict) and "t_s" in state:
        t = np.asarray(state["t_s"], dtype=np.float64)
        t = t[np.isfinite(t)]
        if t.size and abs(float(t[-1] - t[0]) - float(duration)) > 1.5:
            raise LogError(
                f"summary.json ({duration} s) and session.mcap ({float(t[-1] - t[0]):.1f} s) "
                "come from different sessions; re-run into a new folder",
                path=path,
            )


def load_summary(path: Path) -> Summary:
    """summary.json through the typed model (``backstroke.session.summary``).

    Raises:
        LogError: missing, not JSON, or refused by the model (one line naming the key).
    """
    from backstroke.session.summary import load_summary as load_typed

    if path.is_dir():
        raise LogError("is a directory, not a summary", path=path)
    if not path.exists():
        raise LogError("no such summary", path=path)
    try:
        return load_typed(path)
    except LogError:
        raise
    except BackstrokeError as exc:
        raise LogError(_one_line(str(exc)).removeprefix(f"{path}: "), path=path) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def rebuild_report(
    session_dir: Path,
    *,
    png: bool = False,
    client: Path | None = None,
    history: ClientHistory | None = None,
) -> Path:
    """Rewrite ``session_dir/report.html`` from the session's files; returns its path.

    Raises:
        LogError: summary or log missing or unreadable.
        ClientError: a bad client file.
        MissingExtraError: ``png`` without kaleido.
    """
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.report.html import write_report

    d = Path(session_dir)
    if not d.is_dir():
        raise LogError("no such session directory", path=d)
    summary = load_summary(d / "summary.json")
    data = load_session_data(d / "session.mcap", summary)
    client_file = client
    if client_file is None and (d / "client.toml").is_file():
        client_file = d / "client.toml"
    if client_file is None and summary.client not in (None, "default"):
        note = (
            f"report rebuilt with the default client's back outline (client "
            f"'{summary.client}': pass --client FILE for their own)"
        )
        summary = summary.model_copy(update={"notes": [*summary.notes, note]})
    back = BackModel(load_client(client_file))
    if "speed_m_s" not in data.plan_columns:
        data.plan_columns["speed_m_s"] = chart_speed_m_s(data.plan_columns, back.back_length_m)
    try:
        return write_report(d, summary, data, back, png=png, history=history)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        # A summary.json the model let through that the report still cannot draw:
        # still one line, naming the file.
        raise LogError(
            f"a value the report needs is missing or of the wrong type ({type(exc).__name__}: "
            f"{_one_line(str(exc))})",
            path=d / "summary.json",
        ) from None


def chart_speed_m_s(
    plan: dict[str, NDArray[np.float64]], back_length_m: float
) -> NDArray[np.float64]:
    """Planned speed on the skin from the plan's chart path ``(u, v)`` (0 without one).

    Chart metres: ``u · back_length`` along the spine, ``v`` across; moves off the skin
    (approach, lift-off) keep ``u, v`` and so show as 0.
    """
    t = plan["t_s"]
    if "u" not in plan or "v" not in plan or t.size < 2:
        return np.zeros(t.size)
    s = np.nan_to_num(plan["u"]) * back_length_m
    v = np.nan_to_num(plan["v"])
    speed = np.hypot(np.gradient(s, t), np.gradient(v, t))
    return np.asarray(speed, dtype=np.float64)


def report(
    session_dir: Annotated[
        Path, typer.Argument(metavar="DIR", help="session directory (summary.json, session.mcap)")
    ],
    png: Annotated[
        bool, typer.Option("--png", help="also write the main figures to DIR/figures/*.png")
    ] = False,
    client: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="client TOML file for the back outline (default: DIR/client.toml)"
        ),
    ] = None,
    history: Annotated[
        str | None,
        typer.Option("--history", metavar="NAME", help="add this client's history (client memory)"),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", metavar="FILE", help="client database for --history")
    ] = None,
) -> None:
    """Rebuild DIR/report.html from DIR/summary.json and DIR/session.mcap."""
    try:
        hist = None
        if history is not None:
            from backstroke.store.db import Store
            from backstroke.store.history import client_history

            with Store(db) as store:
                hist = client_history(store, history)
        path = rebuild_report(session_dir, png=png, client=client, history=hist)
    except BackstrokeError as exc:
        typer.echo(f"backstroke: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    size_mb = path.stat().st_size / 1e6
    typer.echo(f"wrote {path} ({size_mb:.2f} MB)")
    if png:
        typer.echo(f"wrote {path.parent / 'figures'}/*.png")
