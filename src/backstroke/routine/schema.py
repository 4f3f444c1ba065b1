"""Routine files: a therapist's signature massage as TOML (validated, one-line errors).

A routine has an intention (``spa`` or ``sports``), a tempo, a pressure scale, speed
limits and an ordered list of blocks (``backstroke.routine.blocks``). Each block is one
technique; its keys are checked against that technique, so a key that does not apply
is an error.

Transitions between blocks are planned automatically (a light glide on the skin).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from backstroke.config import FieldError, StrictModel
from backstroke.routine.blocks import (
    DEFAULT_REST_S,
    NOMINAL_BREATH_S,
    SPEED_CEILING_M_S,
    SPEED_FLOOR_M_S,
    THUMB_RETURN_MIN_M_S,
    Block,
    ForearmBlock,
    GlideBlock,
    RestBlock,
    Side,
    ThumbStripBlock,
)
from backstroke.tools import TOOLS

__all__ = [
    "DEFAULT_REST_S",
    "NOMINAL_BREATH_S",
    "SPEED_CEILING_M_S",
    "SPEED_FLOOR_M_S",
    "THUMB_RETURN_MIN_M_S",
    "Block",
    "ForearmBlock",
    "GlideBlock",
    "Intention",
    "RestBlock",
    "Routine",
    "Side",
    "SpeedLimits",
    "ThumbStripBlock",
]

Intention = Literal["spa", "sports"]


class SpeedLimits(StrictModel):
    """Surface-speed and jerk limits for every stroke (SI units)."""

    default_m_s: float = Field(default=0.03, ge=SPEED_FLOOR_M_S, le=SPEED_CEILING_M_S)
    max_m_s: float = Field(default=SPEED_CEILING_M_S, ge=SPEED_FLOOR_M_S, le=SPEED_CEILING_M_S)
    max_accel_m_s2: float = Field(default=0.1, gt=0.0, le=0.5)
    max_jerk_m_s3: float = Field(default=0.5, gt=0.0, le=5.0)

    @model_validator(mode="after")
    def _ordered(self) -> SpeedLimits:
        if self.default_m_s > self.max_m_s:
            raise FieldError(
                "default_m_s",
                f"must not exceed max_m_s ({self.max_m_s:g})",
                value=self.default_m_s,
                allowed=f"{SPEED_FLOOR_M_S:g} to max_m_s = {self.max_m_s:g}",
            )
        return self


class Routine(StrictModel):
    """A whole massage: intention, tempo, pressure and the ordered blocks."""

    name: str = Field(default="routine", min_length=1, max_length=80)
    description: str = Field(default="", max_length=2000)
    intention: Intention = "spa"
    bpm: float = Field(default=60.0, ge=30.0, le=200.0, description="when no music is given")
    pressure_scale: float = Field(default=1.0, ge=0.5, le=1.5)
    transition_force_n: float = Field(default=4.0, ge=1.0, le=10.0)
    start_force_fraction: float = Field(
        default=0.7, ge=0.3, le=1.0, description="of target, until the client trusts"
    )
    breath_paced: bool = Field(
        default=False, description="deepen the force only on the exhale (breathing phase)"
    )
    speed: SpeedLimits = Field(default_factory=SpeedLimits)
    blocks: list[Block] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _forces_after_scale(self) -> Routine:
        for i, b in enumerate(self.blocks):
            scaled = b.target_force_n * self.pressure_scale
            limit = TOOLS[b.tool()].max_force_n
            if scaled > limit:
                raise FieldError(
                    f"blocks[{i}].target_force_n",
                    f"× pressure_scale {self.pressure_scale:g} = {scaled:g} N exceeds the "
                    f"{b.tool()} limit of {limit:g} N",
                    value=b.target_force_n,
                    allowed=f"at most {limit / self.pressure_scale:g} with pressure_scale "
                    f"{self.pressure_scale:g}",
                )
            # (the default speed is within max_m_s: only a block's own speeds can exceed it)
            for key, speed in b.speeds_m_s(self.speed.default_m_s):
                if speed > self.speed.max_m_s:
                    raise FieldError(
                        f"blocks[{i}].{key}",
                        f"exceeds speed.max_m_s ({self.speed.max_m_s:g})",
                        value=speed,
                        allowed=f"{SPEED_FLOOR_M_S:g} to speed.max_m_s = {self.speed.max_m_s:g}",
                    )
        return self
