"""A housing round as an allocation round (v2): the translation of ``docs/housing-rules.md``
section 4, so that the same engine, lottery and ``samen verify`` allocate and check it.

- every dwelling is a school with capacity 1 and one pool, named after its label, whose
  ``favours`` and ``order_by`` are the label's (allocation rules 10.1, 10.2);
  ``most:COLUMN`` becomes ``value:minus_COLUMN`` (the column negated: smaller first);
- every household with at least one suitable response is an applicant; its suitable
  responses, in its order, are its ``choices``; its flags and the number columns the labels
  of the round's dwellings order by (``registered`` as a day number) are applicants.csv
  columns;
- suitability (rooms for the size, rent band for the income band) and a label's ``admits``
  become the dwelling's ``admits`` (10.5): one flag ``fits_...`` per kind of dwelling that
  has a restriction (``fits_3r_B``: 3 rooms, rent band B; ``_LABEL`` when the label admits
  only some), 1 for the households that kind of dwelling fits;
- a response that does not fit is left out of the choices (and noted in the results: a
  household cannot be expected to know the tables); a household none of whose responses fit
  is left out of the allocation round;
- a priority group counts at a dwelling when its label lets it (``priority_groups``) and the
  household has the flag: a row of priorities.csv;
- the mechanism is deferred acceptance (household-proposing), the lottery the round's seed
  (section 3), and ``waitlists = true``, so each household's position per dwelling is the
  allocation rules' waiting list (10.7).

The rule has one owner, :func:`translate_arrays`: it builds the engine's
:class:`~samen.engine.instance.Instance` with NumPy from a housing round as arrays
(:class:`RoundArrays`, whose labels, flags and bands are coded by :class:`CompiledRules`).
Everything that allocates a housing round comes through it:

- :func:`translate` turns Dwelling and Household objects into those arrays
  (:func:`arrays_of`) and keeps the objects for the results (:class:`Translation`): it is
  what :func:`~samen.housing.allocate.allocate_month` and ``samen housing allocate``
  allocate, and :meth:`Translation.files` writes the same round as a folder through
  :mod:`samen.io`, which reads back to the same allocation (tested);
- the simulation builds the arrays of its months directly
  (:class:`~samen.housing.month.MonthRound`, tens of thousands of months), and
  :meth:`RoundArrays.objects` gives such a month back as objects (a folder to publish).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain
from typing import ClassVar, NamedTuple, Self

import numpy as np
from numba import njit

from samen.engine.criteria import order_of, text_of
from samen.engine.criteria import parse as parse_criteria
from samen.engine.expressions import Expression, holds, split, term_flag
from samen.engine.expressions import parse as parse_expression
from samen.engine.instance import Instance
from samen.engine.pools import (
    COMPOUND,
    ORDER_CRITERIA,
    Pool,
    canonical_favours,
    parse_favours,
    pool_arrays,
)
from samen.housing.model import Dwelling, Household, HousingRules
from samen.housing.settings import MOST, REGISTERED

MECHANISM = "deferred-acceptance"
#: the prefix of the suitability flags and of the negated value columns
FITS = "fits_"
MINUS = "minus_"
#: the most rooms a household of a size without a row in the rooms table may have
_ANY_ROOMS = 2**62


def allocation_order_by(order_by: str) -> str:
    """A label's ``order_by`` in the allocation rules' terms (``most:X`` -> ``value:minus_X``).

    >>> allocation_order_by("most:points,value:registered")
    'value:minus_points,value:registered'
    """
    out = []
    for c in order_by.split(","):
        c = c.strip()
        out.append("value:" + MINUS + c[len(MOST) :] if c.startswith(MOST) else c)
    return ",".join(out)


def value_sources(
    rules: HousingRules, labels: Sequence[str] | None = None
) -> dict[str, tuple[str, int]]:
    """The value columns of the allocation round: name -> (households' column, sign), for
    the criteria of ``labels`` (default: every label; the translation passes the labels its
    dwellings have, since the allocation rules read a number column only when a pool orders
    by it)."""
    out: dict[str, tuple[str, int]] = {}
    for name, label in rules.labels.items():
        if labels is not None and name not in labels:
            continue
        for c in label.order_by.split(","):
            c = c.strip()
            if c.startswith("value:"):
                col = c[len("value:") :]
                out.setdefault(col, (col, 1))
            elif c.startswith(MOST):
                col = c[len(MOST) :]
                out.setdefault(MINUS + col, (col, -1))
    return out


def rule_flags(rules: HousingRules) -> list[str]:
    """The flags the rules name: the priority groups and every term of the labels'
    ``favours`` and ``admits``."""
    out = list(rules.priority_groups)
    for label in rules.labels.values():
        for text in (label.favours, label.admits):
            out += [term_flag(t)[0] for t in split(text)]
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- the arrays


@dataclass(frozen=True, eq=False)
class CompiledRules:
    """A housing round's rules over coded households and dwellings: the households' flag
    columns are ``flag_names``, in order; a rent band is its index in ``rent_bands``, an
    income band its index in ``income_bands``, a label its index in :attr:`labels` (the
    order of ``rules.labels``). Made once per scenario by the simulation, once per round by
    :func:`arrays_of`; every rule needs only to be parsed once."""

    rules: HousingRules
    flag_names: tuple[str, ...]
    rent_bands: tuple[str, ...]
    income_bands: tuple[str, ...]

    @cached_property
    def labels(self) -> list[str]:
        return list(self.rules.labels)

    @cached_property
    def pools(self) -> list[Pool]:
        """The engine's pool of each label: one seat, the label's ``favours`` and its
        ``order_by`` in the allocation rules' terms (section 4 of the housing rules)."""
        out = []
        for name in self.labels:
            label = self.rules.labels[name]
            favours = parse_favours(label.favours, self.flag_names)
            if favours is None:
                raise ValueError(f"label {name} favours {label.favours!r}, which is not a flag")
            order_by = text_of(parse_criteria(allocation_order_by(label.order_by)))
            order = order_of(order_by)
            out.append(
                Pool(
                    name,
                    1,
                    favours[0],
                    favours[1],
                    order,
                    canonical_favours(label.favours, self.flag_names)
                    if favours[0] == COMPOUND
                    else "",
                    order_by if order == ORDER_CRITERIA else "",
                )
            )
        return out

    @cached_property
    def favours(self) -> list[Expression]:
        """Each label's ``favours`` as an expression over ``flag_names``."""
        return [
            parse_expression(self.rules.labels[n].favours, self.flag_names) for n in self.labels
        ]

    @cached_property
    def admits(self) -> list[Expression]:
        """Each label's ``admits`` as an expression over ``flag_names`` (empty: everyone)."""
        return [parse_expression(self.rules.labels[n].admits, self.flag_names) for n in self.labels]

    @cached_property
    def restricts(self) -> np.ndarray:
        """``bool[labels]``: whether the label admits only some households."""
        return np.array([bool(self.rules.labels[n].admits) for n in self.labels], dtype=bool)

    @cached_property
    def first_criterion(self) -> list[str]:
        """Each label's first ordering criterion in the allocation rules' terms."""
        return [
            parse_criteria(allocation_order_by(self.rules.labels[n].order_by))[0]
            for n in self.labels
        ]

    @cached_property
    def group_counts(self) -> np.ndarray:
        """``bool[labels, groups]``: whether the round's priority group ``g`` counts at the
        dwellings of a label."""
        groups = list(self.rules.priority_groups)
        return np.array(
            [[g in self.rules.labels[n].groups(groups) for g in groups] for n in self.labels],
            dtype=bool,
        ).reshape(len(self.labels), len(groups))

    @cached_property
    def group_flags(self) -> list[int]:
        """The index in ``flag_names`` of each priority group (a flag)."""
        return [self.flag_names.index(g) for g in self.rules.priority_groups]

    @cached_property
    def rent_fits(self) -> np.ndarray:
        """``bool[income band, rent band]``: whether the rent band fits the income band
        (``[suitability.rent]``; every band fits without the table)."""
        rent = self.rules.suitability.rent
        out = np.ones((len(self.income_bands), len(self.rent_bands)), dtype=bool)
        if rent:
            for i, band in enumerate(self.income_bands):
                out[i] = [r in rent.get(band, ()) for r in self.rent_bands]
        return out

    def room_bounds(self, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fewest and most rooms that fit households of ``size``
        (:meth:`~samen.housing.model.Suitability.room_range`; any number without the table)."""
        lo, hi = self._room_table
        at = np.minimum(size, len(lo) - 1)  # sizes are 1 or more
        return lo[at], hi[at]

    @cached_property
    def _room_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The fewest and most rooms by household size, up to the largest size of the rooms
        table (which also applies to larger households): a lookup, for the thousands of
        households of a month."""
        s = self.rules.suitability
        spans = [s.room_range(z) or (0, _ANY_ROOMS) for z in range(max(s.rooms, default=0) + 1)]
        return (
            np.array([a for a, _ in spans], dtype=np.int64),
            np.array([b for _, b in spans], dtype=np.int64),
        )

    def priority(
        self, flags: np.ndarray, edge_app: np.ndarray, edge_label: np.ndarray
    ) -> np.ndarray:
        """``int32[E]``: the priority group that counts at each response (item 1 of the
        priority tuple, housing rules section 3: its index in the round's groups,
        ``len(groups)`` for none): the strongest group the label lets count and the
        household (row ``edge_app`` of ``flags``) has."""
        groups = self.rules.priority_groups
        out = np.full(len(edge_app), len(groups), dtype=np.int32)
        for g in range(len(groups) - 1, -1, -1):  # strongest last, so it wins
            has = flags[edge_app, self.group_flags[g]] == 1
            out[self.group_counts[edge_label, g] & has] = g
        return out

    def values(self, label: np.ndarray) -> dict[str, tuple[str, int]]:
        """The value columns of a round whose dwellings have the labels ``label``
        (:func:`value_sources` of those labels; the same few sets of labels month after
        month, so each is worked out once)."""
        present = tuple(np.unique(label).tolist())
        if present not in self._values:
            self._values[present] = value_sources(self.rules, [self.labels[k] for k in present])
        return self._values[present]

    @cached_property
    def _values(self) -> dict[tuple[int, ...], dict[str, tuple[str, int]]]:
        return {}


@dataclass(frozen=True, eq=False)
class RoundArrays:
    """A housing round as arrays, what :func:`translate_arrays` translates: the vacancies
    (``dwelling_*``, with their ``label``, ``rooms`` and ``rent_band``), the households who
    responded (``household_*``) with their ``flags`` (columns ``compiled.flag_names``),
    registration day number, ``size``, ``income_band`` and number columns (``numbers``:
    those the labels order by, besides ``registered``), and their responses, most wanted
    first, as CSR lists of vacancy indices (``choice_ptr``, ``choices``). Labels and bands
    are indices (:class:`CompiledRules`)."""

    compiled: CompiledRules
    seed: str
    dwelling_ids: Sequence[str]
    label: np.ndarray  # int64[V]
    rooms: np.ndarray  # int64[V]
    rent_band: np.ndarray  # int64[V]
    household_ids: Sequence[str]
    flags: np.ndarray  # uint8[n, len(flag_names)]
    registered: np.ndarray  # int64[n], day numbers
    size: np.ndarray  # int64[n]
    income_band: np.ndarray  # int64[n]
    choice_ptr: np.ndarray  # int64[n + 1]
    choices: np.ndarray  # int32[R], vacancy index, most wanted first
    numbers: Mapping[str, np.ndarray] = field(default_factory=dict)  # float64[n] each
    #: the array fields with a row per household (:meth:`subset`)
    _per_household: ClassVar[tuple[str, ...]] = ("flags", "registered", "size", "income_band")

    @cached_property
    def resp_app(self) -> np.ndarray:
        """``int64[R]``: the household of each response."""
        n = len(self.household_ids)
        return np.repeat(np.arange(n, dtype=np.int64), np.diff(self.choice_ptr))

    @cached_property
    def resp_rank(self) -> np.ndarray:
        """``int32[R]``: the 1-based position of each response among its household's."""
        r = np.arange(len(self.choices), dtype=np.int64) - self.choice_ptr[self.resp_app] + 1
        return r.astype(np.int32)

    @cached_property
    def admitted(self) -> np.ndarray:
        """``bool[n, labels]``: whether each label's ``admits`` lets the household in."""
        c = self.compiled
        out = np.ones((len(self.household_ids), len(c.labels)), dtype=bool)
        for k in np.flatnonzero(c.restricts).tolist():
            out[:, k] = holds(self.flags, c.admits[k])
        return out

    @cached_property
    def fitting(self) -> np.ndarray:
        """``bool[R]``: whether each response fits its household (:func:`fits`)."""
        return fits(self, self.resp_app, self.choices, self.rooms, self.rent_band, self.label)

    @cached_property
    def suitability(self) -> Suitable:
        """Which responses fit, and the kinds of dwelling (:func:`suitable`)."""
        return suitable(self)

    def subset(self, households: np.ndarray, responses: np.ndarray) -> Self:
        """The round with only the ``households`` (sorted indices) and the ``responses``
        (``bool[R]``; those of the households left out must be false)."""
        count = np.bincount(self.resp_app[responses], minlength=len(self.household_ids))
        ids = self.household_ids
        rows = {
            name: getattr(self, name)[households]
            for name in self._per_household
            if getattr(self, name) is not None
        }
        out = replace(
            self,
            household_ids=ids[households]
            if isinstance(ids, np.ndarray)
            else _take(ids, households),
            numbers={k: v[households] for k, v in self.numbers.items()},
            choice_ptr=np.concatenate(([0], np.cumsum(count[households]))).astype(np.int64),
            choices=self.choices[responses],
            **rows,
        )
        # what depends only on each household and dwelling carries over (the simulation
        # prunes a month, then translates it)
        for name, keep in (("fitting", responses), ("admitted", households)):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name][keep]
        return out

    def objects(
        self, neighbourhood: Sequence[str]
    ) -> tuple[HousingRules, list[Dwelling], list[Household]]:
        """The round as a housing round of objects (the rules with the round's seed, the
        vacancies and the households; ``neighbourhood`` gives each vacancy's): what
        :func:`arrays_of` turns back into these arrays, for
        :func:`~samen.housing.allocate.allocate_month` and for writing the round as a
        folder (:func:`samen.housing.folder.render_housing`)."""
        c = self.compiled
        dwellings = [
            Dwelling(did, neighbourhood[i], rooms, c.rent_bands[band], c.labels[k])
            for i, (did, k, rooms, band) in enumerate(
                zip(
                    self.dwelling_ids,
                    self.label.tolist(),
                    self.rooms.tolist(),
                    self.rent_band.tolist(),
                    strict=True,
                )
            )
        ]
        ptr = self.choice_ptr.tolist()
        listed = [self.dwelling_ids[d] for d in self.choices.tolist()]
        numbers = {k: v.tolist() for k, v in self.numbers.items()}
        households = [
            Household(
                hid,
                tuple(listed[ptr[i] : ptr[i + 1]]),
                int(self.registered[i]),
                int(self.size[i]),
                c.income_bands[int(self.income_band[i])],
                dict(zip(c.flag_names, self.flags[i].tolist(), strict=True)),
                values={k: v[i] for k, v in numbers.items()},
            )
            for i, hid in enumerate(self.household_ids)
        ]
        return replace(c.rules, seed=self.seed), dwellings, households


def arrays_of(
    rules: HousingRules, dwellings: Sequence[Dwelling], households: Sequence[Household]
) -> RoundArrays:
    """A housing round of objects as arrays (the inverse of :meth:`RoundArrays.objects`).
    The flag columns are the households' flags, in the order they first appear, then any
    flag the rules name that no household has (all 0)."""
    flag_names = list(dict.fromkeys(f for h in households for f in h.flags))
    flag_names += [f for f in rule_flags(rules) if f not in flag_names]
    rent_bands = tuple(dict.fromkeys([*rules.rent_bands, *(d.rent_band for d in dwellings)]))
    incomes = tuple(dict.fromkeys([*rules.income_bands, *(h.income_band for h in households)]))
    c = CompiledRules(rules, tuple(flag_names), rent_bands, incomes)
    label_of = {name: k for k, name in enumerate(c.labels)}
    rent_of = {b: k for k, b in enumerate(rent_bands)}
    income_of = {b: k for k, b in enumerate(incomes)}
    d_index = {d.id: i for i, d in enumerate(dwellings)}
    n = len(households)
    flags = np.array(
        [[1 if h.flags.get(f, 0) else 0 for f in flag_names] for h in households],
        dtype=np.uint8,
    ).reshape(n, len(flag_names))
    counts = np.fromiter((len(h.responses) for h in households), dtype=np.int64, count=n)
    given = chain.from_iterable(h.responses for h in households)
    choices = np.fromiter(map(d_index.__getitem__, given), dtype=np.int32, count=counts.sum())
    labels = {d.label for d in dwellings}
    columns = {col for col, _sign in value_sources(rules, sorted(labels)).values()}
    return RoundArrays(
        compiled=c,
        seed=rules.seed,
        dwelling_ids=[d.id for d in dwellings],
        label=np.array([label_of[d.label] for d in dwellings], dtype=np.int64),
        rooms=np.array([d.rooms for d in dwellings], dtype=np.int64),
        rent_band=np.array([rent_of[d.rent_band] for d in dwellings], dtype=np.int64),
        household_ids=[h.id for h in households],
        flags=flags,
        registered=np.array([h.registered for h in households], dtype=np.int64),
        size=np.array([h.size for h in households], dtype=np.int64),
        income_band=np.array([income_of[h.income_band] for h in households], dtype=np.int64),
        choice_ptr=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        choices=choices,
        numbers={
            col: np.array([float(h.values[col]) for h in households], dtype=np.float64)
            for col in sorted(columns - {REGISTERED})
        },
    )


class Suitable(NamedTuple):
    """Which responses of a :class:`RoundArrays` fit (housing rules section 3): the kinds
    of dwelling that suitability or a label's ``admits`` tell apart, as the names of their
    ``fits_`` flags; each dwelling's kind (-1: no restriction); ``fits[i, k]``, 1 where
    kind ``k`` fits household ``i``; and ``kept``, whether each response fits."""

    flag_names: list[str]
    dwelling_kind: np.ndarray  # int64[V]
    fits: np.ndarray  # uint8[n, K]
    kept: np.ndarray  # bool[R]


def fits(
    a: RoundArrays,
    household: np.ndarray | None,
    dwelling: np.ndarray | None,
    rooms: np.ndarray,
    rent_band: np.ndarray,
    label: np.ndarray,
) -> np.ndarray:
    """Whether dwelling ``dwelling[e]`` (of ``rooms``, ``rent_band`` and ``label``, by
    dwelling; a -1 does not restrict) fits household ``household[e]`` of ``a``: rooms for
    the household's size and rent band for its income band (housing rules section 3,
    ``[suitability]``), and the label's ``admits`` (section 4). ``bool[E]``; with
    ``household`` and ``dwelling`` None, ``bool[n, dwellings]`` for every pair. The one
    test of suitability, per response and per kind of dwelling (:func:`suitable`)."""
    c = a.compiled
    s = c.rules.suitability
    lo, hi = c.room_bounds(a.size)
    facts = (
        lo,
        hi,
        np.ascontiguousarray(a.income_band, dtype=np.int64),
        a.admitted,
        c.rent_fits,
        bool(s.rooms),
        bool(s.rent),
    )
    by_dwelling = tuple(np.ascontiguousarray(x, dtype=np.int64) for x in (rooms, rent_band, label))
    if household is None or dwelling is None:
        return _fits_every(len(a.household_ids), *by_dwelling, *facts)
    pairs = tuple(np.ascontiguousarray(x, dtype=np.int64) for x in (household, dwelling))
    return _fits_pairs(*pairs, *by_dwelling, *facts)


@njit(cache=True)
def _fit(
    h, r, b, k, lo, hi, income_band, admitted, rent_fits, by_rooms, by_rent
):  # pragma: no cover
    """:func:`fits` for household ``h`` and a dwelling of ``r`` rooms, rent band ``b`` and
    label ``k``."""
    if by_rooms and r >= 0 and not (lo[h] <= r <= hi[h]):
        return False
    if by_rent and b >= 0 and not rent_fits[income_band[h], b]:
        return False
    return not (k >= 0 and not admitted[h, k])


@njit(cache=True)
def _fits_pairs(household, dwelling, rooms, rent_band, label, *facts):  # pragma: no cover
    out = np.empty(household.size, dtype=np.bool_)
    for e in range(household.size):
        d = dwelling[e]
        out[e] = _fit(household[e], rooms[d], rent_band[d], label[d], *facts)
    return out


@njit(cache=True)
def _fits_every(n, rooms, rent_band, label, *facts):  # pragma: no cover - compiled
    out = np.empty((n, rooms.size), dtype=np.bool_)
    for h in range(n):
        for d in range(rooms.size):
            out[h, d] = _fit(h, rooms[d], rent_band[d], label[d], *facts)
    return out


def suitable(a: RoundArrays) -> Suitable:
    """The suitability of ``a``'s responses (:func:`fits`) and of its kinds of dwelling for
    its households: what the translation adds to the allocation round as ``admits`` and
    ``fits_`` flags (section 4)."""
    c = a.compiled
    kind, table = _kinds(a)
    ok = fits(a, None, None, table[:, 0], table[:, 1], table[:, 2])
    names = []
    for rooms, band, label in table.tolist():
        parts = [f"{rooms}r"] if rooms >= 0 else []
        parts += [c.rent_bands[band]] if band >= 0 else []
        parts += [c.labels[label]] if label >= 0 else []
        names.append(FITS + "_".join(parts))
    return Suitable(names, kind, ok.view(np.uint8), a.fitting)


def _kinds(a: RoundArrays) -> tuple[np.ndarray, np.ndarray]:
    """The kinds of dwelling that suitability or a label's ``admits`` tell apart, in the
    order they first appear: each dwelling's kind (-1: no restriction) and each kind's
    ``(rooms, rent band, label)``, -1 where that part does not restrict."""
    c = a.compiled
    s = c.rules.suitability
    return _kinds_kernel(
        np.ascontiguousarray(a.rooms, dtype=np.int64),
        np.ascontiguousarray(a.rent_band, dtype=np.int64),
        np.ascontiguousarray(a.label, dtype=np.int64),
        c.restricts,
        bool(s.rooms),
        bool(s.rent),
    )


@njit(cache=True)
def _kinds_kernel(rooms, rent_band, label, restricts, by_rooms, by_rent):  # pragma: no cover
    """:func:`_kinds` (compiled: a few kinds, found by looking through those seen)."""
    v = rooms.size
    kind = np.full(v, -1, dtype=np.int64)
    table = np.empty((v, 3), dtype=np.int64)
    k = 0
    for i in range(v):
        r = rooms[i] if by_rooms else -1
        b = rent_band[i] if by_rent else -1
        lab = label[i] if restricts[label[i]] else -1
        if r < 0 and b < 0 and lab < 0:
            continue
        for j in range(k):
            if table[j, 0] == r and table[j, 1] == b and table[j, 2] == lab:
                kind[i] = j
                break
        else:
            table[k, 0], table[k, 1], table[k, 2] = r, b, lab
            kind[i] = k
            k += 1
    return kind, table[:k].copy()


def _take(ids: Sequence[str], rows: np.ndarray) -> list[str]:
    """The ``ids`` at ``rows`` (a list or, from the simulation, an array of texts)."""
    if isinstance(ids, np.ndarray):
        return ids[rows].tolist()
    return [ids[i] for i in rows.tolist()]


class Translated(NamedTuple):
    """A :class:`RoundArrays` translated: the engine's instance, the household of each of
    its applicants (``included``) and whether each response is a list entry (``kept``: the
    entries are the kept responses, in order)."""

    instance: Instance
    included: np.ndarray  # int64[applicants]
    kept: np.ndarray  # bool[R]


def translate_arrays(a: RoundArrays, *, waitlists: bool = True) -> Translated:
    """The allocation round of a housing round as arrays (see the module docstring): the
    one translation that every allocation of a housing round goes through."""
    c = a.compiled
    n = len(a.household_ids)
    fit = a.suitability
    kept = fit.kept
    rows: slice | np.ndarray  # the households that are applicants
    if kept.all() and np.diff(a.choice_ptr).all():
        # every response fits and every household responded (a pruned simulated month)
        rows = slice(None)
        included = np.arange(n, dtype=np.int64)
        edge_app = a.resp_app
        choices = a.choices.astype(np.int32, copy=False)
        choice_ptr = a.choice_ptr.astype(np.int64, copy=False)
        applicant_ids = list(a.household_ids)
    else:
        per_app = np.bincount(a.resp_app[kept], minlength=n)
        rows = included = np.flatnonzero(per_app > 0).astype(np.int64)
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[included] = np.arange(len(included))
        edge_app = new_index[a.resp_app[kept]]
        choices = a.choices[kept].astype(np.int32)
        choice_ptr = np.concatenate(([0], np.cumsum(per_app[included]))).astype(np.int64)
        applicant_ids = _take(a.household_ids, included)
    flags = a.flags[rows]
    priority = c.priority(flags, edge_app, a.label[choices])
    values = c.values(a.label)
    value_arr = np.zeros((len(included), len(values)), dtype=np.float64)
    for j, (column, sign) in enumerate(values.values()):
        if column == REGISTERED:
            raw = a.registered.astype(np.float64)
        elif column in a.numbers:
            raw = np.asarray(a.numbers[column], dtype=np.float64)
        else:
            raise ValueError(f"the households have no number column {column!r}")
        value_arr[:, j] = (sign * raw)[rows] + 0.0
    admits = tuple(fit.flag_names[k] if k >= 0 else "" for k in fit.dwelling_kind.tolist())
    inst = Instance(
        applicant_ids=applicant_ids,
        school_ids=list(a.dwelling_ids),
        capacity=np.ones(len(a.dwelling_ids), dtype=np.int64),
        choice_ptr=choice_ptr,
        choices=choices,
        **pool_arrays([[c.pools[k]] for k in a.label.tolist()]),
        flags=np.ascontiguousarray(np.hstack([flags, fit.fits[rows]]), dtype=np.uint8),
        flag_names=[*c.flag_names, *fit.flag_names],
        priority=priority,
        priority_groups=list(c.rules.priority_groups),
        distance=np.full(len(choices), np.nan),
        family=np.full(len(included), -1, dtype=np.int64),
        pledge=np.full(len(included), -1, dtype=np.int32),
        group_ids=[],
        group_target=np.zeros(0, dtype=np.int32),
        group_threshold=np.zeros(0, dtype=np.int64),
        seed=a.seed,
        tie_breaking=c.rules.tie_breaking,
        mechanism=MECHANISM,
        values=value_arr if values else None,
        value_names=list(values),
        admits=admits if fit.flag_names else (),
        waitlists=waitlists,
    )
    return Translated(inst, included, kept)


# --------------------------------------------------------------------------- the objects


@dataclass(frozen=True, eq=False)
class Translation:
    """A housing round of objects translated: the engine's instance and how it maps back.

    Every response of households.csv, in order, is a row of the ``resp_*`` arrays: its
    household (index in ``households``), its dwelling (index in ``dwellings``), its 1-based
    position among the household's responses as given, and whether it fits (``resp_kept``;
    the kept responses are the instance's list entries, in the same order).
    ``included[a]`` is the household of applicant ``a`` (-1 in ``applicant_of`` for a
    household without a suitable response); ``edge_rank[e]`` the position as given of list
    entry ``e``; ``arrays`` the round as :func:`translate_arrays` translated it.
    """

    rules: HousingRules
    dwellings: Sequence[Dwelling]
    households: Sequence[Household]
    arrays: RoundArrays
    instance: Instance
    included: np.ndarray  # int64[n]
    resp_kept: np.ndarray  # bool[R]

    @property
    def resp_app(self) -> np.ndarray:
        """``int64[R]``: the household of each response."""
        return self.arrays.resp_app

    @cached_property
    def resp_dw(self) -> np.ndarray:
        """``int64[R]``: the dwelling of each response."""
        return self.arrays.choices.astype(np.int64)

    @property
    def resp_rank(self) -> np.ndarray:
        """``int32[R]``: the position of each response among its household's, as given."""
        return self.arrays.resp_rank

    @cached_property
    def edge_rank(self) -> np.ndarray:
        """``int32[E]``: the position as given of each list entry of the instance."""
        return self.resp_rank[self.resp_kept]

    @cached_property
    def applicant_of(self) -> np.ndarray:
        """``int64[H]``: each household's applicant index, -1 = not in the allocation round."""
        out = np.full(len(self.households), -1, dtype=np.int64)
        out[self.included] = np.arange(len(self.included))
        return out

    def reasons(self, rows: np.ndarray) -> list[str]:
        """Why each of the responses ``rows`` (indices into the ``resp_*`` arrays, each one
        left out) does not fit, in words (memoised: a few kinds of household and dwelling)."""
        memo: dict[tuple[int, str, int, str, str, bool], str] = {}
        out: list[str] = []
        for h, d in zip(self.resp_app[rows].tolist(), self.resp_dw[rows].tolist(), strict=True):
            hh, dw = self.households[h], self.dwellings[d]
            admitted = has_expression(hh, self.rules.labels[dw.label].admits)
            key = (hh.size, hh.income_band, dw.rooms, dw.rent_band, dw.label, admitted)
            if key not in memo:
                memo[key] = why_not(self.rules, hh, dw)
            out.append(memo[key])
        return out

    @cached_property
    def unsuitable(self) -> dict[int, list[tuple[int, str]]]:
        """Household index -> [(dwelling index, why it does not fit)], in response order."""
        rows = np.flatnonzero(~self.resp_kept)
        out: dict[int, list[tuple[int, str]]] = {}
        for h, d, why in zip(
            self.resp_app[rows].tolist(),
            self.resp_dw[rows].tolist(),
            self.reasons(rows),
            strict=True,
        ):
            out.setdefault(h, []).append((d, why))
        return out

    def files(self, name: str | None = None) -> dict[str, bytes]:
        """The allocation round as a folder (round.toml and the tables), by file name
        (:func:`samen.housing.roundfiles.render_translation`)."""
        from samen.housing.roundfiles import render_translation

        return render_translation(self, name)


def translate(
    rules: HousingRules,
    dwellings: Sequence[Dwelling],
    households: Sequence[Household],
    *,
    waitlists: bool = True,
) -> Translation:
    """The allocation round of a housing round of objects: :func:`arrays_of`, then
    :func:`translate_arrays`. The inputs are assumed checked
    (:func:`samen.housing.folder.read_housing`, or built by code that respects the same
    rules)."""
    arrays = arrays_of(rules, dwellings, households)
    inst, included, kept = translate_arrays(arrays, waitlists=waitlists)
    return Translation(rules, dwellings, households, arrays, inst, included, kept)


def has_expression(household: Household, expression: str) -> bool:
    """Whether ``household`` has a flag expression (allocation rules 10.1: empty, or at
    least one term holds)."""
    terms = split(expression)
    if not terms:
        return True
    for term in terms:
        flag, negate = term_flag(term)
        if household.flag(flag) != int(negate):
            return True
    return False


def why_not(rules: HousingRules, household: Household, dwelling: Dwelling) -> str:
    """Why a response is left out: the suitability tables, or the label's ``admits``."""
    reasons = []
    fit = rules.suitability.why_not(household, dwelling)
    if fit:
        reasons.append(fit)
    admits = rules.labels[dwelling.label].admits
    if not has_expression(household, admits):
        reasons.append(f"label {dwelling.label} admits only households with {admits}")
    return "; ".join(reasons) or "does not fit"


__all__ = [
    "FITS",
    "MECHANISM",
    "MINUS",
    "CompiledRules",
    "RoundArrays",
    "Suitable",
    "Translated",
    "Translation",
    "allocation_order_by",
    "arrays_of",
    "has_expression",
    "rule_flags",
    "suitable",
    "translate",
    "translate_arrays",
    "value_sources",
    "why_not",
]
