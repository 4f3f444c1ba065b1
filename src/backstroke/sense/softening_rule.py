"""The softening rule: the first pass at least ``threshold`` softer than the first,
confirmed by the next (one soft pass alone, a breath or a wobble, is not softening)."""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_THRESHOLD = 0.05
# Tolerance so that a drop of exactly the threshold counts despite rounding.
_EPS = 1e-9


def check_threshold(threshold: float) -> None:
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"softening threshold must be in (0, 1), got {threshold}")


def softening_pass(
    stiffness_by_pass_n_m: Sequence[float],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    skip_unknown: bool = False,
) -> int | None:
    """First pass at least ``threshold`` softer than the reference, confirmed by the next.

    Args:
        stiffness_by_pass_n_m: stiffness of each pass in order, N/m (NaN = no data). The
            reference is pass 0 (the first finite entry if pass 0 has no data).
        threshold: relative drop, e.g. 0.05 for 5 %.
        skip_unknown: confirm by the next pass *with a figure* (the NaN passes between
            carry no evidence either way: on the equal-force series, passes at a force
            that could not be brought to the first).

    Returns:
        The pass number, or ``None`` when the tissue did not soften (or the last soft
        pass has no next pass to confirm it).
    """
    check_threshold(threshold)
    s = [float(x) for x in stiffness_by_pass_n_m]
    ref_i = next((i for i, x in enumerate(s) if math.isfinite(x) and x > 0), None)
    if ref_i is None:
        return None
    limit = s[ref_i] * (1.0 - threshold) * (1.0 + _EPS)
    for k in range(ref_i + 1, len(s) - 1):
        a = s[k]
        nxt = k + 1
        if skip_unknown:
            while nxt < len(s) - 1 and not math.isfinite(s[nxt]):
                nxt += 1
        b = s[nxt]
        if math.isfinite(a) and math.isfinite(b) and a <= limit and b <= limit:
            return k
    return None
