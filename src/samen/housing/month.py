"""A month of the simulation: a housing round as arrays, allocated fast.

``samen housing simulate`` allocates tens of thousands of months; a month of the default
city has some 25 vacancies and a thousand households responding. A :class:`MonthRound` is
the month as the arrays of :class:`~samen.housing.translate.RoundArrays`, built straight
from the simulation's state (no Dwelling or Household objects), and it is allocated by the
one translation of ``docs/housing-rules.md`` section 4,
:func:`~samen.housing.translate.translate_arrays`, the same that
:func:`~samen.housing.allocate.allocate_month` and ``samen housing allocate`` use. What this
module adds is speed: :meth:`MonthRound.pruned` first removes the responses that succeed in
no stable matching, so the engine's deferred acceptance has less to do and gives the same
result.

The same month as Dwelling and Household objects (:meth:`RoundArrays.objects
<samen.housing.translate.RoundArrays.objects>`) translates to the same engine instance and
allocates to the same dwellings: ``tests/test_housing_sim.py`` checks it on many random
months of every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numba import njit

from samen.engine.allocate import assign
from samen.engine.expressions import holds
from samen.engine.priority import prepare
from samen.housing.settings import REGISTERED
from samen.housing.translate import MINUS, RoundArrays, translate_arrays


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
class MonthRound(RoundArrays):
    """One month's housing round as arrays (:class:`~samen.housing.translate.RoundArrays`:
    the vacancies with their labels, rooms and rent bands; the responding households with
    their flags, registration days, sizes and income bands; their responses, best first).
    ``favoured`` is ``bool[n, labels]``, whether the household has what the label favours,
    when the simulation knows it already (else it is computed from ``flags``)."""

    favoured: np.ndarray | None = None

    _per_household: ClassVar[tuple[str, ...]] = (*RoundArrays._per_household, "favoured")

    def keys(self) -> np.ndarray:
        """``int64[E, 3]``: the start of each response's priority tuple at its dwelling
        (allocation rules section 5): the priority group that counts, 0 or 1 for what the
        label favours, and the value of the label's first criterion when it is
        ``value:registered`` (``value:minus_registered``: minus it) or ``rank`` (the
        position on the household's list), else 0 (the lottery, not drawn here). The month's
        responses are assumed to fit (:meth:`pruned` keeps only those)."""
        c = self.compiled
        n = len(self.household_ids)
        edge_app = self.resp_app
        edge_label = self.label[self.choices]
        keys = np.zeros((len(self.choices), 3), dtype=np.int64)
        keys[:, 0] = c.priority(self.flags, edge_app, edge_label)
        favoured = self.favoured
        if favoured is None:
            favoured = np.column_stack([holds(self.flags, e) for e in c.favours])
        keys[:, 1] = ~favoured.reshape(n, -1)[edge_app, edge_label]
        for k in range(len(c.labels)):
            at = edge_label == k
            criterion = c.first_criterion[k]
            if criterion == "value:" + REGISTERED:
                keys[at, 2] = self.registered[edge_app[at]]
            elif criterion == "value:" + MINUS + REGISTERED:
                keys[at, 2] = -self.registered[edge_app[at]]
            elif criterion == "rank":
                keys[at, 2] = self.resp_rank[at]
        return keys

    def pruned(self) -> tuple[MonthRound, np.ndarray]:
        """The month with only the responses that fit (:func:`~samen.housing.translate.fits`)
        and, of those, only the ones that succeed in some stable matching, so that deferred
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
        n = len(self.household_ids)
        kept = self.fitting
        if not kept.all():  # what does not fit is no list entry (section 4): never counts
            has = np.flatnonzero(np.bincount(self.resp_app[kept], minlength=n) > 0)
            month, at = self.subset(has, kept)._pruned_fitting()
            return month, has[at]
        return self._pruned_fitting()

    def _pruned_fitting(self) -> tuple[MonthRound, np.ndarray]:
        """:meth:`pruned` of a month whose responses all fit."""
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
        has = np.flatnonzero(np.bincount(self.resp_app[alive], minlength=n) > 0)
        return self.subset(has, alive), has

    def allocate(self, prune: bool = True) -> np.ndarray:
        """The vacancy of each household of the month (``int64[n]``, -1 = none): the
        engine's deferred acceptance on the month's translation
        (:func:`~samen.housing.translate.translate_arrays`), of the :meth:`pruned` month
        unless ``prune`` is false (the same result, faster)."""
        n = len(self.household_ids)
        got = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self.dwelling_ids) == 0:
            return got
        month, at = self.pruned() if prune else (self, np.arange(n))
        inst, included, _kept = translate_arrays(month, waitlists=False)
        got[at[included]] = assign(prepare(inst)).school
        return got


__all__ = ["MonthRound"]
