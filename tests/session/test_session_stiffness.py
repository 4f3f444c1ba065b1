"""The stiffness the runner hears, pass by pass, against the tissue's truth (sim).

Its own file so that ``--dist loadfile`` runs it beside the other long session test.
"""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner


def _truth_softening_pass(medians: list[float], threshold: float) -> int | None:
    for k in range(1, len(medians) - 1):
        if (
            medians[k] <= (1 - threshold) * medians[0]
            and medians[k + 1] <= (1 - threshold) * medians[0]
        ):
            return k
    return None


@pytest.mark.slow
def test_heard_stiffness_follows_the_tissue_truth() -> None:
    """Pass by pass, the stiffness the runner hears follows the tissue's own softening.

    Over 20 random clients, the median error of the heard relative stiffness (each
    pass vs the first) against the simulated tissue's truth stays within 2.5 %, and
    where the truth clearly softens (≥ 3 % past the threshold) or clearly does not
    (never within 3 % of it), the softening pass heard agrees within ±1 pass.
    """
    from backstroke.tools import Tool

    threshold = 0.04
    routine = Routine.model_validate(
        {
            "start_force_fraction": 1.0,
            "blocks": [
                {
                    "technique": "glide",
                    "target_force_n": 12.0,
                    "u_min": 0.25,
                    "u_max": 0.75,
                    "speed_m_s": 0.04,
                    "repeat": {"passes": 8},
                }
            ],
        }
    )
    errors: list[float] = []
    disagreements = []
    for seed in range(20):
        client = ClientSpec(name=f"s{seed}", seed=2000 + seed).resolved()
        back = BackModel(client)
        robot = make_robot("sim", client, back, seed=seed)
        tissue = robot.tissue  # type: ignore[attr-defined]
        path_u = np.linspace(0.3, 0.7, 41)
        snapshots: list[float] = []

        def after_chunk(
            cols, plan_cols, events, tissue=tissue, snaps=snapshots, path_u=path_u
        ) -> None:  # type: ignore[no-untyped-def]
            # The tissue's true stiffness along the glide at the end of every chunk.
            k = tissue.stiffness_along_n_m(path_u, np.zeros_like(path_u), Tool.PALMS, 12.0)
            snaps.append(float(np.median(k)))

        runner = SessionRunner(
            routine, back, BeatGrid.constant(60.0), robot, seed=seed, on_chunk=after_chunk
        )
        s = runner.run().summary
        heard = np.asarray(s["blocks"][0]["stiffness_by_pass_n_m"])
        truth = np.asarray([0.5 * (snapshots[k] + snapshots[k + 1]) for k in range(heard.size)])
        rel_heard, rel_truth = heard / heard[0], truth / truth[0]
        errors += list(np.abs(rel_heard - rel_truth)[1:])
        t_pass = _truth_softening_pass(list(truth), threshold)
        h_pass = _truth_softening_pass(list(heard), threshold)
        clear_yes = t_pass is not None and rel_truth[t_pass:].max() <= 1 - threshold - 0.03
        clear_no = rel_truth.min() >= 1 - threshold + 0.03
        if clear_yes and (h_pass is None or abs(h_pass - t_pass) > 1):
            disagreements.append((seed, h_pass, t_pass))
        if clear_no and h_pass is not None:
            disagreements.append((seed, h_pass, t_pass))
    assert float(np.median(errors)) <= 0.025, np.median(errors)
    assert not disagreements, disagreements
