"""The terminal summary: read from the typed Summary, whole or cut short."""

from __future__ import annotations

from backstroke.session.summary import Summary
from backstroke.session.text import summary_lines


def test_lines_name_the_figures_and_what_each_block_heard() -> None:
    s = Summary.model_validate(
        {
            "duration_s": 412.5,
            "contact_breaks": 0,
            "force_rmse_n": 0.31,
            "orientation_error_deg": {"mean": 0.4, "max": 2.5},
            "max_normal_force_n": 21.04,
            "max_pressure_n_cm2": 1.234,
            "routine": "spa",
            "client": "default",
            "tempo": {"bpm": 60.0, "source": "bpm", "turnarounds": 12, "worst_beat_error_ms": 4.0},
            "breathing_rate_bpm": 14.2,
            "blocks": [
                {"technique": "rest", "passes": 1, "ended_because": "rest complete"},
                {"technique": "glide", "passes": 4, "softening_pass": 3, "ended_because": "x"},
            ],
            "knots": [{"u": 0.41, "v": -0.031, "stiffness_ratio": 1.8}],
            "notes": ["a note"],
            "ended_because": "safety_stop",
        }
    )
    text = "\n".join(summary_lines(s))
    assert "session: spa on 'default', 412.5 s at 60.0 BPM (bpm)" in text
    assert "contact breaks 0, force RMSE 0.31 N, orientation error mean 0.4° max 2.5°" in text
    assert "max force 21.0 N, max pressure 1.23 N/cm², safety events 0" in text
    assert "12 turnarounds, worst 4 ms" in text
    assert "breathing 14.2 breaths/min" in text
    assert "block 1: glide        4 passes, ended: x, softened at pass 3" in text
    assert "knots: (u 0.41, v -3.1 cm)" in text
    assert "note: a note" in text and "ended because: safety_stop" in text


def test_a_session_stopped_at_once_still_prints() -> None:
    s = Summary.model_validate(
        {"duration_s": 0.0, "contact_breaks": 0, "max_normal_force_n": 0.0, "max_pressure_n_cm2": 0}
    )
    lines = summary_lines(s)
    assert lines[0] == "session: None on 'None', 0.0 s at - BPM (None), -x real time"
    assert len(lines) == 3
