r"""Segregation indices from a school x group table of pupil counts.

Every index takes ``counts[s, g]``: one row per school (or any other unit), one column per
group of pupils (two groups or several). Counts may be floats (weights, shares of a pupil).
The conventions follow PySAL ``segregation`` (``segregation.singlegroup`` and
``segregation.multigroup``), whose values the tests reproduce to 1e-9:

* one class per index; the value is the attribute ``statistic`` (a Python ``float``);
* logarithms are natural logarithms (as in PySAL and Reardon and Firebaugh 2002); divide M by
  :math:`\ln 2` for bits; Theil's H does not depend on the base;
* a *two-group* index (``Dissimilarity``, ``Gini``, ``Entropy``, ``Hutchens``, ``Isolation``,
  ``Exposure``, ``CorrelationRatio``) compares one group, ``group`` (a column index), with all
  the other pupils together, like PySAL's ``group_pop_var`` against ``total_pop_var``. For a
  table of two columns that is the classic two-group index;
* a *multigroup* index (``MultiDissimilarity``, ``MultiGini``, ``MultiEntropy``,
  ``MutualInformation``) uses every column.

Input rules, the same for every index:

* rows whose total is 0 (a school without pupils) are dropped first: they carry no pupil, so
  they change no index (PySAL gives them weight 0, which is the same thing);
* a group with a total of 0 raises ``ValueError``, and so does a table with no pupil at all,
  with fewer than two groups, with a negative count, or with NaN or infinity.

Where this module and PySAL ``segregation`` (2.5) differ:

* definitions: none. Gini is PySAL's (and Massey and Denton's) pairwise form, divided by
  :math:`2T^2P(1-P)` (two groups) or :math:`2T^2I` (multigroup); it equals Duncan and
  Duncan's area under the segregation curve. It is computed here by sorting, not pairwise;
* M has no class in PySAL: its ``MultiDivergence`` (Roberto's divergence index) is the same
  formula. PySAL has no pairwise multigroup exposure, no Hutchens index and no between/within
  decomposition of M (its ``segregation.decomposition`` splits the *difference* between two
  cities into spatial and attribute parts, another thing);
* input: PySAL does not reject a group with no pupil (it returns NaN or a number); here that
  is a ``ValueError``.

The tables of the examples below are ``[[8, 2], [4, 6], [0, 10]]`` (two groups A and B) and
``[[10, 0, 0], [5, 5, 0], [5, 5, 10]]`` (three groups), worked by hand in the tests.

Notation used in the docstrings: :math:`n_{im}` pupils of group :math:`m` in school :math:`i`,
:math:`t_i=\sum_m n_{im}`, :math:`N_m=\sum_i n_{im}`, :math:`T=\sum_i t_i`,
:math:`\pi_m=N_m/T` (the city's share of group :math:`m`) and :math:`\pi_{im}=n_{im}/t_i` (the
school's). For a two-group index :math:`x_i` is the group of interest, :math:`y_i=t_i-x_i`
everyone else, :math:`X`, :math:`Y` their totals, :math:`P=X/T` and :math:`p_i=x_i/t_i`.
:math:`I=\sum_m \pi_m(1-\pi_m)` is Simpson's interaction index and
:math:`E=-\sum_m \pi_m\ln\pi_m` the entropy of the city's group mix.

Example::

    >>> table = [[8, 2], [4, 6], [0, 10]]
    >>> d = all_indices(table, group_names=["A", "B"], minority="A")
    >>> round(d["dissimilarity"], 4), round(d["isolation[A]"], 4), round(d["exposure[A->B]"], 4)
    (0.5556, 0.6667, 0.3333)
"""

from __future__ import annotations

import operator
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CorrelationRatio",
    "Dissimilarity",
    "Entropy",
    "Exposure",
    "Gini",
    "Hutchens",
    "Isolation",
    "MDecomposition",
    "MultiDissimilarity",
    "MultiEntropy",
    "MultiGini",
    "MutualInformation",
    "all_indices",
    "by_group_partition",
    "by_partition",
    "count_table",
]

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# input


def _as_float_table(counts: ArrayLike) -> FloatArray:
    """The table as a 2-D float array, checked for shape, sign and finiteness (rows kept)."""
    try:
        table = np.array(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"counts must be a table of numbers: {exc}") from None
    if table.ndim != 2:
        raise ValueError(
            f"counts must be a 2-D table (schools x groups), got {table.ndim} dimension(s)"
        )
    if table.shape[1] < 2:
        raise ValueError(f"counts needs at least two groups (columns), got {table.shape[1]}")
    if not np.all(np.isfinite(table)):
        raise ValueError("counts contains NaN or infinity")
    if np.any(table < 0):
        raise ValueError("counts contains a negative count")
    return table


def _check_groups(table: FloatArray, group_names: Sequence[str] | None = None) -> None:
    """Raise when the table has no pupil or a group has none."""
    if table.shape[0] == 0 or table.sum() <= 0:
        raise ValueError("counts has no pupil (every school is empty)")
    totals = table.sum(axis=0)
    empty = [int(g) for g in np.flatnonzero(totals <= 0)]
    if empty:
        names = [repr(group_names[g]) if group_names is not None else str(g) for g in empty]
        raise ValueError(
            f"group(s) {', '.join(names)} have no pupil (column total 0): the indices are "
            "undefined; drop the column or merge it with another group"
        )


def count_table(counts: ArrayLike, group_names: Sequence[str] | None = None) -> FloatArray:
    """The checked table every index works on: float64, empty schools (rows) dropped.

    Raises ``ValueError`` for a table that is not 2-D, has fewer than two groups, a negative,
    NaN or infinite count, no pupil at all, or a group (column) whose total is 0.

    >>> count_table([[1, 2], [0, 0], [3, 0]]).tolist()
    [[1.0, 2.0], [3.0, 0.0]]
    """
    table = _as_float_table(counts)
    if group_names is not None and len(group_names) != table.shape[1]:
        raise ValueError(
            f"group_names has {len(group_names)} names for {table.shape[1]} groups (columns)"
        )
    table = table[table.sum(axis=1) > 0]
    _check_groups(table, group_names)
    return table


def _group_index(group: int, n_groups: int, what: str = "group") -> int:
    try:
        g = operator.index(group)
    except TypeError:
        raise TypeError(f"{what} must be a column index (int), got {group!r}") from None
    if not 0 <= g < n_groups:
        raise ValueError(f"{what}={g} is not a column of a table with {n_groups} groups")
    return g


def _two_groups(table: FloatArray, group: int) -> tuple[FloatArray, FloatArray]:
    """Pupils of ``group`` and of all other groups together, per school.

    On a checked table every column has pupils, so both totals are positive.
    """
    g = _group_index(group, table.shape[1])
    return table[:, g], np.delete(table, g, axis=1).sum(axis=1)


# --------------------------------------------------------------------------------------------
# arithmetic shared by the indices (on checked tables; zero columns allowed where noted)


def _entropy(shares: FloatArray) -> float:
    """:math:`-\\sum p\\ln p` over the positive shares."""
    p = shares[shares > 0]
    return float(-(p * np.log(p)).sum())


def _mutual_information(table: FloatArray) -> float:
    """M of a table without empty rows; empty columns are allowed (they add nothing)."""
    total = table.sum()
    rows = table.sum(axis=1)
    cols = table.sum(axis=0)
    mask = table > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = table * total / np.outer(rows, cols)
    return float((table[mask] * np.log(ratio[mask])).sum() / total)


def _pair_abs_sum(values: FloatArray, weights: FloatArray) -> float:
    r""":math:`\sum_i\sum_j w_i w_j |v_i - v_j|` in O(n log n) (sort, then prefix sums)."""
    order = np.argsort(values, kind="stable")
    v = values[order]
    w = weights[order]
    w_before = np.cumsum(w) - w  # weight of the units with a smaller value
    wv_before = np.cumsum(w * v) - w * v
    return float(2.0 * (w * (v * w_before - wv_before)).sum())


# --------------------------------------------------------------------------------------------
# the indices


class _Index:
    """Common part: the checked table and the value as ``statistic`` (a Python float)."""

    statistic: float
    counts: FloatArray

    def __float__(self) -> float:
        return self.statistic

    def __repr__(self) -> str:
        return f"{type(self).__name__}(statistic={self.statistic!r})"


class _TwoGroupIndex(_Index):
    group: int

    def __init__(self, counts: ArrayLike, group: int = 0) -> None:
        self.counts = count_table(counts)
        self.group = _group_index(group, self.counts.shape[1])
        x, y = _two_groups(self.counts, self.group)
        self.statistic = float(self._compute(x, y))

    def _compute(self, x: FloatArray, y: FloatArray) -> float:  # pragma: no cover
        raise NotImplementedError


class _MultiGroupIndex(_Index):
    def __init__(self, counts: ArrayLike) -> None:
        self.counts = count_table(counts)
        self.statistic = float(self._compute(self.counts))

    def _compute(self, table: FloatArray) -> float:  # pragma: no cover
        raise NotImplementedError


class Dissimilarity(_TwoGroupIndex):
    r"""Index of dissimilarity D of one group against all other pupils.

    .. math:: D = \frac{1}{2}\sum_i \left|\frac{x_i}{X} - \frac{y_i}{Y}\right|
                = \sum_i \frac{t_i\,|p_i - P|}{2\,T\,P(1-P)}

    Plain text: ``D = 1/2 * sum_i |x_i/X - y_i/Y|``. The share of the group (or of the others)
    that would have to change school for every school to have the city's mix.

    Source: Duncan, O. D. and Duncan, B. (1955), "A methodological analysis of segregation
    indexes", American Sociological Review 20(2), 210-217. PySAL:
    ``segregation.singlegroup.Dissim`` (second form above, same value).

    >>> Dissimilarity([[8, 2], [4, 6], [0, 10]]).statistic  # 1/2 (5/9 + 0 + 5/9)
    0.5555555555555556
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        return float(0.5 * np.abs(x / x.sum() - y / y.sum()).sum())


class MultiDissimilarity(_MultiGroupIndex):
    r"""Multigroup dissimilarity index D (Sakoda's generalized dissimilarity).

    .. math:: D = \frac{1}{2\,T\,I}\sum_i\sum_m t_i\,|\pi_{im} - \pi_m|,
              \qquad I = \sum_m \pi_m (1 - \pi_m)

    Plain text: ``D = sum_i sum_m t_i |pi_im - pi_m| / (2 T I)``. With two groups it equals
    :class:`Dissimilarity`.

    Sources: Sakoda, J. M. (1981), "A generalized index of dissimilarity", Demography 18(2),
    245-250; Reardon, S. F. and Firebaugh, G. (2002), "Measures of multigroup segregation",
    Sociological Methodology 32, 33-67. PySAL: ``segregation.multigroup.MultiDissim``.

    >>> MultiDissimilarity([[10, 0, 0], [5, 5, 0], [5, 5, 10]]).statistic  # 25 / 50
    0.5
    """

    def _compute(self, table: FloatArray) -> float:
        t = table.sum(axis=1)
        total = t.sum()
        pi = table.sum(axis=0) / total
        interaction = float((pi * (1.0 - pi)).sum())
        dev = np.abs(table / t[:, None] - pi) * t[:, None]
        return float(dev.sum() / (2.0 * total * interaction))


class Gini(_TwoGroupIndex):
    r"""Gini segregation index G of one group against all other pupils.

    .. math:: G = \frac{\sum_i\sum_j t_i t_j\,|p_i - p_j|}{2\,T^2\,P(1-P)}

    Plain text: ``G = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1 - P))``, the double sum
    over all ordered pairs of schools (i = j adds 0). This is twice the area between the
    segregation curve (schools sorted by :math:`p_i`, cumulative share of the others against
    cumulative share of the group) and the diagonal.

    Source: Duncan, O. D. and Duncan, B. (1955), "A methodological analysis of segregation
    indexes", American Sociological Review 20(2), 210-217; the pairwise form is that of
    Massey, D. S. and Denton, N. A. (1988), "The dimensions of residential segregation", Social
    Forces 67(2), 281-315. PySAL: ``segregation.singlegroup.Gini`` uses the same definition
    (the sum over ordered pairs, divided by :math:`2T^2P(1-P)`); this class computes it by
    sorting instead of over all pairs, the value is the same.

    >>> round(Gini([[8, 2], [4, 6], [0, 10]]).statistic, 6)  # 320 / 432
    0.740741
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        t = x + y
        total = t.sum()
        share = x.sum() / total
        return _pair_abs_sum(x / t, t) / (2.0 * total**2 * share * (1.0 - share))


class MultiGini(_MultiGroupIndex):
    r"""Multigroup Gini index G.

    .. math:: G = \frac{1}{2\,T^2\,I}\sum_m\sum_i\sum_j t_i t_j\,|\pi_{im} - \pi_{jm}|

    Plain text: ``G = sum_m sum_i sum_j t_i t_j |pi_im - pi_jm| / (2 T^2 I)``, with
    ``I = sum_m pi_m (1 - pi_m)``. With two groups it equals :class:`Gini`.

    Source: Reardon, S. F. and Firebaugh, G. (2002), "Measures of multigroup segregation",
    Sociological Methodology 32, 33-67. PySAL: ``segregation.multigroup.MultiGini`` (same
    definition; computed here by sorting, not over all pairs).

    >>> MultiGini([[10, 0, 0], [5, 5, 0], [5, 5, 10]]).statistic  # 1200 / 2000
    0.6
    """

    def _compute(self, table: FloatArray) -> float:
        t = table.sum(axis=1)
        total = t.sum()
        pi = table.sum(axis=0) / total
        interaction = float((pi * (1.0 - pi)).sum())
        shares = table / t[:, None]
        pairs = sum(_pair_abs_sum(shares[:, m], t) for m in range(table.shape[1]))
        return float(pairs / (2.0 * total**2 * interaction))


class Isolation(_TwoGroupIndex):
    r"""Isolation index :math:`{}_xP^*_x` of a group: the group's share in the school of its
    average member.

    .. math:: {}_xP^*_x = \sum_i \frac{x_i}{X}\,\frac{x_i}{t_i}

    Plain text: ``xPx = sum_i (x_i / X) (x_i / t_i)``. It depends on the group's size: with no
    segregation it equals :math:`P`; see :class:`CorrelationRatio` for the adjusted version.
    Exposure and isolation of a group add up to 1 (``Isolation + Exposure(other=None) = 1``).

    Sources: Bell, W. (1954), "A probability model for the measurement of ecological
    segregation", Social Forces 32(4), 357-364; Lieberson, S. (1981), "An asymmetrical
    approach to segregation", in Peach, Robinson and Smith (eds.), Ethnic Segregation in
    Cities, 61-82. PySAL: ``segregation.singlegroup.Isolation``.

    >>> round(Isolation([[8, 2], [4, 6], [0, 10]]).statistic, 6)  # 8/12*8/10 + 4/12*4/10
    0.666667
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        return float((x / x.sum() * x / (x + y)).sum())


class Exposure(_TwoGroupIndex):
    r"""Exposure index :math:`{}_mP^*_n` of group m to group n: group n's share in the school
    of the average member of group m.

    .. math:: {}_mP^*_n = \sum_i \frac{n_{im}}{N_m}\,\frac{n_{in}}{t_i}

    Plain text: ``mPn = sum_i (n_im / N_m) (n_in / t_i)``. ``group`` is m, ``other`` is n;
    ``other=None`` (the default) means all groups except m together, the two-group
    interaction index (for a two-column table: the other group). The index is asymmetric:
    :math:`N_m\,{}_mP^*_n = N_n\,{}_nP^*_m`. Over all n (m included, where it is the
    isolation index) the exposures of m add up to 1.

    Sources: Bell, W. (1954), "A probability model for the measurement of ecological
    segregation", Social Forces 32(4), 357-364; Lieberson, S. (1981), "An asymmetrical
    approach to segregation", in Peach, Robinson and Smith (eds.), Ethnic Segregation in
    Cities, 61-82. PySAL: ``segregation.singlegroup.Interaction`` is ``other=None``; PySAL
    has no pairwise multigroup exposure.

    >>> round(Exposure([[8, 2], [4, 6], [0, 10]], group=0).statistic, 6)  # 8/12*2/10 + 4/12*6/10
    0.333333
    >>> round(Exposure([[8, 2], [4, 6], [0, 10]], group=1, other=0).statistic, 6)  # 40 / 180
    0.222222
    """

    other: int | None

    def __init__(self, counts: ArrayLike, group: int = 0, other: int | None = None) -> None:
        if other is None:
            self.other = None
            super().__init__(counts, group)
            return
        self.counts = count_table(counts)
        self.group = _group_index(group, self.counts.shape[1])
        self.other = _group_index(other, self.counts.shape[1], "other")
        t = self.counts.sum(axis=1)
        x = self.counts[:, self.group]
        self.statistic = float((x / x.sum() * self.counts[:, self.other] / t).sum())

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        return float((x / x.sum() * y / (x + y)).sum())


class CorrelationRatio(_TwoGroupIndex):
    r"""Correlation ratio :math:`\eta^2` (Bell's revised isolation index) of a group.

    .. math:: \eta^2 = \frac{{}_xP^*_x - P}{1 - P}

    Plain text: ``V = (xPx - P) / (1 - P)``: the isolation index with the part that is due to
    the group's size alone removed; 0 without segregation, 1 with complete segregation.

    Source: Bell, W. (1954), "A probability model for the measurement of ecological
    segregation", Social Forces 32(4), 357-364; Massey, D. S. and Denton, N. A. (1988), "The
    dimensions of residential segregation", Social Forces 67(2), 281-315. PySAL:
    ``segregation.singlegroup.CorrelationR``.

    >>> round(CorrelationRatio([[8, 2], [4, 6], [0, 10]]).statistic, 6)  # (2/3 - 0.4) / 0.6
    0.444444
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        share = x.sum() / (x.sum() + y.sum())
        isolation = float((x / x.sum() * x / (x + y)).sum())
        return (isolation - share) / (1.0 - share)


class MutualInformation(_MultiGroupIndex):
    r"""Mutual information index M (Theil's information index, not normalised).

    .. math:: M = \sum_i \frac{t_i}{T}\sum_m \pi_{im}\ln\frac{\pi_{im}}{\pi_m}
                = \sum_i\sum_m \frac{n_{im}}{T}\ln\frac{n_{im}\,T}{t_i\,N_m}

    Plain text: ``M = sum_i sum_m (n_im / T) ln(n_im T / (t_i N_m))``, with ``0 ln 0 = 0``;
    natural logarithm, as in PySAL (divide by ``ln 2`` for bits). M is the mutual information
    between a pupil's school and group; 0 when every school has the city's mix, at most
    :math:`\min(E, \ln S)`. It is additively decomposable: see :func:`by_partition` (schools
    grouped into districts, networks, ...) and :func:`by_group_partition` (groups grouped).

    Sources: Theil, H. (1971), Principles of Econometrics, Wiley; Theil, H. and Finizza, A. J.
    (1971), "A note on the measurement of racial integration of schools by means of
    informational concepts", Journal of Mathematical Sociology 1(2), 187-193; Mora, R. and
    Ruiz-Castillo, J. (2011), "Entropy-based segregation indices", Sociological Methodology
    41(1), 159-194. PySAL has no class of that name: ``segregation.multigroup.MultiDivergence``
    (Roberto's divergence index) is the same formula and value.

    >>> round(MutualInformation([[10, 0, 0], [5, 5, 0], [5, 5, 10]]).statistic, 6)  # ln(2)/2
    0.346574
    """

    def _compute(self, table: FloatArray) -> float:
        return _mutual_information(table)


class MultiEntropy(_MultiGroupIndex):
    r"""Theil's entropy index H (information theory index), multigroup.

    .. math:: H = \frac{M}{E} = \sum_i \frac{t_i\,(E - E_i)}{T\,E},\qquad
              E = -\sum_m \pi_m\ln\pi_m,\quad E_i = -\sum_m \pi_{im}\ln\pi_{im}

    Plain text: ``H = M / E``, the mutual information index divided by the entropy of the
    city's group mix: 0 without segregation, 1 when every school has one group only. The base
    of the logarithm cancels.

    Sources: Theil, H. and Finizza, A. J. (1971), "A note on the measurement of racial
    integration of schools by means of informational concepts", Journal of Mathematical
    Sociology 1(2), 187-193; Reardon, S. F. and Firebaugh, G. (2002), "Measures of multigroup
    segregation", Sociological Methodology 32, 33-67. PySAL:
    ``segregation.multigroup.MultiInfoTheory``.

    >>> round(MultiEntropy([[10, 0, 0], [5, 5, 0], [5, 5, 10]]).statistic, 6)  # (ln2/2)/(1.5 ln2)
    0.333333
    """

    def _compute(self, table: FloatArray) -> float:
        return _mutual_information(table) / _entropy(table.sum(axis=0) / table.sum())


class Entropy(_TwoGroupIndex):
    r"""Theil's entropy index H of one group against all other pupils.

    .. math:: H = \sum_i \frac{t_i\,(E - E_i)}{T\,E},\qquad
              E = -P\ln P - (1-P)\ln(1-P),\quad E_i = -p_i\ln p_i - (1-p_i)\ln(1-p_i)

    Plain text: ``H = sum_i t_i (E - E_i) / (T E)``; the same as :class:`MultiEntropy` on the
    two-column table (group, rest).

    Source: Theil, H. and Finizza, A. J. (1971), "A note on the measurement of racial
    integration of schools by means of informational concepts", Journal of Mathematical
    Sociology 1(2), 187-193. PySAL: ``segregation.singlegroup.Entropy``.

    >>> round(Entropy([[8, 2], [4, 6], [0, 10]]).statistic, 6)  # M / E = 0.281874 / 0.673012
    0.418824
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        table = np.column_stack([x, y])
        return _mutual_information(table) / _entropy(table.sum(axis=0) / table.sum())


class Hutchens(_TwoGroupIndex):
    r"""Hutchens' square-root index S of one group against all other pupils.

    .. math:: S = 1 - \sum_i \sqrt{\frac{x_i}{X}\,\frac{y_i}{Y}}
                = \frac{1}{2}\sum_i\left(\sqrt{\frac{x_i}{X}} - \sqrt{\frac{y_i}{Y}}\right)^2

    Plain text: ``S = 1 - sum_i sqrt((x_i / X) (y_i / Y))``: 0 without segregation, 1 when no
    school has pupils of both kinds. Like M it is additively decomposable over a partition of
    the schools.

    Source: Hutchens, R. (2004), "One measure of segregation", International Economic Review
    45(2), 555-578. PySAL ``segregation`` has no such index; the tests check it by hand and
    against the second form above.

    >>> round(Hutchens([[8, 2], [4, 6], [0, 10]]).statistic, 6)  # 1 - sqrt(2/27) - 1/3
    0.394501
    """

    def _compute(self, x: FloatArray, y: FloatArray) -> float:
        return float(1.0 - np.sqrt(x / x.sum() * y / y.sum()).sum())


# --------------------------------------------------------------------------------------------
# decomposition of M


@dataclass(frozen=True)
class MDecomposition:
    r"""M split into a between and a within part: ``total = between + within``.

    Over a partition of the schools into units k (:func:`by_partition`):

    .. math:: M = M_B + \sum_k p_k\,M_k

    where :math:`M_B` is M of the unit x group table (schools of a unit added up), :math:`p_k`
    the unit's share of all pupils and :math:`M_k` M of the unit's own schools, measured
    against the unit's own group mix.

    Over a partition of the groups into clusters c (:func:`by_group_partition`), e.g. a
    language group split by background:

    .. math:: M = M_B + \sum_c p_c\,M_c

    where :math:`M_B` is M of the school x cluster table, :math:`p_c` the cluster's share of
    all pupils and :math:`M_c` M of the school x group table of that cluster's groups only.

    Source: Mora, R. and Ruiz-Castillo, J. (2011), "Entropy-based segregation indices",
    Sociological Methodology 41(1), 159-194 (also Frankel, D. M. and Volij, O. (2011),
    "Measuring school segregation", Journal of Economic Theory 146(1), 1-38).

    ``weights`` (:math:`p_k`) and ``local`` (:math:`M_k`) are keyed by the partition's labels,
    in the order of their first appearance; labels whose schools are all empty are left out.
    ``partition`` is ``"units"`` or ``"groups"``.
    """

    total: float
    between: float
    within: float
    weights: dict[Hashable, float]
    local: dict[Hashable, float]
    partition: str

    @property
    def contributions(self) -> dict[Hashable, float]:
        """Each part's term :math:`p_k M_k` of ``within``."""
        return {k: self.weights[k] * self.local[k] for k in self.local}


def _labels(values: Iterable[Hashable], expected: int, what: str) -> list[Hashable]:
    labels = [v.item() if isinstance(v, np.generic) else v for v in values]
    if len(labels) != expected:
        raise ValueError(f"{what} has {len(labels)} labels, the table has {expected}")
    return labels


def _first_seen(labels: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    members: dict[Hashable, list[int]] = {}
    for position, label in enumerate(labels):
        members.setdefault(label, []).append(position)
    return members


def by_partition(counts: ArrayLike, units: Iterable[Hashable]) -> MDecomposition:
    r"""Decompose M over a partition of the schools into larger units.

    ``units[i]`` is the label (district, neighbourhood, school network, ...) of school ``i``,
    one per row of ``counts``. Returns :class:`MDecomposition` with
    ``total = between + within``, ``between`` M of the unit x group table and
    ``within = sum_k p_k M_k`` (Mora and Ruiz-Castillo 2011). Empty schools are dropped with
    their labels; ``counts`` follows the rules of :func:`count_table`.

    >>> dec = by_partition([[8, 2], [4, 6], [0, 10]], ["north", "north", "south"])
    >>> round(dec.between, 6), round(dec.within, 6), round(dec.total, 6)
    (0.224337, 0.057536, 0.281874)
    >>> {k: round(v, 6) for k, v in dec.local.items()}
    {'north': 0.086305, 'south': 0.0}
    """
    table = _as_float_table(counts)
    labels = _labels(units, table.shape[0], "units")
    keep = table.sum(axis=1) > 0
    table = table[keep]
    labels = [label for label, kept in zip(labels, keep, strict=True) if kept]
    _check_groups(table)
    total_pupils = table.sum()
    members = _first_seen(labels)
    aggregated = np.array([table[rows].sum(axis=0) for rows in members.values()])
    weights = {k: float(table[rows].sum() / total_pupils) for k, rows in members.items()}
    local = {k: _mutual_information(table[rows]) for k, rows in members.items()}
    between = _mutual_information(aggregated)
    within = float(sum(weights[k] * local[k] for k in members))
    return MDecomposition(
        total=_mutual_information(table),
        between=between,
        within=within,
        weights=weights,
        local=local,
        partition="units",
    )


def by_group_partition(counts: ArrayLike, clusters: Iterable[Hashable]) -> MDecomposition:
    r"""Decompose M over a partition of the groups (columns) into clusters.

    ``clusters[m]`` is the label of group ``m``. ``between`` is M of the school x cluster
    table, ``within = sum_c p_c M_c`` with :math:`M_c` M of the cluster's own columns (schools
    without a pupil of the cluster left out) and :math:`p_c` the cluster's share of pupils
    (Mora and Ruiz-Castillo 2011). A cluster of one group has :math:`M_c = 0`.

    >>> dec = by_group_partition([[10, 0, 0], [5, 5, 0], [5, 5, 10]], ["a", "b", "b"])
    >>> round(dec.between, 6), round(dec.within, 6), round(dec.total, 6)
    (0.238693, 0.107881, 0.346574)
    """
    table = count_table(counts)
    labels = _labels(clusters, table.shape[1], "clusters")
    total_pupils = table.sum()
    members = _first_seen(labels)
    merged = np.column_stack([table[:, cols].sum(axis=1) for cols in members.values()])
    weights = {c: float(table[:, cols].sum() / total_pupils) for c, cols in members.items()}
    local: dict[Hashable, float] = {}
    for c, cols in members.items():
        sub = table[:, cols]
        sub = sub[sub.sum(axis=1) > 0]
        local[c] = _mutual_information(sub) if len(cols) > 1 else 0.0
    within = float(sum(weights[c] * local[c] for c in members))
    return MDecomposition(
        total=_mutual_information(table),
        between=_mutual_information(merged),
        within=within,
        weights=weights,
        local=local,
        partition="groups",
    )


# --------------------------------------------------------------------------------------------
# everything at once


def all_indices(
    counts: ArrayLike,
    group_names: Sequence[str] | None = None,
    minority: int | str = 0,
) -> dict[str, float]:
    """Every index of this module for one table, as a flat ``{name: value}`` dict.

    ``minority`` is the group of interest of the two-group indices (a column index, or a name
    from ``group_names``); it is compared with all other pupils together. ``group_names``
    (one per column, default ``"0"``, ``"1"``, ...) name the per-group keys. Keys:

    * two-group, ``minority`` against the rest: ``dissimilarity``, ``gini``, ``entropy``
      (Theil's H), ``hutchens``, ``isolation``, ``exposure`` (to all others),
      ``correlation_ratio``;
    * multigroup: ``multi_dissimilarity``, ``multi_gini``, ``multi_entropy`` (Theil's H),
      ``mutual_information`` (M, natural log);
    * per group and per ordered pair of groups: ``isolation[A]`` and ``exposure[A->B]``.

    >>> d = all_indices([[10, 0, 0], [5, 5, 0], [5, 5, 10]], ["nl", "fr", "other"], "other")
    >>> round(d["dissimilarity"], 6), d["multi_dissimilarity"], d["multi_gini"]
    (0.666667, 0.5, 0.6)
    >>> d["exposure[nl->fr]"], d["exposure[fr->nl]"]
    (0.1875, 0.375)
    """
    table = _as_float_table(counts)
    n_groups = table.shape[1]
    names = [str(g) for g in range(n_groups)] if group_names is None else list(group_names)
    if len(names) != n_groups:
        raise ValueError(f"group_names has {len(names)} names for {n_groups} groups (columns)")
    if len(set(names)) != n_groups:
        raise ValueError("group_names must be unique")
    if isinstance(minority, str):
        if minority not in names:
            raise ValueError(f"minority {minority!r} is not one of the group names {names}")
        group = names.index(minority)
    else:
        group = _group_index(minority, n_groups, "minority")
    table = count_table(table, names)

    out: dict[str, float] = {
        "dissimilarity": Dissimilarity(table, group).statistic,
        "gini": Gini(table, group).statistic,
        "entropy": Entropy(table, group).statistic,
        "hutchens": Hutchens(table, group).statistic,
        "isolation": Isolation(table, group).statistic,
        "exposure": Exposure(table, group).statistic,
        "correlation_ratio": CorrelationRatio(table, group).statistic,
        "multi_dissimilarity": MultiDissimilarity(table).statistic,
        "multi_gini": MultiGini(table).statistic,
        "multi_entropy": MultiEntropy(table).statistic,
        "mutual_information": MutualInformation(table).statistic,
    }
    exposure = _exposure_matrix(table)
    for m, name in enumerate(names):
        out[f"isolation[{name}]"] = float(exposure[m, m])
    for m, name in enumerate(names):
        for n, other in enumerate(names):
            if m != n:
                out[f"exposure[{name}->{other}]"] = float(exposure[m, n])
    return out


def _exposure_matrix(table: FloatArray) -> NDArray[Any]:
    """``E[m, n]`` = exposure of group m to group n (the diagonal is the isolation index)."""
    t = table.sum(axis=1)
    weights = table / table.sum(axis=0)  # n_im / N_m
    return weights.T @ (table / t[:, None])
