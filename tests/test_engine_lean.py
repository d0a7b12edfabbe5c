"""The lean deferred-acceptance kernel (rounds without family blocks) gives exactly what the
wide kernel gives: the same school and pool per child, seats used and cut-off keys per pool.

The lean kernel keeps only a one-word prefix of each key in its heaps and computes the full
key again when two prefixes are equal; these rounds make equal prefixes common (pools
ordered by rank or by criteria with few values, priority groups, flags, tiny capacities),
so that the fallback is exercised, as well as the usual lottery case.
"""

from __future__ import annotations

import numpy as np
import pytest
from bench.instances import make

from samen.engine import build_instance
from samen.engine import deferred_acceptance as da
from samen.engine.instance import PoolSpec
from samen.engine.priority import prepare

FIELDS = ("school", "pool", "pool_filled", "pool_overflow", "cut_valid", "cut_keys")
ORDERS = ("lottery", "rank", "distance", "rank,distance", "lottery,distance", "value:income")


def _both(inst, active=None):
    prep = prepare(inst)
    assert prep.units.count == inst.n_applicants  # no family block: the lean kernel applies
    if active is None:
        active = np.ones(len(inst.choices), dtype=bool)
    lean = da.deferred_acceptance(prep, active)
    saved = da._FLAG_BITS
    da._FLAG_BITS = -1  # no round fits: the wide kernel
    try:
        wide = da.deferred_acceptance(prep, active)
    finally:
        da._FLAG_BITS = saved
    return lean, wide


def _same(lean, wide) -> None:
    for name in FIELDS:
        a, b = np.asarray(getattr(lean, name)), np.asarray(getattr(wide, name))
        assert a.shape == b.shape and np.array_equal(a, b), name


def _lists(rng: np.random.Generator, n: int, m: int) -> tuple[list[str], dict, dict]:
    """Schools, lists of ``n`` children over ``m`` schools, and sibling or zone priority for
    about a third of the children at one school of their list."""
    schools = [f"S{j}" for j in range(m)]
    apps = {
        f"A{i:03d}": [schools[j] for j in rng.permutation(m)[: rng.integers(1, m + 1)]]
        for i in range(n)
    }
    priorities = {
        (a, lst[int(rng.integers(len(lst)))]): ("sibling" if rng.random() < 0.5 else "zone")
        for a, lst in apps.items()
        if rng.random() < 0.3
    }
    return schools, apps, priorities


def _random_round(rng: np.random.Generator, order: str, n: int = 60, m: int = 5):
    schools, apps, priorities = _lists(rng, n, m)
    cap = {s: int(rng.integers(0, 12)) for s in schools}
    pools = {
        s: [
            PoolSpec("flag", share="0.4", favours="indicator", order_by=order),
            PoolSpec("rest", share="0.6", order_by=order),
        ]
        for s in schools[::2]
    }
    return build_instance(
        apps,
        cap,
        seed=f"lean {order} {rng.integers(1 << 30)}",
        pools=pools,
        default_pools=(PoolSpec("all", share="1", order_by=order),),
        flags={"indicator": {a: int(rng.random() < 0.4) for a in apps}},
        priority_groups=("sibling", "zone"),
        priorities=priorities,
        distances={(a, s): float(rng.integers(0, 4) * 500) for a, lst in apps.items() for s in lst},
        values={"income": {a: float(rng.integers(0, 3)) for a in apps}},
    )


@pytest.mark.parametrize("order", ORDERS)
def test_lean_equals_wide_on_random_rounds(order: str) -> None:
    rng = np.random.default_rng(13)
    for _ in range(15):
        _same(*_both(_random_round(rng, order)))


def test_lean_equals_wide_with_dropped_entries() -> None:
    """The pledge loop drops list entries (``active``): the lean kernel skips them too."""
    rng = np.random.default_rng(7)
    inst = _random_round(rng, "lottery")
    active = rng.random(len(inst.choices)) < 0.7
    _same(*_both(inst, active))


@pytest.mark.parametrize("plain", [True, False])
def test_lean_equals_wide_on_the_bench_round(plain: bool) -> None:
    _same(*_both(make("nyc", 3_000, plain=plain)))
    _same(*_both(make("nyc", 3_000, plain=plain, v2=True)))


@pytest.mark.parametrize("plain", [True, False])
def test_ttc_dealt_lists_equal_sorted_lists(plain: bool) -> None:
    """Top trading cycles: the per-pool lists dealt in lottery order (every pool ordered by
    the lottery, one number per child) are those the sort of all keys gives."""
    from samen.engine import top_trading_cycles as ttc

    rng = np.random.default_rng(3)
    for inst in (make("nyc", 3_000, plain=plain), _random_round(rng, "lottery")):
        prep = prepare(inst)
        active = rng.random(len(inst.choices)) < 0.9
        dealt = ttc._pool_lists(prep, active)
        ordered = ttc._sorted_lists(prep, active)
        assert all(np.array_equal(a, b) for a, b in zip(dealt, ordered, strict=True))


def _one_pool_round(rng: np.random.Generator, favours: str, n: int = 80, m: int = 5):
    schools, apps, priorities = _lists(rng, n, m)
    return build_instance(
        apps,
        {s: int(rng.integers(0, 15)) for s in schools},
        seed=f"one pool {rng.integers(1 << 30)}",
        default_pools=(PoolSpec("all", share="1", favours=favours),),
        flags={"indicator": {a: int(rng.random() < 0.4) for a in apps}},
        priority_groups=("sibling", "zone"),
        priorities=priorities,
    )


@pytest.mark.parametrize("favours", ["", "indicator", "not:indicator"])
def test_one_pool_kernel_equals_wide_with_equal_numbers(favours: str, monkeypatch) -> None:
    """One lottery pool per school and one number per child: the kernel of a plain C loop
    (``one_pool_kernel``) runs, and gives what the wide kernel gives, also when children
    share a lottery number (drawn here from four values, so that equal prefixes are the
    rule and the order falls to the number and the id rank)."""
    from dataclasses import replace

    from samen.engine import lean

    used = []
    kernel = lean.one_pool_kernel
    monkeypatch.setattr(da, "one_pool_kernel", lambda *a: used.append(1) or kernel(*a))
    rng = np.random.default_rng(21)
    for _ in range(12):
        inst = _one_pool_round(rng, favours)
        prep = prepare(inst)
        few = rng.integers(0, 4, size=inst.n_applicants).astype(np.uint64)
        prep = replace(prep, single_lot=few, entry_lot=None)  # edge_lot: made from these
        active = np.ones(len(inst.choices), dtype=bool)
        lean_out = da.deferred_acceptance(prep, active)
        monkeypatch.setattr(da, "_FLAG_BITS", -1)
        wide_out = da.deferred_acceptance(prep, active)
        monkeypatch.setattr(da, "_FLAG_BITS", 62)
        _same(lean_out, wide_out)
    assert len(used) == 12
