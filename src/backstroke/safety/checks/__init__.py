"""The Supervisor's sensor checks: small objects it loops over every tick.

Each check reads one tick's measurement and returns a :class:`Finding` or ``None``;
the Supervisor acts on findings (a retreat, or the stricter limits after a sign that
the client moved).
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
