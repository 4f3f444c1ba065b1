"""The tissue's local force–depth law, heard from the force's own fluctuation (issue 13).

Soft tissue stiffens with depth: its secant stiffness ``k = F / δ`` grows with the force,
locally as ``k ∝ F^β`` with ``0 ≤ β < 1`` (β = 0 linear; a power law ``F = c δⁿ`` has
β = 1 − 1/n). A pass held at a lower force than the first reads softer by
``(F / F₀)^β`` although the tissue has not changed, so a lighter pass can only be
compared with the first once β is known.

Under force control the force is never quite constant: it wanders by a percent or two
from sample to sample. Where the tissue answers that wander, the depth moves with it by
the tangent law, ``Δ log δ = (1 − β) Δ log F``, so the regression of the sample-to-sample
change of ``log δ`` on that of ``log F`` gives ``1 − β``. The breath and the profile along
the back change little between two samples and are not correlated with the force's
noise. What is not the tissue's answer only pulls the slope towards 0 (β towards 1):
noise of the force sensor that the depth does not follow, a creeping tissue or a force
loop that lags. So the estimate, taken at its upper confidence limit, is an **upper
bound** of β, and ``k(F₀) ≤ k(F) · (F₀ / F)^β_max`` for a lighter pass is safe: a change
of force can only make softening harder to hear, never invent it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from backstroke.sense.force_bridge import RawPass

# Sample-to-sample differences a fit needs, and the widest gap between two samples that
# still counts as "consecutive" (a lost row or a pause would mix in the slow terms).
MIN_DIFFS = 200
MAX_GAP_S = 0.05
# Confidence limit (standard errors) of the slope taken for the bound.
CONFIDENCE_SE = 3.0


def stiffening_exponent_max(
    passes: Sequence[RawPass | None], force_n: float, force_match: float
) -> float | None:
    """Upper bound of β (``k ∝ F^β``) from passes held near ``force_n``, or ``None``.

    Args:
        passes: raw passes of one force segment (``None`` entries skipped).
        force_n: the segment's force, N; only samples within ``force_match`` of it count.
        force_match: relative band around ``force_n``.

    Returns:
        β's upper confidence limit clipped to ``[0, 1]``, or ``None`` when the passes
        hold too few consecutive samples at the force.
    """
    xs, ys = [], []
    for p in passes:
        if p is None:
            continue
        f, k, t = p.force_n, p.stiffness_n_m, p.t_s
        ok = np.isfinite(f) & np.isfinite(k) & (k > 0) & (f > 0) & np.isfinite(t)
        ok &= np.abs(f - force_n) <= force_match * force_n
        pair = ok[1:] & ok[:-1] & (np.diff(t) > 0) & (np.diff(t) <= MAX_GAP_S)
        if not np.any(pair):
            continue
        log_f = np.log(np.where(ok, f, 1.0))
        log_d = log_f - np.log(np.where(ok, k, 1.0))  # δ = F / k
        xs.append(np.diff(log_f)[pair])
        ys.append(np.diff(log_d)[pair])
    if not xs:
        return None
    x, y = np.concatenate(xs), np.concatenate(ys)
    sxx = float(x @ x)
    if x.size < MIN_DIFFS or not sxx > 0:
        return None
    slope = float(x @ y) / sxx
    resid = y - slope * x
    se = float(np.sqrt(float(resid @ resid) / (x.size - 1) / sxx))
    return float(np.clip(1.0 - (slope - CONFIDENCE_SE * se), 0.0, 1.0))


def equal_force_bound(
    rel: float,
    force_n: float | None,
    first_force_n: float | None,
    beta_max: float | None,
    *,
    threshold: float,
    force_match: float,
) -> float:
    """A pass's figure at the first segment's force when its force bounds it, else NaN.

    ``rel`` is the pass's stiffness at its own force relative to pass 0. Tissue does not
    get softer with depth (β ≥ 0), so a pass held harder than the first has a secant at
    least as high as it would have at the first force: ``rel`` bounds its equal-force
    figure from above. A lighter pass is bounded by ``rel · (F₀ / F)^β_max`` when β's
    upper bound is known (:func:`stiffening_exponent_max`). The bound is returned only
    when it is softer than the threshold (it then proves softening of at least that
    much); otherwise, or at the same force, nothing is known.
    """
    if force_n is None or first_force_n is None or not np.isfinite(rel):
        return float("nan")
    if force_n > first_force_n * (1.0 + force_match):
        bound = rel
    elif force_n < first_force_n * (1.0 - force_match) and beta_max is not None:
        bound = rel * (first_force_n / force_n) ** beta_max
    else:
        return float("nan")
    return float(bound) if bound <= 1.0 - threshold else float("nan")
