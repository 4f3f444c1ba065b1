"""How many passes a stroke block runs: a fixed count, or until the tissue softens."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from backstroke.config import FieldError, StrictModel

# The stiffness drop that counts as softening unless a block says otherwise.
DEFAULT_SOFTENING_THRESHOLD = 0.05


class Repeat(StrictModel):
    """How many passes: a fixed count, or until the tissue softens."""

    passes: int | None = Field(default=None, ge=1, le=50)
    until: Literal["softening"] | None = None
    min_passes: int = Field(default=2, ge=1, le=50)
    max_passes: int = Field(default=8, ge=1, le=50)
    threshold: float = Field(
        default=DEFAULT_SOFTENING_THRESHOLD, ge=0.005, le=0.5, description="stiffness drop"
    )

    @model_validator(mode="after")
    def _one_policy(self) -> Repeat:
        if self.passes is None and self.until is None:
            raise FieldError(
                "passes",
                "no repeat policy: give either 'passes = N' or 'until = \"softening\"'",
                allowed='passes = 1..50, or until = "softening"',
            )
        if self.passes is not None and self.until is not None:
            raise FieldError(
                "until",
                "give 'passes' or 'until', not both",
                value=self.until,
                allowed='passes = N alone, or until = "softening" alone',
            )
        if self.min_passes > self.max_passes:
            raise FieldError(
                "min_passes",
                f"must not exceed max_passes ({self.max_passes})",
                value=self.min_passes,
                allowed=f"at most max_passes = {self.max_passes}",
            )
        return self

    @property
    def planned_passes(self) -> int:
        """Passes the static plan contains (the runner may add more, up to max)."""
        return self.passes if self.passes is not None else self.min_passes

    @property
    def most_passes(self) -> int:
        return self.passes if self.passes is not None else self.max_passes
