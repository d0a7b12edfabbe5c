"""Explaining a result: why a child did not get a school it ranked higher, and which text
was hashed for its lottery number (allocation rules sections 3, 5, 7 and 9).

For every school on a child's list above the one it got (all of them, if it got none), each
seat pool there: its seats, how many it filled, its cut-off (the priority tuple of the last
child admitted, ``cutoffs.csv``) and the child's own priority tuple for that pool (its
block's, section 6: a block competes as its best member), and whether the child came after
the cut-off. A school a failed pledge group dropped from the list (section 7) is marked
``dropped`` instead. The lottery text is what anyone hashes to check the child's number:
``SEED|`` + the text gives the number's first 16 hex digits (the child's id, its block
lead's id, or ``pledge:GROUP`` at the group's target, with the school first under multiple
tie-breaking).

Pure: an instance and its result in, records out. The platform stores these records, the
command line prints them, and both say the same because this module is the only place that
reads the engine's keys for it.

>>> from samen.engine.instance import build_instance
>>> from samen.engine.allocate import allocate
>>> inst = build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1}, seed="1")
>>> why = explain(inst, allocate(inst))
>>> [s.school for s in why[0].schools], why[0].schools[0].pools[0].after
(['X'], True)
>>> why[0].lottery_text
'a'
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from samen.engine import distance
from samen.engine.criteria import values_text
from samen.engine.instance import Instance, Priority, Result
from samen.engine.lottery import hex16, number
from samen.engine.pools import ORDER_CRITERIA, ORDER_DISTANCE, ORDER_RANK, Pool, pools_of
from samen.engine.priority import Prepared, prepare


@dataclass(frozen=True)
class Standing:
    """A priority tuple as a family reads it: the priority group (``""``: none), whether
    the child is one the pool favours, the pool's ordering value as text (metres, a rank or
    a lottery number; for the criteria of section 10.2 each criterion's value, joined by
    ``;``) and the lottery number."""

    group: str
    favoured: bool
    value: str
    lottery: str


@dataclass(frozen=True)
class PoolLine:
    """One seat pool of a school above the child's: what it is, how full it got, its
    cut-off (None when it did not fill) and where the child stood."""

    pool: str
    seats: int
    filled: int
    favours: str
    order_by: str
    cutoff: Standing | None
    mine: Standing
    after: bool


@dataclass(frozen=True)
class SchoolLine:
    """A school on the child's list above the one it got; ``dropped`` when its failed pledge
    group took it off the list (then there are no pools to show)."""

    school: str
    dropped: bool
    pools: tuple[PoolLine, ...]


@dataclass(frozen=True)
class Explanation:
    """Why one child got what it got."""

    applicant_id: str
    schools: tuple[SchoolLine, ...]
    #: ``SEED|`` + this text hashes to the child's lottery number ("" when none does)
    lottery_text: str

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values (``schools`` is what the platform stores per placement)."""
        return {
            "applicant_id": self.applicant_id,
            "schools": [
                {
                    "school": s.school,
                    "dropped": s.dropped,
                    "pools": [asdict(p) for p in s.pools],
                }
                for s in self.schools
            ],
            "lottery_text": self.lottery_text,
        }


def check_command(seed: str, text: str) -> str:
    """The shell command that shows a lottery number (its first 16 hex digits).

    >>> check_command("Mechelen 2027", "M0017")
    "printf '%s' 'Mechelen 2027|M0017' | sha256sum"
    """
    return f"printf '%s' {shlex.quote(seed + '|' + text)} | sha256sum"


def _standing(inst: Instance, pool: int, prio: Priority, order_by: str) -> Standing:
    groups = list(inst.priority_groups)
    order = int(inst.pool_order[pool])
    v = prio.order_value
    if order >= ORDER_CRITERIA or isinstance(v, tuple):
        value = values_text(order_by, v)
    elif order == ORDER_DISTANCE:
        value = distance.text(float(v))
    elif order == ORDER_RANK:
        value = str(int(v))
    else:
        value = hex16(int(v))
    return Standing(
        group=groups[prio.group] if 0 <= prio.group < len(groups) else "",
        favoured=not prio.unfavoured,
        value=value,
        lottery=hex16(int(prio.lottery)),
    )


def _block_key(prep: Prepared, a: int, j: int, offset: int) -> tuple[int, int, int, int]:
    """The key of child ``a``'s block for the pool ``offset`` of its ``j``-th choice: the
    smallest of its members' (the members' lists are identical, section 6)."""
    units, inst, keys = prep.units, prep.instance, prep.child_keys
    u = int(units.unit_of[a])
    start, end = int(units.ptr[u]), int(units.ptr[u + 1])
    if end - start == 1:  # a child on its own, as most are
        row = int(prep.pair_ptr[int(inst.choice_ptr[a]) + j]) + offset
        return tuple(keys[row].tolist())
    members = units.members[start:end]
    rows = prep.pair_ptr[inst.choice_ptr[members] + j] + offset
    return min(tuple(k) for k in keys[rows].tolist())


def _school_lines(
    prep: Prepared, result: Result, a: int, pools: list[list[Pool]]
) -> tuple[SchoolLine, ...]:
    inst = prep.instance
    listed = inst.choices_of(a).tolist()
    rank = int(result.choice_rank[a])
    above = listed[: rank - 1] if rank > 0 else listed
    g = int(inst.pledge[a])
    dropped = int(inst.group_target[g]) if g >= 0 and not bool(result.group_held[g]) else -1
    lines: list[SchoolLine] = []
    for j, s in enumerate(above):
        if s == dropped:
            lines.append(SchoolLine(inst.school_ids[s], True, ()))
            continue
        first = int(inst.pool_ptr[s])
        out: list[PoolLine] = []
        for offset, pool in enumerate(pools[s]):
            p = first + offset
            mine = prep.decode(*_block_key(prep, a, j, offset), p)
            cut = result.pool_cutoff[p]
            out.append(
                PoolLine(
                    pool=pool.name,
                    seats=pool.seats,
                    filled=int(result.pool_filled[p]),
                    favours=pool.favours(inst.flag_names),
                    order_by=pool.order_by,
                    cutoff=_standing(inst, p, cut, pool.order_by) if cut is not None else None,
                    mine=_standing(inst, p, mine, pool.order_by),
                    after=bool(cut is not None and tuple(mine) > tuple(cut)),
                )
            )
        lines.append(SchoolLine(inst.school_ids[s], False, tuple(out)))
    return tuple(lines)


def lottery_text(prep: Prepared, result: Result, a: int) -> str:
    """What child ``a``'s lottery number was drawn for (section 3): ``SEED|`` + this text
    hashes to ``result.lottery[a]``; ``""`` when no text does. With ``family_number =
    "best"`` (section 10.6) a block member's number is the one of the member that drew the
    best."""
    inst, units = prep.instance, prep.units
    u = int(units.unit_of[a])
    members = [inst.applicant_ids[int(m)] for m in units.members[units.ptr[u] : units.ptr[u + 1]]]
    s = int(result.school[a])
    g = int(inst.pledge[a])
    if g >= 0 and s == int(inst.group_target[g]):
        members = ["pledge:" + inst.group_ids[g]]
    school: tuple[str, ...] = ()
    if inst.tie_breaking == "multiple" and s >= 0 and inst.mechanism != "serial-dictatorship":
        school = (inst.school_ids[s],)
    for who in members:  # the lead first
        if number(inst.seed, *school, who) == int(result.lottery[a]):
            return "|".join((*school, who))
    return ""


def explain(
    instance: Instance,
    result: Result,
    applicants: Sequence[int] | None = None,
    *,
    prepared: Prepared | None = None,
) -> list[Explanation]:
    """The explanation of every child of ``applicants`` (default: all, in order).

    ``prepared`` is the :func:`~samen.engine.priority.prepare` of ``instance`` that
    :func:`~samen.engine.allocate.allocate` ran with, when the caller kept it (the keys are
    then computed once for both); else it is prepared here.
    """
    prep = prepared if prepared is not None else prepare(instance)
    if prep.instance is not instance:
        raise ValueError("prepared belongs to another instance; prepare this one")
    pools = pools_of(instance)
    which = range(instance.n_applicants) if applicants is None else applicants
    return [
        Explanation(
            applicant_id=str(instance.applicant_ids[a]),
            schools=_school_lines(prep, result, int(a), pools),
            lottery_text=lottery_text(prep, result, int(a)),
        )
        for a in which
    ]


def index_of(instance: Instance, applicant_id: str) -> int:
    """The index of ``applicant_id`` (ValueError when the round has no such child)."""
    hits = np.flatnonzero(np.asarray(instance.applicant_ids, dtype=object) == applicant_id)
    if not hits.size:
        raise ValueError(f"there is no applicant {applicant_id!r} in the round")
    return int(hits[0])


__all__ = [
    "Explanation",
    "PoolLine",
    "SchoolLine",
    "Standing",
    "check_command",
    "explain",
    "index_of",
    "lottery_text",
]
