"""The client file (DESIGN §6.4): one virtual client, every key optional.

Keys that are not given take the documented default; when the file gives a ``seed``
and leaves out a key, that key is drawn around the default from the population spread
below, so ``seed = N`` alone describes a whole random client. The same seed always
draws the same client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from backstroke.config import FieldError, StrictModel, load_toml, validate
from backstroke.errors import ClientError

# Thumb-strip lines run 2.5–4 cm lateral of the midline; knots are drawn near them.
KNOT_V_RANGE_M = (0.02, 0.06)


class KnotSpec(StrictModel):
    """A taut spot on the surface chart (u along the spine, v lateral in metres)."""

    u: float = Field(ge=0.0, le=1.0, description="0 = waist (PSIS level), 1 = C7")
    v: float = Field(ge=-0.20, le=0.20, description="metres from the midline, + = client's left")
    radius_m: float = Field(default=0.010, ge=0.0025, le=0.0125)
    stiffness_ratio: float = Field(default=2.0, ge=1.2, le=3.0)


class ScanSpec(StrictModel):
    """How a simulated backend's depth camera sees this back (DESIGN §6.4 ``[scan]``).

    The simulator scans its true body with these errors and the system plans on the
    body fitted to that scan; the robot presses on the truth.
    """

    noise_m: float = Field(default=0.0015, ge=0.0, le=0.01, description="depth noise, 1 sigma")
    registration_error_m: float = Field(default=0.005, ge=0.0, le=0.05)
    registration_error_deg: float = Field(default=2.0, ge=0.0, le=10.0)
    coverage: float = Field(default=0.9, ge=0.6, le=1.0, description="fraction of the back seen")


# name: (default, population standard deviation, low, high)
_ANTHRO: dict[str, tuple[float, float, float, float]] = {
    "height_m": (1.75, 0.08, 1.40, 2.10),
    "back_length_m": (0.51, 0.035, 0.40, 0.62),
    "shoulder_width_m": (0.40, 0.03, 0.32, 0.52),
    "waist_width_m": (0.30, 0.03, 0.22, 0.44),
    "adipose_m": (0.012, 0.005, 0.003, 0.040),
    "kyphosis_deg": (40.0, 8.0, 20.0, 65.0),
    "lordosis_deg": (45.0, 8.0, 20.0, 70.0),
    "stiffness_n_m": (2000.0, 300.0, 800.0, 4000.0),
    "softening_rate": (1.0, 0.25, 0.0, 3.0),
    "guarding": (0.5, 0.2, 0.0, 1.0),
    "breathing_rate_bpm": (14.0, 2.0, 8.0, 24.0),
}


def _bounded(name: str) -> Any:
    default, _, low, high = _ANTHRO[name]
    return Field(default=None, ge=low, le=high, description=f"default {default:g}")


class ClientSpec(StrictModel):
    """A virtual client; ``None`` fields are resolved by :meth:`resolved`."""

    name: str = Field(default="client", min_length=1, max_length=80)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    height_m: float | None = _bounded("height_m")
    back_length_m: float | None = _bounded("back_length_m")
    shoulder_width_m: float | None = _bounded("shoulder_width_m")
    waist_width_m: float | None = _bounded("waist_width_m")
    adipose_m: float | None = _bounded("adipose_m")
    kyphosis_deg: float | None = _bounded("kyphosis_deg")
    lordosis_deg: float | None = _bounded("lordosis_deg")
    stiffness_n_m: float | None = _bounded("stiffness_n_m")
    softening_rate: float | None = _bounded("softening_rate")
    guarding: float | None = _bounded("guarding")
    breathing_rate_bpm: float | None = _bounded("breathing_rate_bpm")
    knots: list[KnotSpec] | None = Field(default=None, max_length=12)
    scan: ScanSpec | None = Field(
        default=None, description="simulated backends: plan on a scan of the body (None: exact)"
    )

    @model_validator(mode="after")
    def _widths_consistent(self) -> ClientSpec:
        sw, ww = self.shoulder_width_m, self.waist_width_m
        if sw is not None and ww is not None and ww > sw:
            raise FieldError(
                "waist_width_m",
                f"the waist must not be wider than the shoulders (shoulder_width_m = {sw:g})",
                value=ww,
                allowed=f"{_ANTHRO['waist_width_m'][2]:g} to shoulder_width_m = {sw:g}",
            )
        return self

    @model_validator(mode="after")
    def _knots_on_back(self) -> ClientSpec:
        for i, k in enumerate(self.knots or ()):
            half = _narrowest_half_width_m(
                k.u, self.shoulder_width_m, self.waist_width_m, seeded=self.seed is not None
            )
            if abs(k.v) > half:
                raise FieldError(
                    f"knots[{i}].v",
                    f"off the back at u = {k.u:g} (outside the surface chart)",
                    value=k.v,
                    allowed=f"-{half:.3g} to {half:.3g} at u = {k.u:g} (half the back's width)",
                )
        return self

    def resolved(self) -> ClientSpec:
        """Every field filled: given values kept, others default or drawn from ``seed``."""
        rng = np.random.default_rng(self.seed) if self.seed is not None else None
        values: dict[str, Any] = self.model_dump()
        for key, (default, sd, low, high) in _ANTHRO.items():
            drawn = default if rng is None else float(np.clip(rng.normal(default, sd), low, high))
            if values[key] is None:
                values[key] = round(drawn, 6)
        # A drawn waist must stay narrower than a given shoulder width.
        values["waist_width_m"] = min(values["waist_width_m"], values["shoulder_width_m"])
        if values["knots"] is None:
            values["knots"] = [] if rng is None else [k.model_dump() for k in random_knots(rng)]
        if values["seed"] is None:
            values["seed"] = 0
        return ClientSpec.model_validate(values)

    def value(self, key: str) -> float:
        """A resolved float field; raises ``ClientError`` if still unresolved."""
        v = getattr(self, key)
        if v is None:
            raise ClientError("client is not resolved; call resolved() first", key=key)
        return float(v)


def _narrowest_half_width_m(
    u: float, shoulder_m: float | None, waist_m: float | None, *, seeded: bool
) -> float:
    """Half the back's projected width at ``u``, for the narrowest back the file allows.

    Widths not given take their default, or with a seed (which may draw them) the low end
    of their range, so a knot inside this bound stays on the chart however the client is
    resolved. The chart reaches a little further (``v`` is measured on the curved skin).
    """
    col = 2 if seeded else 0
    sw = shoulder_m if shoulder_m is not None else _ANTHRO["shoulder_width_m"][col]
    ww = min(waist_m if waist_m is not None else _ANTHRO["waist_width_m"][col], sw)
    rise = min(max((u - 0.2) / 0.6, 0.0), 1.0)
    rise = rise * rise * (3 - 2 * rise)
    return 0.5 * (ww + (sw - ww) * rise)


def random_knots(rng: np.random.Generator, max_knots: int = 5) -> list[KnotSpec]:
    """0..``max_knots`` knots on the erector spinae, at least 4 cm apart along u."""
    n = int(rng.integers(0, max_knots + 1))
    knots: list[KnotSpec] = []
    tries = 0
    while len(knots) < n and tries < 200:
        tries += 1
        u = float(rng.uniform(0.12, 0.88))
        side = 1.0 if rng.random() < 0.5 else -1.0
        v = side * float(rng.uniform(0.026, 0.034))  # on the thumb-strip lines
        if any(abs(u - k.u) < 0.08 and np.sign(k.v) == side for k in knots):
            continue
        knots.append(
            KnotSpec(
                u=round(u, 4),
                v=round(v, 4),
                radius_m=round(float(rng.uniform(0.004, 0.0075)), 4),
                stiffness_ratio=round(float(rng.uniform(1.6, 2.5)), 3),
            )
        )
    return knots


DEFAULT_CLIENT_FILE = Path(__file__).with_name("clients") / "default.toml"


def bundled_clients() -> list[str]:
    """Names of the clients shipped with backstroke (``--client NAME`` finds them)."""
    return sorted(f.stem for f in DEFAULT_CLIENT_FILE.parent.glob("*.toml"))


def client_file_path(path: str | Path | None = None) -> Path:
    """The file behind ``--client``: a path, a bundled client's name (``guarded``), or
    ``None`` for the shipped default client."""
    p = DEFAULT_CLIENT_FILE if path is None else Path(path)
    if path is not None and not p.exists() and p.suffix == "" and len(p.parts) == 1:
        if p.name not in bundled_clients():
            raise ClientError(
                "no such file or bundled client",
                path=p,
                allowed="a TOML file or " + ", ".join(bundled_clients()),
            )
        p = DEFAULT_CLIENT_FILE.with_name(f"{p.name}.toml")
    return p


def load_client(path: str | Path | None = None) -> ClientSpec:
    """Load and resolve a client file, or a bundled client by name (``guarded``);
    ``None`` loads the shipped default client."""
    p = client_file_path(path)
    data = load_toml(p, ClientError)
    return validate(ClientSpec, data, path=p, error=ClientError).resolved()


def random_client(seed: int) -> ClientSpec:
    """A whole random client from a seed (what ``seed = N`` alone in a file gives)."""
    return ClientSpec(name=f"random-{seed}", seed=seed).resolved()
