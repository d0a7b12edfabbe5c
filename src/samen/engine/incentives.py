"""Rules of a round that reward ranking strategically (allocation rules sections 10.2 and
10.4), which samen warns the office about.

Deferred acceptance is strategy-proof for the children: listing schools in the true order of
preference is best, whatever the others do (Dubins and Freedman 1981; Roth 1982). Two rules
break that, because they make a child's priority depend on where it lists a school:

* a pool ordered by ``rank`` (alone or among its criteria): a school ranks higher the
  children who list it higher, so a child may gain by listing first a school it likes less
  but can get, rather than a school it likes more but cannot;
* a ``first_choice_only`` priority group: the priority counts only at the school listed
  first, with the same effect.

Pathak, P. A. and Sonmez, T. (2013), "School admissions reform in Chicago and England:
comparing mechanisms by their vulnerability to manipulation", American Economic Review
103(1), 80-106. ``tests/test_worked_examples_v2.py`` shows each in a small round.

>>> from samen.engine.instance import PoolSpec, build_instance
>>> inst = build_instance({"a": ["X"]}, {"X": 1}, pools={"X": [PoolSpec("all", share="1",
...     order_by="rank,distance")]})
>>> [w.rule for w in strategic_rules(inst)]
['rank']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samen.engine.criteria import parse
from samen.engine.instance import Instance
from samen.engine.pools import ORDER_CRITERIA, ORDER_RANK

PAPER = "Pathak and Sonmez 2013"


@dataclass(frozen=True)
class StrategicRule:
    """A rule of the round that rewards ranking strategically: ``rule`` is ``rank`` or
    ``first_choice_only``; ``where`` names what uses it (``school/pool`` or the groups)."""

    rule: str
    where: tuple[str, ...]

    def message(self) -> str:
        """What to tell the office, in one line."""
        shown = ", ".join(self.where[:5]) + (
            f" and {len(self.where) - 5} more" if len(self.where) > 5 else ""
        )
        if self.rule == "rank":
            return (
                f"pools ordered by rank ({shown}) reward ranking strategically: a family can "
                "get a better place by listing higher a school it wants less, so not every "
                f"family does best by listing its true preferences ({PAPER})"
            )
        return (
            f"the first-choice-only priority of {shown} rewards ranking strategically: a "
            "family can lose that priority by listing first a school it wants more, so not "
            f"every family does best by listing its true preferences ({PAPER})"
        )


def strategic_rules(instance: Instance) -> list[StrategicRule]:
    """The rules of ``instance`` that reward ranking strategically (empty when none do)."""
    inst = instance
    out: list[StrategicRule] = []
    ranks = [ORDER_RANK] + [
        ORDER_CRITERIA + k for k, text in enumerate(inst.orderings) if "rank" in parse(text)
    ]
    order = np.asarray(inst.pool_order)
    school_of = np.repeat(np.arange(inst.n_schools), np.diff(inst.pool_ptr))
    ranked = [
        f"{inst.school_ids[school_of[p]]}/{inst.pool_names[p]}"
        for p in np.flatnonzero(np.isin(order, ranks)).tolist()
    ]
    if ranked:
        out.append(StrategicRule("rank", tuple(ranked)))
    if len(inst.first_choice_only):
        out.append(StrategicRule("first_choice_only", tuple(inst.first_choice_only)))
    return out


__all__ = ["PAPER", "StrategicRule", "strategic_rules"]
