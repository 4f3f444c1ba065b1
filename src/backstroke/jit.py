"""numba for the few array kernels that pay for it, with a writable on-disk cache.

Kernels are compiled with ``cache=True``: the first process on a machine compiles them
(about a second), every later one loads the machine code from the cache. The cache
goes under ``NUMBA_CACHE_DIR`` when set, else under ``$XDG_CACHE_HOME/backstroke/numba``
(``~/.cache/backstroke/numba``), in a folder named after the kernels' sources
(``kernels-<digest>``): numba checks only the stamp of the file a cached kernel is
defined in, so a kernel that calls a rule from another file (the Supervisor's fused
tick calls every check's ``*_update``) would keep running the rule it was compiled
with after that file changed. :func:`set_numba_cache_dir` must run before numba is
imported, so import numba through :func:`numba_njit`.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
PREFIX = "kernels-"


@functools.cache
def kernel_digest(package: Path = PACKAGE) -> str:
    """A digest of every source file of ``package`` that compiles a kernel (12 hex; read
    once per process)."""
    h = hashlib.sha1()
    for path in sorted(package.rglob("*.py")):
        data = path.read_bytes()
        if b"numba_njit(" in data and path.name != "jit.py":
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + data)
    return h.hexdigest()[:12]


def set_numba_cache_dir() -> None:
    """Point numba's on-disk cache at a writable ``kernels-<digest>`` folder under the
    user's ``NUMBA_CACHE_DIR`` or the default.

    Without a writable cache every process pays the compile again (librosa's kernels:
    tens of seconds). Must run before numba is imported; a no-op once numba is.
    """
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        base = Path(chosen)
        if base.name.startswith(PREFIX):  # set by this function in a parent process
            base = base.parent
    else:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = Path(home) / "backstroke" / "numba"
    cache = base / (PREFIX + kernel_digest())
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba then caches where it was told, next to the sources, or not at all
    if os.access(cache, os.W_OK):
        os.environ["NUMBA_CACHE_DIR"] = str(cache)


def numba_njit(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``numba.njit(cache=True, **options)`` with the cache directory set first.

    No ``fastmath``: the kernels must give the same bits as the code they replace.
    """
    set_numba_cache_dir()
    import numba

    return numba.njit(cache=True, **options)
