"""The simulated client: soft tissue over bone, knots, softening, trust, breathing.

Only the simulated robot backends (``robot/``) and tests/benchmarks may import this
package (DESIGN §2): the controller and the estimators know the client only through
what a robot measures.
"""

from backstroke.tissue.breathing import Breathing
from backstroke.tissue.fields import TissueFields, ToolFields
from backstroke.tissue.grid import ChartGrid, SurfaceTables
from backstroke.tissue.mechanics import indentation_for_force_m, pad_force_array_n, pad_force_n
from backstroke.tissue.model import SIGNALS, Tissue
from backstroke.tissue.params import TOOL_STIFFNESS_FACTOR, TissueParams

__all__ = [
    "SIGNALS",
    "TOOL_STIFFNESS_FACTOR",
    "Breathing",
    "ChartGrid",
    "SurfaceTables",
    "Tissue",
    "TissueFields",
    "TissueParams",
    "ToolFields",
    "indentation_for_force_m",
    "pad_force_array_n",
    "pad_force_n",
]
