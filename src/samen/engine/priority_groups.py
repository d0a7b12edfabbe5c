"""The priority group that counts for a child at a school (allocation rules sections 5, 10.3
and 10.4): item 1 of the priority tuple.

A child's group at a school is the strongest (first in ``priority_groups``) of

* its rows of priorities.csv there (section 5), and
* the groups of the ``[[nearest]]`` rules whose N(a) holds the school (section 10.3:
  a computed group counts like a row);

but a group named in ``first_choice_only`` counts only at the first school on the child's
list as submitted (section 10.4); elsewhere the child has its next strongest group there, or
none.

The instance keeps, per list entry, the strongest row (``priority``) and, when the round has
first-choice-only groups, the strongest row that is not one of them (``priority_rest``), so
the rule holds wherever a list entry moves. The result is computed once per instance
(:attr:`samen.engine.instance.Instance.group_at`); a v1 round gets ``priority`` itself.

>>> from samen.engine.instance import build_instance
>>> inst = build_instance({"a": ["X", "Y"]}, {"X": 1, "Y": 1},
...     priority_groups=["sibling", "zone"], first_choice_only=["zone"],
...     priorities={("a", "X"): "zone", ("a", "Y"): ["zone", "sibling"]})
>>> groups_at(inst).tolist()  # zone counts at X (first choice); at Y the sibling row does
[1, 0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from samen.engine.nearest import nearest_sets

if TYPE_CHECKING:
    from samen.engine.instance import Instance


def first_choice(instance: Instance) -> np.ndarray:
    """``bool[E]``: whether each list entry is the first school on the child's list as
    submitted."""
    ptr = np.asarray(instance.choice_ptr, dtype=np.int64)
    first = np.zeros(len(instance.choices), dtype=bool)
    starts = ptr[:-1][np.diff(ptr) > 0]
    first[starts] = True
    return first


def groups_at(instance: Instance) -> np.ndarray:
    """``int32[E]``: the index of the group that counts at every list entry
    (``len(priority_groups)``: none)."""
    inst = instance
    groups = list(inst.priority_groups)
    only_first = {groups.index(g) for g in inst.first_choice_only if g in groups}
    prio = np.asarray(inst.priority, dtype=np.int32)
    if not only_first and not len(inst.nearest):
        return prio
    first = first_choice(inst)
    out = prio.copy()
    if only_first:
        rest = inst.priority_rest
        if rest is None:  # no second row known: a first-choice-only row counts nowhere else
            none = len(groups)
            rest = np.where(np.isin(prio, list(only_first)), none, prio).astype(np.int32)
        out = np.where(first, prio, np.asarray(rest, dtype=np.int32)).astype(np.int32)
    for rule, member in zip(inst.nearest, nearest_sets(inst), strict=True):
        g = groups.index(rule.group)
        counts = member & first if g in only_first else member
        np.minimum(out, np.where(counts, g, out).astype(np.int32), out=out)
    return out


__all__ = ["first_choice", "groups_at"]
