"""The report's plotly figures, each with a title and a one-line "what this shows".

Units for people: centimetres on the back, cm/s for speed, N for force, N/cm² for
pressure, N/m for stiffness. Data arrays go in as float32 (plotly stores them as
compact binary), and uniform time series use ``x0``/``dx`` instead of a time array.
"""

from backstroke.report.figures.back_map import back_map_figure
from backstroke.report.figures.breathing import breathing_figure
from backstroke.report.figures.force import force_figure
from backstroke.report.figures.history import history_figure
from backstroke.report.figures.softening import softening_figure
from backstroke.report.figures.speed import beat_times_s, speed_figure
from backstroke.report.figures.style import TEMPLATE, TOOL_COLOURS, ReportFigure
from backstroke.report.figures.trust import trust_figure

__all__ = [
    "TEMPLATE",
    "TOOL_COLOURS",
    "ReportFigure",
    "back_map_figure",
    "beat_times_s",
    "breathing_figure",
    "force_figure",
    "history_figure",
    "softening_figure",
    "speed_figure",
    "trust_figure",
]
