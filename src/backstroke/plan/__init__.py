"""Planning: routine + body + tempo → one continuous, timed surface path (pure)."""

from backstroke.plan.plan import COLUMNS, Plan, PlanChunk, TimedSegment
from backstroke.plan.planner import Planner, compile_plan

__all__ = ["COLUMNS", "Plan", "PlanChunk", "Planner", "TimedSegment", "compile_plan"]
