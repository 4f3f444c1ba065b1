"""Benchmarks (``make bench``): figures go to bench/results/*.json; never asserted in tests.

Every benchmark runs on one core: one BLAS thread (set before numpy loads, unless the
environment says otherwise), as the ``backstroke`` command does.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
