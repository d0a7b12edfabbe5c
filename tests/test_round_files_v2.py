"""Round folders with the rules of section 10, both directions: what ``samen.io.write_round``
writes (round.toml's v2 keys, the number, admits, category and coordinate columns, every
priorities.csv row that counts, the distances of pairs no child listed), ``read_round``
reads back to the same instance, which allocates to the same result and waiting lists."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings

from conftest import RoundSpec, rounds_v2, waitlist_rows
from samen.engine import allocate
from samen.engine.instance import Instance
from samen.io.round import instance_settings, instance_tables, read_round, render_round, write_round
from test_round_files import assert_same_instance


def assert_same_v2(a: Instance, b: Instance) -> None:
    """The fields of section 10 are the same."""
    assert_same_instance(a, b)
    for name in ("expressions", "orderings", "value_names", "admits", "first_choice_only"):
        assert list(getattr(a, name)) == list(getattr(b, name)), name
    assert list(a.nearest) == list(b.nearest)
    assert {k: list(v) for k, v in a.categories.items()} == {
        k: list(v) for k, v in b.categories.items()
    }
    assert (a.family_number, a.waitlists) == (b.family_number, b.waitlists)
    for name in ("values", "priority_rest"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert np.array_equal(x, y, equal_nan=True), name
    ga, gb = a.geography, b.geography
    assert (ga is None) == (gb is None)
    if ga is not None and gb is not None:
        assert ga.kind == gb.kind
        assert np.array_equal(ga.homes, gb.homes, equal_nan=True)
        assert np.array_equal(ga.sites, gb.sites, equal_nan=True)
        pairs = lambda g: sorted(  # noqa: E731
            zip(g.pair_app.tolist(), g.pair_school.tolist(), g.pair_metres.tolist(), strict=True)
        )
        assert pairs(ga) == pairs(gb)
    assert np.array_equal(a.group_at, b.group_at)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds_v2())
def test_written_v2_rounds_read_back_to_the_same_instance(spec: RoundSpec) -> None:
    inst = spec.build()
    files = render_round(instance_settings(inst, "random v2 round"), instance_tables(inst))
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_round(Path(tmp) / "round", files)
        again = read_round(folder).instance
    assert_same_v2(inst, again)
    first, second = allocate(inst), allocate(again)
    assert first.school.tolist() == second.school.tolist()
    assert first.pool_cutoff == second.pool_cutoff
    assert waitlist_rows(first) == waitlist_rows(second)
