"""One BLAS thread for the ``backstroke`` command (imported before numpy loads).

A session is a 1 kHz loop on one core; its linear algebra is small (least squares of a
few hundred rows). A threaded BLAS gains nothing there, and on a busy machine its
spinning threads made one such solve 30× slower. An explicit setting is respected.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
