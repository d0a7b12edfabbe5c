"""The round's life cycle as a state machine, explored by Hypothesis (``RuleBasedStateMachine``).

The office opens and closes the registration, goes back to preparing, moves the closing date,
publishes fingerprints, reveals the seed (the right one or a wrong one), voids a draw, imports
a round, queues allocations and waiting-list rounds, runs the worker
(``jobs.work(once=True)``), publishes runs and archives; the office also edits priorities and
schools; parents register children, add, move, remove and reorder schools (the fast path),
delete children and answer offers, all through the Django test client as they would. After
every step the invariants are checked:

- nothing the allocation reads (children, lists, answers, addresses, priorities, distances,
  pledge groups, schools, seat pools, questions, the round's rules) changes while the seed of
  the draw is public;
- the registration is never open while a usable seed is public;
- every run used exactly the committed seed: the seed in its round folder hashes to the
  fingerprint it keeps, which was published and revealed for the round, and every run that is
  not discarded used the round's current draw;
- the audit log has one entry per successful step (and one per wrong seed at the draw).

Each step also checks its own outcome against the rules, written here independently of the
implementation: the office's step succeeds (302) exactly when the rules allow it, and a
family's change that the rules refuse changes nothing.

How it runs with Django: the machine runs inside one test function with pytest-django's
``db`` fixture (one transaction around the test). The round, the schools, the addresses and
the signed-in clients are made once, before the machine; each Hypothesis example runs inside
a savepoint that its ``teardown`` rolls back, so every example starts from the same database
at the cost of a rollback. (``hypothesis.extra.django.TestCase`` would do the same per example
but needs a unittest class; the worker and select_for_update work the same inside the
transaction.) 30 examples of 30 steps take about 20 s of one core;
``SAMEN_LIFECYCLE_EXAMPLES`` and ``SAMEN_LIFECYCLE_STEPS`` explore longer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import tomllib
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from samen.web.core import jobs, lifecycle
from samen.web.core.models import (
    Address,
    AllocationRun,
    AuditEntry,
    Child,
    Choice,
    DistanceOverride,
    Job,
    PledgeGroup,
    Pool,
    Priority,
    Question,
    Round,
    School,
)
from samen.web.core.roles import add_staff
from samen.web.core.signin import user_for_email

from .conftest import sign_in

BASE_SLUG = "state-2027"
BASE_SEED = "base seed of the draw"
IMPORTED_SEED = "the imported seed"
#: seeds the office may try (the imported round.toml's too, which is refused there)
SEEDS = ("alpha seed 2027", "bravo seed 2027", "charlie seed 2027", "short", IMPORTED_SEED)
WRONG_SEED = "not the seed at all"
DONE = (Round.ALLOCATED, Round.PUBLISHED, Round.ARCHIVED)
#: the audit actions of the steps (and of a wrong seed at the draw)
TRACKED = (
    "round.open",
    "round.close",
    "round.draft",
    "seed.commit",
    "seed.void",
    "seed.reveal",
    "seed.reveal-mismatch",
    "round.import",
    "job.enqueue.allocate",
    "job.enqueue.waiting",
    "job.done",
    "job.failed",
    "run.publish",
    "round.archive",
    "priority.add",
    "priority.remove",
    "school.edit",
)
IMPORTED = {
    "round.toml": f'name = "Klein import"\nseed = "{IMPORTED_SEED}"\n',
    "schools.csv": "school_id,capacity\nK1,1\nK2,2\n",
    "applicants.csv": "applicant_id,choices\nk-1,K1;K2\nk-2,K1\nk-3,K2;K1\n",
}


def fp(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def frozen(r: Round) -> bool:
    """The rules: once the seed is public (or the round allocated, published, archived)."""
    return bool(r.seed) or r.status in DONE


def families_may_change(r: Round | None) -> bool:
    now = timezone.now()
    return (
        r is not None
        and r.status == Round.OPEN
        and not r.seed
        and (r.registration_opens is None or r.registration_opens <= now)
        and (r.registration_closes is None or r.registration_closes > now)
    )


def inputs(r: Round) -> dict[str, Any]:
    """Everything the allocation reads from the round, in a stable order."""
    return {
        "rules": [
            r.name,
            r.mechanism,
            r.tie_breaking,
            r.distance,
            r.priority_groups,
            r.default_pools,
        ],
        "schools": list(
            School.objects.filter(round=r)
            .order_by("code")
            .values_list("code", "name", "capacity", "x", "y", "lat", "lon", "seq")
        ),
        "pools": list(
            Pool.objects.filter(school__round=r)
            .order_by("school__code", "seq", "id")
            .values_list("school__code", "seq", "name", "seats", "share", "favours", "order_by")
        ),
        "questions": list(Question.objects.filter(round=r).order_by("flag").values_list("flag")),
        "children": list(
            Child.objects.filter(round=r)
            .order_by("public_id")
            .values_list(
                "public_id",
                "parent_id",
                "seq",
                "first_name",
                "last_name",
                "birth_date",
                "postcode",
                "house_number",
                "x",
                "y",
                "lat",
                "lon",
                "flags",
                "family_label",
                "apply_together",
                "pledge_group_id",
            )
        ),
        "lists": list(
            Choice.objects.filter(child__round=r)
            .order_by("child__public_id", "rank")
            .values_list("child__public_id", "school__code", "rank")
        ),
        "priorities": sorted(
            Priority.objects.filter(child__round=r).values_list(
                "child__public_id", "school__code", "group"
            )
        ),
        "distances": sorted(
            DistanceOverride.objects.filter(child__round=r).values_list(
                "child__public_id", "school__code", "metres"
            )
        ),
        "groups": sorted(
            PledgeGroup.objects.filter(round=r).values_list("group_id", "target__code", "threshold")
        ),
    }


class LifecycleMachine(RuleBasedStateMachine):
    """One small round (and at most one imported one), the office and two parents.

    Each example starts the small round at a random stage (open, closed, drawn, queued,
    allocated, published), with two children registered; ``advance`` takes the natural next
    step of a round, so examples reach the draw, the allocation and publication often; every
    other rule tries its step in whatever state the round is in."""

    office: Client
    parents: list[Client]

    rounds = Bundle("rounds")
    children = Bundle("children")

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.known = {fp(BASE_SEED): BASE_SEED}  # the seeds the office chose, by fingerprint
        self.expected: Counter[str] = Counter()
        self.at_draw: dict[tuple[int, str], dict[str, Any]] = {}
        self.imports = 0
        self.registered = 0
        self.seeds = iter(f"fresh seed number {k}" for k in range(1000))

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def round(slug: str) -> Round:
        return Round.objects.get(slug=slug)

    def office_step(self, expect: bool, response: Any, action: str) -> None:
        ok = response.status_code == 302
        assert ok == expect, (action, response.status_code, expect)
        assert response.status_code in ((302,) if expect else (400, 409)), response.status_code
        if ok:
            self.expected[action] += 1
            event(action)

    def family_step(self, child_pk: int, allowed: bool, do: Any) -> None:
        child = Child.objects.filter(pk=child_pk).first()
        if child is None:
            return
        r = child.round
        before = inputs(r)
        response = do(child)
        assert response.status_code in (200, 302), response.status_code
        if not allowed:
            assert inputs(r) == before

    @staticmethod
    def busy(r: Round, kind: str) -> bool:
        return Job.objects.filter(round=r, kind=kind, status__in=[Job.QUEUED, Job.RUNNING]).exists()

    # ------------------------------------------------------------------ the steps

    def do_status(self, slug: str, action: str) -> None:
        r = self.round(slug)
        if action == "open" and r.registration_closes and r.registration_closes <= timezone.now():
            # as a clerk would: first a later closing date, then open again
            self.do_closing_date(slug, False)
            r = self.round(slug)
        expect = {
            "open": r.status in (Round.DRAFT, Round.CLOSED) and not r.seed,
            "close": r.status == Round.OPEN and bool(r.seed_commitment),
            "draft": r.status == Round.OPEN,
        }[action]
        # the office page offers exactly the steps the rules allow
        assert (action in lifecycle.allowed(r)) == expect, (action, r.status)
        response = self.office.post(f"/office/rounds/{slug}/status/", {"action": action})
        self.office_step(expect, response, f"round.{action}")

    def do_closing_date(self, slug: str, change_rules: bool) -> None:
        """The settings page with a later closing date (and maybe another method): the dates
        may always change, the rules only until the seed is public."""
        r = self.round(slug)
        later = timezone.localtime(timezone.now() + dt.timedelta(days=10))
        mechanism = r.mechanism
        if change_rules:
            mechanism = (
                "immediate-acceptance"
                if r.mechanism == "deferred-acceptance"
                else "deferred-acceptance"
            )
        form = {
            "name": r.name,
            "mechanism": mechanism,
            "tie_breaking": r.tie_breaking,
            "distance": r.distance,
            "priority_groups_text": ", ".join(r.priority_groups),
            "default_pools_text": "\n".join(
                f"{p['name']}, {p['share']}, {p.get('favours', '')}, {p.get('order_by')}"
                for p in r.default_pools
            ),
            "languages_text": r.languages,
            "registration_closes": later.strftime("%Y-%m-%dT%H:%M"),
        }
        response = self.office.post(f"/office/rounds/{slug}/edit/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
        after = self.round(slug)
        assert after.registration_closes is not None
        assert after.mechanism == (r.mechanism if frozen(r) else mechanism)

    def do_commit(self, slug: str, seed: str, reason: str) -> None:
        r = self.round(slug)
        revealed = set(r.commitments.exclude(seed="").values_list("fingerprint", flat=True))
        if r.seed:
            revealed.add(r.seed_commitment)
        imported = r.name == "Klein import" and seed == IMPORTED_SEED
        fresh = len(seed) >= 12 and fp(seed) not in revealed and not imported
        voiding = r.status in (Round.CLOSED, Round.ALLOCATED) and bool(r.seed)
        if voiding:
            expect = fresh and bool(reason)
        else:
            expect = (
                r.status in (Round.DRAFT, Round.OPEN) and fresh and fp(seed) != r.seed_commitment
            )
        response = self.office.post(
            f"/office/rounds/{slug}/seed/commit/",
            {"seed": seed, "reason": reason, "confirm": "on"},
        )
        self.office_step(expect, response, "seed.void" if voiding else "seed.commit")
        if expect:
            self.known[fp(seed)] = seed
            after = self.round(slug)
            assert after.seed == "" and after.seed_commitment == fp(seed)
            if voiding:
                assert after.status == Round.CLOSED
                assert not after.runs.filter(status=AllocationRun.COMPUTED).exists()

    def do_reveal(self, slug: str, right: bool) -> None:
        r = self.round(slug)
        seed = self.known.get(r.seed_commitment, WRONG_SEED) if right else WRONG_SEED
        possible = r.status == Round.CLOSED and bool(r.seed_commitment) and not r.seed
        expect = possible and fp(seed) == r.seed_commitment
        response = self.office.post(f"/office/rounds/{slug}/seed/reveal/", {"seed": seed})
        self.office_step(expect, response, "seed.reveal")
        if possible and not expect:
            self.expected["seed.reveal-mismatch"] += 1

    def do_queue(self, slug: str, kind: str) -> None:
        r = self.round(slug)
        if kind == "allocate":
            expect = (
                r.status in (Round.CLOSED, Round.ALLOCATED)
                and bool(r.seed)
                and fp(r.seed) == r.seed_commitment
                and not self.busy(r, "allocate")
            )
        else:
            expect = r.status == Round.PUBLISHED and not self.busy(r, "waiting")
        response = self.office.post(f"/office/rounds/{slug}/allocate/", {"kind": kind})
        self.office_step(expect, response, f"job.enqueue.{kind}")

    def do_work(self) -> None:
        waiting = list(Job.objects.filter(status=Job.QUEUED).values_list("pk", flat=True))
        assert jobs.work(once=True) == len(waiting)
        for job in Job.objects.filter(pk__in=waiting):
            assert job.status in (Job.DONE, Job.FAILED)
            self.expected[f"job.{job.status}"] += 1
            event(f"{job.kind} job {job.status}")
            if job.status == Job.DONE:
                run = AllocationRun.objects.get(pk=job.result["run"])
                assert run.seed_commitment == job.result["seed_commitment"]

    def do_publish(self, slug: str) -> None:
        r = self.round(slug)
        run = r.runs.filter(status=AllocationRun.COMPUTED).order_by("-id").first()
        if run is None:
            return
        latest = r.latest_published_run()
        expect = (
            bool(r.seed)
            and run.seed_commitment == r.seed_commitment
            and (
                (run.number == 0 and r.status == Round.ALLOCATED)
                or (
                    run.number > 0
                    and r.status == Round.PUBLISHED
                    and latest is not None
                    and run.number == latest.number + 1
                )
            )
        )
        response = self.office.post(f"/office/runs/{run.pk}/publish/")
        self.office_step(expect, response, "run.publish")

    # ------------------------------------------------------------------ the start

    @initialize(target=rounds)
    def base(self) -> str:
        return BASE_SLUG

    @initialize(target=children, stage=st.integers(0, 6))
    def start(self, stage: int) -> Any:
        """Two children with lists, then the round ``stage`` natural steps further."""
        kids = []
        for parent, codes in ((0, ("A", "B", "C")), (1, ("C", "A"))):
            kid = self.register(BASE_SLUG, parent, parent + 1)
            kids.append(kid)
            for code in codes:
                school = School.objects.get(round__slug=BASE_SLUG, code=code)
                self.parents[parent].post(f"/children/{kid[1]}/choices/add/", {"school": school.pk})
        for _ in range(stage):
            self.advance(BASE_SLUG)
        return multiple(*kids)

    @rule(slug=rounds)
    def advance(self, slug: str) -> None:
        """The natural next step of the round."""
        r = self.round(slug)
        if r.status == Round.DRAFT or (r.status == Round.OPEN and not r.seed_commitment):
            if not r.seed_commitment:
                self.do_commit(slug, next(self.seeds), "")
            elif r.registration_closes and r.registration_closes <= timezone.now():
                self.do_closing_date(slug, False)
            else:
                self.do_status(slug, "open")
        elif r.status == Round.OPEN:
            self.do_status(slug, "close")
        elif r.status == Round.CLOSED and not r.seed:
            self.do_reveal(slug, True)
        elif Job.objects.filter(round=r, status=Job.QUEUED).exists():
            self.do_work()
        elif r.status == Round.ALLOCATED and r.runs.filter(status=AllocationRun.COMPUTED):
            self.do_publish(slug)
        elif r.status in (Round.CLOSED, Round.ALLOCATED):
            self.do_queue(slug, "allocate")
        elif r.status == Round.PUBLISHED:
            if r.runs.filter(status=AllocationRun.COMPUTED).exists():
                self.do_publish(slug)
            else:
                self.do_queue(slug, "waiting")

    # ------------------------------------------------------------------ the office, any time

    @rule(slug=rounds, action=st.sampled_from(["open", "close", "draft"]))
    def status(self, slug: str, action: str) -> None:
        self.do_status(slug, action)

    @rule(slug=rounds, change_rules=st.booleans())
    def move_the_closing_date(self, slug: str, change_rules: bool) -> None:
        self.do_closing_date(slug, change_rules)

    @rule(slug=rounds, seed=st.sampled_from(SEEDS), reason=st.sampled_from(["", "A has 3 seats"]))
    def commit(self, slug: str, seed: str, reason: str) -> None:
        self.do_commit(slug, seed, reason)

    @rule(slug=rounds, right=st.booleans())
    def reveal(self, slug: str, right: bool) -> None:
        self.do_reveal(slug, right)

    @precondition(lambda self: self.imports < 1)
    @rule(target=rounds)
    def import_a_round(self) -> str:
        from django.core.files.uploadedfile import SimpleUploadedFile

        files = [SimpleUploadedFile(n, t.encode()) for n, t in IMPORTED.items()]
        response = self.office.post("/office/rounds/import/", {"files": files})
        assert response.status_code == 302
        self.imports += 1
        self.expected["round.import"] += 1
        r = Round.objects.get(name="Klein import")
        assert r.status == Round.DRAFT and r.seed == "" and r.seed_commitment == ""
        entry = AuditEntry.objects.get(action="round.import", round=r)
        assert entry.after["imported_seed_fingerprint"] == fp(IMPORTED_SEED)
        return r.slug

    @rule(slug=rounds, kind=st.sampled_from(["allocate", "waiting"]))
    def queue(self, slug: str, kind: str) -> None:
        self.do_queue(slug, kind)

    @rule()
    def work(self) -> None:
        self.do_work()

    @rule(slug=rounds)
    def publish(self, slug: str) -> None:
        self.do_publish(slug)

    @rule(slug=rounds, confirm=st.booleans())
    def archive(self, slug: str, confirm: bool) -> None:
        r = self.round(slug)
        assert self.office.get(f"/office/rounds/{slug}/archive/").status_code == 200
        expect = r.status in (Round.CLOSED, Round.ALLOCATED, Round.PUBLISHED) and confirm
        response = self.office.post(
            f"/office/rounds/{slug}/archive/", {"confirm": "on"} if confirm else {}
        )
        self.office_step(expect, response, "round.archive")

    @rule(
        slug=rounds,
        kind=st.sampled_from(["add-priority", "remove-priority", "school"]),
        k=st.integers(0, 20),
    )
    def office_edit(self, slug: str, kind: str, k: int) -> None:
        """A priority added or removed, or a school's seats changed: only until the draw."""
        r = self.round(slug)
        expect = not frozen(r)
        if kind == "add-priority":
            kids = list(r.children.order_by("id"))
            if not kids:
                return
            child = kids[k % len(kids)]
            school = r.schools.order_by("code")[k % r.schools.count()]
            url = f"/office/rounds/{slug}/applicants/{child.public_id}/"
            data = {"action": kind, "school": school.code, "group": "sibling"}
            action = "priority.add" if "sibling" in r.priority_groups else ""
        elif kind == "remove-priority":
            prios = list(Priority.objects.filter(child__round=r).select_related("child"))
            if not prios:
                return
            p = prios[k % len(prios)]
            url = f"/office/rounds/{slug}/applicants/{p.child.public_id}/"
            data = {"action": kind, "priority": p.pk}
            action = "priority.remove"
        else:
            school = r.schools.filter(pools__isnull=True).order_by("id").first()
            url = f"/office/rounds/{slug}/schools/{school.code}/"
            data = {
                "code": school.code,
                "name": school.name,
                "capacity": 1 + k % 4,
                "pools-TOTAL_FORMS": 0,
                "pools-INITIAL_FORMS": 0,
                "pools-MIN_NUM_FORMS": 0,
                "pools-MAX_NUM_FORMS": 1000,
            }
            action = "school.edit"
        response = self.office.post(url, data)
        assert response.status_code == (302 if expect else 409), (kind, response.status_code)
        if expect and action:
            self.expected[action] += 1

    # ------------------------------------------------------------------ the parents

    @rule(target=children, slug=rounds, parent=st.integers(0, 1), house=st.integers(1, 3))
    def register(self, slug: str, parent: int, house: int) -> Any:
        r = self.round(slug)
        allowed = families_may_change(r)
        before = inputs(r)
        self.registered += 1
        n = self.registered
        data = {
            "first_name": f"Kind{n}",
            "last_name": "Test",
            "birth_date": "2024-03-01",
            "postcode": "2800",
            "house_number": str(house),
            "q_indicator": "1" if house == 1 else "0",
        }
        url = f"/rounds/{slug}/register/"
        response = self.parents[parent].post(url, data)
        if allowed:  # the second step: the family confirms the address found in the list
            assert response.status_code == 200
            found = Address.objects.get(postcode="2800", house_number=str(house), box="")
            response = self.parents[parent].post(url, {**data, "address": str(found.pk)})
        assert response.status_code == 302
        if not allowed:
            assert inputs(r) == before
            return multiple()
        child = Child.objects.get(round=r, first_name=f"Kind{n}")
        return (parent, child.pk)

    @rule(
        kid=children,
        kind=st.sampled_from(["add", "move", "remove", "order"]),
        k=st.integers(0, 3),
        up=st.booleans(),
        shuffle=st.randoms(use_true_random=False),
    )
    def change_the_list(
        self, kid: tuple[int, int], kind: str, k: int, up: bool, shuffle: random.Random
    ) -> None:
        """A school added, moved or removed with the plain buttons, or the whole list in a new
        order (the fast path of rank.js)."""
        parent, pk = kid
        client = self.parents[parent]

        def do(child: Child) -> Any:
            schools = list(School.objects.filter(round=child.round).order_by("code"))
            school = schools[k % len(schools)]
            if kind == "add":
                return client.post(f"/children/{pk}/choices/add/", {"school": school.pk})
            if kind == "move":
                data = {"school": school.code, "direction": "up" if up else "down"}
                return client.post(f"/children/{pk}/choices/move/", data)
            if kind == "remove":
                return client.post(f"/children/{pk}/choices/remove/", {"school": school.code})
            codes = list(child.choices.order_by("rank").values_list("school__code", flat=True))
            shuffle.shuffle(codes)
            return client.post(f"/children/{pk}/choices/order/", {"order": ",".join(codes)})

        self.family_step(pk, families_may_change(self.round_of(pk)), do)

    @rule(kid=children)
    def delete_child(self, kid: tuple[int, int]) -> None:
        parent, pk = kid
        r = self.round_of(pk)
        allowed = r is not None and r.status in (Round.DRAFT, Round.OPEN) and not r.seed
        self.family_step(
            pk,
            allowed,
            lambda child: self.parents[parent].post(f"/children/{pk}/delete/", {"confirm": "yes"}),
        )
        if allowed:
            assert not Child.objects.filter(pk=pk).exists()

    @rule(kid=children, accept=st.booleans())
    def answer(self, kid: tuple[int, int], accept: bool) -> None:
        parent, pk = kid
        if Child.objects.filter(pk=pk).exists():
            r = self.parents[parent].post(
                f"/children/{pk}/answer/",
                {"answer": "accept" if accept else "decline", "confirm": "yes"},
            )
            assert r.status_code == 302

    @staticmethod
    def round_of(pk: int) -> Round | None:
        child = Child.objects.filter(pk=pk).select_related("round").first()
        return child.round if child else None

    # ------------------------------------------------------------------ invariants

    @invariant()
    def nothing_changes_once_the_seed_is_known(self) -> None:
        for r in Round.objects.all():
            if frozen(r):
                key = (r.pk, r.seed_commitment)
                now = inputs(r)
                assert self.at_draw.setdefault(key, now) == now, r.slug

    @invariant()
    def never_open_with_a_public_seed(self) -> None:
        assert not Round.objects.filter(status=Round.OPEN).exclude(seed="").exists()

    @invariant()
    def every_run_used_the_committed_seed(self) -> None:
        for run in AllocationRun.objects.select_related("round"):
            r = run.round
            seeds = dict(r.commitments.exclude(seed="").values_list("fingerprint", "seed"))
            assert run.seed_commitment in seeds, "the run's fingerprint was never revealed"
            seed = seeds[run.seed_commitment]
            assert fp(seed) == run.seed_commitment
            assert tomllib.loads(run.input_files["round.toml"])["seed"] == seed
            if run.status != AllocationRun.DISCARDED:
                assert run.seed_commitment == r.seed_commitment and r.seed == seed

    @invariant()
    def one_audit_entry_per_step(self) -> None:
        counts = Counter(
            AuditEntry.objects.filter(action__in=TRACKED).values_list("action", flat=True)
        )
        assert counts == +self.expected, (counts, self.expected)


@pytest.fixture
def world(db: Any) -> None:
    """The small round (open, its fingerprint published), its schools and addresses, the
    office and two parents, signed in once for every example."""
    now = timezone.now()
    r = Round.objects.create(
        slug=BASE_SLUG,
        name="State 2027",
        status=Round.OPEN,
        priority_groups=["sibling"],
        default_pools=[
            {"name": "other", "share": "0.7", "favours": "not:indicator", "order_by": "lottery"},
            {"name": "indicator", "share": "0.3", "favours": "indicator", "order_by": "lottery"},
        ],
        seed_commitment=fp(BASE_SEED),
        commitment_published_at=now,
        registration_opens=now - dt.timedelta(days=1),
        registration_closes=now + dt.timedelta(days=10),
        acceptance_deadline=now + dt.timedelta(days=30),
    )
    Question.objects.create(round=r, flag="indicator", text_nl="Indicator?")
    for k, (code, cap) in enumerate([("A", 1), ("B", 1), ("C", 2)]):
        School.objects.create(round=r, code=code, capacity=cap, x=1000.0 * k, y=0.0, seq=k)
    c = School.objects.get(round=r, code="C")
    Pool.objects.create(school=c, seq=0, name="near", seats=1, order_by="distance")
    Pool.objects.create(school=c, seq=1, name="rest", seats=1, order_by="lottery")
    for n in range(1, 4):
        Address.objects.create(postcode="2800", house_number=str(n), x=300.0 * n, y=50.0)
    add_staff("office@samen.test", "office")
    office = sign_in(Client(), "office@samen.test")  # with the office's second factor
    parents = []
    for k in range(2):
        client = Client()
        client.force_login(user_for_email(f"parent{k}@samen.test"))
        parents.append(client)
    LifecycleMachine.office = office
    LifecycleMachine.parents = parents


def test_the_life_cycle_keeps_its_promises(world: None) -> None:
    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=int(os.environ.get("SAMEN_LIFECYCLE_EXAMPLES", 30)),
            stateful_step_count=int(os.environ.get("SAMEN_LIFECYCLE_STEPS", 30)),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
