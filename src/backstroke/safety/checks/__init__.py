"""The Supervisor's sensor checks: small objects it loops over every tick.

Each check reads one tick's measurement and returns a :class:`Finding` or ``None``;
the Supervisor acts on findings (a retreat, or the stricter limits after a sign that
the client moved).

Per-tick budget (docs/performance.md): a check runs 1000 times per simulated second,
so each costs ≈ 0.05–0.25 µs per tick on the bench machine (call included) of a
≈ 15–20 µs tick; a new check should stay within ≈ 0.3 µs on the common path — return
``None`` early, keep scalar state, no allocation unless it finds something, numpy
only outside the tick (see :class:`ForceDepth`'s median, taken once).

Each check's arithmetic is one compiled function on its slots of a state array
(``safety/slots.py``: its state and settings), returning a code that ``update`` turns
into its finding; the Supervisor's fused tick (``safety/fast_tick.py``) calls the same
function on a nominal tick. A new check must be called there as well (or make the tick
answer ``SLOW``), and added to ``tests/safety/test_fast_tick.py``.
"""

from backstroke.safety.checks.base import Finding, Measurement, SensorCheck
from backstroke.safety.checks.body_motion import BodyMotion
from backstroke.safety.checks.force_agreement import ForceAgreement
from backstroke.safety.checks.force_cone import ForceCone
from backstroke.safety.checks.force_depth import ForceDepth
from backstroke.safety.checks.sensor_health import SensorHealth

__all__ = [
    "BodyMotion",
    "Finding",
    "ForceAgreement",
    "ForceCone",
    "ForceDepth",
    "Measurement",
    "SensorCheck",
    "SensorHealth",
]
