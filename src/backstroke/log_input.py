"""What other recorders write into a contact log: tool labels and plausible ranges.

``tool`` is free text. The names therapists and recorders use for backstroke's three
faces are understood (``palm``, ``hands``, ``heel of hand`` → ``palms``; ``elbow``,
``ulna``, ``arm`` → ``forearm``; ``thumbs``, ``thumb pad`` → ``thumb``; case, spaces,
``-`` and ``_`` do not matter); any other label is kept as given, never refused.

Ranges (``LIMITS``) bound what ``analyze`` will work on, so memory never grows with the
*values* in a log (a ``u`` of 9e5 once asked for 18 GB of bins, a ``t_s`` spanning 1e9 s
for 149 GiB): a value outside its range is exit 2 with one line naming the column, the
row and the range (docs/logs.md).
"""

from __future__ import annotations

import re

# Canonical faces, in code order (as analyze.TOOL_NAMES).
FACES: tuple[str, ...] = ("palms", "forearm", "thumb")

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "palms": (
        "palms",
        "palm",
        "hand",
        "hands",
        "flat hand",
        "flat hands",
        "open hand",
        "heel of hand",
        "heel of the hand",
        "hand heel",
        "heel",
        "both hands",
        "both palms",
        "palmar",
    ),
    "forearm": (
        "forearm",
        "forearms",
        "fore arm",
        "elbow",
        "elbows",
        "ulna",
        "arm",
        "lower arm",
    ),
    "thumb": (
        "thumb",
        "thumbs",
        "thumb pad",
        "thumb pads",
        "thumb tip",
        "both thumbs",
        "pollex",
    ),
}
_LOOKUP = {name: code for code, face in enumerate(FACES) for name in _SYNONYMS[face]}


def normalise_label(text: str) -> str:
    """Lower case, ``-``/``_``/runs of spaces as one space, trimmed."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower()).strip()


def face_code(label: str) -> int | None:
    """The face a tool label names (0 palms, 1 forearm, 2 thumb), or ``None``."""
    key = normalise_label(label)
    if key in _LOOKUP:
        return _LOOKUP[key]
    if key.endswith("s") and key[:-1] in _LOOKUP:  # a plural: "open hands", "pollexes"
        return _LOOKUP[key[:-1]]
    if key.isdigit() and int(key) < len(FACES):
        return int(key)
    if key.endswith(".0") and key[:-2].isdigit() and int(key[:-2]) < len(FACES):
        return int(key[:-2])
    return None


# Plausible ranges: (low, high, unit words). Chart u is 0 (waist) .. 1 (C7) with room
# for a stroke that runs past either end; v and positions in metres; forces in newtons.
LIMITS: dict[str, tuple[float, float, str]] = {
    "u": (-0.5, 1.5, "chart u from -0.5 to 1.5 (0 = waist, 1 = C7)"),
    "v": (-1.0, 1.0, "-1 to 1 m from the midline"),
    "normal_force_n": (-1000.0, 1000.0, "-1000 to 1000 N"),
    "indentation_m": (-1.0, 1.0, "-1 to 1 m (metres, not millimetres)"),
    "x_m": (-100.0, 100.0, "-100 to 100 m"),
    "y_m": (-100.0, 100.0, "-100 to 100 m"),
    "z_m": (-100.0, 100.0, "-100 to 100 m"),
    "target_force_n": (-1000.0, 1000.0, "-1000 to 1000 N"),
}
# The longest log analysed: a day of recording (a session is minutes to an hour).
MAX_DURATION_S = 86_400.0
# Most blocks and passes one log may hold (a routine has at most 40 blocks of at most
# 50 passes): the analysis runs per block and per pass.
MAX_BLOCKS = 1000
MAX_PASSES = 10_000
