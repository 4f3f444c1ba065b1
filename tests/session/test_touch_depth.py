"""The listeners on a body whose model surface is off the skin: depth from the touches."""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.plan.plan import TOOL_CODES
from backstroke.routine.schema import Routine
from backstroke.session.listening import BlockListener
from backstroke.session.touch_depth import TouchDepth
from backstroke.tools import Tool

K_TRUE_N_M = 1600.0
RATE_HZ = 1000.0


def _glide_block():  # type: ignore[no-untyped-def]
    r = Routine.model_validate(
        {
            "name": "g",
            "blocks": [{"technique": "glide", "target_force_n": 10.0, "repeat": {"passes": 4}}],
        }
    )
    return r.blocks[0]


def _chunk(u: np.ndarray, force: np.ndarray, t0: float, back: BackModel, tilt: float):
    """Recorded + plan columns of a stroke along the midline at ``u`` with ``force``;
    the model surface lies 8 mm + ``tilt`` × x above the real skin."""
    v = np.zeros_like(u)
    s = back.point(u, v)
    n = back.normal(u, v)
    true_depth = force / K_TRUE_N_M
    model_depth = true_depth + 0.008 + tilt * (s[:, 0] - 0.2)
    p = s - model_depth[:, None] * n
    t = t0 + np.arange(u.size) / RATE_HZ
    tool = float(TOOL_CODES.index(Tool.PALMS))
    cols = {
        "t_s": t,
        "x_m": p[:, 0],
        "y_m": p[:, 1],
        "z_m": p[:, 2],
        "normal_force_n": force,
        "target_force_n": force.copy(),
        "indentation_m": model_depth,
    }
    plan = {
        "u": u,
        "v": v,
        "x_m": s[:, 0],
        "y_m": s[:, 1],
        "z_m": s[:, 2],
        "nx": n[:, 0],
        "ny": n[:, 1],
        "nz": n[:, 2],
        "in_contact": np.ones_like(u),
        "tool": np.full_like(u, tool),
        "speed_m_s": np.full_like(u, 0.03),
    }
    return cols, plan


def test_a_tilted_model_surface_is_not_heard_as_tissue() -> None:
    back = BackModel(load_client())
    td = TouchDepth(back)
    heard = BlockListener(_glide_block(), back, None, td)
    naive = BlockListener(_glide_block(), back, None)
    # the first touch at the shoulders: 0.5 → 2 N over 0.2 s
    u0 = np.full(200, 0.9)
    cols, plan = _chunk(u0, np.linspace(0.5, 2.0, 200), 0.0, back, tilt=0.05)
    td.add(cols, plan)
    t0 = 0.2
    for _ in range(3):
        u = np.concatenate([np.linspace(0.9, 0.1, 13000), np.linspace(0.1, 0.9, 13000)])
        cols, plan = _chunk(u, np.full(u.size, 10.0), t0, back, tilt=0.05)
        t0 += u.size / RATE_HZ
        td.add(cols, plan)
        both = {**cols, **{f"plan_{c}": x for c, x in plan.items()}}
        heard.add_pass(both)
        naive.add_pass(both)
    k_heard = np.asarray(heard.stiffness_by_pass())
    k_naive = np.asarray(naive.stiffness_by_pass())
    assert k_heard.size == 3
    assert np.all(np.abs(k_heard / K_TRUE_N_M - 1.0) < 0.1), k_heard
    assert np.all(k_naive < 0.6 * K_TRUE_N_M), k_naive
    # no touch, no correction: the depth stays the recorded one
    empty = TouchDepth(back)
    assert np.allclose(empty.depth_m(both), both["indentation_m"])
