"""The blocks of a routine: one technique each, its keys checked against it.

Each block model also answers, the same way for every technique, what the session does
with it: how many passes (``planned_passes``, ``most_passes``, ``min_passes``,
``until``), whether and how it listens (``listens_for_softening``,
``softening_threshold``, ``has_strokes``, ``hears_breathing``, ``hears_knots``), whether
it dwells on knots (``dwells``), its speeds and an estimate of one pass
(``estimated_pass_s``). What it plans per pass is its technique's
(``backstroke.technique.protocol``); the planner, runner and listener never ask which
kind a block is.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from backstroke.config import FieldError, StrictModel
from backstroke.routine.repeat import DEFAULT_SOFTENING_THRESHOLD, Repeat
from backstroke.tools import TOOLS, Tool

Side = Literal["both", "left", "right"]

# Surface speed is always within 1–10 cm/s (DESIGN §1); a routine may narrow it.
SPEED_FLOOR_M_S = 0.01
SPEED_CEILING_M_S = 0.10
# A thumb's return to the next lane glides at least this fast unless the block says.
THUMB_RETURN_MIN_M_S = 0.04
# A resting breath at 15 breaths/min, for rests given in breaths; a rest given neither
# way lasts DEFAULT_REST_S.
NOMINAL_BREATH_S = 4.0
DEFAULT_REST_S = 16.0
# A duration estimate's stroke leg runs at this share of the block's speed (the planner
# aims the mean speed at 90 % of the cruise speed).
_MEAN_SPEED_SHARE = 0.9
# The innermost thumb lane clear of the spinous processes (m from the midline), and the
# mean length of a band's lanes relative to the inner ones (the outer lanes stop below
# the scapulae): for the duration estimate.
_THUMB_INNER_M = 0.022
_THUMB_LANE_LENGTH = 0.75


def _not_both(block: StrictModel, first: str, second: str) -> None:
    """Two keys that say the same thing two ways: a block gives one or neither."""
    if getattr(block, first) is not None and getattr(block, second) is not None:
        raise FieldError(
            second,
            f"give {first} or {second}, not both",
            value=getattr(block, second),
            allowed=f"{first} alone, or {second} alone",
        )


class _BlockBase(StrictModel):
    target_force_n: float = Field(gt=0.0, le=45.0)
    tilt_deg: float = Field(default=6.0, ge=0.0, le=10.0, description="behind the stroke")

    def tool(self) -> Tool:
        raise NotImplementedError

    # The block's half of the technique protocol; these defaults are a block that holds
    # still for one pass (``rest``), strokes override them.
    @property
    def planned_passes(self) -> int:
        """Passes the static plan contains (the runner may add more, up to most)."""
        return 1

    @property
    def most_passes(self) -> int:
        return 1

    @property
    def min_passes(self) -> int:
        return 1

    @property
    def until(self) -> Literal["softening"] | None:
        return None

    @property
    def listens_for_softening(self) -> bool:
        """Passes repeat until the tissue softens (within min..most passes)."""
        return self.until is not None

    @property
    def softening_threshold(self) -> float:
        return DEFAULT_SOFTENING_THRESHOLD

    # A pass moves along the skin (its stiffness profile is heard); it gives the
    # breathing rate and baseline stiffness; its strips go to the knot finder.
    has_strokes: ClassVar[bool] = False
    hears_breathing: ClassVar[bool] = False
    hears_knots: ClassVar[bool] = False

    @property
    def dwells(self) -> bool:
        """Later passes dwell on the knots found."""
        return False

    @property
    def dwell_beats_per_knot(self) -> int:
        """Beats of one dwell on a knot (0: the block does not dwell)."""
        return 0

    def speed_or(self, default_m_s: float) -> float:
        """The block's cruise surface speed (m/s), else the routine's default."""
        return default_m_s

    def speeds_m_s(self, default_m_s: float) -> list[tuple[str, float]]:
        """Every surface speed the block asks for, by its key (for the routine's limit)."""
        return [("speed_m_s", self.speed_or(default_m_s))]

    def estimated_pass_s(
        self, back_length_m: float, period_s: float, default_speed_m_s: float
    ) -> float:
        """One pass's estimated duration (s), before anything is planned."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _force_within_tool(self) -> _BlockBase:
        spec = TOOLS[self.tool()]
        if self.target_force_n > spec.max_force_n:
            raise FieldError(
                "target_force_n",
                f"exceeds the {spec.tool} limit of {spec.max_force_n:g} N",
                value=self.target_force_n,
                allowed=f"more than 0, at most {spec.max_force_n:g} for the {spec.tool}",
            )
        if self.tilt_deg > spec.max_tilt_deg:
            raise FieldError(
                "tilt_deg",
                f"exceeds {spec.max_tilt_deg:g}° for the {spec.tool}",
                value=self.tilt_deg,
                allowed=f"0 to {spec.max_tilt_deg:g} for the {spec.tool}",
            )
        return self


class _StrokeBlock(_BlockBase):
    u_min: float = Field(default=0.08, ge=0.0, le=1.0, description="waist end")
    u_max: float = Field(default=0.92, ge=0.0, le=1.0, description="shoulder end")
    speed_m_s: float | None = Field(default=None, ge=SPEED_FLOOR_M_S, le=SPEED_CEILING_M_S)
    beats_per_stroke: int | None = Field(default=None, ge=1, le=64)
    repeat: Repeat = Field(default_factory=lambda: Repeat(passes=3))

    @property
    def planned_passes(self) -> int:
        return self.repeat.planned_passes

    @property
    def most_passes(self) -> int:
        return self.repeat.most_passes

    @property
    def min_passes(self) -> int:
        return self.repeat.min_passes

    @property
    def until(self) -> Literal["softening"] | None:
        return self.repeat.until

    @property
    def softening_threshold(self) -> float:
        return self.repeat.threshold

    has_strokes: ClassVar[bool] = True

    def speed_or(self, default_m_s: float) -> float:
        return self.speed_m_s if self.speed_m_s is not None else default_m_s

    def legs_per_pass(self) -> float:
        """Stroke legs one pass runs, each ``u_min``..``u_max`` (for the estimate)."""
        return 2

    def estimated_pass_s(
        self, back_length_m: float, period_s: float, default_speed_m_s: float
    ) -> float:
        """Every leg covers ``(u_max - u_min) × back length`` at the block's speed (the
        planner aims the mean at 90 % of it), or lasts ``beats_per_stroke`` beats."""
        leg_m = (self.u_max - self.u_min) * back_length_m
        if self.beats_per_stroke is not None:
            leg_s = self.beats_per_stroke * period_s
        else:
            leg_s = leg_m / (_MEAN_SPEED_SHARE * self.speed_or(default_speed_m_s))
        return self.legs_per_pass() * max(leg_s, period_s)

    @model_validator(mode="after")
    def _region(self) -> _StrokeBlock:
        if self.u_max - self.u_min < 0.1:
            raise FieldError(
                "u_max",
                f"u_max - u_min must be at least 0.1 (u_min = {self.u_min:g})",
                value=self.u_max,
                allowed=f"u_min + 0.1 = {self.u_min + 0.1:g} to 1",
            )
        _not_both(self, "speed_m_s", "beats_per_stroke")
        return self


class RestBlock(_BlockBase):
    """Both palms resting on the upper back: listen, breathe."""

    technique: Literal["rest"]
    target_force_n: float = Field(default=6.0, gt=0.0, le=15.0)
    u: float = Field(default=0.78, ge=0.3, le=0.95, description="where the palms rest")
    duration_s: float | None = Field(default=None, ge=2.0, le=300.0)
    breaths: int | None = Field(default=None, ge=1, le=40)
    tilt_deg: float = Field(default=0.0, ge=0.0, le=10.0)

    hears_breathing: ClassVar[bool] = True

    def tool(self) -> Tool:
        return Tool.PALMS

    @property
    def hold_s(self) -> float:
        """How long the palms rest (s): ``duration_s``, or its breaths at 4 s each."""
        if self.duration_s is not None:
            return self.duration_s
        if self.breaths is not None:
            return self.breaths * NOMINAL_BREATH_S
        return DEFAULT_REST_S

    def estimated_pass_s(
        self, back_length_m: float, period_s: float, default_speed_m_s: float
    ) -> float:
        return self.hold_s

    @model_validator(mode="after")
    def _one_duration(self) -> RestBlock:
        _not_both(self, "duration_s", "breaths")
        return self


class GlideBlock(_StrokeBlock):
    """Palms either side of the spine: down to the waist and back to the shoulders."""

    technique: Literal["glide"]

    def tool(self) -> Tool:
        return Tool.PALMS


class _LightMovesBlock(_StrokeBlock):
    """A block whose strokes are joined by light palm moves inside a pass (the thumb's
    returns to the next lane, the forearm's cross to the other side)."""

    transition_speed_m_s: float | None = Field(
        default=None,
        ge=SPEED_FLOOR_M_S,
        le=SPEED_CEILING_M_S,
        description="cruise speed of the light moves between strokes",
    )

    def transition_speed_or(self, stroke_speed_m_s: float) -> float:
        """The light moves' cruise speed (m/s): ``transition_speed_m_s`` when given,
        else the strokes' speed."""
        if self.transition_speed_m_s is not None:
            return self.transition_speed_m_s
        return stroke_speed_m_s

    def speeds_m_s(self, default_m_s: float) -> list[tuple[str, float]]:
        out = super().speeds_m_s(default_m_s)
        if self.transition_speed_m_s is not None:
            out.append(("transition_speed_m_s", self.transition_speed_m_s))
        return out


class ForearmBlock(_LightMovesBlock):
    """Fleshy forearm along the paraspinals and latissimus, clear of bony landmarks."""

    technique: Literal["forearm"]
    side: Side = "both"
    lateral_m: float = Field(default=0.075, ge=0.05, le=0.12, description="path from midline")
    u_max: float = Field(default=0.55, ge=0.0, le=1.0)
    u_min: float = Field(default=0.10, ge=0.0, le=1.0)

    def tool(self) -> Tool:
        return Tool.FOREARM

    def legs_per_pass(self) -> float:
        """Down and up on each side."""
        return 2 * _sides(self.side)


def _sides(side: Side) -> int:
    return 2 if side == "both" else 1


ThumbCover = Literal["band", "line"]


class ThumbStripBlock(_LightMovesBlock):
    """Thumbs up the erector spinae from L5 to T1, always upward; finds knots.

    ``cover = "band"`` (the default) runs lanes ``lane_spacing_m`` apart across the
    paraspinal band ``band_m`` (from the midline, clear of bone), so a knot anywhere on
    the long muscles lies within half a spacing of a lane; a block with a fixed number
    of passes shares the lanes out over its passes (one coverage of the band per block),
    a block listening for softening runs every lane each pass. ``cover = "line"`` is one
    lane per side at ``lateral_m`` (giving ``lateral_m`` alone implies it).
    """

    technique: Literal["thumb_strip"]
    side: Side = "both"
    cover: ThumbCover | None = Field(default=None, description='"band" unless lateral_m is given')
    lateral_m: float = Field(default=0.03, ge=0.025, le=0.04, description="from the midline")
    band_m: tuple[float, float] = Field(
        default=(0.02, 0.07), description="inner and outer edge of the band from the midline"
    )
    lane_spacing_m: float = Field(default=0.006, ge=0.004, le=0.02)
    u_min: float = Field(default=0.09, ge=0.0, le=1.0, description="L5")
    u_max: float = Field(default=0.95, ge=0.0, le=1.0, description="T1")
    dwell_on_knots: bool = False
    dwell_beats: int = Field(default=4, ge=1, le=16)

    @field_validator("band_m", mode="before")
    @classmethod
    def _band_from_list(cls, x: object) -> object:
        """A TOML array ``[inner, outer]`` is a list: strict validation wants a tuple."""
        return tuple(x) if isinstance(x, list) else x

    def tool(self) -> Tool:
        return Tool.THUMB

    hears_knots: ClassVar[bool] = True

    @property
    def dwells(self) -> bool:
        return self.dwell_on_knots

    @property
    def dwell_beats_per_knot(self) -> int:
        return self.dwell_beats

    def transition_speed_or(self, stroke_speed_m_s: float) -> float:
        """A return is a quick light glide: at least ``THUMB_RETURN_MIN_M_S`` unless
        ``transition_speed_m_s`` says otherwise."""
        if self.transition_speed_m_s is not None:
            return self.transition_speed_m_s
        return max(stroke_speed_m_s, THUMB_RETURN_MIN_M_S)

    def legs_per_pass(self) -> float:
        """Up and back on each side; covering the band, one and a half per lane (a return
        is quicker than a strip), its lanes shared out over its passes."""
        if not self.covers_band:
            return 2 * _sides(self.side)
        inner, outer = self.band_m
        lanes = round(max(outer - max(inner, _THUMB_INNER_M), 0.0) / self.lane_spacing_m) + 1
        share = self.repeat.planned_passes if self.repeat.until is None else 1
        per_side = max(1.0, -(-lanes // min(share, lanes)) * _THUMB_LANE_LENGTH)
        return 1.5 * _sides(self.side) * per_side

    @property
    def covers_band(self) -> bool:
        """Lanes across the band (else one line per side at ``lateral_m``)."""
        if self.cover is not None:
            return self.cover == "band"
        return "lateral_m" not in self.model_fields_set

    @model_validator(mode="after")
    def _band(self) -> ThumbStripBlock:
        inner, outer = self.band_m
        if not (0.015 <= inner < outer <= 0.09):
            raise FieldError(
                "band_m",
                "needs 0.015 <= inner < outer <= 0.09 (m from the midline)",
                value=list(self.band_m),
                allowed="[inner, outer] with 0.015 <= inner < outer <= 0.09",
            )
        if self.cover == "band" and "lateral_m" in self.model_fields_set:
            raise FieldError(
                "lateral_m",
                'applies to cover = "line" only',
                value=self.lateral_m,
                allowed='leave it out, or set cover = "line"',
            )
        return self


Block = Annotated[
    RestBlock | GlideBlock | ForearmBlock | ThumbStripBlock, Field(discriminator="technique")
]
