"""The life cycle of a round: every step that changes where a round stands, in one place.

::

    draft --open--> open --close--> closed --(worker)--> allocated --publish--> published
      ^              |  ^             |                                           |
      +-back-to-draft+  +----open-----+  (only while no seed is public)           | waiting-list
                                                                                  v runs
    closed, allocated, published --archive (after a confirmation)--> archived

Beside it runs the public draw (``docs/platform.md``, *The round, step by step*):

1. **Commit.** The office publishes the SHA-256 fingerprint of a seed it keeps secret. Until the
   registration closes it may publish a new one, which replaces the old (both stay in the
   history). Closing the registration needs a fingerprint.
2. **Reveal.** Only when the registration is closed, only the seed of the committed fingerprint
   (a wrong seed is refused and logged), and once per fingerprint. From then on the seed is
   public and the round's inputs are frozen (:func:`inputs_frozen`).
3. **Void.** After a reveal and before the results are published, publishing a new fingerprint
   voids the draw: the voided seed, both fingerprints, their times and the office's reason stay
   on the public draw page; a run under review is discarded; the round is closed without a seed
   again (``docs/decisions.md``, platform decision 18).

The rules every step keeps:

- the registration never (re)opens while the seed that will be used is public;
- once the seed is public nothing the allocation reads may change (children, lists, answers,
  addresses and distances, priorities, schools, seat pools, questions, the round's rules);
- an imported round brings no usable seed: it starts as *being prepared* without one;
- the allocation uses exactly the committed seed: the worker checks again at run time that the
  seed hashes to the fingerprint and that the registration is closed, and the run keeps the
  fingerprint it used.

Every step reads the round with ``SELECT ... FOR UPDATE`` (two clerks cannot race), checks the
state, changes it in one transaction and writes one audit entry with the state before and
after. A refused step raises :class:`LifecycleError` with a translated message that says what
to do, and is logged too (action ``<step>.refused``; a wrong seed at the draw:
``seed.reveal-mismatch``), after the rolled-back transaction, so the refusal stays.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from samen.web.core import audit, notifications
from samen.web.core.models import AllocationRun, AuditEntry, Job, Round, SeedCommitment
from samen.web.core.run_names import run_label

#: a shorter seed could be found from its public fingerprint by trying
MIN_SEED_LENGTH = 12

#: audit actions of successful steps
ACTIONS = {
    "open": "round.open",
    "close": "round.close",
    "draft": "round.draft",
    "commit": "seed.commit",
    "void": "seed.void",
    "reveal": "seed.reveal",
    "import": "round.import",
    "allocate": "job.enqueue.allocate",
    "waiting": "job.enqueue.waiting",
    "publish": "run.publish",
    "archive": "round.archive",
}

#: after these states the round's inputs never change again
_DONE = (Round.ALLOCATED, Round.PUBLISHED, Round.ARCHIVED)


class LifecycleError(Exception):
    """A step the round's state does not allow now; ``message`` (translated) says why and
    what to do."""

    def __init__(self, message: str, *, audit_action: str = ""):
        super().__init__(message)
        self.message = message
        #: the audit action of the refusal (default: the step's action + ".refused")
        self.audit_action = audit_action


class InputsFrozen(LifecycleError):
    """Something the allocation reads would change after the seed is public."""


class RegistrationClosed(LifecycleError):
    """A family's change while the registration is not open."""


def fingerprint(seed: str) -> str:
    """SHA-256 of the seed as UTF-8, in hex: what the office publishes before the draw."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def check_command(seed: str) -> str:
    """The shell command that prints the fingerprint of ``seed``."""
    return f"printf '%s' {shlex.quote(seed)} | sha256sum"


@dataclass(frozen=True)
class HistoryEntry:
    """One published fingerprint as the public draw page shows it."""

    fingerprint: str
    committed_at: Any
    #: "current" (not revealed yet), "revealed", "replaced" (before the draw) or "voided"
    state: str
    seed: str = ""
    revealed_at: Any = None
    ended_at: Any = None
    reason: str = ""
    command: str = ""


def history(rnd: Round) -> list[HistoryEntry]:
    """Every fingerprint the round published, oldest first, with what became of it."""
    out = []
    for c in rnd.commitments.all():
        if c.voided:
            state = "voided"
        elif c.ended_at is not None:
            state = "replaced"
        else:
            state = "revealed" if c.seed else "current"
        out.append(
            HistoryEntry(
                c.fingerprint,
                c.committed_at,
                state,
                c.seed,
                c.revealed_at,
                c.ended_at,
                c.reason,
                check_command(c.seed) if c.seed else "",
            )
        )
    if rnd.seed_commitment and not any(e.fingerprint == rnd.seed_commitment for e in out):
        # a round whose fingerprint was written without the life cycle (by a script)
        out.append(
            HistoryEntry(
                rnd.seed_commitment,
                rnd.commitment_published_at,
                "revealed" if rnd.seed else "current",
                rnd.seed,
                rnd.seed_revealed_at,
                command=check_command(rnd.seed) if rnd.seed else "",
            )
        )
    return out


# --------------------------------------------------------------------------- frozen inputs


def inputs_frozen(rnd: Round) -> bool:
    """True once the seed of the round's draw is public (and in every state after the
    allocation, archived included): from then on nothing the allocation reads may change.
    Every write path of children, lists, answers, priorities, schools, seat pools, questions
    and the round's rules asks this (the fast list path reads the seed in its one SELECT)."""
    return bool(rnd.seed) or rnd.status in _DONE


def frozen_rounds(prefix: str = "round__") -> Q:
    """The rounds whose inputs are frozen (:func:`inputs_frozen`), as a filter on a query of
    rows that point to their round through ``prefix`` (a child: ``round__``)."""
    return ~Q(**{f"{prefix}seed": ""}) | Q(**{f"{prefix}status__in": _DONE})


def frozen_message() -> str:
    return _(
        "The seed of the draw is public: nothing the allocation uses can change any more "
        "(children, lists, answers, priorities, schools, seats, questions, the round's rules)."
    )


def require_inputs_editable(rnd: Round) -> None:
    """Raise :class:`InputsFrozen` when :func:`inputs_frozen`."""
    if inputs_frozen(rnd):
        raise InputsFrozen(frozen_message())


def lock_for_edit(rnd: Round, *, frozen_fields_disabled: bool = False) -> Round:
    """Inside an office edit's transaction: the round locked for update, so the draw cannot
    happen halfway through the edit. Raises :class:`InputsFrozen` when the seed is public
    now, unless the edit leaves everything the allocation reads alone
    (``frozen_fields_disabled``: the page was built with those fields read-only)."""
    locked = Round.objects.select_for_update().get(pk=rnd.pk)
    if not frozen_fields_disabled:
        require_inputs_editable(locked)
    return locked


def families_may_change(rnd: Round, now: Any = None) -> bool:
    """A family may register a child or change a list, details or pledge group: the
    registration is open (status and dates) and the inputs are not frozen."""
    return rnd.registration_is_open(now) and not inputs_frozen(rnd)


def require_family_change(round_id: int) -> Round:
    """The round of a family's change, read afresh (inside the change's transaction, so a
    registration closed meanwhile counts); raises :class:`RegistrationClosed` unless
    :func:`families_may_change`."""
    rnd = Round.objects.only(
        "status", "seed", "registration_opens", "registration_closes", "slug"
    ).get(pk=round_id)
    if not families_may_change(rnd):
        raise RegistrationClosed(_("Registration is closed: the list can no longer be changed."))
    return rnd


def allowed(rnd: Round) -> set[str]:
    """The steps the round's state allows now (the office page offers these; each step
    checks again, with the round locked)."""
    s, revealed = rnd.status, bool(rnd.seed)
    steps: set[str] = set()
    if s in (Round.DRAFT, Round.CLOSED) and not revealed:
        steps.add("open")
    if s == Round.OPEN:
        steps.add("draft")
        if rnd.seed_commitment:
            steps.add("close")
    if s in (Round.DRAFT, Round.OPEN):
        steps.add("commit")
    if s in (Round.CLOSED, Round.ALLOCATED) and revealed:
        steps |= {"void", "allocate"}
    if s == Round.CLOSED and rnd.seed_commitment and not revealed:
        steps.add("reveal")
    if s == Round.PUBLISHED:
        steps.add("waiting")
    if s in (Round.CLOSED, Round.ALLOCATED, Round.PUBLISHED):
        steps.add("archive")
    return steps


# --------------------------------------------------------------------------- the steps


@dataclass
class _Done:
    """What a step's change returns: extra audit data, the audit target, a value, and the
    audit action when it is not the step's own."""

    after: dict[str, Any]
    target: str = ""
    value: Any = None
    action: str = ""


def _state(rnd: Round) -> dict[str, Any]:
    return {
        "status": rnd.status,
        "seed_commitment": rnd.seed_commitment,
        "seed_revealed": bool(rnd.seed),
    }


def _not_now() -> LifecycleError:
    return LifecycleError(_("This step is not possible now."))


def _step(
    rnd: Round | int,
    step: str,
    change: Callable[[Round], _Done],
    request: HttpRequest | None,
    actor: Any,
) -> tuple[Round, Any]:
    """Run ``change`` on the round locked for update, in one transaction with its audit
    entry; a refusal is logged after the rollback and raised again."""
    pk = rnd if isinstance(rnd, int) else rnd.pk
    try:
        with transaction.atomic():
            locked = Round.objects.select_for_update().get(pk=pk)
            before = _state(locked)
            done = change(locked)
            audit.record(
                request,
                done.action or ACTIONS[step],
                round=locked,
                target=done.target or locked.name,
                before=before,
                after={**_state(locked), **done.after},
                actor=actor,
            )
    except LifecycleError as exc:
        _refused(request, actor, step, pk, exc)
        raise
    return locked, done.value


def _refused(
    request: HttpRequest | None, actor: Any, step: str, pk: int, exc: LifecycleError
) -> None:
    rnd = Round.objects.filter(pk=pk).first()
    audit.record(
        request,
        exc.audit_action or f"{ACTIONS[step]}.refused",
        round=rnd,
        target=rnd.name if rnd else "",
        before=_state(rnd) if rnd else None,
        after={"refused": exc.message},
        actor=actor,
    )


def open_registration(
    rnd: Round | int, request: HttpRequest | None = None, *, actor: Any = None
) -> Round:
    """Open the registration (from *being prepared*, or again after closing it): never once
    the seed of the draw is public; needs schools and a closing date still to come."""

    def change(r: Round) -> _Done:
        if r.seed:
            raise LifecycleError(
                _(
                    "The seed of the draw is public: the registration can never open again, "
                    "because families could compute their lottery numbers."
                )
            )
        if r.status not in (Round.DRAFT, Round.CLOSED):
            raise _not_now()
        if not r.schools.exists():
            raise LifecycleError(_("Add the schools before opening the registration."))
        if r.registration_closes and r.registration_closes <= timezone.now():
            raise LifecycleError(
                _(
                    "The closing date of the registration has passed: set a later one in the "
                    "round's settings first."
                )
            )
        r.status = Round.OPEN
        r.save(update_fields=["status"])
        return _Done({"note": _("The registration is open.")})

    return _step(rnd, "open", change, request, actor)[0]


def close_registration(
    rnd: Round | int, request: HttpRequest | None = None, *, actor: Any = None
) -> Round:
    """Close the registration: needs a published fingerprint; the closing time becomes now
    when it was later (or not set)."""

    def change(r: Round) -> _Done:
        if r.status != Round.OPEN:
            raise _not_now()
        if not r.seed_commitment:
            raise LifecycleError(
                _("Publish the fingerprint of the seed before the registration closes.")
            )
        now = timezone.now()
        r.status = Round.CLOSED
        if not r.registration_closes or r.registration_closes > now:
            r.registration_closes = now
        r.save(update_fields=["status", "registration_closes"])
        return _Done(
            {
                "registration_closes": r.registration_closes,
                "note": _("The registration is closed."),
            }
        )

    return _step(rnd, "close", change, request, actor)[0]


def back_to_draft(
    rnd: Round | int, request: HttpRequest | None = None, *, actor: Any = None
) -> Round:
    """From an open registration back to *being prepared* (the round leaves the public
    pages)."""

    def change(r: Round) -> _Done:
        if r.status != Round.OPEN:
            raise _not_now()
        r.status = Round.DRAFT
        r.save(update_fields=["status"])
        return _Done({"note": _("The round is being prepared again.")})

    return _step(rnd, "draft", change, request, actor)[0]


@dataclass(frozen=True)
class Committed:
    """The outcome of :func:`commit_seed`."""

    round: Round
    #: the new fingerprint voided a revealed draw
    voided: bool


def _history(r: Round) -> None:
    """Make sure the round's current fingerprint is in its history (a round made before the
    history was kept, or written directly by a script, has it only on the round)."""
    if (
        r.seed_commitment
        and not r.commitments.filter(fingerprint=r.seed_commitment, ended_at__isnull=True).exists()
    ):
        SeedCommitment.objects.create(
            round=r,
            fingerprint=r.seed_commitment,
            committed_at=r.commitment_published_at or timezone.now(),
            seed=r.seed,
            revealed_at=r.seed_revealed_at if r.seed else None,
        )


def _imported_fingerprints(rnd: Round) -> set[str]:
    entries = AuditEntry.objects.filter(round=rnd, action=ACTIONS["import"])
    return {
        str((after or {}).get("imported_seed_fingerprint", ""))
        for after in entries.values_list("after", flat=True)
    } - {""}


def commit_seed(
    rnd: Round | int,
    seed: str,
    request: HttpRequest | None = None,
    *,
    reason: str = "",
    actor: Any = None,
) -> Committed:
    """Publish the fingerprint of ``seed`` (the seed itself is not stored).

    Before the registration closes it replaces the fingerprint published before. After the
    reveal, and until the results are published, it voids the draw: ``reason`` is required
    and public, the voided seed stays public, a run under review is discarded and the round is
    closed without a seed again. A seed revealed before in this round, or the seed an imported
    round.toml brought, is refused."""
    reason = reason.strip()

    def change(r: Round) -> _Done:
        voiding = r.status in (Round.CLOSED, Round.ALLOCATED) and bool(r.seed)
        if not voiding and r.status not in (Round.DRAFT, Round.OPEN):
            if r.status == Round.CLOSED:
                raise LifecycleError(
                    _(
                        "The registration is closed: the fingerprint can no longer be replaced. "
                        "Reveal the seed at the draw."
                    )
                )
            raise LifecycleError(_("The results are published: the draw can no longer change."))
        if voiding and not reason:
            raise LifecycleError(
                _("Say why the draw is voided: the reason is published on the draw page.")
            )
        if len(seed) < MIN_SEED_LENGTH:
            raise LifecycleError(
                _(
                    "A seed of fewer than %(n)s characters could be found from its fingerprint "
                    "by trying: choose a longer one."
                )
                % {"n": MIN_SEED_LENGTH}
            )
        fp = fingerprint(seed)
        _history(r)
        if r.commitments.filter(fingerprint=fp).exclude(seed="").exists():
            raise LifecycleError(
                _(
                    "This seed was revealed before in this round: everybody knows it. "
                    "Choose a new one."
                )
            )
        if fp in _imported_fingerprints(r):
            raise LifecycleError(
                _(
                    "This is the seed of the imported round.toml: whoever has that file knows "
                    "it. Choose a new seed."
                )
            )
        if fp == r.seed_commitment:
            raise LifecycleError(_("This fingerprint is already the published one."))
        now = timezone.now()
        current = r.commitments.filter(ended_at__isnull=True)
        old = r.seed_commitment
        if voiding:
            current.update(ended_at=now, voided=True, reason=reason)
            discarded = list(
                AllocationRun.objects.filter(round=r, status=AllocationRun.COMPUTED).values_list(
                    "pk", flat=True
                )
            )
            AllocationRun.objects.filter(pk__in=discarded).update(status=AllocationRun.DISCARDED)
            voided_seed = r.seed
            r.seed, r.seed_revealed_at, r.status = "", None, Round.CLOSED
        else:
            current.update(ended_at=now)
        SeedCommitment.objects.create(round=r, fingerprint=fp, committed_at=now)
        r.seed_commitment, r.commitment_published_at = fp, now
        r.save()
        after: dict[str, Any] = {"replaced_fingerprint": old}
        if voiding:
            after.update(
                {
                    "voided_seed": voided_seed,
                    "reason": reason,
                    "discarded_runs": discarded,
                    "note": _(
                        "The draw was voided: a new fingerprint is published; the voided seed "
                        "stays public."
                    ),
                }
            )
        else:
            after["note"] = _("A new fingerprint of the seed is published.")
        return _Done(after, value=voiding, action=ACTIONS["void" if voiding else "commit"])

    locked, voided = _step(rnd, "commit", change, request, actor)
    return Committed(locked, voided)


def _check_homes(r: Round) -> None:
    """The draw freezes every home: refused while a child whose list has a school with seats by
    distance has an address still to be checked (:mod:`samen.web.core.homes`)."""
    from samen.web.core import homes

    blocking = homes.blocking_children(r)
    if blocking:
        raise LifecycleError(
            _(
                "%(n)s children whose list has a school with seats by distance have an address "
                "that is still to be checked (%(ids)s). The draw freezes every home, so check "
                "them first: link each to an address of the list or set its coordinates with a "
                "reason (Applicants, filter “address to be checked”)."
            )
            % {"n": len(blocking), "ids": homes.ids_text(blocking)}
        )


def reveal_seed(
    rnd: Round | int, seed: str, request: HttpRequest | None = None, *, actor: Any = None
) -> Round:
    """The public draw: the seed of the committed fingerprint becomes public. Only when the
    registration is closed, only that seed (a wrong one is refused and logged as
    ``seed.reveal-mismatch``), once per fingerprint."""

    def change(r: Round) -> _Done:
        if r.status != Round.CLOSED or not r.seed_commitment or r.seed:
            raise LifecycleError(_("The draw is held once, after the registration closes."))
        _check_homes(r)
        from samen.web.core import v2checks  # (it reads the rules of version 2)

        v2checks.require_none(r)
        if fingerprint(seed) != r.seed_commitment:
            raise LifecycleError(
                _("This seed does not match the published fingerprint. Check every character."),
                audit_action="seed.reveal-mismatch",
            )
        now = timezone.now()
        _history(r)
        r.seed, r.seed_revealed_at = seed, now
        r.save(update_fields=["seed", "seed_revealed_at"])
        r.commitments.filter(fingerprint=r.seed_commitment, ended_at__isnull=True).update(
            seed=seed, revealed_at=now
        )
        return _Done({"seed": seed, "note": _("The seed is revealed and matches the fingerprint.")})

    return _step(rnd, "reveal", change, request, actor)[0]


def import_round(
    folder: Any, request: HttpRequest | None = None, *, actor: Any = None, slug: str | None = None
) -> Round:
    """A round from a read and checked round folder (:func:`samen.io.read_round`), all or
    nothing, as *being prepared* and without a seed: the seed of round.toml is not kept (only
    its fingerprint, in the audit entry); the office publishes a fingerprint of its own."""
    from samen.web.core import exchange

    with transaction.atomic():
        rnd = exchange.import_round(folder, slug=slug)
        seed = folder.settings.seed
        audit.record(
            request,
            ACTIONS["import"],
            round=rnd,
            target=rnd.name,
            after={
                **_state(rnd),
                "schools": rnd.schools.count(),
                "children": rnd.children.count(),
                "pledge_groups": rnd.pledge_groups.count(),
                "inputs": folder.inputs,
                "imported_seed_fingerprint": fingerprint(seed) if seed else "",
                "note": _(
                    "The round is imported without its seed; publish a fingerprint before the "
                    "registration closes."
                ),
            },
            actor=actor,
        )
    return rnd


def _check_seed(r: Round) -> None:
    if fingerprint(r.seed) != r.seed_commitment:
        raise LifecycleError(
            _(
                "The seed does not match the fingerprint published before the registration "
                "closed: the allocation is refused."
            )
        )


def _busy(r: Round, kind: str) -> Job | None:
    return Job.objects.filter(round=r, kind=kind, status__in=[Job.QUEUED, Job.RUNNING]).first()


def _queue(
    rnd: Round | int,
    kind: str,
    allowed: Callable[[Round], bool],
    not_now: str,
    busy_text: str,
    request: HttpRequest | None,
    actor: Any,
) -> Job:
    """Queue a job of ``kind`` (``allocate`` or ``waiting``) for the worker when the round's
    state ``allowed`` it (else ``not_now``), one at a time (else ``busy_text``, with the job)."""
    from samen.web.core import jobs

    user = actor if actor is not None else getattr(request, "user", None)

    def change(r: Round) -> _Done:
        if not allowed(r):
            raise LifecycleError(not_now)
        _check_seed(r)
        busy = _busy(r, kind)
        if busy is not None:
            raise LifecycleError(busy_text % {"job": busy.pk})
        job = jobs.enqueue(kind, r, user=user)
        return _Done({"job": job.pk}, target=f"job {job.pk}", value=job)

    return _step(rnd, "allocate" if kind == "allocate" else "waiting", change, request, actor)[1]


def queue_allocation(
    rnd: Round | int, request: HttpRequest | None = None, *, actor: Any = None
) -> Job:
    """Queue the allocation (run 0) for the worker: after the draw, until publication;
    one at a time."""
    return _queue(
        rnd,
        "allocate",
        lambda r: r.status in (Round.CLOSED, Round.ALLOCATED) and bool(r.seed),
        _("Close the registration and hold the draw first."),
        _("An allocation of this round is already waiting or running (job %(job)s)."),
        request,
        actor,
    )


def queue_waiting_list(
    rnd: Round | int, request: HttpRequest | None = None, *, actor: Any = None
) -> Job:
    """Queue a waiting-list round for the worker: after publication; one at a time."""
    return _queue(
        rnd,
        "waiting",
        lambda r: r.status == Round.PUBLISHED,
        _("Publish the results first."),
        _("A waiting-list round is already waiting or running (job %(job)s)."),
        request,
        actor,
    )


def publish_run(
    run: AllocationRun, request: HttpRequest | None = None, *, actor: Any = None
) -> AllocationRun:
    """Make a run under review visible to families: run 0 while the round is allocated, a
    waiting-list run (the next number) while it is published; only a run made with the seed of
    the current draw. Other runs under review of the same number are discarded."""

    def change(r: Round) -> _Done:
        fresh = AllocationRun.objects.select_for_update().get(pk=run.pk)
        if fresh.status != AllocationRun.COMPUTED:
            raise LifecycleError(_("Only a run under review can be published."))
        latest = r.latest_published_run()
        expected = Round.ALLOCATED if fresh.number == 0 else Round.PUBLISHED
        next_number = 0 if latest is None else latest.number + 1
        if r.status != expected or (fresh.number > 0 and fresh.number != next_number):
            raise LifecycleError(_("This run can no longer be published: the round moved on."))
        if fresh.seed_commitment != r.seed_commitment or not r.seed:
            raise LifecycleError(
                _("This run did not use the seed of the current draw: allocate again.")
            )
        _check_seed(r)
        now = timezone.now()
        fresh.status, fresh.published_at = AllocationRun.PUBLISHED, now
        fresh.save(update_fields=["status", "published_at"])
        AllocationRun.objects.filter(
            round=r, number=fresh.number, status=AllocationRun.COMPUTED
        ).update(status=AllocationRun.DISCARDED)
        r.status = Round.PUBLISHED
        r.save(update_fields=["status"])
        notifications.results_published(fresh)  # the families' e-mail, in this transaction
        run.status, run.published_at = fresh.status, fresh.published_at
        return _Done(
            {
                "run": fresh.pk,
                "number": fresh.number,
                "summary": fresh.summary.get("assigned"),
                "run_seed_commitment": fresh.seed_commitment,
                "note": _("The results are published; families can see them now."),
            },
            target=run_label(fresh),
        )

    _step(run.round_id, "publish", change, request, actor)
    return run


def archive_consequences(rnd: Round) -> list[str]:
    """What archiving changes, in words, for the confirmation page."""
    out = []
    if rnd.status == Round.PUBLISHED:
        out.append(
            _("Families can no longer accept or decline their offers; no more waiting-list rounds.")
        )
    if rnd.runs.filter(status=AllocationRun.COMPUTED).exists():
        out.append(_("The run under review is discarded: it can no longer be published."))
    if rnd.status == Round.CLOSED:
        out.append(_("The round was not allocated: no child gets a school through it."))
    out.append(
        _(
            "The round disappears from the list of rounds on the public pages; families still "
            "see their own children's results."
        )
    )
    out.append(_("Nothing in the round can change any more, and archiving cannot be undone."))
    if rnd.retention_until:
        out.append(
            _("The personal data is removed on the retention date, %(date)s.")
            % {"date": rnd.retention_until.isoformat()}
        )
    return out


def archive(
    rnd: Round | int,
    request: HttpRequest | None = None,
    *,
    confirmed: bool,
    actor: Any = None,
) -> Round:
    """Archive the round (after the registration closed), only when ``confirmed`` on the
    confirmation page that names the consequences (:func:`archive_consequences`)."""

    def change(r: Round) -> _Done:
        if r.status not in (Round.CLOSED, Round.ALLOCATED, Round.PUBLISHED):
            raise LifecycleError(_("Only a round whose registration is closed can be archived."))
        if not confirmed:
            raise LifecycleError(
                _("Confirm that you want to archive the round: tick the box first.")
            )
        discarded = list(r.runs.filter(status=AllocationRun.COMPUTED).values_list("pk", flat=True))
        AllocationRun.objects.filter(pk__in=discarded).update(status=AllocationRun.DISCARDED)
        r.status = Round.ARCHIVED
        r.save(update_fields=["status"])
        return _Done({"discarded_runs": discarded, "note": _("The round is archived.")})

    return _step(rnd, "archive", change, request, actor)[0]


# --------------------------------------------------------------------------- the worker


def seed_for_run(rnd: Round, *, waiting: bool) -> str:
    """Checked by the worker when it starts a run: the seed is revealed and hashes to the
    committed fingerprint, and the registration is closed (the round allocated or published
    for a waiting-list run). Returns the fingerprint the run will use. Reads the round again:
    the job may have waited while the office changed it."""
    rnd.refresh_from_db()
    if not rnd.seed:
        raise LifecycleError(_("The seed has not been revealed yet; hold the draw first."))
    _check_seed(rnd)
    if waiting and rnd.status != Round.PUBLISHED:
        raise LifecycleError(_("Publish the results first; a waiting-list round follows them."))
    if not waiting and rnd.status not in (Round.CLOSED, Round.ALLOCATED):
        raise LifecycleError(_("Close the registration before allocating."))
    return rnd.seed_commitment


def store_run(
    rnd: Round, seed_commitment: str, number: int, create: Callable[[Round], AllocationRun]
) -> AllocationRun:
    """Store a computed run (``create`` writes it and its placements) in one transaction with
    the round locked, if the draw is still the one the run used and the round did not move on
    meanwhile; run 0 makes the round *allocated*."""
    with transaction.atomic():
        r = Round.objects.select_for_update().get(pk=rnd.pk)
        if r.seed_commitment != seed_commitment or not r.seed:
            raise LifecycleError(
                _(
                    "The draw changed while the allocation ran (a new fingerprint was "
                    "published); nothing was stored."
                )
            )
        _check_seed(r)
        latest = r.latest_published_run()
        moved = (
            r.status not in (Round.CLOSED, Round.ALLOCATED)
            if number == 0
            else (r.status != Round.PUBLISHED or latest is None or latest.number + 1 != number)
        )
        if moved:
            raise LifecycleError(
                _("The round moved on while the allocation ran; nothing was stored.")
            )
        run = create(r)
        if number == 0:
            r.status = Round.ALLOCATED
            r.save(update_fields=["status"])
            rnd.status = r.status
    return run


__all__ = [
    "ACTIONS",
    "MIN_SEED_LENGTH",
    "Committed",
    "InputsFrozen",
    "LifecycleError",
    "RegistrationClosed",
    "allowed",
    "archive",
    "archive_consequences",
    "back_to_draft",
    "check_command",
    "close_registration",
    "commit_seed",
    "families_may_change",
    "fingerprint",
    "history",
    "import_round",
    "inputs_frozen",
    "lock_for_edit",
    "open_registration",
    "publish_run",
    "queue_allocation",
    "queue_waiting_list",
    "require_family_change",
    "require_inputs_editable",
    "reveal_seed",
    "seed_for_run",
    "store_run",
]
