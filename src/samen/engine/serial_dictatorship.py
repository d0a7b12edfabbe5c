"""Serial dictatorship with a single lottery (spec section 8).

Abdulkadiroglu, A. and Sonmez, T. (1998), "Random serial dictatorship and the core from
random endowments in house allocation problems", Econometrica 66(3), 689-701.

Children, in the order of their single lottery number (ties by ``applicant_id`` in byte
order), each take the best school on their list that still has a seat. Priorities, pools,
family blocks (beyond the shared number) and multiple tie-breaking do not apply; the result
is strategy-proof and Pareto efficient, and equals deferred acceptance with one lottery pool
and no priority groups under single tie-breaking.

>>> from samen.engine.instance import build_instance
>>> from samen.engine.priority import prepare
>>> import numpy as np
>>> inst = build_instance({"a": ["X"], "b": ["X"]}, {"X": 1}, seed="s")
>>> out = serial_dictatorship(prepare(inst), np.ones(2, dtype=bool))
>>> int((out.school == 0).sum())
1
"""

from __future__ import annotations

import numpy as np
from numba import njit

from samen.engine.outcome import Outcome
from samen.engine.priority import Prepared


def serial_dictatorship(prep: Prepared, active: np.ndarray) -> Outcome:
    """Run serial dictatorship on ``prep`` with the list entries ``active``."""
    inst = prep.instance
    order = np.lexsort((prep.id_rank, prep.single_lot)).astype(np.int64)
    school = _sd_kernel(
        order, inst.choice_ptr, inst.choices, active, inst.capacity.astype(np.int64)
    )
    n_pools = inst.n_pools
    return Outcome(
        school=school.astype(np.int32),
        pool=np.full(inst.n_applicants, -1, dtype=np.int32),
        pool_filled=np.zeros(n_pools, dtype=np.int64),
        pool_overflow=np.zeros(n_pools, dtype=np.int64),
        cut_valid=np.zeros(n_pools, dtype=bool),
        cut_keys=np.zeros((n_pools, 4), dtype=np.uint64),
    )


@njit(cache=True)
def _sd_kernel(order, choice_ptr, choices, active, capacity):
    left = capacity.copy()
    school = np.full(len(order), -1, dtype=np.int64)
    for a in order:
        for e in range(choice_ptr[a], choice_ptr[a + 1]):
            if active[e]:
                s = choices[e]
                if left[s] > 0:
                    left[s] -= 1
                    school[a] = s
                    break
    return school
