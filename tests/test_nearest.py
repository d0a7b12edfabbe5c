"""The nearest schools of section 10.3 by candidates (quick estimates, the rules' distance
for the few that may be among the nearest) are those of computing every distance by the
rules' function, on random rounds full of ties (homes and schools on a grid), with
distances.csv rows for some pairs, categories with minimums, and both kinds of distance."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samen.engine.instance import build_instance
from samen.engine.nearest import NearestRule, margin, nearest_sets

KINDS = ("public", "catholic", "protestant")


@st.composite
def geography(draw):
    m = draw(st.integers(1, 40))
    n = draw(st.integers(1, 25))
    kind = draw(st.sampled_from(["euclidean", "haversine"]))
    step = 100.0 if kind == "euclidean" else 0.001  # a grid: many equal distances
    point = st.tuples(st.integers(-3, 3), st.integers(-3, 3))
    base = (0.0, 0.0) if kind == "euclidean" else (51.0, 4.4)

    def place(p):
        return (base[0] + step * p[0], base[1] + step * p[1])

    schools = [f"S{i}" for i in range(m)]
    kids = [f"K{i}" for i in range(n)]
    sites = {s: place(draw(point)) for s in schools if draw(st.integers(0, 9))}  # some unknown
    homes = {a: place(draw(point)) for a in kids if draw(st.integers(0, 9))}
    lists = {a: draw(st.permutations(schools))[: draw(st.integers(1, m))] for a in kids}
    distances = {
        (a, s): float(draw(st.integers(0, 8)) * 50)
        for a in kids
        for s in schools
        if draw(st.integers(0, 6)) == 0
    }
    kinds = {s: draw(st.sampled_from(KINDS)) for s in schools}
    rules = [
        NearestRule("near", draw(st.integers(1, m + 2))),
        NearestRule(
            "near",
            draw(st.integers(1, m + 2)),
            "kind",
            tuple((v, draw(st.integers(0, 3))) for v in KINDS if draw(st.booleans())),
        ),
    ]
    return build_instance(
        lists,
        {s: 1 for s in schools},
        priority_groups=["near"],
        nearest=rules,
        categories={"kind": kinds},
        homes=homes,
        sites=sites,
        distance=kind,
        distances=distances,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(geography())
def test_candidates_give_the_nearest_schools_of_every_distance(inst) -> None:
    every = nearest_sets(inst, every_distance=True)
    quick = nearest_sets(inst, every_distance=False)
    for a, b in zip(every, quick, strict=True):
        assert a.tolist() == b.tolist()


def test_the_margin_covers_the_rounding_and_the_formulas() -> None:
    """On a million random pairs, the quick estimate is within the margin of the rules'
    distance (rounded to the centimetre)."""
    from samen.engine.distance import metres

    rng = np.random.default_rng(7)
    a = rng.random((1_000_000, 2)) * 30_000
    b = rng.random((1_000_000, 2)) * 30_000
    rules = metres("euclidean", a, b)
    estimate = np.sqrt(((a - b) ** 2).sum(axis=1))
    assert (np.abs(rules - estimate) <= margin("euclidean", 0.0) + 1e-12 * estimate).all()
