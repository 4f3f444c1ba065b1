"""The virtual population: valid client files, reproducible, distributions as documented."""

from __future__ import annotations

import statistics
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.check import check_file
from backstroke.cli import app
from backstroke.errors import BackstrokeError
from backstroke.sweep.population import draw_client, population, write_clients


@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 100_000))
def test_every_drawn_client_file_is_valid(
    tmp_path_factory: pytest.TempPathFactory, seed: int, index: int
) -> None:
    c = draw_client(seed, index)
    folder = tmp_path_factory.mktemp("clients")
    (path,) = write_clients([c], folder)
    assert "client" in check_file(path)
    spec = load_client(path)
    # The file states every key: loading it gives back exactly the drawn values.
    for key, value in c.values.items():
        assert getattr(spec, key) == pytest.approx(value)
    assert spec.seed == c.session_seed
    assert [k.model_dump() for k in spec.knots or []] == c.knots
    assert spec.waist_width_m is not None and spec.shoulder_width_m is not None
    assert spec.waist_width_m < spec.shoulder_width_m
    BackModel(spec)  # a body the system can build


def test_backstroke_check_accepts_population_files(tmp_path: Path) -> None:
    paths = write_clients(population(6, seed=11), tmp_path)
    runner = CliRunner()
    for p in paths:
        result = runner.invoke(app, ["check", str(p)])
        assert result.exit_code == 0, result.output


def test_same_seed_same_clients_and_prefix_stable() -> None:
    a = population(30, seed=5)
    b = population(12, seed=5)
    assert [c.toml() for c in a[:12]] == [c.toml() for c in b]
    assert [c.toml() for c in population(30, seed=6)] != [c.toml() for c in a]
    names = [c.name for c in a]
    assert len(set(names)) == len(names)
    seeds = [c.session_seed for c in a]
    assert len(set(seeds)) == len(seeds)


def test_rewriting_the_same_population_is_a_no_op_and_a_changed_file_is_refused(
    tmp_path: Path,
) -> None:
    clients = population(3, seed=2)
    paths = write_clients(clients, tmp_path)
    stamps = [p.stat().st_mtime_ns for p in paths]
    write_clients(clients, tmp_path)
    assert [p.stat().st_mtime_ns for p in paths] == stamps
    paths[1].write_text(paths[1].read_text() + "# edited\n")
    with pytest.raises(BackstrokeError, match="different client"):
        write_clients(clients, tmp_path)


def test_bad_population_arguments() -> None:
    with pytest.raises(BackstrokeError, match="at least 1"):
        population(0)
    with pytest.raises(BackstrokeError, match="seed"):
        draw_client(-1, 0)


def test_marginals_follow_the_documented_distributions() -> None:
    pop = population(600, seed=1)
    v = {k: np.array([c.values[k] for c in pop]) for k in pop[0].values}
    female = np.array([c.sex == "F" for c in pop])
    assert 0.4 < female.mean() < 0.6
    ages = np.array([c.age_y for c in pop])
    assert ages.min() >= 20 and ages.max() <= 70
    # ANSUR II stature by sex.
    assert v["height_m"][female].mean() == pytest.approx(1.629, abs=0.012)
    assert v["height_m"][~female].mean() == pytest.approx(1.756, abs=0.012)
    assert statistics.stdev(v["height_m"][~female]) == pytest.approx(0.069, rel=0.2)
    # Back length: DESIGN §5 0.51 ± 0.035 for a 1.75 m adult, scaled with stature.
    ratio = v["back_length_m"] / v["height_m"]
    assert ratio.mean() == pytest.approx(0.51 / 1.75, rel=0.02)
    assert np.corrcoef(v["height_m"], v["back_length_m"])[0, 1] > 0.5
    assert v["shoulder_width_m"][~female].mean() == pytest.approx(0.416, abs=0.006)
    assert v["shoulder_width_m"][female].mean() == pytest.approx(0.366, abs=0.006)
    assert np.all(v["waist_width_m"] <= v["shoulder_width_m"] - 0.02 + 1e-9)
    assert 0.008 < np.median(v["adipose_m"]) < 0.014
    # Kyphosis rises with age (Fon et al. 1980).
    assert np.corrcoef(ages, v["kyphosis_deg"])[0, 1] > 0.4
    assert v["lordosis_deg"].mean() == pytest.approx(46.5, abs=2.0)
    assert np.median(v["stiffness_n_m"]) == pytest.approx(2000 * 1.18 * 0.96, rel=0.08)
    assert np.corrcoef(ages, v["stiffness_n_m"])[0, 1] > 0.2
    assert np.mean(v["softening_rate"] < 0.21) == pytest.approx(0.08, abs=0.04)
    assert v["guarding"].mean() == pytest.approx(0.5, abs=0.03)
    assert statistics.stdev(v["guarding"]) == pytest.approx(0.2, abs=0.03)
    assert v["breathing_rate_bpm"].min() >= 10 and v["breathing_rate_bpm"].max() <= 20
    n_knots = np.array([len(c.knots) for c in pop])
    assert n_knots.mean() == pytest.approx(1.5, abs=0.2)
    assert n_knots.max() <= 5
    knots = [k for c in pop for k in c.knots]
    radii = np.array([k["radius_m"] for k in knots])
    assert radii.min() >= 0.0025 and radii.max() <= 0.0075
    ratios = np.array([k["stiffness_ratio"] for k in knots])
    assert ratios.mean() == pytest.approx(2.0, abs=0.05)
    lateral = np.abs([k["v"] for k in knots])
    assert lateral.min() >= 0.024 and lateral.max() <= 0.038


def test_knots_on_one_side_are_apart_along_the_spine() -> None:
    for c in population(200, seed=3):
        for i, a in enumerate(c.knots):
            for b in c.knots[i + 1 :]:
                if a["v"] * b["v"] > 0:
                    assert abs(a["u"] - b["u"]) >= 0.08


def test_client_file_is_plain_toml_with_every_key(tmp_path: Path) -> None:
    (path,) = write_clients([draw_client(9, 4)], tmp_path)
    data = tomllib.loads(path.read_text())
    for key in (
        "name",
        "seed",
        "height_m",
        "back_length_m",
        "shoulder_width_m",
        "waist_width_m",
        "adipose_m",
        "kyphosis_deg",
        "lordosis_deg",
        "stiffness_n_m",
        "softening_rate",
        "guarding",
        "breathing_rate_bpm",
    ):
        assert key in data
