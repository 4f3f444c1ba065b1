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


# CPU seconds of the heaviest files (`BACKSTROKE_TEST_CPU_LOG`, session 9; 966 CPU-s in
# all). They run first, heaviest first, so that with ``--dist loadfile`` the two workers
# end on short files instead of one waiting for a long one (longest-first scheduling).
# Only the order depends on these figures; a file missing here runs after them.
HEAVY_FILES_CPU_S = {
    "tests/session/test_session_knots.py": 87.0,
    "tests/safety/test_fault_matrix.py": 75.0,
    "tests/learn/test_duration.py": 72.0,
    "tests/session/test_nominal_clean.py": 57.0,
    "tests/session/test_session_stiffness.py": 54.0,
    "tests/session/test_fault_clients.py": 42.0,
    "tests/session/test_palpate.py": 40.0,
    "tests/sweep/test_sweep_slow.py": 39.0,
    "tests/session/test_interrupts.py": 37.0,
    "tests/test_check.py": 31.0,
    "tests/session/test_first_touch.py": 28.0,
    "tests/test_listening_recorders.py": 26.0,
    "tests/robot/test_franka_sim.py": 24.0,
    "tests/test_api.py": 23.0,
    "tests/session/test_moving_client.py": 20.0,
    "tests/web/test_client_voice.py": 19.0,
    "tests/body/test_scan_fit.py": 17.0,
    "tests/session/test_crash.py": 16.0,
    "tests/session/test_session.py": 15.0,
    "tests/learn/test_g_human.py": 15.0,
    "tests/music/test_music_tempo.py": 13.0,
    "tests/robot/test_mujoco.py": 13.0,
    "tests/plan/test_plan.py": 13.0,
    "tests/session/test_trust_twins.py": 12.0,
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist ≥ 3.5 sorts the files by their number of tests before handing them
    # out (``--loadscope-reorder``, on by default), which put the one-test files holding
    # the longest sessions last: one worker ran them alone for minutes at the end.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The measured heavy files first, heaviest first; then files holding a slow test;
    then the rest (stable otherwise)."""
    root = config.rootpath
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[float, bool]:
        rel = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        return (-HEAVY_FILES_CPU_S.get(rel, 0.0), item.path not in slow_files)

    items.sort(key=rank)
