"""The session tests' shared simulated session, run once for the whole test run."""

from __future__ import annotations

import fcntl
import pickle

import pytest

from backstroke.session.runner import SessionResult


@pytest.fixture(scope="session")
def short_session(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SessionResult:
    """The default client's short session (``short_routine``, seed 3), shared by the
    files that only read it: the first xdist worker to ask runs it and pickles it into
    the run's common temporary folder, under a lock; the other loads it. A test that
    changes what it reads must change a copy."""
    from backstroke.body.client_file import load_client
    from tests.session.sessions import run, short_routine

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # each worker's base folder sits in the run's folder
        root = root.parent
    path = root / "short_session.pickle"
    with open(root / "short_session.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            result: SessionResult = pickle.loads(path.read_bytes())
            return result
        result = run(short_routine(), load_client())
        path.write_bytes(pickle.dumps(result))
        return result
