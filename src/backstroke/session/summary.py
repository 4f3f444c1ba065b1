"""The typed session summary (DESIGN §6.2): what ``summary.json`` holds.

Every figure is what the robot *measured* (its force sensor and pose), never a command.
A simulated backend adds ``sim_truth``: what the simulated client actually received.
The JSON Schema of this model is the published contract (``backstroke schema summary``,
``docs/summary.schema.json``); ``schema_version`` changes with every incompatible edit.

Readers (report, store, sweep, the MCAP ``/summary`` channel) load a summary with
:func:`load_summary` and use attributes, not string keys.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from backstroke.errors import BackstrokeError

SCHEMA_VERSION = 1


class _Strict(BaseModel):
    """Unknown keys are errors: a summary that drifts from the schema fails loudly."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Open(BaseModel):
    """Known keys are typed; a backend may add its own (kept, not validated)."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class MeanMax(_Strict):
    mean: float | None = None
    max: float | None = None


class ConeError(_Strict):
    """The measured force's angle off the tool axis under load (degrees), and the time
    spent outside the cone (s)."""

    mean: float | None = None
    max: float | None = None
    over_s: float = Field(default=0.0, ge=0.0)


class BlockSummary(_Strict):
    """One routine block as executed."""

    technique: str
    passes: int = Field(ge=0)
    softening_pass: int | None = Field(default=None, ge=0)
    stiffness_by_pass_n_m: list[float] = Field(default_factory=list)
    ended_because: str = ""
    force_scale: float = 1.0
    threshold: float | None = None
    force_changed_at: list[int] | None = Field(
        default=None,
        description="passes where the force changed (softening judged afresh from there)",
    )


class KnotDwell(_Open):
    """A dwell on a knot (``sense.knot_release``): where, when, how long, and whether the
    knot was heard to release (the stiffness under the thumb stopped falling) before the
    cap; ``stiffness_change`` is the last breath's stiffness against the first."""

    u: float
    v: float
    t_s: float | None = None
    dwell_s: float = 0.0
    outcome: str
    stiffness_change: float | None = None


class KnotSummary(_Open):
    """A knot heard: chart point, frame-B position (m), strength vs its surroundings."""

    u: float
    v: float
    x_m: float | None = None
    y_m: float | None = None
    z_m: float | None = None
    stiffness_ratio: float
    passes_seen: int | None = None
    world_m: list[float] | None = Field(
        default=None, description="robot frame (m) when a scan was used"
    )
    dwell: KnotDwell | None = Field(default=None, description="what its dwell heard")


class BreathingSample(_Open):
    """One breathing-rate estimate: when (centre of what was heard), how fast, from what
    (``rest``: the rest hold's spectrum; ``stroke``: one pass's breathing fit)."""

    t_s: float
    rate_bpm: float
    source: str


class TrustSample(_Open):
    """The runner's trust estimate after a pass or a client signal (``sense.trust``):
    trust 0..1, the fraction of each block's target force it allows, and why it moved."""

    t_s: float
    trust: float = Field(ge=0.0, le=1.0)
    force_fraction: float | None = None
    why: str = ""


class TempoSummary(_Open):
    bpm: float
    source: str
    beat_step: int = 1
    beats_s: list[float] = Field(default_factory=list)
    turnarounds: int = 0
    worst_beat_error_ms: float | None = None
    median_beat_error_ms: float | None = None


class SafetyEventSummary(_Strict):
    t_s: float
    kind: str
    value: float
    limit: float
    action: str


class ClientSignal(_Open):
    """A press or word of the client: when, what, and where on the chart."""

    t_s: float
    kind: str
    u: float | None = None
    v: float | None = None


class LoopPeriod(_Open):
    """Wall-clock control loop period (ms) on real-time backends."""

    rate_hz: float
    p50: float
    p99: float


class SimTruth(_Open):
    """What the simulated client received (simulated backends only).

    Each backend adds its own figures (kept as extras); :meth:`in_source_order` gives
    them all, in the order the backend wrote them (the report's simulator-truth table).
    """

    _source_keys: list[str] = PrivateAttr(default_factory=list)

    max_force_n: float
    max_pressure_n_cm2: float
    limit_fraction_force: float | None = None
    limit_fraction_pressure: float | None = None
    contact_breaks: int | None = None
    too_much_episodes: int | None = None
    bone_contact_s: float | None = None
    surface_error_m: MeanMax | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _remember_order(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(model, SimTruth) and isinstance(data, dict):
            model._source_keys = [str(k) for k in data]
        return model

    @model_serializer(mode="wrap")
    def _dump_in_source_order(self, handler: SerializerFunctionWrapHandler) -> Any:
        """summary.json keeps the backend's keys and order (a rebuilt report shows the
        simulator-truth table exactly as the live one did)."""
        out = handler(self)
        if not self._source_keys or not isinstance(out, dict):
            return out
        return {k: out[k] for k in self._source_keys if k in out}

    def in_source_order(self) -> dict[str, Any]:
        """The figures the backend gave (JSON values), in its order; unset fields left out."""
        dumped = self.model_dump(mode="json", exclude_unset=True)
        keys = self._source_keys or list(dumped)
        return {k: dumped[k] for k in keys if k in dumped}

    def __eq__(self, other: object) -> bool:
        """Equal figures are equal truths, whatever order the backend wrote them in."""
        if not isinstance(other, SimTruth):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]


class InjectedFault(_Open):
    """A fault injected with ``--inject`` (simulated backends): what, when, did it fire."""

    kind: str
    param: float | None = None
    at_s: float | None = None
    fired: bool = False


class Summary(_Open):
    """One session's summary. Top-level keys are typed; extras are allowed so an older
    reader can open a newer file, but every documented key is validated.

    Optional keys added within schema_version 1 (compatible: older files still validate):
    ``skipped_techniques`` (techniques the client asked to skip, remembered by the client
    memory), ``regional_preference`` (the client's "more/less here" bumps: ``u``, ``v_m``,
    ``scale``, ``radius_m`` each), ``breathing_over_time`` (``t_s``, ``rate_bpm``,
    ``source`` of every breathing estimate), ``trust_over_time`` (``t_s``, ``trust``,
    ``force_fraction``, ``why``) and ``full_depth_t_s``, ``knot_dwells`` and
    ``knots[].dwell``, ``injected_faults``
    (``--inject``), ``log_error`` (why session.mcap could not be written in full),
    ``body`` (the scan registration's figures), ``force_cone_deg`` (the force's angle off
    the tool axis under load).
    """

    schema_version: int = SCHEMA_VERSION
    duration_s: float = Field(ge=0.0)
    sim_realtime_factor: float | None = None
    contact_breaks: int = Field(ge=0)
    force_rmse_n: float | None = None
    orientation_error_deg: MeanMax = Field(default_factory=MeanMax)
    contact_time_s: float | None = None
    force_cone_deg: ConeError | None = None
    max_normal_force_n: float
    max_pressure_n_cm2: float
    blocks: list[BlockSummary] = Field(default_factory=list)
    knots: list[KnotSummary] = Field(default_factory=list)
    knot_dwells: list[KnotDwell] = Field(
        default_factory=list, description="every dwell on a knot, in order"
    )
    breathing_rate_bpm: float | None = None
    breathing_over_time: list[BreathingSample] = Field(
        default_factory=list, description="the breathing rate heard over the session"
    )
    baseline_stiffness_n_m: float | None = None
    trust_over_time: list[TrustSample] = Field(
        default_factory=list, description="the trust heard, pass by pass, and the signals"
    )
    full_depth_t_s: float | None = Field(
        default=None, description="when trust first allowed the full target force (s)"
    )
    tempo: TempoSummary | None = None
    pressure_preference: float = 1.0
    regional_preference: list[dict[str, Any]] | None = None
    skipped_techniques: list[str] = Field(default_factory=list)
    safety_events: list[SafetyEventSummary] = Field(default_factory=list)
    client_signals: list[ClientSignal] = Field(default_factory=list)
    ended_because: str | None = None
    loop_period_ms: LoopPeriod | None = None
    seed: int | None = None
    backstroke_version: str = ""
    client: str | None = None
    routine: str | None = None
    intention: str | None = None
    backend: str | None = None
    notes: list[str] = Field(default_factory=list)
    injected_faults: list[InjectedFault] = Field(default_factory=list)
    log_error: str | None = None
    body: dict[str, Any] | None = None
    sim_truth: SimTruth | None = None

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v > SCHEMA_VERSION:
            raise ValueError(f"schema_version {v} is newer than this backstroke ({SCHEMA_VERSION})")
        return v

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict (extras included, None kept so every key is present)."""
        return self.model_dump(mode="json")


def summary_json_schema() -> dict[str, Any]:
    """The JSON Schema of summary.json (draft 2020-12, as pydantic emits it)."""
    schema = Summary.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"backstroke-summary-v{SCHEMA_VERSION}"
    return schema


def validate_summary(data: Any, source: str = "summary") -> Summary:
    """A Summary from a parsed JSON object; one-line error naming the key otherwise."""
    if not isinstance(data, dict):
        raise BackstrokeError(f"{source}: not a JSON object")
    try:
        _reject_non_finite(data, source)
        return Summary.model_validate(data)
    except RecursionError:
        raise BackstrokeError(f"{source}: not a summary (nested too deeply)") from None
    except ValidationError as exc:
        errors = exc.errors()
        # A wrong value the file has says more than a key it lacks: name that first.
        err = next((e for e in errors if e["type"] != "missing"), errors[0])
        where = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise BackstrokeError(f"{source}: {where}: {err['msg']}") from None


def load_summary(path: Path) -> Summary:
    """Read and validate a summary.json; BackstrokeError (exit 2) with one line if bad."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BackstrokeError(f"{path}: cannot read: {exc.__class__.__name__}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackstrokeError(f"{path}: not valid JSON (line {exc.lineno})") from None
    except RecursionError:
        raise BackstrokeError(f"{path}: not a summary (nested too deeply)") from None
    return validate_summary(data, str(path))


def _reject_non_finite(obj: Any, source: str, where: str = "") -> None:
    """Reject NaN/inf anywhere (extras included): JSON has no such numbers."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise BackstrokeError(f"{source}: {where or '(top)'}: {obj} is not a finite number")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _reject_non_finite(v, source, f"{where}.{k}" if where else str(k))
    elif isinstance(obj, list):
        for j, v in enumerate(obj):
            _reject_non_finite(v, source, f"{where}.{j}" if where else str(j))
