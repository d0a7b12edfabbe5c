"""Pledge groups: choosing the neighbourhood school together (spec section 7).

Families in a pledge group go to the group's target school only if at least ``threshold``
members are assigned there: a member's choice of the target is conditional. The allocation

1. runs the mechanism with every member's full list;
2. fails every group with fewer than ``threshold`` members assigned to its target, and all
   groups that fail in this step drop the target from their members' lists at once;
3. repeats from 1 until no group fails. A failed group stays failed.

The result is that of the last run. The loop ends after at most ``G + 1`` runs (each run
but the last fails at least one group). This mirrors how Mechelen's majority parents chose
the neighbourhood school "together" (a conditional commitment; cf. the assurance contracts
of Bagnoli and Lipman 1989, "Provision of public goods: fully implementing the core through
private contributions", Review of Economic Studies 56(4)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from samen.engine.outcome import Outcome
from samen.engine.priority import Prepared


@dataclass(frozen=True, eq=False)
class PledgeOutcome:
    """The last run's outcome and, per group, members, members at the target, held."""

    outcome: Outcome
    members: np.ndarray  # int64[G]
    assigned: np.ndarray  # int64[G]
    held: np.ndarray  # bool[G]
    runs: int
    active: np.ndarray  # bool[E], the list entries of the last run
    failed_in_run: np.ndarray  # int64[G], the run in which the group failed, 0 = held
    assigned_at_failure: np.ndarray  # int64[G], members at the target in that run


def run_with_pledges(
    prep: Prepared, mechanism: Callable[[Prepared, np.ndarray], Outcome]
) -> PledgeOutcome:
    """Run ``mechanism`` inside the fail-and-drop loop of section 7."""
    inst = prep.instance
    n_groups = len(inst.group_ids)
    pledge = np.asarray(inst.pledge, dtype=np.int64)
    members = np.bincount(pledge[pledge >= 0], minlength=n_groups).astype(np.int64)
    member_idx = np.flatnonzero(pledge >= 0)
    target_of = inst.group_target[pledge[member_idx]] if len(member_idx) else np.zeros(0, np.int32)
    # The list entry of each member that names its target (none to find without groups:
    # nothing is built then, as the many draws of a round run this loop every time).
    is_target = edge_group = np.zeros(0, dtype=np.int64)
    if len(member_idx):
        is_target = np.zeros(len(inst.choices), dtype=bool)
        edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
        edge_group = pledge[edge_app]
        has = edge_group >= 0
        is_target[has] = inst.choices[has] == inst.group_target[edge_group[has]]

    # every list entry counts until a group fails; without members none ever fails, and the
    # round's one array of them serves every run (Prepared.all_entries_active)
    active = np.ones(len(inst.choices), dtype=bool) if len(member_idx) else prep.all_entries_active
    failed = np.zeros(n_groups, dtype=bool)
    failed_in_run = np.zeros(n_groups, dtype=np.int64)
    assigned_at_failure = np.zeros(n_groups, dtype=np.int64)
    runs = 0
    while True:
        outcome = mechanism(prep, active)
        runs += 1
        at_target = outcome.school[member_idx] == target_of
        assigned = np.bincount(pledge[member_idx][at_target], minlength=n_groups).astype(np.int64)
        newly = ~failed & (assigned < inst.group_threshold)
        if not newly.any():
            break
        failed |= newly
        failed_in_run[newly] = runs
        assigned_at_failure[newly] = assigned[newly]
        if len(member_idx):  # a group without members has no list entry to drop
            active &= ~(is_target & np.isin(edge_group, np.flatnonzero(newly)))
    return PledgeOutcome(
        outcome=outcome,
        members=members,
        assigned=assigned,
        held=~failed,
        runs=runs,
        active=active,
        failed_in_run=failed_in_run,
        assigned_at_failure=assigned_at_failure,
    )
