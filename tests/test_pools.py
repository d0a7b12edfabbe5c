"""Seat pools (allocation rules section 4) have one type and one builder of the engine's arrays.

:func:`samen.engine.pools.pool_arrays` and :func:`~samen.engine.pools.pools_of` are each
other's inverse; the round reader, ``build_instance`` and the scenario variants all build
their arrays with them, so the pools of one round are the same arrays whoever builds them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samen.engine.instance import PoolSpec, build_instance
from samen.engine.pools import Pool, parse_favours, pool_arrays, pools_of

ROOT = Path(__file__).resolve().parents[1]

pool = st.builds(
    Pool,
    name=st.text("abc-", min_size=1, max_size=4),
    seats=st.integers(0, 50),
    flag=st.integers(-1, 2),
    negate=st.booleans(),
    order=st.integers(0, 2),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(pool, min_size=1, max_size=4), min_size=1, max_size=6))
def test_arrays_and_pools_are_inverse(schools: list[list[Pool]]) -> None:
    arrays = pool_arrays(schools)
    inst = build_instance({"a": ["S0"]}, {f"S{s}": 1 for s in range(len(schools))})
    assert pools_of(inst.with_(**arrays)) == schools
    assert arrays["pool_ptr"].dtype == np.int64 and arrays["pool_order"].dtype == np.int8


def test_reader_and_build_instance_build_the_same_arrays(tmp_path: Path) -> None:
    from roundfiles import write_round
    from samen.io.round import read_round

    inst = read_round(write_round(tmp_path / "r")).instance
    built = build_instance(
        {
            a: [inst.school_ids[s] for s in inst.choices_of(i)]
            for i, a in enumerate(inst.applicant_ids)
        },
        dict(zip(inst.school_ids, inst.capacity.tolist(), strict=True)),
        pools={
            "S1": [
                PoolSpec("ind", share="0.5", favours="indicator"),
                PoolSpec("rest", share="0.5", favours="not:indicator", order_by="distance"),
            ]
        },
        flags={"indicator": {a: int(inst.flags[i, 0]) for i, a in enumerate(inst.applicant_ids)}},
    )
    assert pools_of(built) == pools_of(inst)


def test_favours() -> None:
    assert parse_favours("", ["x"]) == (-1, False)
    assert parse_favours("x", ["w", "x"]) == (1, False)
    assert parse_favours("not:x", ["x"]) == (0, True)
    assert parse_favours("not:", ["x"]) is None
    assert parse_favours("y", ["x"]) is None
    assert Pool("p", 1, 0, True).favours(["indicator"]) == "not:indicator"
    assert Pool("p", 1).favours(["indicator"]) == ""


def test_one_pool_type() -> None:
    """No module declares its own pool class or builds the pool arrays by hand."""
    src = ROOT / "src" / "samen"
    own_class = re.compile(r"^class _?Pool\b", re.M)
    by_hand = re.compile(r"[\"']pool_ptr[\"']\s*:")
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted([*src.rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
        if p.name != "pools.py"
        and "web" not in p.parts  # the platform's Pool is its database model
        and (own_class.search(p.read_text()) or by_hand.search(p.read_text()))
    ]
    assert offenders == []
