"""The engine against the naive reference implementation (``tests/reference.py``) on random
small rounds with the rules of section 10 (flag expressions, ordering criteria, nearest
schools, first-choice-only groups, the family number, waiting lists): every mechanism, both
tie-breakings, every field of the result and every row of the waiting lists."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import (
    MECHANISMS,
    TIE_BREAKINGS,
    assert_same,
    engine_allocate,
    reference_allocate,
    rounds_v2,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@pytest.mark.parametrize("mechanism", MECHANISMS)
@SETTINGS
@given(spec=rounds_v2())
def test_engine_equals_reference_v2(mechanism, tie_breaking, spec):
    inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
    assert_same(engine_allocate(inst), reference_allocate(inst), inst)


@pytest.mark.parametrize("mechanism", MECHANISMS)
@SETTINGS
@given(spec=rounds_v2(max_schools=3, min_children=4, max_children=8, max_capacity=2, max_pools=2))
def test_engine_equals_reference_v2_crowded(mechanism, spec):
    """Fewer seats than children: long waiting lists, blocks that overflow, pledges that fail."""
    for tie_breaking in TIE_BREAKINGS:
        inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
        assert_same(engine_allocate(inst), reference_allocate(inst), inst)
