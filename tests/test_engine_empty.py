"""A round without applicants: every mechanism allocates it (nothing to place), whatever its
rules.

A housing month in which no response fits its household translates to such a round, and a
what-if or a scenario can empty a round too; the engine gives the empty result (no child,
every pool empty, no cut-off, empty waiting lists) instead of failing on the empty arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

from samen.analytics.draws import run_draws
from samen.engine import MECHANISMS, TIE_BREAKINGS, allocate, build_instance
from samen.engine.allocate import assign
from samen.engine.instance import PoolSpec
from samen.engine.nearest import NearestRule
from samen.engine.priority import prepare
from samen.housing.allocate import allocate_month
from samen.housing.model import Dwelling, Household, HousingRules, LabelRule, Suitability

ORDERS = ("lottery", "distance", "rank", "rank,distance", "lottery,distance", "value:income")


def _empty(mechanism: str, tie_breaking: str, order: str, *, waitlists: bool = True):
    """No applicants, two schools with flag pools (one favouring an expression of two terms),
    priority groups (one first-choice only, one at the nearest school), a pledge group, an
    admits expression, family number "best", and the pools ordered by ``order``."""
    return build_instance(
        {},
        {"X": 2, "Y": 1},
        seed="empty",
        mechanism=mechanism,
        tie_breaking=tie_breaking,
        flags={"indicator": {}, "disability": {}},
        pools={
            "X": [
                PoolSpec("a", seats=1, favours="indicator", order_by=order),
                PoolSpec("b", seats=1, favours="indicator|not:disability", order_by=order),
            ]
        },
        priority_groups=["sibling", "nearby"],
        first_choice_only=["sibling"],
        nearest=[NearestRule("nearby", 1, "", ())],
        sites={"X": (0.0, 0.0), "Y": (100.0, 0.0)},
        groups={"G": ("X", 2)},
        values={"income": {}},
        admits={"Y": "indicator"},
        family_number="best",
        waitlists=waitlists,
    )


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_every_mechanism_allocates_a_round_without_applicants(
    mechanism: str, tie_breaking: str, order: str
) -> None:
    inst = _empty(mechanism, tie_breaking, order)
    assert inst.n_applicants == 0 and inst.flags.shape == (0, 2)
    r = allocate(inst)
    assert r.school.shape == r.choice_rank.shape == r.pool.shape == r.lottery.shape == (0,)
    assert r.pool_filled.tolist() == [0, 0, 0]
    assert r.pool_overflow.tolist() == [0, 0, 0]
    assert r.school_filled.tolist() == [0, 0]
    assert r.pool_cutoff == [None, None, None]
    # the pledge group has no members, so fewer than its threshold at the target: it fails
    assert r.group_members.tolist() == [0] and r.group_assigned.tolist() == [0]
    assert r.group_held.tolist() == [False]
    assert r.waitlists is not None and len(r.waitlists) == 0
    assert r.mechanism == mechanism
    a = assign(prepare(inst))
    assert a.school.shape == a.choice_rank.shape == (0,)
    d = run_draws(inst, 3)
    assert d.school.shape == (3, 0) and d.group_held.tolist() == [[False]] * 3


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_without_waiting_lists_there_are_none(mechanism: str) -> None:
    assert allocate(_empty(mechanism, "single", "lottery", waitlists=False)).waitlists is None


def test_a_v1_round_without_applicants_and_a_flag() -> None:
    """The case that failed: a flag column on zero rows (reshaped to (0, -1))."""
    inst = build_instance({}, {"X": 1}, flags={"indicator": {}})
    r = allocate(inst)
    assert r.school.tolist() == [] and r.pool_cutoff == [None]
    flags = np.zeros(0, dtype=np.uint8)  # one flag column given as a vector
    assert allocate(inst.with_(flags=flags)).pool_filled.tolist() == [0]


def test_applicants_with_empty_lists_get_no_school() -> None:
    for mechanism in MECHANISMS:
        inst = build_instance(
            {"a": [], "b": []}, {"X": 1}, flags={"f": {"a": 1}}, mechanism=mechanism
        )
        r = allocate(inst)
        assert r.school.tolist() == [-1, -1] and r.choice_rank.tolist() == [0, 0]


def test_a_housing_month_in_which_nothing_fits() -> None:
    """No response fits its household: the engine allocates the empty round (nobody housed,
    nobody waiting), with and without waiting positions."""
    rules = HousingRules(
        name="nothing fits",
        seed="s",
        labels={"standard": LabelRule("standard", order_by="value:registered")},
        suitability=Suitability(rooms={1: (1, 1)}),
    )
    dwellings = [Dwelling("D1", "N", 3, "A", "standard")]
    households = [Household("A", ("D1",), 100, 1, "low", {})]
    for positions in (True, False):
        r = allocate_month(rules, dwellings, households, positions=positions)
        assert len(r.translation.included) == 0
        assert r.dwelling == {"A": None}
        assert r.positions == {}
