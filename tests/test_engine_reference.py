"""The engine against the naive reference implementation (``tests/reference.py``) on random
small rounds: every mechanism, both tie-breakings, every field of the result."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import (
    MECHANISMS,
    TIE_BREAKINGS,
    assert_same,
    engine_allocate,
    needs_engine,
    reference_allocate,
    rounds,
)

pytestmark = needs_engine

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
@pytest.mark.parametrize("mechanism", MECHANISMS)
@SETTINGS
@given(spec=rounds())
def test_engine_equals_reference(mechanism, tie_breaking, spec):
    inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
    assert_same(engine_allocate(inst), reference_allocate(inst), inst)


@pytest.mark.parametrize("mechanism", MECHANISMS)
@SETTINGS
@given(spec=rounds(max_schools=3, min_children=4, max_children=8, max_capacity=2, max_pools=2))
def test_engine_equals_reference_crowded(mechanism, spec):
    """Fewer seats than children, so pools fill, blocks overflow and pledges fail."""
    for tie_breaking in TIE_BREAKINGS:
        inst = spec.build(mechanism=mechanism, tie_breaking=tie_breaking)
        assert_same(engine_allocate(inst), reference_allocate(inst), inst)


@needs_engine
@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("tie_breaking", TIE_BREAKINGS)
def test_engine_equals_reference_empty_and_tiny(mechanism, tie_breaking):
    from samen.engine.instance import build_instance

    cases = [
        build_instance({"a": ["X"]}, {"X": 0}),
        build_instance({"a": ["X"], "b": ["X"]}, {"X": 1}),
        build_instance({"a": ["X", "Y"], "b": ["Y", "X"]}, {"X": 1, "Y": 1}),
        build_instance({"a": ["X"], "b": ["X"]}, {"X": 1}, families={"a": "F", "b": "F"}),
    ]
    for inst in cases:
        inst = inst.with_(mechanism=mechanism, tie_breaking=tie_breaking)
        assert_same(engine_allocate(inst), reference_allocate(inst), inst)
