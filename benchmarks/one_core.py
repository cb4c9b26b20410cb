"""One core for a benchmark: import this module first, before numpy or pandas.

On import it sets every numerical library's thread count to 1 and pins the process to the
first CPU it may run on, so figures measure one core on these 2-core, noisy machines.
:data:`AFFINITY` describes the result for the benchmark's report.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"


def pin_to_one_cpu() -> str:
    """Pin this process to the first CPU it may run on; describe the affinity for the report."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable)"
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {allowed[0]})
    return f"pinned to CPU {sorted(os.sched_getaffinity(0))} (allowed {allowed}, os.cpu_count()={os.cpu_count()})"


AFFINITY = pin_to_one_cpu()
