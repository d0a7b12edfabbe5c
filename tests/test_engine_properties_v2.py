"""Theorems with the rules of section 10, on random small rounds (hypothesis), for the engine
and the reference implementation alike.

* Deferred acceptance stays stable with respect to the v2 priorities (groups that count
  with nearest schools and first-choice-only groups, flag expressions, criteria), and
  strategy-proof for the children when no pool orders by ``rank`` and no group is
  first-choice only (the known exceptions, shown in ``test_worked_examples_v2.py``).
* The waiting lists agree with the cut-offs: under deferred acceptance without family
  blocks, nobody on the waiting list of a pool that filled has a better tuple than that
  pool's cut-off (stability, seen from the lists), and a school with a pool that did not
  fill has nobody waiting.
* Under every mechanism a waiting list holds exactly the children it should, each once,
  with positions 1, 2, ... in the order of their tuples.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (
    IMPLEMENTATIONS,
    MECHANISMS,
    TIE_BREAKINGS,
    RoundSpec,
    implementations,
    plain,
    rounds_v2,
)
from reference import Round, final_lists
from test_engine_properties import prefers

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IMPL = pytest.mark.parametrize("impl", implementations())


def run(impl: str, inst):
    return plain(IMPLEMENTATIONS[impl](inst))


@IMPL
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@SETTINGS
@given(spec=rounds_v2(families=False))
def test_deferred_acceptance_is_stable_with_v2_priorities(impl, tie_breaking, spec):
    """No justified envy and no waste with respect to the school's choice of section 5 with
    the v2 priorities (the reference's ``choose``), and each school keeps its children."""
    inst = spec.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
    res = run(impl, inst)
    r = Round(inst)
    lists = final_lists(inst, res["group_held"])
    seats = r.full_seats()
    assigned = {s: {(a,) for a in range(r.n) if res["school"][a] == s} for s in range(r.m)}
    for s in range(r.m):
        assert r.choose(s, assigned[s], seats) == {(a,): res["pool"][a] for (a,) in assigned[s]}
    for a in range(r.n):
        for s in lists[a]:
            if prefers(lists[a], s, res["school"][a]):
                assert (a,) not in r.choose(s, assigned[s] | {(a,)}, seats), (
                    f"{inst.applicant_ids[a]} justly envies {inst.school_ids[s]}"
                )


@IMPL
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=rounds_v2(
        max_schools=3, max_children=4, families=False, pledges=False, rank=False,
        first_only=False,
    ),
    tie_breaking=st.sampled_from(TIE_BREAKINGS),
)  # fmt: skip
def test_deferred_acceptance_is_strategy_proof_with_v2_priorities(impl, spec, tie_breaking):
    """No child gets a school it prefers by submitting any other list, when no pool orders by
    rank and no group is first-choice only (nearest schools do not depend on the list)."""
    truth = spec.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
    honest = run(impl, truth)
    schools = list(spec.capacity)
    for i, (a, true_list) in enumerate(spec.applicants.items()):
        true_idx = [schools.index(s) for s in true_list]
        for k in range(1, len(schools) + 1):
            for lie in itertools.permutations(schools, k):
                if list(lie) == true_list:
                    continue
                spec2 = RoundSpec(
                    **{**spec.__dict__, "applicants": {**spec.applicants, a: list(lie)}}
                )
                got = run(
                    impl, spec2.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
                )
                assert not prefers(true_idx, got["school"][i], honest["school"][i]), (
                    f"{a} gains by listing {lie} instead of {true_list}"
                )


@IMPL
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@SETTINGS
@given(spec=rounds_v2(families=False))
def test_waiting_lists_agree_with_the_cutoffs(impl, tie_breaking, spec):
    inst = spec.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
    res = run(impl, inst)
    r = Round(inst)
    by_pool: dict[int, list[int]] = {}
    for _, p, _, a in res["waitlists"]:
        by_pool.setdefault(p, []).append(a)
    for p, cut in enumerate(res["pool_cutoff"]):
        if cut is not None:
            for a in by_pool.get(p, []):
                assert r.priority(a, p) > cut, (inst.applicant_ids[a], inst.pool_names[p])
    for s in range(r.m):
        not_full = [p for p in r.pools_of[s] if r.seats[p] > 0 and res["pool_cutoff"][p] is None]
        if not_full:
            assert not any(by_pool.get(p) for p in r.pools_of[s]), inst.school_ids[s]


@IMPL
@pytest.mark.parametrize("mechanism", MECHANISMS)
@SETTINGS
@given(spec=rounds_v2(), tie_breaking=st.sampled_from(TIE_BREAKINGS))
def test_waiting_lists_hold_who_waits(impl, mechanism, spec, tie_breaking):
    """Each list holds every child that lists the school in the last run and is unassigned
    or assigned below it, once, with positions 1, 2, ... in the order of their tuples; every
    pool has its list (under serial dictatorship: every school, without pools)."""
    inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
    res = run(impl, inst)
    r = Round(inst)
    lists = final_lists(inst, res["group_held"])
    rows = res["waitlists"]
    keys = [
        (s, p)
        for s in range(r.m)
        for p in (r.pools_of[s] if mechanism != "serial-dictatorship" else [-1])
    ]
    for s, p in keys:
        mine = [(k, a) for s2, p2, k, a in rows if (s2, p2) == (s, p)]
        assert [k for k, _ in mine] == list(range(1, len(mine) + 1))
        expected = {
            a
            for a in range(r.n)
            if s in lists[a]
            and (res["school"][a] == -1 or lists[a].index(res["school"][a]) > lists[a].index(s))
        }
        assert sorted(a for _, a in mine) == sorted(expected)
        if mechanism == "serial-dictatorship":
            order = [(r.single_number(a), r.ids[a]) for _, a in mine]
        elif mechanism == "top-trading-cycles":
            order = [(r.priority(a, p), r.ids[a]) for _, a in mine]
        else:
            order = [(r.unit_priority(r.block_of(a), p), r.ids[a]) for _, a in mine]
        assert order == sorted(order)
    assert all((s, p) in keys for s, p, _, _ in rows)
