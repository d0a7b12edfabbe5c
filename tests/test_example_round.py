"""The example round ``examples/mechelen-2027/`` keeps the promises its README makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "mechelen-2027"
GENERATOR = ROOT / "examples" / "make_mechelen.py"


@pytest.fixture(scope="module")
def round_and_result():
    from samen.engine import allocate
    from samen.io.round import read_round

    inst = read_round(FOLDER).instance
    return inst, allocate(inst)


def test_files_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_mechelen", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.generate()
    assert sorted(files) == sorted(
        p.name for p in FOLDER.iterdir() if p.suffix in (".csv", ".toml")
    )
    for name, text in files.items():
        assert (FOLDER / name).read_bytes() == text.encode("utf-8"), (
            f"{name} is stale: rerun the generator"
        )


def test_size_and_capacity(round_and_result) -> None:
    inst, res = round_and_result
    assert inst.n_applicants == 800 and inst.n_schools == 12
    assert 1.0 < inst.capacity.sum() / inst.n_applicants <= 1.1
    first = np.bincount(inst.choices[inst.choice_ptr[:-1]], minlength=inst.n_schools)
    assert (first > inst.capacity).any(), "some school is oversubscribed"
    assert (res.school_filled < inst.capacity).any(), "some school has seats left"
    assert 0.75 <= (res.choice_rank == 1).mean() <= 0.9


def test_two_twin_pairs_placed_together(round_and_result) -> None:
    inst, res = round_and_result
    labels, counts = np.unique(inst.family[inst.family >= 0], return_counts=True)
    assert counts.tolist() == [2, 2]
    for f in labels:
        a, b = np.flatnonzero(inst.family == f)
        assert inst.choices_of(a).tolist() == inst.choices_of(b).tolist()
        assert res.school[a] == res.school[b] >= 0
    # The first pair reached Sint-Rombout's distance pool with one seat left: overflow 1.
    mb01 = list(inst.school_ids).index("MB01")
    assert res.pool_overflow[list(inst.pools_of(mb01))].sum() == 1
    assert res.school_filled[mb01] == inst.capacity[mb01] + 1


def test_exactly_one_pledge_group_holds(round_and_result) -> None:
    inst, res = round_and_result
    held = dict(zip(inst.group_ids, res.group_held.tolist(), strict=True))
    assert held == {"kies-samen-nekkerspoel": True, "kies-samen-vlindertuin": False}
    assert res.runs == 2
    g = list(inst.group_ids).index("kies-samen-nekkerspoel")
    members = np.flatnonzero(inst.pledge == g)
    assert (res.school[members] == inst.group_target[g]).all()
    # The failed group's target was dropped: no member is there in the final result.
    f = list(inst.group_ids).index("kies-samen-vlindertuin")
    assert not (res.school[inst.pledge == f] == inst.group_target[f]).any()


def test_the_rules_in_force(round_and_result) -> None:
    """The decree since 2023-24: no double contingency; at most 20% reserved for the groups a
    school defines (pools favouring ``indicator|disability``, after the open seats); the
    better number of twins; waiting lists."""
    inst, res = round_and_result
    assert inst.family_number == "best" and inst.waitlists and res.waitlists is not None
    assert list(inst.expressions) == ["indicator|disability"]
    for s in range(inst.n_schools):
        pools = list(inst.pools_of(s))
        reserved = [p for p in pools if inst.pool_flag[p] != -1]
        assert all(inst.pool_flag[p] == -2 for p in reserved)  # the expression, no single flag
        assert pools[len(pools) - len(reserved) :] == reserved  # the reserve comes last
        assert inst.pool_seats[reserved].sum() <= 0.2 * inst.capacity[s]
    assert not inst.pool_negate.any()
