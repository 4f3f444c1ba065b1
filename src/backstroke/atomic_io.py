"""Files written whole or not at all (summary.json, plan.json, body.json, Parquet parts).

A reader sees the old file or the whole new one: the content goes to a temporary file
in the same folder, is flushed to disk, and is renamed over the target.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | Path, write: Callable[[Path], None], *, prefix: str = "") -> None:
    """Write ``path`` atomically: ``write(tmp)`` fills a temporary file beside it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=prefix or f".{p.name}.", suffix=p.suffix, dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, obj: object) -> None:
    """Write JSON to ``path`` atomically (NaN and inf are refused: JSON has none)."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(path, write)
