"""A housing round as an allocation round (v2): the translation of ``docs/housing-rules.md``
section 4, so that the same engine, lottery and ``samen verify`` allocate and check it.

- every dwelling is a school with capacity 1 and one pool, named after its label, whose
  ``favours`` and ``order_by`` are the label's (allocation rules 10.1, 10.2);
  ``most:COLUMN`` becomes ``value:minus_COLUMN`` (the column negated: smaller first);
- every household with at least one suitable response is an applicant; its suitable
  responses, in its order, are its ``choices``; its flags and the number columns the labels
  order by (``registered`` as a day number) are applicants.csv columns;
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

:func:`translate` builds the engine's :class:`~samen.engine.instance.Instance` directly with
NumPy (a month of a large city, a million responses, in about a second);
:meth:`Translation.files` writes the same round as a folder through :mod:`samen.io`, which
reads back to the same allocation (tested).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from samen.engine.criteria import order_of, text_of
from samen.engine.criteria import parse as parse_criteria
from samen.engine.expressions import holds, split, term_flag
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


@dataclass(frozen=True, eq=False)
class Translation:
    """A housing round translated: the engine's instance and how it maps back.

    Every response of households.csv, in order, is a row of the ``resp_*`` arrays: its
    household (index in ``households``), its dwelling (index in ``dwellings``), its 1-based
    position among the household's responses as given, and whether it fits (``resp_kept``;
    the kept responses are the instance's list entries, in the same order).
    ``included[a]`` is the household of applicant ``a`` (-1 in ``applicant_of`` for a
    household without a suitable response); ``edge_rank[e]`` the position as given of list
    entry ``e``; ``admits_flags`` the ``fits_`` flag names, ``dwelling_admits`` per
    dwelling its ``admits`` expression.
    """

    rules: HousingRules
    dwellings: Sequence[Dwelling]
    households: Sequence[Household]
    instance: Instance
    included: np.ndarray  # int64[n]
    applicant_of: np.ndarray  # int64[H], -1 = not in the allocation round
    edge_rank: np.ndarray  # int32[E]
    resp_app: np.ndarray  # int64[R]
    resp_dw: np.ndarray  # int64[R]
    resp_rank: np.ndarray  # int32[R]
    resp_kept: np.ndarray  # bool[R]
    household_flags: tuple[str, ...]
    admits_flags: tuple[str, ...]
    dwelling_admits: tuple[str, ...]
    value_columns: dict[str, tuple[str, int]] = field(default_factory=dict)

    @cached_property
    def dwelling_index(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.dwellings)}

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


def _classes(
    rules: HousingRules, dwellings: Sequence[Dwelling]
) -> tuple[list[tuple[int | None, str | None, str | None]], np.ndarray]:
    """The kinds of dwelling that suitability or a label's ``admits`` tell apart: (rooms or
    None, rent band or None, label or None) each, and the kind of each dwelling (-1: no
    restriction)."""
    s = rules.suitability
    kinds: dict[tuple[int | None, str | None, str | None], int] = {}
    kind = np.full(len(dwellings), -1, dtype=np.int64)
    for i, d in enumerate(dwellings):
        key = (
            d.rooms if s.rooms else None,
            d.rent_band if s.rent else None,
            d.label if rules.labels[d.label].admits else None,
        )
        if key != (None, None, None):
            kind[i] = kinds.setdefault(key, len(kinds))
    return list(kinds), kind


def _flag_name(key: tuple[int | None, str | None, str | None]) -> str:
    rooms, band, label = key
    parts = ([f"{rooms}r"] if rooms is not None else []) + [p for p in (band, label) if p]
    return FITS + "_".join(parts)


def _fits(
    rules: HousingRules,
    households: Sequence[Household],
    kinds: list[tuple[int | None, str | None, str | None]],
    flag_names: Sequence[str],
    flags: np.ndarray,
) -> np.ndarray:
    """``uint8[n, K]``: 1 where kind ``k`` of dwelling fits household ``i``."""
    s = rules.suitability
    sizes = np.array([h.size for h in households], dtype=np.int64)
    spans = {int(z): s.room_range(int(z)) or (0, 2**62) for z in np.unique(sizes).tolist()}
    lo = np.array([spans[int(z)][0] for z in sizes.tolist()], dtype=np.int64)
    hi = np.array([spans[int(z)][1] for z in sizes.tolist()], dtype=np.int64)
    incomes = np.array([h.income_band for h in households], dtype=object)
    out = np.ones((len(households), len(kinds)), dtype=np.uint8)
    for k, (rooms, band, label) in enumerate(kinds):
        ok = np.ones(len(households), dtype=bool)
        if rooms is not None:
            ok &= (lo <= rooms) & (rooms <= hi)
        if band is not None:
            fit_incomes = [inc for inc, bands in s.rent.items() if band in bands]
            ok &= np.isin(incomes, fit_incomes)
        if label is not None:
            ok &= holds(flags, parse_expression(rules.labels[label].admits, flag_names))
        out[:, k] = ok
    return out


def translate(
    rules: HousingRules,
    dwellings: Sequence[Dwelling],
    households: Sequence[Household],
    *,
    waitlists: bool = True,
) -> Translation:
    """The allocation round of a housing round (see the module docstring). The inputs are
    assumed checked (:func:`samen.housing.folder.read_housing`, or built by code that
    respects the same rules)."""
    d_index = {d.id: i for i, d in enumerate(dwellings)}
    labels = list(rules.labels)
    d_label = np.array([labels.index(d.label) for d in dwellings], dtype=np.int64)
    # the households' flags, and any flag the rules name that no household has (all 0)
    household_flags = list(dict.fromkeys(f for h in households for f in h.flags))
    household_flags += [f for f in rule_flags(rules) if f not in household_flags]
    flags = np.array(
        [[1 if h.flags.get(f, 0) else 0 for f in household_flags] for h in households],
        dtype=np.uint8,
    ).reshape(len(households), len(household_flags))

    kinds, d_kind = _classes(rules, dwellings)
    fits = _fits(rules, households, kinds, household_flags, flags)

    # every response as (household, dwelling, position as given)
    counts = np.fromiter((len(h.responses) for h in households), dtype=np.int64)
    resp_app = np.repeat(np.arange(len(households), dtype=np.int64), counts)
    given = chain.from_iterable(h.responses for h in households)
    resp_dw = np.fromiter(map(d_index.__getitem__, given), dtype=np.int64, count=counts.sum())
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    resp_rank = (np.arange(len(resp_app)) - np.repeat(starts, counts) + 1).astype(np.int32)
    kind_of = d_kind[resp_dw]
    keep = np.ones(len(resp_app), dtype=bool)
    restricted = kind_of >= 0
    keep[restricted] = fits[resp_app[restricted], kind_of[restricted]] == 1

    per_app = np.bincount(resp_app[keep], minlength=len(households))
    included = np.flatnonzero(per_app > 0).astype(np.int64)
    new_index = np.full(len(households), -1, dtype=np.int64)
    new_index[included] = np.arange(len(included))
    edge_app = new_index[resp_app[keep]]
    choices = resp_dw[keep].astype(np.int32)
    edge_rank = resp_rank[keep]
    choice_ptr = np.concatenate(([0], np.cumsum(per_app[included]))).astype(np.int64)

    groups = list(rules.priority_groups)
    priority = np.full(len(choices), len(groups), dtype=np.int32)
    label_groups = [rules.labels[name].groups(groups) for name in labels]
    for g_index in range(len(groups) - 1, -1, -1):  # strongest last, so it wins
        g = groups[g_index]
        counts_here = np.array([g in lg for lg in label_groups], dtype=bool)[d_label[choices]]
        has = flags[included[edge_app], household_flags.index(g)] == 1
        priority[counts_here & has] = g_index

    flag_names = household_flags + [_flag_name(k) for k in kinds]
    all_flags = np.hstack([flags, fits]).astype(np.uint8)[included]
    values = value_sources(rules, sorted({d.label for d in dwellings}))
    value_arr = np.zeros((len(included), len(values)), dtype=np.float64)
    for j, (column, sign) in enumerate(values.values()):
        raw = [
            float(h.registered) if column == REGISTERED else float(h.values[column])
            for h in households
        ]
        value_arr[:, j] = (sign * np.array(raw, dtype=np.float64))[included] + 0.0

    pools = [[_pool(rules, d, flag_names)] for d in dwellings]
    admits = tuple(_flag_name(kinds[k]) if k >= 0 else "" for k in d_kind.tolist())
    inst = Instance(
        applicant_ids=[households[i].id for i in included.tolist()],
        school_ids=[d.id for d in dwellings],
        capacity=np.ones(len(dwellings), dtype=np.int64),
        choice_ptr=choice_ptr,
        choices=choices,
        **pool_arrays(pools),
        flags=np.ascontiguousarray(all_flags),
        flag_names=flag_names,
        priority=priority,
        priority_groups=groups,
        distance=np.full(len(choices), np.nan),
        family=np.full(len(included), -1, dtype=np.int64),
        pledge=np.full(len(included), -1, dtype=np.int32),
        group_ids=[],
        group_target=np.zeros(0, dtype=np.int32),
        group_threshold=np.zeros(0, dtype=np.int64),
        seed=rules.seed,
        tie_breaking=rules.tie_breaking,
        mechanism=MECHANISM,
        values=value_arr if values else None,
        value_names=list(values),
        admits=admits if kinds else (),
        waitlists=waitlists,
    )
    return Translation(
        rules=rules,
        dwellings=dwellings,
        households=households,
        instance=inst,
        included=included,
        applicant_of=new_index,
        edge_rank=edge_rank,
        resp_app=resp_app,
        resp_dw=resp_dw,
        resp_rank=resp_rank,
        resp_kept=keep,
        household_flags=tuple(household_flags),
        admits_flags=tuple(_flag_name(k) for k in kinds),
        dwelling_admits=admits,
        value_columns=values,
    )


def rule_flags(rules: HousingRules) -> list[str]:
    """The flags the rules name: the priority groups and every term of the labels'
    ``favours`` and ``admits``."""
    out = list(rules.priority_groups)
    for label in rules.labels.values():
        for text in (label.favours, label.admits):
            out += [term_flag(t)[0] for t in split(text)]
    return list(dict.fromkeys(out))


def _pool(rules: HousingRules, d: Dwelling, flag_names: Sequence[str]) -> Pool:
    label = rules.labels[d.label]
    favours = parse_favours(label.favours, flag_names)
    assert favours is not None, f"favours {label.favours!r} of label {d.label!r}"
    order_by = text_of(parse_criteria(allocation_order_by(label.order_by)))
    order = order_of(order_by)
    return Pool(
        d.label,
        1,
        favours[0],
        favours[1],
        order,
        canonical_favours(label.favours, flag_names) if favours[0] == COMPOUND else "",
        order_by if order == ORDER_CRITERIA else "",
    )


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
    "Translation",
    "allocation_order_by",
    "has_expression",
    "rule_flags",
    "translate",
    "value_sources",
    "why_not",
]
