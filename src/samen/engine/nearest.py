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
Per child, one pass over the schools (in byte order of their ids, so that among equal
distances the first stays first) keeps the best few per category and overall in small
sorted buffers: O(n m).

The rules' distance from coordinates is :func:`samen.engine.distance.metres` (NumPy's
``hypot``, rounded to the centimetre), which costs tens of nanoseconds a pair. A round of
80,000 children and 700 schools would spend seconds on it, so the pass over all schools
uses a quick estimate (``sqrt(dx*dx + dy*dy)``, or the haversine formula in compiled code),
which differs from the rules' number by less than :func:`margin`; every school that might
be among the nearest by the rules' numbers (whose estimate minus the margin is not beyond
the estimate plus the margin of the k-th nearest) is a candidate, and only the candidates'
distances are computed by the rules' function and sorted exactly. Rounds of at most
:data:`SMALL` schools compute every distance exactly.

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

from samen.engine.distance import CHUNK_CELLS, EARTH_RADIUS_M, estimate, metres
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
    """Per child (CSR by applicant): the schools whose distance is given, and the metres (NaN:
    not given after all): its list entries, then the other pairs of distances.csv."""
    inst = instance
    n = inst.n_applicants
    geo = inst.geography
    if geo is None or not len(geo.pair_app):  # the list entries are in child order already
        return (
            np.asarray(inst.choice_ptr, dtype=np.int64),
            np.asarray(inst.choices, dtype=np.int64),
            np.asarray(inst.distance, dtype=np.float64),
        )
    edge_app = np.repeat(np.arange(n, dtype=np.int64), np.diff(inst.choice_ptr))
    a = np.concatenate([edge_app, np.asarray(geo.pair_app, dtype=np.int64)])
    school = np.concatenate([inst.choices, geo.pair_school]).astype(np.int64)
    value = np.concatenate([inst.distance, geo.pair_metres]).astype(np.float64)
    order = np.argsort(a, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    return ptr, school[order], value[order]


#: up to this many schools every distance is computed by the rules' function
SMALL = 64


def margin(kind: str, estimate: float) -> float:
    """How far the rules' distance (rounded to the centimetre) can be from the quick
    estimate: half a centimetre of rounding plus the floating-point error of either
    formula (at most a few units in the last place; bounded here far above that).

    >>> margin("euclidean", 1000.0) > 0.005
    True
    """
    relative = 1e-12 if kind == "euclidean" else 1e-9
    return 0.006 + relative * estimate


def nearest_sets(instance: Instance, *, every_distance: bool | None = None) -> list[np.ndarray]:
    """Per ``[[nearest]]`` rule of ``instance``, ``bool[E]``: whether the school of each list
    entry is in the child's N(a). ``every_distance`` computes every distance by the rules'
    function (default: when the round has at most :data:`SMALL` schools); else only those
    of the candidates (the module docstring)."""
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
    choices = np.asarray(inst.choices, dtype=np.int64)
    if not (m <= SMALL if every_distance is None else every_distance):
        table = (by_rank, codes, need_ptr, need_all, counts)
        _with_candidates(inst, table, (optr, oschool, ometres), out)
        return list(out)
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
            inst.choice_ptr, choices, out,
        )  # fmt: skip
    return list(out)


def _with_candidates(
    inst: Instance,
    table: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    overrides: tuple[np.ndarray, np.ndarray, np.ndarray],
    out: np.ndarray,
) -> None:
    """:func:`nearest_sets` by candidates: estimates for all schools, the rules' distances for
    the candidates."""
    by_rank, codes, need_ptr, need_all, counts = table
    optr, oschool, ometres = overrides
    n, m = inst.n_applicants, inst.n_schools
    geo = inst.geography
    if geo is not None:
        kind, homes, sites = geo.kind, geo.homes, geo.sites
    else:
        kind, homes, sites = "euclidean", np.full((n, 2), np.nan), np.full((m, 2), np.nan)
    homes = np.ascontiguousarray(homes, dtype=np.float64)
    sites = np.ascontiguousarray(sites, dtype=np.float64)
    rel = margin(kind, 1.0) - margin(kind, 0.0)
    args = (
        homes, sites, kind == "haversine", margin(kind, 0.0), rel, optr, oschool, ometres,
        by_rank, codes, need_ptr, need_all, counts,
    )  # fmt: skip
    grid = grid_of(sites) if kind == "euclidean" else grid_of(np.zeros((0, 2)))
    ptr, school, dist = _candidates(*args, *grid)
    todo = np.flatnonzero(np.isnan(dist))  # not given: the rules' distance from coordinates
    if todo.size:
        app = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))[todo]
        exact = metres(kind, homes[app], sites[school[todo]])
        dist[todo] = np.where(np.isnan(exact), np.inf, exact)
    _select_candidates(
        ptr, school, dist, codes, need_ptr, need_all, counts, inst.choice_ptr,
        np.asarray(inst.choices, dtype=np.int64), m, out,
    )  # fmt: skip


@njit(cache=True, inline="always")
def _push(buf, b, size, k, h):
    """Keep the ``k`` smallest values seen in row ``b`` of ``buf`` (sorted); the new size."""
    if size == k:
        if not h < buf[b, k - 1]:
            return size
        size -= 1
    i = size
    while i > 0 and h < buf[b, i - 1]:
        buf[b, i] = buf[b, i - 1]
        i -= 1
    buf[b, i] = h
    return size + 1


@njit(cache=True, inline="always")
def _push_school(buf, size, want, cat_buf, n_rules, s, h):
    for r in range(n_rules):
        size[r] = _push(buf, r, size[r], want[r], h)
        b = cat_buf[r, s]
        if b >= 0:
            size[b] = _push(buf, b, size[b], want[b], h)


@njit(cache=True, inline="always")
def _bounds(buf, size, want, bound):
    """Each buffer's bound (its k-th value; -inf when it wants none, inf while it has fewer
    than it wants); returns the widest and whether every buffer is full."""
    widest = -np.inf
    full = True
    for b in range(len(want)):
        if want[b] == 0:
            bound[b] = -np.inf
        elif size[b] == want[b]:
            bound[b] = buf[b, size[b] - 1]
        else:
            bound[b] = np.inf
            full = False
        widest = max(widest, bound[b])
    return widest, full


@njit(cache=True, inline="always")
def _visit(s, hx, hy, sites, haversine, abs_margin, rel_margin, lo, seen, visited, nv, buf,
           size, want, cat_buf, n_rules):  # fmt: skip
    """Estimate school ``s`` for the child at ``(hx, hy)`` and offer it to the buffers (once);
    the new number of visited schools."""
    if seen[s]:
        return nv
    d = estimate(hx, hy, sites[s, 0], sites[s, 1], haversine)
    slack = abs_margin + rel_margin * d
    lo[s] = d - slack
    seen[s] = True
    visited[nv] = s
    _push_school(buf, size, want, cat_buf, n_rules, s, d + slack)
    return nv + 1


def grid_of(sites: np.ndarray, per_cell: float = 2.0) -> tuple[np.ndarray, ...]:
    """A grid over the schools' x,y (about ``per_cell`` schools a cell): the origin and cell
    side ``float64[3]``, the columns and rows ``int64[2]``, and per cell (CSR) its schools."""
    known = np.flatnonzero(np.isfinite(sites).all(axis=1))
    if not known.size:
        return (np.array([0.0, 0.0, 1.0]), np.array([1, 1]), np.zeros(2, np.int64),
                np.zeros(0, np.int64))  # fmt: skip
    xy = sites[known]
    x0, y0 = xy.min(axis=0)
    w, h = np.maximum(xy.max(axis=0) - (x0, y0), 1.0)
    side = max(float(np.sqrt(w * h / len(known) * per_cell)), 1e-3)
    gx, gy = int(w // side) + 1, int(h // side) + 1
    while gx * gy > 4 * len(known) + 16:  # keep the grid small (very long thin cities)
        side *= 2
        gx, gy = int(w // side) + 1, int(h // side) + 1
    cell = ((xy[:, 0] - x0) // side).astype(np.int64) * gy + ((xy[:, 1] - y0) // side).astype(
        np.int64
    )
    order = np.argsort(cell, kind="stable")
    ptr = np.zeros(gx * gy + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=gx * gy), out=ptr[1:])
    return np.array([x0, y0, side]), np.array([gx, gy]), ptr, known[order]


@njit(cache=True)
def _along(sites, haversine):
    """The schools with coordinates in the order of the first coordinate, and that coordinate
    in metres along its axis (x, or the latitude times the earth's radius)."""
    m = sites.shape[0]
    axis = np.empty(m, dtype=np.float64)
    for s in range(m):
        axis[s] = np.radians(sites[s, 0]) * EARTH_RADIUS_M if haversine else sites[s, 0]
    along = np.argsort(axis)
    mx = 0
    while mx < m and not np.isnan(axis[along[mx]]) and not np.isnan(sites[along[mx], 1]):
        mx += 1
    return along, axis[along[:mx]].copy()


@njit(cache=True)
def _buffers(codes, need_ptr, need_all, counts, m):
    """How many schools each buffer keeps (per rule: all schools, then one per category of
    its ``at_least``), and per rule and school its category buffer (-1: none)."""
    n_rules = len(counts)
    want = np.empty(n_rules + len(need_all), dtype=np.int64)
    for r in range(n_rules):
        want[r] = counts[r]
    for i in range(len(need_all)):
        want[n_rules + i] = need_all[i]
    cat_buf = np.full((n_rules, m), -1, dtype=np.int64)
    for r in range(n_rules):
        for s in range(m):
            c = codes[r, s]
            if c >= 0 and need_all[need_ptr[r] + c] > 0:
                cat_buf[r, s] = n_rules + need_ptr[r] + c
    return want, cat_buf


@njit(cache=True)
def _candidates(
    homes, sites, haversine, abs_margin, rel_margin, optr, oschool, ometres, by_rank, codes,
    need_ptr, need_all, counts, geometry, dims, cell_ptr, cell_school,
):  # fmt: skip
    """The candidates of every child (CSR), in byte order of the school ids, with the given
    distance or NaN (to be computed).

    Per child the schools with a given distance are visited first, wherever they are; then
    the others outwards from the child: ring by ring of the grid :func:`grid_of` (x,y), or
    along the latitude (lat,lon: its difference bounds the distance from below), until the
    next school cannot be nearer than the farthest still needed. A child whose buffers do not
    fill (fewer schools with a distance than it needs) gets every school as a candidate."""
    n = homes.shape[0]
    m = sites.shape[0]
    rank = np.empty(m, dtype=np.int64)
    for t in range(m):
        rank[by_rank[t]] = t
    along, line = _along(sites, haversine)
    mx = len(line)
    n_rules = len(counts)
    want, cat_buf = _buffers(codes, need_ptr, need_all, counts, m)
    biggest = max(1, want.max())
    buf = np.empty((len(want), biggest + 1), dtype=np.float64)
    size = np.zeros(len(want), dtype=np.int64)
    bound = np.empty(len(want), dtype=np.float64)
    lo = np.empty(m, dtype=np.float64)
    given = np.full(m, np.nan)
    seen = np.zeros(m, dtype=np.bool_)
    visited = np.empty(m, dtype=np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    cap = max(16, n * 2 * (biggest + 2))
    school = np.empty(cap, dtype=np.int64)
    dist = np.empty(cap, dtype=np.float64)
    k = 0
    for a in range(n):
        size[:] = 0
        nv = 0
        for q in range(optr[a], optr[a + 1]):
            if np.isnan(ometres[q]):
                continue
            s = oschool[q]
            given[s] = ometres[q]
            lo[s] = ometres[q]
            seen[s] = True
            visited[nv] = s
            nv += 1
            _push_school(buf, size, want, cat_buf, n_rules, s, ometres[q])
        hx, hy = homes[a, 0], homes[a, 1]
        if np.isnan(hx) or np.isnan(hy):
            pass  # only the given distances
        elif haversine:
            x = np.radians(hx) * EARTH_RADIUS_M
            right = np.searchsorted(line, x)
            left = right - 1
            while left >= 0 or right < mx:
                gl = x - line[left] if left >= 0 else np.inf
                gr = line[right] - x if right < mx else np.inf
                widest, full = _bounds(buf, size, want, bound)
                if full and min(gl, gr) * (1 - rel_margin) - abs_margin > widest:
                    break
                if gl <= gr:
                    s = along[left]
                    left -= 1
                else:
                    s = along[right]
                    right += 1
                nv = _visit(s, hx, hy, sites, True, abs_margin, rel_margin, lo, seen, visited,
                            nv, buf, size, want, cat_buf, n_rules)  # fmt: skip
        else:
            side = geometry[2]
            gx, gy = dims[0], dims[1]
            ci = int(np.floor((hx - geometry[0]) / side))
            cj = int(np.floor((hy - geometry[1]) / side))
            last = max(max(ci, gx - 1 - ci), max(cj, gy - 1 - cj))
            for rho in range(last + 1):
                widest, full = _bounds(buf, size, want, bound)
                if full and (rho - 1) * side * (1 - rel_margin) - abs_margin > widest:
                    break
                for i in range(max(ci - rho, 0), min(ci + rho, gx - 1) + 1):
                    edge = i == ci - rho or i == ci + rho
                    step = 1 if (edge or rho == 0) else 2 * rho
                    for j in range(cj - rho, cj + rho + 1, step):
                        if j < 0 or j >= gy:
                            continue
                        c = i * gy + j
                        if full:  # a cell farther than the farthest still needed: skip it
                            cx = geometry[0] + i * side
                            cy = geometry[1] + j * side
                            dx = max(cx - hx, hx - cx - side, 0.0)
                            dy = max(cy - hy, hy - cy - side, 0.0)
                            near = np.sqrt(dx * dx + dy * dy)
                            if near * (1 - rel_margin) - abs_margin > widest:
                                continue
                        for x in range(cell_ptr[c], cell_ptr[c + 1]):
                            nv = _visit(cell_school[x], hx, hy, sites, False, abs_margin,
                                        rel_margin, lo, seen, visited, nv, buf, size, want,
                                        cat_buf, n_rules)  # fmt: skip
                        widest, full = _bounds(buf, size, want, bound)
        widest, full = _bounds(buf, size, want, bound)
        if k + m > cap:  # room for every school of this child
            cap = max(2 * cap, k + m)
            school = _grow(school, cap)
            dist = _grow(dist, cap)
        start = k
        if not full:  # fewer schools with a distance than needed: every school
            for t in range(m):
                school[k] = by_rank[t]
                dist[k] = given[by_rank[t]]
                k += 1
        else:
            for v in range(nv):
                s = visited[v]
                take = False
                for r in range(n_rules):
                    b = cat_buf[r, s]
                    if lo[s] <= bound[r] or (b >= 0 and lo[s] <= bound[b]):
                        take = True
                        break
                if take:  # in byte order of the ids (insertion: the lists are short)
                    i = k
                    while i > start and rank[school[i - 1]] > rank[s]:
                        school[i] = school[i - 1]
                        dist[i] = dist[i - 1]
                        i -= 1
                    school[i] = s
                    dist[i] = given[s]
                    k += 1
        for v in range(nv):
            seen[visited[v]] = False
            given[visited[v]] = np.nan
        ptr[a + 1] = k
    return ptr, school[:k].copy(), dist[:k].copy()


@njit(cache=True)
def _grow(arr, cap):
    out = np.empty(cap, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


@njit(cache=True)
def _select_candidates(
    ptr, school, dist, codes, need_ptr, need_all, counts, choice_ptr, choices, m, out
):  # fmt: skip
    """:func:`_select` over each child's candidates (in byte order of the school ids)."""
    n = len(ptr) - 1
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
    for a in range(n):
        for r in range(n_rules):
            k = counts[r]
            c0 = need_ptr[r]
            nc = need_ptr[r + 1] - c0
            for c in range(nc):
                cat_n[c0 + c] = 0
            size = 0
            for x in range(ptr[a], ptr[a + 1]):
                s = school[x]
                d = dist[x]
                size = _insert(buf_d, buf_s, size, k, d, s)
                c = codes[r, s]
                if c >= 0 and need_all[c0 + c] > 0:
                    cat_n[c0 + c] = _insert(
                        cat_d[c0 + c], cat_s[c0 + c], cat_n[c0 + c], need_all[c0 + c], d, s
                    )
            _mark(k, c0, nc, cat_n, cat_s, size, buf_s, member, a, r, choice_ptr, choices, out)


@njit(cache=True)
def _mark(k, c0, nc, cat_n, cat_s, size, buf_s, member, a, r, choice_ptr, choices, out):
    """Rule ``r``'s nearest set of child ``a``: the minimum per category first (``cat_s``,
    ``cat_n``), then the nearest schools of ``buf_s`` up to ``k`` in all; mark the child's
    list entries at those schools in ``out[r]``, and leave ``member`` all false again."""
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
            if not np.isnan(ometres[q]):
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
            _mark(k, c0, nc, cat_n, cat_s, size, buf_s, member, a, r, choice_ptr, choices, out)


__all__ = ["Geography", "NearestRule", "categories_of", "nearest_sets"]
