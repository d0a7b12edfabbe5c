"""The per-round arrays that preparing a round keeps on its instance (samen.engine.priority):
allocating a round again, a variant of it, or a copy sent to another process gives the
result of a round prepared from scratch."""

from __future__ import annotations

import pickle

import numpy as np

from samen.engine.allocate import allocate
from samen.engine.instance import Instance, build_instance


def _round() -> Instance:
    lists = {f"C{i:03d}": ["X", "Y", "Z"][i % 3 :] + ["X", "Y", "Z"][: i % 3] for i in range(40)}
    return build_instance(lists, {"X": 9, "Y": 12, "Z": 10}, seed="kept arrays")


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.school.tolist() == b.school.tolist()
    assert a.choice_rank.tolist() == b.choice_rank.tolist()
    assert a.lottery.tolist() == b.lottery.tolist()
    assert a.pool_cutoff == b.pool_cutoff


def test_allocating_again_gives_the_same_result() -> None:
    inst = _round()
    first = allocate(inst)
    assert "_round_arrays" in inst.__dict__
    _same(allocate(inst), first)
    _same(allocate(_round()), first)


def test_a_variant_computes_its_own_arrays() -> None:
    inst = _round()
    allocate(inst)
    other = inst.with_(seed="another seed")
    assert "_round_arrays" not in other.__dict__
    fresh = build_instance(
        {a: [inst.school_ids[s] for s in inst.choices_of(i)] for i, a in
         enumerate(inst.applicant_ids)},
        {"X": 9, "Y": 12, "Z": 10},
        seed="another seed",
    )  # fmt: skip
    _same(allocate(other), allocate(fresh))
    # fewer seats: the variant's own pools, not the kept ones
    smaller = inst.with_(pool_seats=np.maximum(np.asarray(inst.pool_seats) - 5, 0))
    assert allocate(smaller).school_filled.sum() < allocate(inst).school_filled.sum()


def test_a_pickled_round_leaves_the_arrays_out() -> None:
    inst = _round()
    first = allocate(inst)
    copy = pickle.loads(pickle.dumps(inst))
    assert "_round_arrays" not in copy.__dict__
    _same(allocate(copy), first)
