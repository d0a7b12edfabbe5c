"""A month of the simulation as the allocation round of a housing round, built from arrays.

``samen housing simulate`` allocates tens of thousands of months; a month of the default
city has some 25 vacancies and a thousand households responding. Building the housing round
as :class:`~samen.housing.model.Household` objects and translating them
(:func:`samen.housing.allocate.allocate_month`) costs milliseconds per month in Python; this
module builds the same engine :class:`~samen.engine.instance.Instance` directly from the
simulation's arrays, following the translation of ``docs/housing-rules.md`` section 4
(:mod:`samen.housing.translate`):

- every vacancy is a school with capacity 1 and one pool named after its label, favouring
  the label's ``favours``, ordered by the label's ``order_by`` in the allocation rules' terms
  (:func:`samen.housing.translate.allocation_order_by`), the value columns those of
  :func:`samen.housing.translate.value_sources` (``registered`` as a day number);
- a household is an applicant when it has a response; its responses, in its order, are its
  choices (the simulation only responds to dwellings that fit it and whose label admits it,
  so no response is left out and no ``admits`` is needed);
- a priority group counts at a dwelling when its label lets it and the household has the
  flag, the strongest group winning;
- deferred acceptance, household-proposing, with the month's seed (allocation rules
  section 3) and the round's tie-breaking.

The same month as Dwelling and Household objects (:meth:`MonthRound.objects`) allocated by
:func:`~samen.housing.allocate.allocate_month` gives the same dwelling to every household:
``tests/test_housing_sim.py`` checks it on many random months of every scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numba import njit

from samen.engine.allocate import assign
from samen.engine.criteria import order_of, text_of
from samen.engine.criteria import parse as parse_criteria
from samen.engine.expressions import Expression, holds
from samen.engine.expressions import parse as parse_expression
from samen.engine.instance import Instance
from samen.engine.pools import (
    COMPOUND,
    ORDER_CRITERIA,
    Pool,
    canonical_favours,
    parse_favours,
    pool_arrays,
)
from samen.engine.priority import prepare
from samen.housing.model import Dwelling, Household, HousingRules
from samen.housing.settings import REGISTERED
from samen.housing.translate import MECHANISM, allocation_order_by, value_sources


@njit(cache=True)
def _prune_best(ptr, dw, key, alive, v):  # pragma: no cover - compiled
    """Rule 2 of :meth:`MonthRound.pruned`, in place on ``alive``: while some response is
    behind (by ``key``, strictly) a household whose best remaining response is to the same
    dwelling, remove it."""
    n = ptr.size - 1
    big = np.iinfo(np.int64).max
    limit = np.empty(v, dtype=np.int64)
    changed = True
    while changed:
        changed = False
        limit[:] = big
        for a in range(n):
            for e in range(ptr[a], ptr[a + 1]):
                if alive[e]:
                    if key[e] < limit[dw[e]]:
                        limit[dw[e]] = key[e]
                    break
        for e in range(dw.size):
            if alive[e] and key[e] > limit[dw[e]]:
                alive[e] = False
                changed = True


@dataclass(frozen=True, eq=False)
class LabelPools:
    """The engine's pool of each label of a scenario's rules (one per label, in the order of
    ``rules.labels``), and what the translation needs of the households."""

    rules: HousingRules
    flag_names: tuple[str, ...]

    @cached_property
    def labels(self) -> list[str]:
        return list(self.rules.labels)

    @cached_property
    def pools(self) -> list[Pool]:
        out = []
        for name in self.labels:
            label = self.rules.labels[name]
            favours = parse_favours(label.favours, self.flag_names)
            if favours is None:
                raise ValueError(f"label {name} favours {label.favours!r}, which is not a flag")
            order_by = text_of(parse_criteria(allocation_order_by(label.order_by)))
            order = order_of(order_by)
            out.append(
                Pool(
                    name,
                    1,
                    favours[0],
                    favours[1],
                    order,
                    canonical_favours(label.favours, self.flag_names)
                    if favours[0] == COMPOUND
                    else "",
                    order_by if order == ORDER_CRITERIA else "",
                )
            )
        return out

    @cached_property
    def values(self) -> dict[str, tuple[str, int]]:
        """The value columns of the allocation round: name -> (column, sign)."""
        for column, _sign in value_sources(self.rules).values():
            if column != REGISTERED:
                raise ValueError(f"the simulated households have no column {column!r}")
        return value_sources(self.rules)

    @cached_property
    def group_counts(self) -> np.ndarray:
        """``bool[labels, groups]``: whether the round's priority group ``g`` counts at the
        dwellings of a label."""
        groups = list(self.rules.priority_groups)
        return np.array(
            [[g in self.rules.labels[n].groups(groups) for g in groups] for n in self.labels],
            dtype=bool,
        ).reshape(len(self.labels), len(groups))

    @cached_property
    def group_flags(self) -> list[int]:
        """The index in ``flag_names`` of each priority group (a flag)."""
        return [self.flag_names.index(g) for g in self.rules.priority_groups]

    @cached_property
    def favours(self) -> list[Expression]:
        """Each label's ``favours`` as an expression over ``flag_names``."""
        return [
            parse_expression(self.rules.labels[n].favours, self.flag_names) for n in self.labels
        ]

    @cached_property
    def first_criterion(self) -> list[str]:
        """Each label's first ordering criterion in the allocation rules' terms."""
        return [
            parse_criteria(allocation_order_by(self.rules.labels[n].order_by))[0]
            for n in self.labels
        ]


@dataclass(frozen=True, eq=False)
class MonthRound:
    """One month's housing round as arrays: the vacancies (``dwelling_*``, their ``label``
    as an index into ``pools.labels``) and the responding households (``household_*``) with
    their responses as CSR lists of vacancy indices (``choice_ptr``, ``choices``)."""

    pools: LabelPools
    seed: str
    dwelling_ids: Sequence[str]
    label: np.ndarray  # int64[V]
    household_ids: Sequence[str]
    flags: np.ndarray  # uint8[n, len(flag_names)]
    registered: np.ndarray  # int64[n], day numbers
    choice_ptr: np.ndarray  # int64[n + 1]
    choices: np.ndarray  # int32[E], vacancy index, best first
    #: bool[n, labels]: the household has what the label favours (from ``flags`` if None)
    favoured: np.ndarray | None = None

    def _priority(self, edge_app: np.ndarray, edge_label: np.ndarray) -> np.ndarray:
        """``int32[E]``: the priority group that counts at each response (its index in the
        round's groups, ``len(groups)`` for none): the strongest group the label lets count
        and the household has."""
        lp = self.pools
        groups = lp.rules.priority_groups
        priority = np.full(len(edge_app), len(groups), dtype=np.int32)
        for g in range(len(groups) - 1, -1, -1):  # strongest last, so it wins
            has = self.flags[edge_app, lp.group_flags[g]] == 1
            priority[lp.group_counts[edge_label, g] & has] = g
        return priority

    def instance(self) -> Instance:
        """The engine's instance of the month (the module docstring)."""
        lp = self.pools
        n, e = len(self.household_ids), len(self.choices)
        groups = list(lp.rules.priority_groups)
        edge_app = np.repeat(np.arange(n), np.diff(self.choice_ptr))
        priority = self._priority(edge_app, self.label[self.choices])
        values = lp.values
        value_arr = np.zeros((n, len(values)), dtype=np.float64)
        for j, (_column, sign) in enumerate(values.values()):
            value_arr[:, j] = sign * self.registered.astype(np.float64) + 0.0
        pools = [[lp.pools[k]] for k in self.label.tolist()]
        return Instance(
            applicant_ids=list(self.household_ids),
            school_ids=list(self.dwelling_ids),
            capacity=np.ones(len(self.dwelling_ids), dtype=np.int64),
            choice_ptr=self.choice_ptr,
            choices=self.choices,
            **pool_arrays(pools),
            flags=np.ascontiguousarray(self.flags, dtype=np.uint8),
            flag_names=list(lp.flag_names),
            priority=priority,
            priority_groups=groups,
            distance=np.full(e, np.nan),
            family=np.full(n, -1, dtype=np.int64),
            pledge=np.full(n, -1, dtype=np.int32),
            group_ids=[],
            group_target=np.zeros(0, dtype=np.int32),
            group_threshold=np.zeros(0, dtype=np.int64),
            seed=self.seed,
            tie_breaking=lp.rules.tie_breaking,
            mechanism=MECHANISM,
            values=value_arr if values else None,
            value_names=list(values),
        )

    def keys(self) -> np.ndarray:
        """``int64[E, 3]``: the start of each response's priority tuple at its dwelling
        (allocation rules section 5): the priority group that counts, 0 or 1 for what the
        label favours, and the value of the label's first criterion when it is
        ``value:registered`` (``value:minus_registered``: minus it) or ``rank`` (the
        position on the household's list), else 0 (the lottery, not drawn here)."""
        lp = self.pools
        n = len(self.household_ids)
        lengths = np.diff(self.choice_ptr)
        edge_app = np.repeat(np.arange(n), lengths)
        edge_label = self.label[self.choices]
        keys = np.zeros((len(self.choices), 3), dtype=np.int64)
        keys[:, 0] = self._priority(edge_app, edge_label)
        favoured = self.favoured
        if favoured is None:
            favoured = np.column_stack([holds(self.flags, e) for e in lp.favours])
        keys[:, 1] = ~favoured.reshape(n, -1)[edge_app, edge_label]
        for k in range(len(lp.labels)):
            at = edge_label == k
            c = lp.first_criterion[k]
            if c == "value:" + REGISTERED:
                keys[at, 2] = self.registered[edge_app[at]]
            elif c == "value:minus_" + REGISTERED:
                keys[at, 2] = -self.registered[edge_app[at]]
            elif c == "rank":
                keys[at, 2] = (np.arange(len(self.choices)) - self.choice_ptr[edge_app] + 1)[at]
        return keys

    def pruned(self) -> tuple[MonthRound, np.ndarray]:
        """The month without responses that succeed in no stable matching, so that deferred
        acceptance (which gives the households' best stable matching: Gale and Shapley 1962;
        Roth and Sotomayor 1990, ch. 2) has less to do and gives the same result. A response
        of household ``h`` to dwelling ``d`` goes when, by the start of the priority tuple
        (:meth:`keys`), strictly ahead of ``h`` at ``d`` there are

        1. ``V`` households or more (``V`` vacancies): each of them would need another
           vacancy it prefers to ``d``, and there are only ``V - 1``; or
        2. a household ``a`` whose best remaining response is ``d``: in a stable matching
           ``a`` must get something it prefers to ``d``, and none of that remains.

        Rule 2 is applied until nothing more goes. Either way ``d`` keeps a household ahead
        of every response removed, which in every stable matching of the smaller month gets
        ``d`` or leaves it to someone further ahead still; so the removed responses block
        none of them, and both months have the same stable matchings. Households left
        without a response leave the round; returns the month and the index of each
        household it keeps."""
        v = len(self.dwelling_ids)
        e = len(self.choices)
        n = len(self.household_ids)
        everyone = np.arange(n)
        if e == 0:
            return self, everyone
        keys = self.keys()
        crit = keys[:, 2] - keys[:, 2].min()
        if int(crit.max()) >= 1 << 32 or int(keys[:, 0].max()) >= 1 << 14:
            raise ValueError("a month too large to prune")  # never for a simulated city
        # the start of the priority tuple as one number, smaller first
        key = (keys[:, 0] << 34) | (keys[:, 1] << 32) | crit
        dw = self.choices.astype(np.int64)
        # rule 1: V or more strictly ahead
        code = (dw << 48) | key
        order = np.argsort(code, kind="stable")
        c = code[order]
        new_run = np.ones(e, dtype=bool)
        new_run[1:] = c[1:] != c[:-1]
        run_start = np.maximum.accumulate(np.where(new_run, np.arange(e), 0))
        d_sorted = dw[order]
        seg_start = np.searchsorted(d_sorted, d_sorted, side="left")
        alive = np.empty(e, dtype=bool)
        alive[order] = (run_start - seg_start) < v
        # rule 2, until nothing changes
        _prune_best(self.choice_ptr, dw, key, alive, v)
        if alive.all():
            return self, everyone
        edge_app = np.repeat(everyone, np.diff(self.choice_ptr))
        count = np.bincount(edge_app[alive], minlength=n)
        has = np.flatnonzero(count > 0)
        ids = self.household_ids
        kept = replace(
            self,
            household_ids=ids[has] if isinstance(ids, np.ndarray) else [ids[i] for i in has],
            flags=self.flags[has],
            registered=self.registered[has],
            favoured=None if self.favoured is None else self.favoured[has],
            choice_ptr=np.concatenate(([0], np.cumsum(count[has]))).astype(np.int64),
            choices=self.choices[alive],
        )
        return kept, has

    def allocate(self, prune: bool = True) -> np.ndarray:
        """The vacancy of each household of the month (``int64[n]``, -1 = none): the
        engine's deferred acceptance on :meth:`instance`, of the :meth:`pruned` month unless
        ``prune`` is false (the same result, faster)."""
        n = len(self.household_ids)
        got = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self.dwelling_ids) == 0:
            return got
        month, at = self.pruned() if prune else (self, np.arange(n))
        got[at] = assign(prepare(month.instance())).school
        return got

    def objects(
        self,
        neighbourhood: Sequence[str],
        rooms: Sequence[int],
        rent_band: Sequence[str],
        size: Sequence[int],
        income_band: Sequence[str],
    ) -> tuple[HousingRules, list[Dwelling], list[Household]]:
        """The month as a housing round (the rules with the month's seed, the vacancies and
        the households), for :func:`~samen.housing.allocate.allocate_month` and for writing
        the month as a folder; the lists give each vacancy's and household's facts."""
        labels = self.pools.labels
        dwellings = [
            Dwelling(did, neighbourhood[i], int(rooms[i]), rent_band[i], labels[k])
            for i, (did, k) in enumerate(zip(self.dwelling_ids, self.label.tolist(), strict=True))
        ]
        names = self.pools.flag_names
        households = []
        ptr = self.choice_ptr.tolist()
        for i, hid in enumerate(self.household_ids):
            households.append(
                Household(
                    hid,
                    tuple(self.dwelling_ids[c] for c in self.choices[ptr[i] : ptr[i + 1]].tolist()),
                    int(self.registered[i]),
                    int(size[i]),
                    income_band[i],
                    dict(zip(names, self.flags[i].tolist(), strict=True)),
                )
            )
        return replace(self.pools.rules, seed=self.seed), dwellings, households


__all__ = ["LabelPools", "MonthRound"]
