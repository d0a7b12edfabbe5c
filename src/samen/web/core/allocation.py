"""Running the allocation from the database, and waiting-list rounds.

The engine reads the round exactly as it would be published: :mod:`samen.web.core.exchange`
writes the pseudonymised round folder into a temporary folder, :func:`samen.io.read_round`
checks it and builds the instance, :func:`samen.engine.allocate` runs it and
:func:`samen.io.render_results` gives the result files. The run keeps the input files and the
result files, so the office can publish both and anyone can run ``samen verify`` on them.

A waiting-list round (run number 1, 2, ...) allocates the seats that families declined: it is
the same round without the children who declined, where every child who holds a seat (accepted,
or not answered yet) has its list cut after the school it holds and the strongest priority
there (the group ``held-seat``). So nobody loses a seat, and children only move up their own
lists. It uses deferred acceptance (top trading cycles if the round does): under the Boston
method or serial dictatorship a priority does not guarantee a seat.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from samen.engine.allocate import allocate
from samen.engine.explain import check_command, explain
from samen.engine.instance import Result
from samen.engine.lottery import hex16
from samen.engine.priority import Prepared, prepare
from samen.io.errors import RoundError
from samen.io.results import read_groups, render_results
from samen.io.round import Round as FolderRound
from samen.io.round import read_round
from samen.web.core import blocks, homes, jobs, lifecycle, positions
from samen.web.core.exchange import FolderData, folder_data, render_folder, write_folder
from samen.web.core.models import AllocationRun, Child, Job, Placement, Round
from samen.web.core.run_names import run_label

HELD_GROUP = "held-seat"


class AllocationError(jobs.JobError):
    """The round cannot be allocated as it is (the message says why, in plain words)."""


def _read(files: dict[str, bytes]) -> FolderRound:
    with tempfile.TemporaryDirectory(prefix="samen-round-") as tmp:
        write_folder(files, Path(tmp))
        try:
            return read_round(tmp)
        except RoundError as exc:
            raise AllocationError(
                _("The round has %(n)s problem(s); fix them and run it again.")
                % {"n": len(exc.problems)},
                [
                    {"file": p.file, "row": p.row, "column": p.column, "message": p.message}
                    for p in exc.problems
                ],
            ) from None


def _text(files: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode("utf-8") for name, data in files.items()}


# --------------------------------------------------------------------------- runs


def _store(
    rnd: Round,
    number_: int,
    job: Job | None,
    files: dict[str, bytes],
    folder: FolderRound,
    result: Result,
    data: FolderData,
    seed_commitment: str,
    previous: dict[int, Placement] | None = None,
    prep: Prepared | None = None,
) -> AllocationRun:
    """Keep the run and its placements, if the round's draw is still the one the run used
    (:func:`samen.web.core.lifecycle.store_run` checks it with the round locked)."""
    if lifecycle.fingerprint(folder.instance.seed) != seed_commitment:
        # the folder was read after the draw changed: never store a run of another seed
        raise AllocationError(
            _(
                "The draw changed while the allocation ran (a new fingerprint was "
                "published); nothing was stored."
            )
        )
    outputs = render_results(folder, result)
    summary = json.loads(outputs["summary.json"])
    inst = folder.instance
    # why each child got what it got, and its lottery text (samen.engine.explain: the same
    # records `samen explain` prints), from the keys the allocation computed
    records = explain(inst, result, prepared=prep)
    schools = {s.code: s for s in rnd.schools.all()}
    # each child's places on the waiting lists, from the run's own waitlists.csv (10.7)
    waiting = positions.by_child(outputs.get(positions.FILE, b"").decode("utf-8"))

    def create(rnd: Round) -> AllocationRun:
        AllocationRun.objects.filter(
            round=rnd, number=number_, status=AllocationRun.COMPUTED
        ).update(status=AllocationRun.DISCARDED)
        run = AllocationRun.objects.create(
            round=rnd,
            number=number_,
            mechanism=inst.mechanism,
            job=job,
            input_files=_text(files),
            result_files=_text(outputs),
            summary=summary,
            seed_commitment=seed_commitment,
        )
        ranks: dict[int, dict[str, int]] = {}
        for child_pk, code, rank in Child.objects.filter(round=rnd).values_list(
            "pk", "choices__school__code", "choices__rank"
        ):
            if code is not None:
                ranks.setdefault(child_pk, {})[code] = rank
        placements = []
        for a, fc in enumerate(data.children):
            s = int(result.school[a])
            code = inst.school_ids[s] if s >= 0 else ""
            pool = int(result.pool[a])
            prev = (previous or {}).get(fc.child_pk or -1)
            response = Placement.PENDING
            if prev is not None and prev.school is not None and prev.school.code == code:
                response = prev.response
            placements.append(
                Placement(
                    run=run,
                    child_id=fc.child_pk,
                    applicant_id=fc.public_id,
                    school=schools.get(code),
                    choice_rank=ranks.get(fc.child_pk or -1, {}).get(code, 0) if code else 0,
                    pool=inst.pool_names[pool] if pool >= 0 else "",
                    lottery=hex16(int(result.lottery[a])),
                    lottery_text=records[a].lottery_text,
                    explain=records[a].as_dict()["schools"],
                    waiting=waiting.get(fc.public_id, []),
                    response=response,
                    responded_at=prev.responded_at
                    if response != Placement.PENDING and prev
                    else None,
                )
            )
        Placement.objects.bulk_create(placements, batch_size=2000)
        return run

    try:
        return lifecycle.store_run(rnd, seed_commitment, number_, create)
    except lifecycle.LifecycleError as exc:
        raise AllocationError(exc.message) from None


def _seed_for_run(rnd: Round, *, waiting: bool) -> str:
    """The fingerprint of the seed the run uses, checked at run time (the seed hashes to it,
    the registration is closed): :func:`samen.web.core.lifecycle.seed_for_run`."""
    try:
        return lifecycle.seed_for_run(rnd, waiting=waiting)
    except lifecycle.LifecycleError as exc:
        raise AllocationError(exc.message) from None


def unverified_message(children: list[Child]) -> str:
    """Why the allocation waits for the office to check addresses (``homes``)."""
    return _(
        "%(n)s children whose list has a school with seats by distance have an address that "
        "is still to be checked (%(ids)s). Link each to an address of the list or set its "
        "coordinates with a reason (Applicants, filter “address to be checked”), then "
        "allocate."
    ) % {"n": len(children), "ids": homes.ids_text(children)}


def _check_homes(rnd: Round) -> None:
    blocking = homes.blocking_children(rnd)
    if blocking:
        raise AllocationError(unverified_message(blocking))


def _check_blocks(data: FolderData) -> None:
    """Children of one family applying together are written with one list and one pledge
    group, or the engine would allocate them apart (rules section 6)."""
    families: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
    for fc in data.children:
        if fc.family:
            families.setdefault(fc.family, []).append((fc.public_id, tuple(fc.choices), fc.pledge))
    split = blocks.split_blocks(families)
    if split:
        raise AllocationError(
            _(
                "Children who apply together have different lists or pledge groups (%(ids)s), "
                "so they would be allocated apart. Open the registration again and let their "
                "parents make the lists the same."
            )
            % {"ids": ", ".join(split[:10])}
        )


def run_main(rnd: Round, job: Job | None = None) -> AllocationRun:
    """Allocate the round (run 0) from the database with the committed seed; the run waits
    for review. Refused while a child listing a school with seats by distance has an address
    to be checked."""
    seed_commitment = _seed_for_run(rnd, waiting=False)
    _check_homes(rnd)
    data = folder_data(rnd)
    if not data.children:
        raise AllocationError(
            _("No child has a list of schools yet: there is nothing to allocate.")
        )
    _check_blocks(data)
    files = render_folder(data)
    folder = _read(files)
    prep = prepare(folder.instance)
    result = allocate(folder.instance, prep)
    return _store(rnd, 0, job, files, folder, result, data, seed_commitment, prep=prep)


def current_placements(rnd: Round) -> dict[int, Placement]:
    """Each child's placement in the latest published run it appears in."""
    out: dict[int, Placement] = {}
    runs = rnd.runs.filter(status=AllocationRun.PUBLISHED).order_by("number")
    for run in runs:
        for p in run.placements.select_related("school"):
            out[p.child_id] = p
    return out


def waiting_data(rnd: Round) -> tuple[FolderData, dict[int, Placement], set[int]]:
    """The round folder of the next waiting-list round, the placements it starts from and the
    children whose seat it must keep."""
    latest = rnd.latest_published_run()
    if latest is None:
        raise AllocationError(_("Publish the results first; a waiting-list round follows them."))
    current = current_placements(rnd)
    data = folder_data(rnd)
    main = rnd.runs.filter(status=AllocationRun.PUBLISHED, number=0).first()
    failed_targets: dict[str, str] = {}  # group id -> target, for groups that failed
    if main is not None and "groups.csv" in main.result_files:
        # read as samen.io reads every results folder (quotes, columns by name)
        for group in read_groups(main.result_files["groups.csv"].encode("utf-8")):
            if not group.held:
                failed_targets[group.group_id] = group.target
    held_group = HELD_GROUP
    while held_group in data.priority_groups:
        held_group += "-"
    held: set[int] = set()
    held_at: dict[str, int] = {}
    first_only = set(data.rules.first_choice_only)
    children = []
    for fc in data.children:
        p = current.get(fc.child_pk or -1)
        if p is None or p.response in (Placement.DECLINED, Placement.EXPIRED):
            continue
        choices = list(fc.choices)
        if fc.pledge in failed_targets and failed_targets[fc.pledge] in choices:
            choices.remove(failed_targets[fc.pledge])
        prios = list(fc.priorities)
        if p.school is not None:
            code = p.school.code
            if code not in choices:  # the list changed after the allocation: keep the seat
                choices.append(code)
            choices = choices[: choices.index(code) + 1]
            prios.append((code, held_group))
            held.add(fc.child_pk or -1)
            held_at[code] = held_at.get(code, 0) + 1
        if not choices:
            continue
        keep = set(choices)
        if fc.choices and choices[0] != fc.choices[0]:  # first-choice-only: the list as
            # submitted (rules 10.4); a school that moved up to first does not get it
            prios = [(s, g) for s, g in prios if s != choices[0] or g not in first_only]
        children.append(
            replace(
                fc,
                choices=choices,
                pledge="",
                priorities=[(s, g) for s, g in prios if s in keep],
                # [[nearest]] rules read the distances to every school (rules 10.3)
                distances={
                    s: d for s, d in fc.distances.items() if s in keep or data.rules.nearest
                },
            )
        )
    schools = []
    for s in data.schools:
        extra = held_at.get(s.code, 0) - s.capacity
        if extra > 0:  # more children hold a seat than there are (twins' extra seats)
            pools = [dict(p) for p in s.pools]
            if pools and pools[0]["seats"] is not None:
                pools[-1]["seats"] = int(pools[-1]["seats"]) + extra
            s = replace(s, capacity=s.capacity + extra, pools=pools)
        schools.append(s)
    mechanism = (
        "top-trading-cycles" if rnd.mechanism == "top-trading-cycles" else ("deferred-acceptance")
    )
    waiting = replace(
        data,
        name=f"{data.name} ({run_label(latest.number + 1)})",
        mechanism=mechanism,
        priority_groups=[held_group, *data.priority_groups],
        schools=schools,
        children=children,
        groups=[],
    )
    return waiting, current, held


def run_waiting(rnd: Round, job: Job | None = None) -> AllocationRun:
    """Allocate the declined seats again (the next waiting-list round)."""
    seed_commitment = _seed_for_run(rnd, waiting=True)
    latest = rnd.latest_published_run()
    assert latest is not None
    _check_homes(rnd)
    data, current, held = waiting_data(rnd)
    if not data.children:
        raise AllocationError(_("Nobody is waiting for a better school."))
    files = render_folder(data)
    folder = _read(files)
    prep = prepare(folder.instance)
    result = allocate(folder.instance, prep)
    # the guarantee: every child holding a seat keeps it or gets a school it ranked higher
    lost = [
        fc.public_id
        for a, fc in enumerate(data.children)
        if (fc.child_pk or -1) in held and int(result.school[a]) < 0
    ]
    if lost:
        raise AllocationError(
            _(
                "The waiting-list round would take a seat from children who hold one (%(ids)s); "
                "nothing was stored."
            )
            % {"ids": ", ".join(lost[:10])}
        )
    return _store(
        rnd, latest.number + 1, job, files, folder, result, data, seed_commitment, current, prep
    )


def publish(run: AllocationRun) -> None:
    """Make the run's results visible to families (the step is
    :func:`samen.web.core.lifecycle.publish_run`, which checks and logs it)."""
    lifecycle.publish_run(run)


def dashboard(run: AllocationRun) -> dict[str, Any]:
    """The numbers the office reviews before publishing."""
    s = run.summary
    n = int(s.get("applicants", 0))
    schools = {x.code: x for x in run.round.schools.all()}
    per_school: dict[str, dict[str, Any]] = {
        code: {
            "school": sch,
            "seats": sch.capacity,
            "placed": 0,
            "first": 0,
            "first_choice_applicants": 0,
        }
        for code, sch in schools.items()
    }
    for p in run.placements.select_related("school"):
        if p.school is not None:
            row = per_school[p.school.code]
            row["placed"] += 1
            if p.choice_rank == 1:
                row["first"] += 1
    apps = list(csv.DictReader(io.StringIO(run.input_files.get("applicants.csv", ""))))
    for row in apps:
        first = row["choices"].split(";")[0].strip()
        if first in per_school:
            per_school[first]["first_choice_applicants"] += 1
    for row in per_school.values():
        row["left"] = max(0, row["seats"] - row["placed"])
    groups = []
    if "groups.csv" in run.result_files:
        groups = list(csv.DictReader(io.StringIO(run.result_files["groups.csv"])))
    return {
        "children": n,
        "assigned": int(s.get("assigned", 0)),
        "unassigned": int(s.get("unassigned", 0)),
        "first_choice": s.get("first_choice", {}),
        "top3": s.get("top3", {}),
        "histogram": s.get("rank_histogram", []),
        "overflow": int(s.get("overflow", 0)),
        "runs": int(s.get("runs", 1)),
        "pledge": s.get("pledge_groups", {}),
        "groups": groups,
        "schools": list(per_school.values()),
        "first_share": round(100 * s.get("first_choice", {}).get("share", 0.0), 1),
        "top3_share": round(100 * s.get("top3", {}).get("share", 0.0), 1),
    }


def changed_children(run: AllocationRun) -> int:
    """How many children a waiting-list run moved to another school."""
    if run.number == 0:
        return 0
    before: dict[int, int | None] = {}
    for r in run.round.runs.filter(status=AllocationRun.PUBLISHED, number__lt=run.number).order_by(
        "number"
    ):
        for child_id, school_id in r.placements.values_list("child_id", "school_id"):
            before[child_id] = school_id
    moved = 0
    for child_id, school_id in run.placements.values_list("child_id", "school_id"):
        if before.get(child_id) != school_id:
            moved += 1
    return moved


def result_files(run: AllocationRun) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in run.result_files.items()}


def input_files(run: AllocationRun) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in run.input_files.items()}


# --------------------------------------------------------------------------- jobs


def _job_result(run_: AllocationRun) -> dict[str, Any]:
    """What an allocation job keeps: the run, its number and summary, the fingerprint used."""
    return {
        "run": run_.pk,
        "number": run_.number,
        "summary": _short(run_.summary),
        "seed_commitment": run_.seed_commitment,
    }


@jobs.handler("allocate")
def _allocate_job(job: Job) -> dict[str, Any]:
    assert job.round is not None
    return _job_result(run_main(job.round, job))


@jobs.handler("waiting")
def _waiting_job(job: Job) -> dict[str, Any]:
    assert job.round is not None
    return _job_result(run_waiting(job.round, job))


def _short(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("applicants", "assigned", "unassigned", "first_choice", "top3", "runs")
    return {k: summary.get(k) for k in keys}


__all__ = [
    "HELD_GROUP",
    "AllocationError",
    "check_command",
    "current_placements",
    "dashboard",
    "publish",
    "run_main",
    "run_waiting",
]
