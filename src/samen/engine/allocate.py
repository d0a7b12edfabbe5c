"""Run a whole round: the mechanism inside the pledge loop, and the report of section 9
(with the waiting lists of section 10.7 when the round asks for them).

:func:`allocate` gives the full :class:`~samen.engine.instance.Result` (what the result files
hold); :func:`assign` only who goes where, for the many draws of the analytics, which ask
that thousands of times and need nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from samen.engine.deferred_acceptance import deferred_acceptance
from samen.engine.immediate_acceptance import immediate_acceptance
from samen.engine.instance import MECHANISMS, TIE_BREAKINGS, Instance, Result
from samen.engine.outcome import Outcome, assigned_edges, report_columns
from samen.engine.pledges import PledgeOutcome, run_with_pledges
from samen.engine.priority import Prepared, cutoffs, prepare
from samen.engine.serial_dictatorship import serial_dictatorship
from samen.engine.top_trading_cycles import top_trading_cycles
from samen.engine.waitlists import waitlists

MECHANISM_FUNCTIONS: dict[str, Callable[[Prepared, np.ndarray], Outcome]] = {
    "deferred-acceptance": deferred_acceptance,
    "immediate-acceptance": immediate_acceptance,
    "top-trading-cycles": top_trading_cycles,
    "serial-dictatorship": serial_dictatorship,
}


def _check(instance: Instance) -> None:
    if instance.mechanism not in MECHANISMS:
        raise ValueError(
            f"unknown mechanism {instance.mechanism!r}; use one of {', '.join(MECHANISMS)}"
        )
    if instance.tie_breaking not in TIE_BREAKINGS:
        raise ValueError(f"unknown tie_breaking {instance.tie_breaking!r}; use single or multiple")


def _run(prep: Prepared) -> PledgeOutcome:
    """The round's mechanism inside the pledge loop of section 7."""
    return run_with_pledges(prep, MECHANISM_FUNCTIONS[prep.instance.mechanism])


@dataclass(frozen=True, eq=False)
class Assignment:
    """Who goes where in one run of a round: per child the school (-1 = none) and the
    1-based rank of that school on its list as submitted (0 = none); per pledge group
    whether it held; how often the mechanism ran (the pledge loop)."""

    school: np.ndarray  # int32[n]
    choice_rank: np.ndarray  # int64[n]
    group_held: np.ndarray  # bool[G]
    runs: int
    #: the run of the pledge loop it comes from (the mechanism's outcome, the failed groups)
    run: PledgeOutcome


def assign(prepared: Prepared) -> Assignment:
    """Only the assignment of :func:`allocate` (no cut-offs or lottery column), for many
    draws of one round: pass :func:`~samen.engine.priority.reseed` of one prepared round.

    >>> from samen.engine.instance import build_instance
    >>> from samen.engine.priority import prepare
    >>> a = assign(prepare(build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1},
    ...                                   seed="1")))
    >>> a.school.tolist(), a.choice_rank.tolist()
    ([1, 0], [2, 1])
    """
    inst = prepared.instance
    _check(inst)
    run = _run(prepared)
    school = run.outcome.school
    ptr = inst.choice_ptr
    edge = run.outcome.edge
    if edge is None:
        edge = assigned_edges(ptr, inst.choices, school)
    rank = np.where(edge >= 0, edge - ptr[:-1] + 1, 0)
    return Assignment(school=school, choice_rank=rank, group_held=run.held, runs=run.runs, run=run)


def allocate(instance: Instance, prepared: Prepared | None = None) -> Result:
    """Allocate the seats of ``instance`` by its mechanism and tie-breaking.

    ``prepared`` (from :func:`samen.engine.priority.prepare`) may be passed to reuse the
    lottery numbers across runs of the same round.

    >>> from samen.engine.instance import build_instance
    >>> r = allocate(build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1}, seed="1"))
    >>> r.school.tolist(), r.choice_rank.tolist()  # b drew the better number for X
    ([1, 0], [2, 1])
    """
    _check(instance)
    prep = prepared if prepared is not None else prepare(instance)
    if prep.instance is not instance:
        raise ValueError("prepared belongs to another instance; prepare this one")
    run = _run(prep)
    result = _result(prep, run.outcome, run.members, run.assigned, run.held, run.runs)
    result.extra["group_failed_in_run"] = run.failed_in_run
    result.extra["group_assigned_at_failure"] = run.assigned_at_failure
    if instance.waitlists:  # section 10.7
        result = replace(result, waitlists=waitlists(prep, run.outcome.school, run.active))
    return result


def _result(
    prep: Prepared,
    out: Outcome,
    members: np.ndarray,
    assigned: np.ndarray,
    held: np.ndarray,
    runs: int,
) -> Result:
    inst = prep.instance
    ptr = inst.choice_ptr
    edge = out.edge if out.edge is not None else assigned_edges(ptr, inst.choices, out.school)
    choice_rank, school_filled = report_columns(ptr, edge, out.school, inst.n_schools)
    lot = prep.single_lot.copy()
    # the number used at the school; under single tie-breaking without pledge members it is
    # the child's single number already (decisions 2 and 4)
    one_number = inst.tie_breaking == "single" and not (np.asarray(inst.pledge) >= 0).any()
    if inst.mechanism != "serial-dictatorship" and not one_number:
        app = np.flatnonzero(edge >= 0)
        lot[app] = prep.edge_lot[edge[app]]
    return Result(
        school=out.school,
        choice_rank=choice_rank,
        pool=out.pool,
        lottery=lot,
        pool_filled=out.pool_filled,
        pool_overflow=out.pool_overflow,
        pool_cutoff=cutoffs(prep, out.cut_valid, out.cut_keys),
        school_filled=school_filled,
        group_members=members,
        group_assigned=assigned,
        group_held=held,
        runs=runs,
        mechanism=inst.mechanism,
    )


__all__ = ["Assignment", "allocate", "assign"]
