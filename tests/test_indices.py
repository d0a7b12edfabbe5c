"""Segregation indices (samen.analytics.indices).

1. Hand-computed values on two small tables, the arithmetic written out.
2. Properties on random tables (hypothesis): bounds, invariances, decompositions.
3. Every index against PySAL ``segregation`` on 50 seeded random tables, to 1e-9.
"""

from __future__ import annotations

import doctest
import importlib
import math
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samen.analytics import indices
from samen.analytics.indices import (
    CorrelationRatio,
    Dissimilarity,
    Entropy,
    Exposure,
    Gini,
    Hutchens,
    Isolation,
    MultiDissimilarity,
    MultiEntropy,
    MultiGini,
    MutualInformation,
    all_indices,
    by_group_partition,
    by_partition,
    count_table,
)

TOL = 1e-12
LN2, LN3, LN5 = math.log(2), math.log(3), math.log(5)

# --------------------------------------------------------------------------------------------
# 1. hand-computed values

# Table A: 3 schools x 2 groups (A, B).
#   school  A   B   t    p = A/t
#   s1      8   2   10   0.8
#   s2      4   6   10   0.4
#   s3      0  10   10   0.0
#   total  12  18   30   P = 12/30 = 0.4
TABLE_A: list[list[float]] = [[8, 2], [4, 6], [0, 10]]

# Table B: 3 schools x 3 groups (0, 1, 2).
#   school  g0  g1  g2   t    pi_i = shares
#   s1      10   0   0   10   (1, 0, 0)
#   s2       5   5   0   10   (.5, .5, 0)
#   s3       5   5  10   20   (.25, .25, .5)
#   total   20  10  10   40   pi = (.5, .25, .25)
#   I = sum pi (1 - pi) = .25 + .1875 + .1875 = .625
#   E = -sum pi ln pi = .5 ln 2 + 2 * .25 ln 4 = 1.5 ln 2
TABLE_B: list[list[float]] = [[10, 0, 0], [5, 5, 0], [5, 5, 10]]


def test_table_a_dissimilarity() -> None:
    # D = 1/2 (|8/12 - 2/18| + |4/12 - 6/18| + |0/12 - 10/18|)
    #   = 1/2 (5/9 + 0 + 5/9) = 5/9
    assert Dissimilarity(TABLE_A).statistic == pytest.approx(5 / 9, abs=TOL)
    # the same for group B against A
    assert Dissimilarity(TABLE_A, group=1).statistic == pytest.approx(5 / 9, abs=TOL)
    # multigroup D with two groups: sum_i t_i sum_m |pi_im - pi_m| / (2 T I), I = 2 * .4 * .6
    #   = 10 * (.4 + .4) + 10 * 0 + 10 * (.4 + .4) = 16;  16 / (2 * 30 * .48) = 16 / 28.8 = 5/9
    assert MultiDissimilarity(TABLE_A).statistic == pytest.approx(5 / 9, abs=TOL)


def test_table_a_isolation_exposure() -> None:
    # isolation of A: 8/12 * 8/10 + 4/12 * 4/10 + 0 = 64/120 + 16/120 = 2/3
    assert Isolation(TABLE_A).statistic == pytest.approx(2 / 3, abs=TOL)
    # exposure of A to B: 8/12 * 2/10 + 4/12 * 6/10 + 0 = 16/120 + 24/120 = 1/3
    assert Exposure(TABLE_A).statistic == pytest.approx(1 / 3, abs=TOL)
    assert Exposure(TABLE_A, group=0, other=1).statistic == pytest.approx(1 / 3, abs=TOL)
    # exposure of B to A: 2/18 * 8/10 + 6/18 * 4/10 + 10/18 * 0 = 40/180 = 2/9
    # (check: N_A * 1/3 = 4 = N_B * 2/9)
    assert Exposure(TABLE_A, group=1, other=0).statistic == pytest.approx(2 / 9, abs=TOL)
    # isolation of B: 2/18 * 2/10 + 6/18 * 6/10 + 10/18 * 10/10 = (4 + 36 + 100)/180 = 7/9
    assert Isolation(TABLE_A, group=1).statistic == pytest.approx(7 / 9, abs=TOL)
    # correlation ratio of A: (2/3 - .4) / (1 - .4) = (4/15) / (3/5) = 4/9
    assert CorrelationRatio(TABLE_A).statistic == pytest.approx(4 / 9, abs=TOL)


def test_table_a_gini_hutchens() -> None:
    # Gini: p = (.8, .4, 0), t = 10 each; ordered pairs (each unordered pair twice):
    #   2 * 100 * (|.8-.4| + |.8-0| + |.4-0|) = 2 * 100 * 1.6 = 320
    #   2 T^2 P (1 - P) = 2 * 900 * .24 = 432;  G = 320/432 = 20/27
    assert Gini(TABLE_A).statistic == pytest.approx(20 / 27, abs=TOL)
    assert MultiGini(TABLE_A).statistic == pytest.approx(20 / 27, abs=TOL)
    # Hutchens: 1 - [sqrt(8/12 * 2/18) + sqrt(4/12 * 6/18) + sqrt(0 * 10/18)]
    #   = 1 - sqrt(2/27) - sqrt(1/9) = 2/3 - sqrt(2/27)
    assert Hutchens(TABLE_A).statistic == pytest.approx(2 / 3 - math.sqrt(2 / 27), abs=TOL)


def test_table_a_entropy_mutual_information() -> None:
    # M = sum_i t_i/T sum_m pi_im ln(pi_im / pi_m), pi = (.4, .6):
    #   s1: 1/3 [.8 ln(.8/.4) + .2 ln(.2/.6)] = 1/3 [.8 ln 2 - .2 ln 3]
    #   s2: 1/3 [.4 ln 1 + .6 ln 1] = 0
    #   s3: 1/3 [0 + 1 ln(1/.6)] = 1/3 [ln 5 - ln 3]
    #   M = (.8 ln 2 - 1.2 ln 3 + ln 5) / 3 = 0.2818736...
    m = (0.8 * LN2 - 1.2 * LN3 + LN5) / 3
    assert MutualInformation(TABLE_A).statistic == pytest.approx(m, abs=TOL)
    # E = -(.4 ln .4 + .6 ln .6);  H = M / E = 0.4188243...
    e = -(0.4 * math.log(0.4) + 0.6 * math.log(0.6))
    assert Entropy(TABLE_A).statistic == pytest.approx(m / e, abs=TOL)
    assert MultiEntropy(TABLE_A).statistic == pytest.approx(m / e, abs=TOL)


def test_table_a_decomposition_by_units() -> None:
    # units: north = {s1, s2} = (12, 8), 20 pupils; south = {s3} = (0, 10), 10 pupils
    # between = M of [[12, 8], [0, 10]]:
    #   north: 2/3 [.6 ln(.6/.4) + .4 ln(.4/.6)] = 2/3 * .2 ln 1.5
    #   south: 1/3 [1 ln(1/.6)] = 1/3 ln(5/3)
    between = 2 / 3 * 0.2 * math.log(1.5) + math.log(5 / 3) / 3
    # M_north on [[8, 2], [4, 6]] against north's own mix (.6, .4):
    #   s1: 1/2 [.8 ln(.8/.6) + .2 ln(.2/.4)];  s2: 1/2 [.4 ln(.4/.6) + .6 ln(.6/.4)]
    m_north = 0.5 * (0.8 * math.log(0.8 / 0.6) + 0.2 * math.log(0.5)) + 0.5 * 0.2 * math.log(1.5)
    # M_south = 0 (one school); within = 2/3 M_north + 1/3 * 0
    dec = by_partition(TABLE_A, ["north", "north", "south"])
    assert dec.between == pytest.approx(between, abs=TOL)
    assert dec.local == pytest.approx({"north": m_north, "south": 0.0}, abs=TOL)
    assert dec.weights == pytest.approx({"north": 2 / 3, "south": 1 / 3}, abs=TOL)
    assert dec.within == pytest.approx(2 / 3 * m_north, abs=TOL)
    assert dec.contributions == pytest.approx({"north": 2 / 3 * m_north, "south": 0.0}, abs=TOL)
    # 0.2243372 + 0.0575364 = 0.2818736 = M of table A
    assert dec.total == pytest.approx((0.8 * LN2 - 1.2 * LN3 + LN5) / 3, abs=TOL)
    assert dec.between + dec.within == pytest.approx(dec.total, abs=TOL)
    assert dec.partition == "units"


def test_table_b_multigroup() -> None:
    # multigroup D: sum_i t_i sum_m |pi_im - pi_m|
    #   s1: 10 * (.5 + .25 + .25) = 10;  s2: 10 * (0 + .25 + .25) = 5;  s3: 20 * (.25 + 0 + .25) = 10
    #   25 / (2 * 40 * .625) = 25 / 50 = .5
    assert MultiDissimilarity(TABLE_B).statistic == pytest.approx(0.5, abs=TOL)
    # multigroup Gini: sum over groups of sum over unordered pairs t_i t_j |pi_im - pi_jm|, x 2
    #   g0 (1, .5, .25):  100 * .5 + 200 * .75 + 200 * .25 = 250
    #   g1 (0, .5, .25):  100 * .5 + 200 * .25 + 200 * .25 = 150
    #   g2 (0, 0, .5):    0        + 200 * .5  + 200 * .5  = 200
    #   2 * 600 / (2 * 40^2 * .625) = 1200 / 2000 = .6
    assert MultiGini(TABLE_B).statistic == pytest.approx(0.6, abs=TOL)
    # M:  s1: 10/40 [1 ln(1/.5)] = .25 ln 2
    #     s2: 10/40 [.5 ln(.5/.5) + .5 ln(.5/.25)] = .125 ln 2
    #     s3: 20/40 [.25 ln(.25/.5) + .25 ln(.25/.25) + .5 ln(.5/.25)] = .5 * .25 ln 2 = .125 ln 2
    #   M = .5 ln 2;  H = M / E = .5 ln 2 / (1.5 ln 2) = 1/3
    assert MutualInformation(TABLE_B).statistic == pytest.approx(0.5 * LN2, abs=TOL)
    assert MultiEntropy(TABLE_B).statistic == pytest.approx(1 / 3, abs=TOL)


def test_table_b_isolation_exposure() -> None:
    # isolation g0: 10/20 * 1 + 5/20 * .5 + 5/20 * .25 = .5 + .125 + .0625 = .6875
    # exposure g0 -> g1: 0 + 5/20 * .5 + 5/20 * .25 = .1875;  g0 -> g2: 5/20 * .5 = .125
    # exposure g1 -> g0: 5/10 * .5 + 5/10 * .25 = .375  (20 * .1875 = 10 * .375)
    assert Isolation(TABLE_B, 0).statistic == pytest.approx(0.6875, abs=TOL)
    assert Exposure(TABLE_B, 0, 1).statistic == pytest.approx(0.1875, abs=TOL)
    assert Exposure(TABLE_B, 0, 2).statistic == pytest.approx(0.125, abs=TOL)
    assert Exposure(TABLE_B, 1, 0).statistic == pytest.approx(0.375, abs=TOL)
    assert Exposure(TABLE_B, 0).statistic == pytest.approx(0.3125, abs=TOL)  # .1875 + .125
    assert Exposure(TABLE_B, 0, 0).statistic == pytest.approx(0.6875, abs=TOL)


def test_table_b_two_group_on_multigroup_table() -> None:
    # group 2 against the rest: x = (0, 0, 10), y = (10, 10, 10), X = 10, Y = 30
    # D = 1/2 (1/3 + 1/3 + |1 - 1/3|) = 2/3
    assert Dissimilarity(TABLE_B, 2).statistic == pytest.approx(2 / 3, abs=TOL)
    # Hutchens = 1 - sqrt(1 * 1/3) = 1 - 1/sqrt(3)
    assert Hutchens(TABLE_B, 2).statistic == pytest.approx(1 - 1 / math.sqrt(3), abs=TOL)
    # isolation of group 2: 10/10 * 10/20 = .5; exposure to the rest .5
    assert Isolation(TABLE_B, 2).statistic == pytest.approx(0.5, abs=TOL)
    assert Exposure(TABLE_B, 2).statistic == pytest.approx(0.5, abs=TOL)
    # Gini: p = (0, 0, .5), t = (10, 10, 20), P = .25
    #   2 * (0 + 10*20*.5 + 10*20*.5) = 400;  2 * 1600 * .25 * .75 = 600;  G = 2/3
    assert Gini(TABLE_B, 2).statistic == pytest.approx(2 / 3, abs=TOL)


def test_table_b_decomposition_by_groups() -> None:
    # clusters: a = {g0}, b = {g1, g2}
    # between = M of school x cluster [[10, 0], [5, 5], [5, 15]], cluster mix (.5, .5):
    #   s1: 10/40 ln(1/.5) = .25 ln 2;  s2: 0;  s3: 20/40 [.25 ln .5 + .75 ln 1.5]
    between = 0.25 * LN2 + 0.5 * (0.25 * math.log(0.5) + 0.75 * math.log(1.5))
    # M_b on [[5, 0], [5, 10]] (s1 has no pupil of b), mix (.5, .5), 20 pupils:
    #   s2: 5/20 ln(1/.5) = .25 ln 2;  s3: 15/20 [1/3 ln(2/3) + 2/3 ln(4/3)]
    m_b = 0.25 * LN2 + 0.75 * (math.log(2 / 3) / 3 + 2 / 3 * math.log(4 / 3))
    # within = 20/40 * M_b + 20/40 * 0;  between + within = .5 ln 2 = M of table B
    dec = by_group_partition(TABLE_B, ["a", "b", "b"])
    assert dec.between == pytest.approx(between, abs=TOL)
    assert dec.local == pytest.approx({"a": 0.0, "b": m_b}, abs=TOL)
    assert dec.weights == pytest.approx({"a": 0.5, "b": 0.5}, abs=TOL)
    assert dec.within == pytest.approx(0.5 * m_b, abs=TOL)
    assert dec.total == pytest.approx(0.5 * LN2, abs=TOL)
    assert dec.between + dec.within == pytest.approx(0.5 * LN2, abs=TOL)
    assert dec.partition == "groups"


def test_all_indices_keys_and_values() -> None:
    d = all_indices(TABLE_B, group_names=["nl", "fr", "other"], minority="fr")
    assert d["multi_dissimilarity"] == pytest.approx(0.5, abs=TOL)
    assert d["mutual_information"] == pytest.approx(0.5 * LN2, abs=TOL)
    assert d["isolation[nl]"] == pytest.approx(0.6875, abs=TOL)
    assert d["exposure[fr->nl]"] == pytest.approx(0.375, abs=TOL)
    assert d["isolation"] == pytest.approx(Isolation(TABLE_B, 1).statistic, abs=TOL)
    assert d == all_indices(TABLE_B, group_names=["nl", "fr", "other"], minority=1)
    assert all(type(v) is float for v in d.values())
    assert len(d) == 11 + 3 + 3 * 2
    plain = all_indices(TABLE_A)
    assert set(plain) >= {"isolation[0]", "exposure[0->1]", "exposure[1->0]", "gini"}
    assert plain["dissimilarity"] == pytest.approx(5 / 9, abs=TOL)


def test_doctests() -> None:
    result = doctest.testmod(indices, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


# --------------------------------------------------------------------------------------------
# input handling


def test_empty_schools_are_dropped() -> None:
    with_empty = [[0.0, 0.0], *TABLE_A[:2], [0.0, 0.0], TABLE_A[2]]
    assert all_indices(with_empty) == all_indices(TABLE_A)
    assert count_table(with_empty).shape == (3, 2)
    dec = by_partition(with_empty, ["x", "north", "north", "y", "south"])
    assert list(dec.local) == ["north", "south"]
    assert dec.total == pytest.approx(MutualInformation(TABLE_A).statistic, abs=TOL)


def test_float_counts_and_python_floats() -> None:
    half = np.asarray(TABLE_A, dtype=float) * 0.5
    for cls in (Dissimilarity, Gini, Entropy, Hutchens, Isolation, Exposure, CorrelationRatio):
        value = cls(half).statistic
        assert type(value) is float
        assert value == pytest.approx(cls(TABLE_A).statistic, abs=TOL)
    for multi in (MultiDissimilarity, MultiGini, MultiEntropy, MutualInformation):
        assert type(multi(half).statistic) is float
    assert float(Dissimilarity(half)) == pytest.approx(5 / 9, abs=TOL)
    assert "Dissimilarity(statistic=" in repr(Dissimilarity(half))
    dec = by_partition(half, np.array([1, 1, 2]))
    assert list(dec.local) == [1, 2]
    assert all(type(k) is int for k in dec.local)


@pytest.mark.parametrize("cls", [Dissimilarity, MultiGini, MutualInformation, Isolation])
def test_zero_group_is_a_clear_error(cls: Any) -> None:
    with pytest.raises(ValueError, match=r"group\(s\) 1 have no pupil"):
        cls([[3, 0, 1], [2, 0, 5]])


def test_errors() -> None:
    with pytest.raises(ValueError, match="'fr' have no pupil"):
        all_indices([[3, 0], [2, 0]], group_names=["nl", "fr"])
    with pytest.raises(ValueError, match="no pupil"):
        MutualInformation([[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="at least two groups"):
        Dissimilarity([[1], [2]])
    with pytest.raises(ValueError, match="2-D"):
        Dissimilarity([1, 2, 3])
    with pytest.raises(ValueError, match="negative"):
        Gini([[1, -1], [2, 3]])
    with pytest.raises(ValueError, match="NaN"):
        Gini([[1.0, math.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match="numbers"):
        Gini([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="not a column"):
        Dissimilarity(TABLE_A, group=2)
    with pytest.raises(ValueError, match="not a column"):
        Exposure(TABLE_A, group=0, other=5)
    with pytest.raises(TypeError, match="column index"):
        Dissimilarity(TABLE_A, group=0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"group\(s\) 1, 2 have no pupil"):
        Dissimilarity([[3, 0, 0], [2, 0, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="not one of the group names"):
        all_indices(TABLE_A, group_names=["A", "B"], minority="C")
    with pytest.raises(ValueError, match="2 names for 3 groups"):
        all_indices(TABLE_B, group_names=["A", "B"])
    with pytest.raises(ValueError, match="unique"):
        all_indices(TABLE_A, group_names=["A", "A"])
    with pytest.raises(ValueError, match="units has 2 labels, the table has 3"):
        by_partition(TABLE_A, ["a", "b"])
    with pytest.raises(ValueError, match="clusters has 1 labels"):
        by_group_partition(TABLE_A, ["a"])


# --------------------------------------------------------------------------------------------
# 2. properties on random tables


@st.composite
def tables(draw: st.DrawFn) -> np.ndarray:
    n_schools = draw(st.integers(1, 8))
    n_groups = draw(st.integers(2, 4))
    cells = draw(
        st.lists(st.integers(0, 40), min_size=n_schools * n_groups, max_size=n_schools * n_groups)
    )
    table = np.array(cells, dtype=float).reshape(n_schools, n_groups)
    for g in np.flatnonzero(table.sum(axis=0) == 0):  # every group needs a pupil
        table[draw(st.integers(0, n_schools - 1)), g] = 1
    return table


def segregation_curve_gini(table: np.ndarray, group: int) -> float:
    """Twice the area between the segregation curve and the diagonal (trapezoids)."""
    x = table[:, group]
    y = table.sum(axis=1) - x
    keep = x + y > 0
    x, y = x[keep], y[keep]
    order = np.argsort(x / (x + y), kind="stable")
    cx = np.concatenate([[0.0], np.cumsum(x[order]) / x.sum()])
    cy = np.concatenate([[0.0], np.cumsum(y[order]) / y.sum()])
    return float(1.0 - (np.diff(cy) * (cx[1:] + cx[:-1])).sum())


@settings(max_examples=60, deadline=None)
@given(tables(), st.data())
def test_properties(table: np.ndarray, data: st.DataObject) -> None:
    n_schools, n_groups = table.shape
    group = data.draw(st.integers(0, n_groups - 1))
    d = all_indices(table, minority=group)
    for key in (
        "dissimilarity",
        "gini",
        "entropy",
        "hutchens",
        "isolation",
        "exposure",
        "multi_dissimilarity",
        "multi_gini",
        "multi_entropy",
    ):
        assert -1e-12 <= d[key] <= 1 + 1e-12, key
    assert -1e-12 <= d["correlation_ratio"] <= 1 + 1e-12
    m = d["mutual_information"]
    assert -1e-12 <= m <= min(math.log(n_groups), math.log(n_schools)) + 1e-12
    # the same table in another order, and scaled, gives the same values
    perm = data.draw(st.permutations(range(n_schools)))
    assert all_indices(table[list(perm)], minority=group) == pytest.approx(d, abs=1e-12)
    assert all_indices(table * 3.5, minority=group) == pytest.approx(d, abs=1e-12)
    # two-group = multigroup on the collapsed (group, rest) table
    two = np.column_stack([table[:, group], table.sum(axis=1) - table[:, group]])
    assert MultiDissimilarity(two).statistic == pytest.approx(d["dissimilarity"], abs=1e-12)
    assert MultiGini(two).statistic == pytest.approx(d["gini"], abs=1e-12)
    assert MultiEntropy(two).statistic == pytest.approx(d["entropy"], abs=1e-12)
    # Gini by the segregation curve; Hutchens by its second form
    assert d["gini"] == pytest.approx(segregation_curve_gini(table, group), abs=1e-12)
    x, y = two[:, 0] / two[:, 0].sum(), two[:, 1] / two[:, 1].sum()
    hutchens = 0.5 * ((np.sqrt(x) - np.sqrt(y)) ** 2).sum()
    assert d["hutchens"] == pytest.approx(hutchens, abs=1e-12)
    # exposures of a group add up to 1; N_m P(m, n) = N_n P(n, m)
    totals = table.sum(axis=0)
    for a in range(n_groups):
        row = [Exposure(table, a, b).statistic for b in range(n_groups)]
        assert sum(row) == pytest.approx(1.0, abs=1e-12)
        assert row[a] == pytest.approx(Isolation(table, a).statistic, abs=1e-12)
        for b in range(n_groups):
            back = Exposure(table, b, a).statistic
            assert totals[a] * row[b] == pytest.approx(totals[b] * back, rel=1e-12)
    # decompositions add up
    units = data.draw(st.lists(st.integers(0, 2), min_size=n_schools, max_size=n_schools))
    dec = by_partition(table, units)
    assert dec.total == pytest.approx(m, abs=1e-12)
    assert dec.between + dec.within == pytest.approx(m, abs=1e-12)
    assert sum(dec.weights.values()) == pytest.approx(1.0, abs=1e-12)
    clusters = data.draw(st.lists(st.integers(0, 1), min_size=n_groups, max_size=n_groups))
    gdec = by_group_partition(table, clusters)
    assert gdec.between + gdec.within == pytest.approx(m, abs=1e-12)
    # one unit per school: all between; one unit for all: all within
    assert by_partition(table, range(n_schools)).within == pytest.approx(0.0, abs=1e-12)
    assert by_partition(table, [0] * n_schools).between == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------------------------
# 3. PySAL segregation as the oracle

ORACLE_TOL = 1e-9
SEEDS = range(50)


@pytest.fixture(scope="module")
def seg() -> Iterator[dict[str, ModuleType]]:
    """PySAL ``segregation``'s two index modules, with its two-group Gini run without JIT.

    ``segregation.singlegroup.Gini`` calls a numba function compiled with ``parallel=True``
    (about 10 s to compile on a small machine). Its pure-Python original (``py_func``, the same
    code) keeps this file fast; it computes the same value.
    """
    pytest.importorskip("segregation")
    pytest.importorskip("pandas")
    gini_module = importlib.import_module("segregation.singlegroup.gini")
    with pytest.MonkeyPatch.context() as mp:
        jitted = gini_module._gini_vecp
        mp.setattr(gini_module, "_gini_vecp", getattr(jitted, "py_func", jitted))
        yield {
            "single": importlib.import_module("segregation.singlegroup"),
            "multi": importlib.import_module("segregation.multigroup"),
            "pandas": importlib.import_module("pandas"),
        }


def random_table(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random school x group table (with some empty schools, float counts for odd seeds),
    a random partition of its schools and one of its groups."""
    rng = np.random.default_rng(seed)
    n_schools = int(rng.integers(2, 26))
    n_groups = int(rng.integers(2, 6))
    sizes = rng.integers(0, 80, n_schools)
    sizes[rng.random(n_schools) < 0.1] = 0
    mix = rng.dirichlet(np.full(n_groups, rng.uniform(0.2, 3.0)), n_schools)
    table = np.array([rng.multinomial(s, p) for s, p in zip(sizes, mix, strict=True)], float)
    if seed % 2:
        table *= rng.uniform(0.5, 1.5, table.shape)
    for g in np.flatnonzero(table.sum(axis=0) == 0):
        table[rng.integers(n_schools), g] = 1.0
    units = rng.integers(0, max(1, min(4, n_schools // 2)), n_schools)
    clusters = rng.integers(0, 2, n_groups)
    return table, units, clusters


def test_random_tables_are_varied() -> None:
    shapes = {random_table(seed)[0].shape for seed in SEEDS}
    assert len(shapes) > 20
    assert any((random_table(seed)[0].sum(axis=1) == 0).any() for seed in SEEDS)


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_pysal(seed: int, seg: dict[str, Any]) -> None:
    single, multi, pd = seg["single"], seg["multi"], seg["pandas"]
    table, units, clusters = random_table(seed)
    n_groups = table.shape[1]
    names = [f"g{g}" for g in range(n_groups)]
    df = pd.DataFrame(table, columns=names)
    df["total"] = table.sum(axis=1)

    def close(ours: float, theirs: float) -> None:
        assert ours == pytest.approx(float(theirs), rel=0, abs=ORACLE_TOL)

    # multigroup indices
    close(MultiDissimilarity(table).statistic, multi.MultiDissim(df, names).statistic)
    close(MultiGini(table).statistic, multi.MultiGini(df, names).statistic)
    close(MultiEntropy(table).statistic, multi.MultiInfoTheory(df, names).statistic)
    close(MutualInformation(table).statistic, multi.MultiDivergence(df, names).statistic)

    # two-group indices, each group against all others (PySAL: group_pop_var vs total_pop_var)
    isolation = {}
    for g, name in enumerate(names):
        close(Dissimilarity(table, g).statistic, single.Dissim(df, name, "total").statistic)
        close(Gini(table, g).statistic, single.Gini(df, name, "total").statistic)
        close(Entropy(table, g).statistic, single.Entropy(df, name, "total").statistic)
        isolation[g] = single.Isolation(df, name, "total").statistic
        close(Isolation(table, g).statistic, isolation[g])
        close(Exposure(table, g).statistic, single.Interaction(df, name, "total").statistic)
        close(
            CorrelationRatio(table, g).statistic,
            single.CorrelationR(df, name, "total").statistic,
        )

    # pairwise exposure: PySAL has none, but its isolation index of the merged group m+n gives
    # it: (N_m + N_n) Iso(m+n) = N_m Iso(m) + N_n Iso(n) + 2 sum_i n_im n_in / t_i
    totals = table.sum(axis=0)
    for a in range(n_groups):
        for b in range(a + 1, n_groups):
            merged = df.assign(mn=df[names[a]] + df[names[b]])
            iso_ab = single.Isolation(merged, "mn", "total").statistic
            cross = (
                (totals[a] + totals[b]) * iso_ab
                - totals[a] * isolation[a]
                - totals[b] * isolation[b]
            ) / 2
            close(Exposure(table, a, b).statistic, cross / totals[a])
            close(Exposure(table, b, a).statistic, cross / totals[b])

    # M between schools' units: between = MultiDivergence of the unit table, M_k of each unit
    dec = by_partition(table, units)
    by_unit = df[names].groupby(units).sum()
    close(dec.between, multi.MultiDivergence(by_unit, names).statistic)
    nonempty = sorted(int(k) for k in set(units[df["total"].to_numpy() > 0]))
    assert set(dec.local) == set(nonempty)
    for k in nonempty:
        part = df[units == k]
        part = part[part["total"] > 0]
        close(dec.local[k], multi.MultiDivergence(part, names).statistic)
        close(dec.weights[k], part["total"].sum() / df["total"].sum())
    close(dec.between + dec.within, multi.MultiDivergence(df, names).statistic)

    # M between clusters of groups
    gdec = by_group_partition(table, clusters)
    cols = {int(c): [n for n, k in zip(names, clusters, strict=True) if k == c] for c in clusters}
    merged = pd.DataFrame({c: df[members].sum(axis=1) for c, members in cols.items()})
    close(gdec.between, multi.MultiDivergence(merged, list(cols)).statistic)
    for c, members in cols.items():
        part = df[df[members].sum(axis=1) > 0]
        close(gdec.local[c], multi.MultiDivergence(part, members).statistic)
    close(gdec.between + gdec.within, gdec.total)
