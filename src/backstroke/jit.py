"""numba for the few array kernels that pay for it, with a writable on-disk cache.

Kernels are compiled with ``cache=True``: the first process on a machine compiles them
(about a second), every later one loads the machine code from the cache. The cache
goes to ``NUMBA_CACHE_DIR`` when set, else to ``$XDG_CACHE_HOME/backstroke/numba``
(``~/.cache/backstroke/numba``); :func:`set_numba_cache_dir` must run before numba is
imported, so import numba through :func:`numba_njit`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def set_numba_cache_dir() -> None:
    """Point numba's on-disk cache at a writable directory unless the user chose one.

    Without a writable cache every process pays the compile again (librosa's kernels:
    tens of seconds). Must run before numba is imported.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(base) / "backstroke" / "numba"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # numba then caches next to the sources, or not at all
    if os.access(cache, os.W_OK):
        os.environ["NUMBA_CACHE_DIR"] = str(cache)


def numba_njit(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``numba.njit(cache=True, **options)`` with the cache directory set first.

    No ``fastmath``: the kernels must give the same bits as the code they replace.
    """
    set_numba_cache_dir()
    import numba

    return numba.njit(cache=True, **options)
