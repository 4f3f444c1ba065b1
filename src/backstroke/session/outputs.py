"""The output folder of a session: checked before the robot starts, locked while in use.

``--out DIR`` must be a folder backstroke can create (parents are created, like
``mkdir -p``) or an existing folder without an earlier session in it. A file, a parent
that is a file, or a folder that cannot be written is bad input (exit 2, one line). While
a session writes into ``DIR`` it holds ``DIR/.backstroke.lock`` (created with
``O_EXCL``; it names the process), so a second run into the same folder refuses; the
lock is removed at the end. ``--replace`` clears an earlier session's files first. A
lock left by a process that no longer exists is stale and taken over.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

from backstroke.errors import BackstrokeError

LOCK_NAME = ".backstroke.lock"
# Files that mean "a session was written here" (never merged with a new one).
SESSION_FILES = ("summary.json", "session.mcap", "report.html", "client.toml")


class OutputError(BackstrokeError):
    """``--out`` cannot hold this session (exit 2)."""


def _bad(out: Path, what: str) -> OutputError:
    return OutputError(f"--out {out}: {what}")


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def check_output_file(out: Path, flag: str = "--out") -> None:
    """A single output file (``plan --out plan.json``): its folder exists or can be made.

    Raises:
        BackstrokeError: ``out`` is a folder, or its folder cannot be created/written.
    """
    if out.is_dir():
        raise BackstrokeError(f"{flag} {out}: is a folder (allowed: a file path)")
    parent = out.parent if str(out.parent) else Path(".")
    _make_dir(parent, out, flag)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackstrokeError(f"{flag} {out}: folder {parent} is not writable")


def _make_dir(folder: Path, out: Path, flag: str = "--out") -> bool:
    """Create ``folder`` (and parents); True when it did not exist before."""
    if folder.is_dir():
        return False
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise BackstrokeError(f"{flag} {out}: {parent} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackstrokeError(f"{flag} {out}: cannot create the folder ({_reason(exc)})") from None
    return True


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputDir:
    """The locked output folder of one session (a context manager; unlocks on exit).

    Args:
        out: the folder.

    Raises (on ``__enter__``):
        OutputError: not a folder, not writable, another run holds it, or it holds an
            earlier session.
    """

    def __init__(self, out: Path, *, replace: bool = False) -> None:
        self.out = out
        self.replace = replace
        self.replaced: list[str] = []
        self.lock = out / LOCK_NAME
        self._created = False
        self._locked = False

    def __enter__(self) -> OutputDir:
        out = self.out
        if out.exists() and not out.is_dir():
            raise _bad(out, "is a file (allowed: a new or empty folder)")
        self._created = _make_dir(out, out)
        try:
            self._take_lock()
            earlier = [n for n in SESSION_FILES if (out / n).exists()]
            if earlier and self.replace:
                self._clear(earlier)
                earlier = []
            if earlier:
                raise _bad(
                    out,
                    f"holds an earlier session ({earlier[0]}); choose a new folder or remove it",
                )
        except BaseException:
            self.release()
            raise
        return self

    def _clear(self, names: list[str]) -> None:
        """Remove an earlier session's files (``--replace``); nothing else is touched."""
        import shutil

        for name in names:
            try:
                (self.out / name).unlink()
            except OSError as exc:
                raise _bad(self.out, f"cannot remove the earlier {name} ({_reason(exc)})") from None
        figures = self.out / "figures"
        if figures.is_dir():
            shutil.rmtree(figures, ignore_errors=True)
        self.replaced = names

    def _take_lock(self) -> None:
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pid = _lock_pid(self.lock)
                if pid is not None and not _pid_alive(pid):
                    with contextlib.suppress(OSError):
                        self.lock.unlink()
                    continue  # a stale lock: the run that made it is gone
                who = f" (pid {pid})" if pid is not None else ""
                raise _bad(
                    self.out,
                    f"another backstroke run is writing here{who}; choose another folder "
                    f"(or remove {LOCK_NAME} if no run is active)",
                ) from None
            except OSError as exc:
                raise _bad(self.out, f"not writable ({_reason(exc)})") from None
            try:
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError as exc:
                os.close(fd)
                with contextlib.suppress(OSError):
                    self.lock.unlink()
                raise _bad(self.out, f"not writable ({_reason(exc)})") from None
            os.close(fd)
            self._locked = True
            return
        raise _bad(self.out, f"cannot take the lock {LOCK_NAME}")

    def release(self) -> None:
        """Remove the lock (and the folder when this run created it and left it empty)."""
        if self._locked:
            self._locked = False
            with contextlib.suppress(OSError):
                self.lock.unlink()
        if self._created:
            with contextlib.suppress(OSError):
                self.out.rmdir()  # only succeeds when empty

    def keep(self) -> None:
        """Outputs were written: the folder stays even if the run fails later."""
        self._created = False

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _lock_pid(lock: Path) -> int | None:
    try:
        return int(lock.read_text(encoding="ascii").strip() or "-1")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
