"""Control: hybrid force/position control at the control rate."""

from backstroke.control.force_controller import ControllerGains, ForceController

__all__ = ["ControllerGains", "ForceController"]
