"""Priority at the nearest schools, computed (allocation rules section 10.3).

Each ``[[nearest]]`` rule gives every child the priority group ``group`` at a set of schools
N(a), computed from the round's distances to *all* schools, nearest first, ties by
``school_id`` in byte order:

* without ``at_least``: N(a) is the ``count`` nearest schools;
* with ``at_least`` (category value -> number) and ``category`` (a schools.csv column, its
  values compared as text without the spaces around them): first, for every value ``v`` of
  ``at_least``, the ``at_least[v]`` nearest schools of category ``v`` (all of them if there
  are fewer); then the nearest schools not yet taken, one by one, while N(a) has fewer than
  ``count``. N(a) can hold more than ``count`` schools when the minimums add up to more.

The distance from a child to a school is that of the rules (section 2): the one in
distances.csv when it gives the pair, else the one computed from the coordinates
(:mod:`samen.engine.distance`, rounded to the centimetre). A :class:`Geography` holds what
that needs for the schools a child did not list (for those it did, the instance's per-entry
``distance`` is that number already). A distance nobody can compute counts as infinitely
far (the round reader refuses a round where that matters).

Only membership at the schools a child listed matters to the allocation (a child competes
only where it applies), so :func:`nearest_sets` gives, per rule, one flag per list entry.
Per child, one pass over the schools keeps the best few per category and overall in small
sorted buffers: O(n m) time, with the distances computed a block of children at a time
(at most :data:`samen.engine.distance.CHUNK_CELLS` at once).

>>> import numpy as np
>>> from samen.engine.instance import build_instance
>>> inst = build_instance({"a": ["X", "Y", "Z"]}, {"X": 1, "Y": 1, "Z": 1},
...     priority_groups=["near"], nearest=[NearestRule("near", 2)],
...     homes={"a": (0.0, 0.0)}, sites={"X": (5.0, 0.0), "Y": (1.0, 0.0), "Z": (3.0, 0.0)})
>>> nearest_sets(inst)[0].tolist()  # Y (1 m) and Z (3 m) are the 2 nearest
[False, True, True]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from samen.engine.distance import CHUNK_CELLS, metres
from samen.engine.families import id_order

if TYPE_CHECKING:
    from samen.engine.instance import Instance


@dataclass(frozen=True)
class NearestRule:
    """One ``[[nearest]]`` table of round.toml: the group, how many schools, and optionally
    the schools.csv column of categories and the minimum per category value."""

    group: str
    count: int
    category: str = ""
    at_least: tuple[tuple[str, int], ...] = ()


def _empty_int() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _empty_float() -> np.ndarray:
    return np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Geography:
    """Distances from every child to every school (section 2): the kind of distance, the
    coordinates (``float64[n, 2]`` homes, ``float64[m, 2]`` schools, NaN where unknown) and
    the rows of distances.csv for pairs that are not on the child's list."""

    kind: str
    homes: np.ndarray
    sites: np.ndarray
    pair_app: np.ndarray = field(default_factory=_empty_int)
    pair_school: np.ndarray = field(default_factory=_empty_int)
    pair_metres: np.ndarray = field(default_factory=_empty_float)


def categories_of(instance: Instance, rule: NearestRule) -> tuple[np.ndarray, np.ndarray]:
    """For ``rule``: the category of every school as an index into its ``at_least`` values
    (-1: none of them), and the minimum per value."""
    m = instance.n_schools
    code = np.full(m, -1, dtype=np.int64)
    need = np.array([k for _, k in rule.at_least], dtype=np.int64)
    if rule.at_least:
        column = instance.categories.get(rule.category, [""] * m)
        index = {v.strip(): i for i, (v, _) in enumerate(rule.at_least)}
        code[:] = [index.get(str(v).strip(), -1) for v in column]
    return code, need


def _overrides(instance: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per child (CSR by applicant): the schools whose distance is given, and the metres: its
    list entries with a known distance, then the other pairs of distances.csv."""
    inst = instance
    n = inst.n_applicants
    edge_app = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.choice_ptr))
    dist = np.asarray(inst.distance, dtype=np.float64)
    known = ~np.isnan(dist)
    app = [edge_app[known]]
    school = [np.asarray(inst.choices, dtype=np.int64)[known]]
    value = [dist[known]]
    geo = inst.geography
    if geo is not None and len(geo.pair_app):
        app.append(np.asarray(geo.pair_app, dtype=np.int64))
        school.append(np.asarray(geo.pair_school, dtype=np.int64))
        value.append(np.asarray(geo.pair_metres, dtype=np.float64))
    a = np.concatenate(app)
    order = np.argsort(a, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    return ptr, np.concatenate(school)[order], np.concatenate(value)[order]


def nearest_sets(instance: Instance) -> list[np.ndarray]:
    """Per ``[[nearest]]`` rule of ``instance``, ``bool[E]``: whether the school of each list
    entry is in the child's N(a)."""
    inst = instance
    rules = list(inst.nearest)
    n, m = inst.n_applicants, inst.n_schools
    out = np.zeros((len(rules), len(inst.choices)), dtype=np.bool_)
    if not rules or n == 0 or m == 0:
        return list(out)
    rank = id_order(list(inst.school_ids))
    by_rank = np.empty(m, dtype=np.int64)
    by_rank[rank] = np.arange(m, dtype=np.int64)
    codes = np.zeros((len(rules), m), dtype=np.int64)
    need_ptr = np.zeros(len(rules) + 1, dtype=np.int64)
    needs: list[np.ndarray] = []
    for r, rule in enumerate(rules):
        codes[r], need = categories_of(inst, rule)
        needs.append(need)
        need_ptr[r + 1] = need_ptr[r] + len(need)
    need_all = np.concatenate(needs) if needs else np.zeros(0, dtype=np.int64)
    counts = np.array([rule.count for rule in rules], dtype=np.int64)
    optr, oschool, ometres = _overrides(inst)
    geo = inst.geography
    step = max(1, CHUNK_CELLS // max(m, 1))
    for start in range(0, n, step):
        stop = min(n, start + step)
        if geo is not None:
            d = metres(geo.kind, geo.homes[start:stop, None, :], geo.sites[None, :, :])
        else:
            d = np.full((stop - start, m), np.nan)
        d = np.ascontiguousarray(d, dtype=np.float64)
        _select(
            d, start, optr, oschool, ometres, by_rank, codes, need_ptr, need_all, counts,
            inst.choice_ptr, np.asarray(inst.choices, dtype=np.int64), out,
        )  # fmt: skip
    return list(out)


@njit(cache=True)
def _insert(buf_d, buf_s, size, k, dist, s):
    """Insert school ``s`` at ``dist`` into the sorted buffer of at most ``k`` (strictly
    nearer goes first, so among equal distances the school seen first stays first)."""
    if size == k:
        if not dist < buf_d[k - 1]:
            return size
        size -= 1
    i = size
    while i > 0 and dist < buf_d[i - 1]:
        buf_d[i] = buf_d[i - 1]
        buf_s[i] = buf_s[i - 1]
        i -= 1
    buf_d[i] = dist
    buf_s[i] = s
    return size + 1


@njit(cache=True)
def _select(
    d, start, optr, oschool, ometres, by_rank, codes, need_ptr, need_all, counts,
    choice_ptr, choices, out,
):  # fmt: skip
    rows, m = d.shape
    n_rules = len(counts)
    biggest = 1
    for r in range(n_rules):
        biggest = max(biggest, counts[r])
    for i in range(len(need_all)):
        biggest = max(biggest, need_all[i])
    buf_d = np.empty(biggest + 1, dtype=np.float64)
    buf_s = np.empty(biggest + 1, dtype=np.int64)
    cat_d = np.empty((max(len(need_all), 1), biggest + 1), dtype=np.float64)
    cat_s = np.empty((max(len(need_all), 1), biggest + 1), dtype=np.int64)
    cat_n = np.zeros(max(len(need_all), 1), dtype=np.int64)
    member = np.zeros(m, dtype=np.bool_)
    row = np.empty(m, dtype=np.float64)
    for i in range(rows):
        a = start + i
        for s in range(m):
            v = d[i, s]
            row[s] = np.inf if np.isnan(v) else v
        for q in range(optr[a], optr[a + 1]):
            row[oschool[q]] = ometres[q]
        for r in range(n_rules):
            k = counts[r]
            c0 = need_ptr[r]
            nc = need_ptr[r + 1] - c0
            for c in range(nc):
                cat_n[c0 + c] = 0
            size = 0
            for t in range(m):  # schools in byte order of their ids
                s = by_rank[t]
                dist = row[s]
                size = _insert(buf_d, buf_s, size, k, dist, s)
                c = codes[r, s]
                if c >= 0 and need_all[c0 + c] > 0:
                    cat_n[c0 + c] = _insert(
                        cat_d[c0 + c], cat_s[c0 + c], cat_n[c0 + c], need_all[c0 + c], dist, s
                    )
            taken = 0
            for c in range(nc):
                for x in range(cat_n[c0 + c]):
                    member[cat_s[c0 + c, x]] = True
                    taken += 1
            for x in range(size):
                if taken >= k:
                    break
                s = buf_s[x]
                if not member[s]:
                    member[s] = True
                    taken += 1
            for e in range(choice_ptr[a], choice_ptr[a + 1]):
                if member[choices[e]]:
                    out[r, e] = True
            for c in range(nc):
                for x in range(cat_n[c0 + c]):
                    member[cat_s[c0 + c, x]] = False
            for x in range(size):
                member[buf_s[x]] = False


__all__ = ["Geography", "NearestRule", "categories_of", "nearest_sets"]
