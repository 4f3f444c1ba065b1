"""Shared test fixtures and hypothesis strategies."""

from __future__ import annotations

import os

# One BLAS thread per test process, as the command runs (backstroke/_single_thread.py):
# with two xdist workers on two cores a threaded BLAS spins, and a small least squares
# took 30× longer. Set before any test module imports numpy; the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def default_back():  # type: ignore[no-untyped-def]
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client

    return BackModel(load_client())


# Per-test CPU seconds (this process and the children it waited for), for finding what
# makes `make test` slow on a shared machine where wall-clock durations mislead:
# `BACKSTROKE_TEST_CPU_LOG=cpu.jsonl make test`, one JSON line per test.
_CPU_LOG = os.environ.get("BACKSTROKE_TEST_CPU_LOG")
if _CPU_LOG:
    import json
    import resource
    import time
    from collections.abc import Iterator

    def _cpu_s() -> float:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + kids.ru_utime + kids.ru_stime

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
        t0, c0 = time.monotonic(), _cpu_s()
        yield
        line = {
            "test": item.nodeid,
            "cpu_s": _cpu_s() - c0,
            "wall_s": time.monotonic() - t0,
            # the process's peak so far (KiB on Linux): the test where it jumps holds it
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        with open(str(_CPU_LOG), "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a slow test run first (stable otherwise): with ``--dist loadfile``
    the two workers then finish on short files instead of one waiting for a long one."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
