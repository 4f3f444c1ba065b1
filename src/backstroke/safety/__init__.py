"""Safety: the Supervisor (the only path to a Robot) and its limits."""

from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import SafetyEvent, Supervisor

__all__ = ["SafetyEvent", "SafetyLimits", "Supervisor"]
