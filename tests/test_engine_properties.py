"""Theorems the mechanisms must satisfy, on random small rounds (hypothesis).

Family blocks break stability, strategy-proofness and efficiency (a block can take seats
beyond a pool's share), so these rounds have none, except where a property holds anyway
(invariance under the order of the rows). Every property runs on the engine and on the
reference implementation (``tests/reference.py``), so the reference is itself checked
against the theory it is meant to embody.
"""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import IMPLEMENTATIONS, TIE_BREAKINGS, RoundSpec, implementations, plain, rounds
from reference import Round, final_lists, lottery_number
from samen.engine import lottery
from samen.engine.instance import build_instance

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IMPL = pytest.mark.parametrize("impl", implementations())


def run(impl: str, inst):
    return plain(IMPLEMENTATIONS[impl](inst))


def prefers(lst: list[int], s: int, t: int) -> bool:
    """On list ``lst``, is school ``s`` better than ``t`` (-1 = unassigned, the worst)?"""
    if s not in lst:
        return False
    return t == -1 or lst.index(s) < lst.index(t)


# ----- deferred acceptance: stable -----------------------------------------------------------


@IMPL
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@SETTINGS
@given(spec=rounds(families=False))
def test_deferred_acceptance_is_stable(impl, tie_breaking, spec):
    """No justified envy and no waste, w.r.t. the school's choice of section 5: with the set
    it was assigned plus any child who prefers it, the school would not take that child.
    And the school, given exactly its assigned children, keeps them all, in the same pools.
    (Pledges: the last run is plain DA on the lists without failed targets.)"""
    inst = spec.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
    res = run(impl, inst)
    r = Round(inst)
    lists = final_lists(inst, res["group_held"])
    seats = r.full_seats()
    assigned = {s: {(a,) for a in range(r.n) if res["school"][a] == s} for s in range(r.m)}
    for a in range(r.n):
        s = res["school"][a]
        assert s == -1 or s in lists[a]
    for s in range(r.m):
        chosen = r.choose(s, assigned[s], seats)
        assert chosen == {(a,): res["pool"][a] for (a,) in assigned[s]}
    for a in range(r.n):
        for s in lists[a]:
            if prefers(lists[a], s, res["school"][a]):
                chosen = r.choose(s, assigned[s] | {(a,)}, seats)
                assert (a,) not in chosen, (
                    f"{inst.applicant_ids[a]} justly envies {inst.school_ids[s]}"
                )


# ----- every mechanism: invariant under the order of the rows ----------------------------------


@IMPL
@pytest.mark.parametrize(
    "mechanism",
    ["deferred-acceptance", "immediate-acceptance", "top-trading-cycles", "serial-dictatorship"],
)
@SETTINGS
@given(
    spec=rounds(), tie_breaking=st.sampled_from(TIE_BREAKINGS), shuffle_seed=st.integers(0, 2**32)
)
def test_invariant_under_row_order(impl, mechanism, spec, tie_breaking, shuffle_seed):
    """Permuting the applicants' rows permutes the result and changes nothing else (family
    blocks included: they are formed by label, list and pledge, not by row order)."""
    inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
    ids = list(spec.applicants)
    shuffled = ids[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    spec2 = RoundSpec(**{**spec.__dict__, "applicants": {a: spec.applicants[a] for a in shuffled}})
    inst2 = spec2.build(mechanism=mechanism, tie_breaking=tie_breaking)
    res, res2 = run(impl, inst), run(impl, inst2)
    where = {a: i for i, a in enumerate(shuffled)}
    for name in ("school", "choice_rank", "pool", "lottery"):
        assert [res2[name][where[a]] for a in ids] == res[name], name
    for name in ("pool_filled", "pool_overflow", "pool_cutoff", "school_filled"):
        assert res2[name] == res[name], name
    for name in ("group_members", "group_assigned", "group_held", "runs"):
        assert res2[name] == res[name], name


# ----- deferred acceptance: strategy-proof ------------------------------------------------------


@IMPL
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=rounds(max_schools=3, max_children=4, families=False, pledges=False, rank=False),
    tie_breaking=st.sampled_from(TIE_BREAKINGS),
)
def test_deferred_acceptance_is_strategy_proof(impl, spec, tie_breaking):
    """No child gets a school it prefers by submitting any other list (every ordering of
    every non-empty subset of the schools). Pledge groups and ``rank`` pools are excluded:
    both make the outcome depend on the list beyond the preference order."""
    truth = spec.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
    honest = run(impl, truth)
    schools = list(spec.capacity)
    for a, true_list in spec.applicants.items():
        i = list(spec.applicants).index(a)
        true_idx = [schools.index(s) for s in true_list]
        for k in range(1, len(schools) + 1):
            for lie in itertools.permutations(schools, k):
                if list(lie) == true_list:
                    continue
                spec2 = RoundSpec(
                    **{**spec.__dict__, "applicants": {**spec.applicants, a: list(lie)}}
                )
                spec2.distances = {
                    **spec.distances,
                    **{(a, s): spec.distances.get((a, s), 0.0) for s in lie},
                }
                got = run(
                    impl, spec2.build(mechanism="deferred-acceptance", tie_breaking=tie_breaking)
                )
                assert not prefers(true_idx, got["school"][i], honest["school"][i]), (
                    f"{a} gains by listing {lie} instead of {true_list}"
                )


# ----- top trading cycles: Pareto efficient -------------------------------------------------------


@IMPL
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=rounds(max_schools=3, max_children=5, max_capacity=2, families=False))
def test_top_trading_cycles_is_pareto_efficient(impl, spec):
    """No reassignment of the seats (each school up to its capacity) makes a child better
    off and nobody worse off, w.r.t. the lists of the last run. Brute force: every
    assignment in which each child gets a school at least as good as its own."""
    inst = spec.build(mechanism="top-trading-cycles")
    res = run(impl, inst)
    lists = final_lists(inst, res["group_held"])
    capacity = [int(c) for c in inst.capacity]
    options = []
    for a in range(inst.n_applicants):
        own = res["school"][a]
        better = lists[a] if own == -1 else lists[a][: lists[a].index(own) + 1]
        options.append(better + ([-1] if own == -1 else []))
    for alternative in itertools.product(*options):
        if list(alternative) == res["school"]:
            continue
        if all(alternative.count(s) <= capacity[s] for s in range(len(capacity))):
            raise AssertionError(f"{alternative} Pareto-dominates {res['school']}")


# ----- serial dictatorship = deferred acceptance with one lottery pool ------------------------------


@IMPL
@SETTINGS
@given(spec=rounds(families=False, pledges=False, groups=False))
def test_serial_dictatorship_equals_plain_deferred_acceptance(impl, spec):
    """With one pool ordered by lottery, favouring nobody, no priority groups and single
    tie-breaking, every school ranks the children alike (by the single number), and DA
    becomes serial dictatorship in lottery order."""
    spec = RoundSpec(**{**spec.__dict__, "pools": {}})
    sd = run(impl, spec.build(mechanism="serial-dictatorship", tie_breaking="single"))
    da = run(impl, spec.build(mechanism="deferred-acceptance", tie_breaking="single"))
    assert sd["school"] == da["school"]
    assert sd["choice_rank"] == da["choice_rank"]
    assert sd["school_filled"] == da["school_filled"]
    assert sd["lottery"] == da["lottery"]


# ----- every mechanism: bookkeeping --------------------------------------------------------------


@IMPL
@pytest.mark.parametrize(
    "mechanism",
    ["deferred-acceptance", "immediate-acceptance", "top-trading-cycles", "serial-dictatorship"],
)
@SETTINGS
@given(spec=rounds(), tie_breaking=st.sampled_from(TIE_BREAKINGS))
def test_bookkeeping(impl, mechanism, spec, tie_breaking):
    """The counts agree with the assignment; seats are respected except for block overflow;
    unassigned children carry their single number."""
    inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
    res = run(impl, inst)
    r = Round(inst)
    for a in range(r.n):
        s = res["school"][a]
        if s == -1:
            assert res["choice_rank"][a] == 0 and res["pool"][a] == -1
            assert res["lottery"][a] == r.single_number(a)
        else:
            assert res["choice_rank"][a] == r.submitted[a].index(s) + 1
            if mechanism == "serial-dictatorship":
                assert res["pool"][a] == -1
            else:
                assert r.school_of_pool[res["pool"][a]] == s
    for s in range(r.m):
        assert res["school_filled"][s] == res["school"].count(s)
        if mechanism in ("serial-dictatorship", "top-trading-cycles"):
            assert res["school_filled"][s] <= r.capacity[s]
    for p in range(r.n_pools):
        assert res["pool_filled"][p] == res["pool"].count(p)
        assert res["pool_overflow"][p] == max(0, res["pool_filled"][p] - r.seats[p])
        if all(len(b) == 1 for b in r.blocks) or mechanism == "top-trading-cycles":
            assert res["pool_overflow"][p] == 0
        assert (res["pool_cutoff"][p] is None) == (not res["pool_filled"][p] >= r.seats[p] > 0)
    for g in range(len(r.group_ids)):
        members = [a for a in range(r.n) if r.pledge[a] == g]
        assert res["group_members"][g] == len(members)
        at_target = sum(res["school"][a] == r.group_target[g] for a in members)
        assert res["group_assigned"][g] == at_target
        assert res["group_held"][g] == (at_target >= r.group_threshold[g])
    assert 1 <= res["runs"] <= 1 + len(r.group_ids)


# ----- the lottery is sha256sum's -------------------------------------------------------------------

SHA256SUM = shutil.which("sha256sum")


def sha256sum_prefix(text: str) -> str:
    out = subprocess.run([SHA256SUM], input=text.encode("utf-8"), capture_output=True, check=True)
    return out.stdout.decode("ascii")[:16]


@pytest.mark.skipif(SHA256SUM is None, reason="no sha256sum on this machine")
@pytest.mark.parametrize(
    ("seed", "parts"),
    [
        ("announced before the draw", ("A17",)),
        ("seed", ("a",)),
        ("zaad-ß", ("é",)),
        ("kies je school 2027", ("名前",)),
        ("seed", ("S1", "Ωmega")),
        ("seed", ("pledge:G1",)),
        ("seed", ("Sch ool", "pledge:wijk-Zuid")),
        ("", ("",)),
    ],
)
def test_lottery_is_sha256sum(seed, parts):
    expected = sha256sum_prefix("|".join((seed, *parts)))
    assert lottery.hex16(lottery.number(seed, *parts)) == expected
    assert f"{lottery_number(seed, *parts):016x}" == expected


@pytest.mark.skipif(SHA256SUM is None, reason="no sha256sum on this machine")
@IMPL
def test_result_lottery_column_is_sha256sum(impl):
    """Under single tie-breaking an unblocked child's number is sha256sum of ``seed|id``;
    under multiple it is that of ``seed|school|id`` at the assigned school."""
    ids = ["A17", "é", "名前", "z"]
    inst = build_instance({a: ["Sø", "T"] for a in ids}, {"Sø": 2, "T": 2}, seed="zaad-ß")
    res = run(impl, inst)
    assert [f"{v:016x}" for v in res["lottery"]] == [sha256sum_prefix("zaad-ß|" + a) for a in ids]
    res = run(impl, inst.with_(tie_breaking="multiple"))
    schools = ["Sø", "T"]
    assert [f"{v:016x}" for v in res["lottery"]] == [
        sha256sum_prefix(f"zaad-ß|{schools[res['school'][i]]}|{a}") for i, a in enumerate(ids)
    ]
