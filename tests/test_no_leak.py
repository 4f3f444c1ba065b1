"""A session's back (and what is derived from it) is freed with the session.

Module-level weak-keyed caches of zone limits and skin tables held values that referred
to their key, so every back a process ever planned on stayed alive: a sweep worker or
the test suite grew by about 60 MB per session.
"""

from __future__ import annotations

import gc
import weakref

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.plan.zone_limits import zone_limits_for
from backstroke.robot.factory import make_robot


def test_a_back_and_its_derived_tables_are_freed() -> None:
    client = load_client()
    back = BackModel(client)
    zones = zone_limits_for(back)
    assert zone_limits_for(back) is zones  # still made once per back
    robot = make_robot("sim", client, back, seed=1)
    robot.close()
    gone = weakref.ref(back)
    del back, zones, robot
    gc.collect()
    assert gone() is None
