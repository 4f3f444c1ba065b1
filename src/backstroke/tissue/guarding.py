"""Guarding: a wary client's protective muscle tension, and the signs it gives.

Why it is modelled so (``docs/tissue.md`` §3 has the figures):

* **Tension above ordinary tone.** Muscle guarding is an involuntary, protective
  co-contraction of a client who does not yet feel safe. Everybody has a resting tone;
  only the wary part of the population carries *extra* tension on top of it. So the
  excess is zero up to ``guarding_rest`` (the population's mean guarding, 0.5) and grows
  linearly to 1 at guarding 1: ``tension(g) = max(0, g − g_rest) / (1 − g_rest)``.
* **Raised stiffness.** Tense muscle is stiffer under the hand (hand-held myotonometers
  read tens of percent between a relaxed and a tensed resting muscle): the tissue's
  linear stiffness is × ``1 + guarding_tone · tension(g)`` (up to +25 %), relative to
  the client's own start (the client file's stiffness is the client as they arrive).
* **Faster breathing.** An anxious client breathes faster and slows as they settle
  (``breath_guarding`` 0.12: a client at 0.95 breathes ≈ 10 % slower once relaxed):
  the rate is × ``(1 + breath_guarding · tension(g)) / (1 + breath_guarding ·
  tension(g₀))`` of the client file's rate (the rate as they arrive). Each breath keeps
  the rate it started with (``tissue/breathing.py``).
* **Relaxes over minutes, re-tenses at once.** Calm, slow, gentle contact builds trust
  (τ 180 s) and guarding relaxes toward ``g₀ (1 − trust_relaxation · gain)`` (τ 60 s,
  ``trust_relaxation`` 0.7): a very guarded client lets the tension go over the first
  five to eight minutes of calm work, a relaxed one has none to let go. Jerks, breaks,
  over-speed and pressure above the comfort threshold raise guarding straight away
  (``tissue/response.py``), and the tension, the stiffness and the breath follow it.

What the robot can measure of it: the stiffness at equal force drifting down pass after
pass toward a settled value (besides the local softening under the tool), and the
breathing rate slowing. The estimators never read this module (DESIGN §2): only
``tissue/`` calls it, once per slow update.
"""

from __future__ import annotations


def tension(guarding: float, rest: float) -> float:
    """Protective tension 0..1 of a client at ``guarding`` (none at or below ``rest``)."""
    if guarding <= rest or rest >= 1.0:
        return 0.0
    return min(1.0, (guarding - rest) / (1.0 - rest))


def tone_factor(guarding: float, rest: float, tone: float) -> float:
    """Muscle-tone factor on the linear stiffness, ``1 + tone · tension``."""
    return 1.0 + tone * tension(guarding, rest)


def breath_factor(guarding: float, rest: float, breath: float) -> float:
    """Breathing-rate factor, ``1 + breath · tension``."""
    return 1.0 + breath * tension(guarding, rest)


def guarding_target(trust: float, trust0: float, guarding0: float, relaxation: float) -> float:
    """Where guarding relaxes to at ``trust``: ``g₀ (1 − relaxation · gain)``, with the
    trust gain ``(trust − trust₀)/(1 − trust₀)`` above the start (negative below it, as
    a share of ``trust₀``: lost trust raises the target above ``g₀``), clipped to 0..1."""
    if trust >= trust0:
        gain = (trust - trust0) / (1.0 - trust0) if trust0 < 1.0 else 0.0
    else:
        gain = (trust - trust0) / trust0
    g = guarding0 * (1.0 - relaxation * gain)
    return 0.0 if g < 0.0 else (1.0 if g > 1.0 else g)
