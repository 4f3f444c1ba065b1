"""A population of virtual clients, drawn from documented body and tissue distributions.

Client ``i`` of the population with seed ``S`` is drawn from its own generator
``numpy.random.default_rng([S, i])``, so it is the same client whatever the population
size: a population of 1000 starts with the population of 12 (a sweep can grow).

Each client has two latent traits that are not client-file keys but tie the others
together: sex (half female, half male) and age (uniform 20–70 years). The distributions
below, and where each comes from, are listed in ``docs/sweep.md``:

======================  ==========================================================
key                     distribution (clipped to the client file's allowed range)
======================  ==========================================================
height_m                normal by sex: F 1.629 ± 0.064, M 1.756 ± 0.069 (ANSUR II stature)
back_length_m           0.51 × height / 1.75 × normal(1, 0.045) (DESIGN §5: 0.51 ± 0.035)
shoulder_width_m        normal by sex: F 0.366 ± 0.018, M 0.416 ± 0.019, + 0.5 r with
                        height (ANSUR II biacromial breadth)
waist_width_m           normal by sex: F 0.298 ± 0.032, M 0.318 ± 0.030 (ANSUR II waist
                        breadth, rounded), kept at least 2 cm under the shoulders
adipose_m               lognormal, median F 13 mm, M 10 mm, σ_log 0.35, + with waist
                        width (DESIGN §5 default 12 ± 5 mm; ultrasound back fat 3–40 mm)
kyphosis_deg            26 + 0.3 × (age − 20) ± 8 (Fon et al. 1980: rises with age)
lordosis_deg            normal 45 ± 9, +3 F (Been & Kalichman 2014 review)
stiffness_n_m           lognormal, median 2000 × (1 + 0.004 × (age − 20)) × (0.92 F),
                        σ_log 0.15 (MyotonPRO: stiffer with age and in men; DESIGN §5)
softening_rate          lognormal median 1, σ_log 0.3; 8 % barely soften (0–0.2)
guarding                beta(2.5, 2.5): mean 0.5, sd 0.2
breathing_rate_bpm      normal 14 ± 2, clipped 10–20 (DESIGN §5: 12–20 at rest)
knots                   Poisson(1.5), at most 5; radius 2.5–7.5 mm (5–15 mm across),
                        stiffness ratio normal 2.0 ± 0.3 (DESIGN §5: about 2×), on the
                        thumb-strip lines 2.4–3.8 cm from the midline, u 0.12–0.88
======================  ==========================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.body.client_file import ClientSpec, KnotSpec
from backstroke.errors import BackstrokeError

SEED_MAX = 2**32 - 1
MAX_KNOTS = 5
KNOT_V_LINE_M = (0.024, 0.038)
KNOT_U_RANGE = (0.12, 0.88)
KNOT_MIN_DU = 0.08  # knots on the same side at least this far apart along u


@dataclass(frozen=True)
class VirtualClient:
    """One drawn client: the client-file values, the latents and the session seed.

    Attributes:
        name: client name, ``p<S>-<i>`` (population seed, index).
        index: position ``i`` in the population.
        values: client-file keys → values (floats in SI units, ``knots`` a list of dicts).
        sex: ``"F"`` or ``"M"`` (latent, written as a comment).
        age_y: age in years (latent, written as a comment).
        session_seed: the seed its sessions run with (``backstroke run --seed``).
    """

    name: str
    index: int
    values: dict[str, Any]
    sex: str
    age_y: float
    session_seed: int
    population_seed: int = 0
    knots: list[dict[str, float]] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.name}.toml"

    def spec(self) -> ClientSpec:
        """The validated client (raises ``ClientError`` if a drawn value were out of range)."""
        return ClientSpec.model_validate({**self.values, "knots": self.knots}).resolved()

    def toml(self) -> str:
        """The client file's text (DESIGN §6.4): every key explicit, so the file stands alone."""
        lines = [
            f"# Virtual client {self.index} of population seed {self.population_seed} "
            "(backstroke sweep).",
            f"# Latent traits: sex {self.sex}, age {self.age_y:.0f} years. "
            "Distributions: docs/sweep.md.",
            f'name = "{self.name}"',
            f"seed = {self.session_seed}",
        ]
        for key, value in self.values.items():
            if key in ("name", "seed"):
                continue
            lines.append(f"{key} = {_num(value)}")
        if not self.knots:  # stated, or the file's seed would draw knots
            lines.append("knots = []")
        for k in self.knots:
            lines += ["", "[[knots]]"] + [f"{key} = {_num(val)}" for key, val in k.items()]
        return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return repr(float(x))


def _clip(x: float, low: float, high: float, digits: int) -> float:
    return round(min(max(float(x), low), high), digits)


def draw_client(population_seed: int, index: int) -> VirtualClient:
    """Client ``index`` of the population with seed ``population_seed`` (see module doc)."""
    if not 0 <= population_seed <= SEED_MAX:
        raise BackstrokeError(f"--seed {population_seed} outside 0..{SEED_MAX}")
    rng = np.random.default_rng([population_seed, index])
    female = bool(rng.random() < 0.5)
    age_y = float(rng.uniform(20.0, 70.0))
    z_height = float(rng.normal())
    h_mean, h_sd = (1.629, 0.064) if female else (1.756, 0.069)
    height_m = _clip(h_mean + h_sd * z_height, 1.40, 2.10, 4)
    back_length_m = _clip(0.51 * height_m / 1.75 * rng.normal(1.0, 0.045), 0.40, 0.62, 4)
    sw_mean, sw_sd = (0.366, 0.018) if female else (0.416, 0.019)
    z_sw = 0.5 * z_height + math.sqrt(0.75) * float(rng.normal())
    shoulder_m = _clip(sw_mean + sw_sd * z_sw, 0.32, 0.52, 4)
    ww_mean, ww_sd = (0.298, 0.032) if female else (0.318, 0.030)
    z_waist = float(rng.normal())
    waist_m = _clip(ww_mean + ww_sd * z_waist, 0.22, min(0.44, shoulder_m - 0.02), 4)
    fat_median = 0.013 if female else 0.010
    adipose_m = _clip(
        fat_median * math.exp(0.35 * (0.6 * z_waist + 0.8 * float(rng.normal()))), 0.003, 0.040, 5
    )
    kyphosis = _clip(26.0 + 0.3 * (age_y - 20.0) + 8.0 * rng.normal(), 20.0, 65.0, 2)
    lordosis = _clip(45.0 + (3.0 if female else 0.0) + 9.0 * rng.normal(), 20.0, 70.0, 2)
    stiff_median = 2000.0 * (1.0 + 0.004 * (age_y - 20.0)) * (0.92 if female else 1.0)
    stiffness = _clip(stiff_median * math.exp(0.15 * rng.normal()), 800.0, 4000.0, 1)
    if rng.random() < 0.08:
        softening = _clip(rng.uniform(0.0, 0.2), 0.0, 3.0, 4)
    else:
        softening = _clip(math.exp(0.3 * rng.normal()), 0.0, 3.0, 4)
    guarding = _clip(rng.beta(2.5, 2.5), 0.0, 1.0, 4)
    breathing = _clip(rng.normal(14.0, 2.0), 10.0, 20.0, 2)
    knots = _draw_knots(rng)
    session_seed = int(rng.integers(0, SEED_MAX, endpoint=True))
    name = f"p{population_seed}-{index:04d}"
    values: dict[str, Any] = {
        "height_m": height_m,
        "back_length_m": back_length_m,
        "shoulder_width_m": shoulder_m,
        "waist_width_m": waist_m,
        "adipose_m": adipose_m,
        "kyphosis_deg": kyphosis,
        "lordosis_deg": lordosis,
        "stiffness_n_m": stiffness,
        "softening_rate": softening,
        "guarding": guarding,
        "breathing_rate_bpm": breathing,
    }
    return VirtualClient(
        name=name,
        index=index,
        values=values,
        sex="F" if female else "M",
        age_y=round(age_y, 2),
        session_seed=session_seed,
        population_seed=population_seed,
        knots=knots,
    )


def _draw_knots(rng: np.random.Generator) -> list[dict[str, float]]:
    n = min(int(rng.poisson(1.5)), MAX_KNOTS)
    out: list[dict[str, float]] = []
    for _ in range(200):
        if len(out) >= n:
            break
        u = float(rng.uniform(*KNOT_U_RANGE))
        side = 1.0 if rng.random() < 0.5 else -1.0
        v = side * float(rng.uniform(*KNOT_V_LINE_M))
        radius = float(rng.uniform(0.0025, 0.0075))
        ratio = float(np.clip(rng.normal(2.0, 0.3), 1.3, 2.8))
        if any(abs(u - k["u"]) < KNOT_MIN_DU and k["v"] * side > 0 for k in out):
            continue
        out.append(
            {
                "u": round(u, 4),
                "v": round(v, 4),
                "radius_m": round(radius, 4),
                "stiffness_ratio": round(ratio, 3),
            }
        )
    out.sort(key=lambda k: k["u"])
    return out


def population(size: int, seed: int = 0) -> list[VirtualClient]:
    """The first ``size`` clients of the population with ``seed``."""
    if size < 1:
        raise BackstrokeError(f"--population {size}: need at least 1 client")
    return [draw_client(seed, i) for i in range(size)]


def write_clients(clients: list[VirtualClient], folder: Path) -> list[Path]:
    """Write each client's file into ``folder`` (atomically); the same client rewrites nothing.

    Raises:
        BackstrokeError: a file of the same name holds a different client (another
            backstroke version drew it): the sweep in that folder cannot be resumed.
    """
    from backstroke.sweep.store import write_text_atomic

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for c in clients:
        c.spec()  # a drawn value outside the client file's ranges is a bug: fail here
        path = folder / c.file_name
        text = c.toml()
        if path.exists():
            if path.read_text(encoding="utf-8") != text:
                raise BackstrokeError(
                    f"{path}: holds a different client than population seed "
                    f"{c.population_seed} draws now; use a new --out directory"
                )
        else:
            write_text_atomic(path, text)
        paths.append(path)
    return paths


def client_parameters(spec: ClientSpec) -> dict[str, Any]:
    """The client's parameters as row columns ``client.<key>`` (knots as counts and JSON)."""
    import json

    out: dict[str, Any] = {}
    for key, value in spec.model_dump().items():
        if key in ("name", "knots"):
            continue
        out[f"client.{key}"] = value
    knots: list[KnotSpec] = list(spec.knots or [])
    out["client.knots"] = json.dumps([k.model_dump() for k in knots])
    out["client.knot_count"] = len(knots)
    return out
