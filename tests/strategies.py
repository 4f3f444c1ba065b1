"""Hypothesis strategies for clients and routines within their documented ranges."""

from __future__ import annotations

from hypothesis import strategies as st

from backstroke.body.client_file import ClientSpec


@st.composite
def clients(draw: st.DrawFn) -> ClientSpec:
    """A resolved random client: anthropometrics drawn inside the documented ranges."""
    shoulder = draw(st.floats(0.32, 0.52))
    return ClientSpec(
        name="hyp",
        seed=draw(st.integers(0, 2**16)),
        height_m=draw(st.floats(1.4, 2.1)),
        back_length_m=draw(st.floats(0.40, 0.62)),
        shoulder_width_m=shoulder,
        waist_width_m=draw(st.floats(0.22, min(0.44, shoulder))),
        adipose_m=draw(st.floats(0.003, 0.04)),
        kyphosis_deg=draw(st.floats(20, 65)),
        lordosis_deg=draw(st.floats(20, 70)),
    ).resolved()


@st.composite
def routine_dicts(draw: st.DrawFn) -> dict:
    """A random valid routine as a dict (as read from TOML)."""
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        tech = draw(st.sampled_from(["rest", "glide", "forearm", "thumb_strip"]))
        b: dict = {"technique": tech}
        if tech == "rest":
            b["target_force_n"] = draw(st.floats(2, 12))
            b["duration_s"] = draw(st.floats(2, 20))
        else:
            b["target_force_n"] = draw(st.floats(3, 25))
            b["speed_m_s"] = draw(st.floats(0.015, 0.05))
            b["repeat"] = {"passes": draw(st.integers(1, 2))}
            if tech == "thumb_strip":
                b["lateral_m"] = draw(st.floats(0.025, 0.04))
                b["side"] = draw(st.sampled_from(["both", "left", "right"]))
            if tech == "forearm":
                b["side"] = draw(st.sampled_from(["both", "left", "right"]))
        blocks.append(b)
    return {
        "name": "hyp",
        "intention": draw(st.sampled_from(["spa", "sports"])),
        "bpm": draw(st.floats(50, 130)),
        "speed": {"default_m_s": 0.03, "max_m_s": 0.08},
        "blocks": blocks,
    }
