"""The allocation engine: arrays in, arrays out (no files, no web framework).

The rules are those of ``docs/allocation-rules.md``. One module per mechanism:

* :mod:`samen.engine.deferred_acceptance` (Gale and Shapley 1962),
* :mod:`samen.engine.immediate_acceptance` (the Boston mechanism),
* :mod:`samen.engine.top_trading_cycles` (Abdulkadiroglu and Sonmez 2003),
* :mod:`samen.engine.serial_dictatorship`,

with :mod:`samen.engine.lottery` (section 3), :mod:`samen.engine.pools` (section 4),
:mod:`samen.engine.priority` (section 5), :mod:`samen.engine.families` (section 6) and
:mod:`samen.engine.pledges` (section 7). The rules of version 2 (section 10):
:mod:`samen.engine.expressions` (10.1, 10.5), :mod:`samen.engine.criteria` (10.2),
:mod:`samen.engine.nearest` and :mod:`samen.engine.priority_groups` (10.3, 10.4), the family
number in :mod:`samen.engine.priority` (10.6), :mod:`samen.engine.waitlists` (10.7) and
:func:`samen.engine.instance.rules_version` (10.8); :mod:`samen.engine.incentives` names the
rules that reward ranking strategically. :func:`allocate` runs a whole round.
"""

from samen.engine.allocate import allocate
from samen.engine.instance import (
    MECHANISMS,
    TIE_BREAKINGS,
    Instance,
    PoolSpec,
    Priority,
    Result,
    build_instance,
)
from samen.engine.pools import largest_remainder

__all__ = [
    "MECHANISMS",
    "TIE_BREAKINGS",
    "Instance",
    "PoolSpec",
    "Priority",
    "Result",
    "allocate",
    "build_instance",
    "largest_remainder",
]
