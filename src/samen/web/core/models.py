"""The platform's data: rounds, schools, children and their lists, pledge groups, the
allocation runs and their placements, the job queue, the audit log, sign-in codes and the
e-mail to families (the outbox, and each person's language).

A round in the database is the same thing as a round folder (``docs/allocation-rules.md``):
:mod:`samen.web.core.exchange` writes one from the other. A child's ``public_id`` is its
``applicant_id``: the id its lottery number is drawn for and the only id that is published.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samen.engine.instance import MECHANISMS, TIE_BREAKINGS


def _languages() -> list[str]:
    return ["nl", "en", "fr"]


def new_token() -> str:
    """An unguessable token for invitation links (192 random bits)."""
    return secrets.token_urlsafe(24)


def new_public_id() -> str:
    """A pseudonymous applicant id: ``K-`` and 10 letters and digits (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "K-" + "".join(secrets.choice(alphabet) for _ in range(10))


class Round(models.Model):
    """One admission round: its rules, its dates and where it stands."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ALLOCATED = "allocated"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    STATUSES = [
        (DRAFT, _("being prepared")),
        (OPEN, _("registration open")),
        (CLOSED, _("registration closed")),
        (ALLOCATED, _("allocated, under review")),
        (PUBLISHED, _("results published")),
        (ARCHIVED, _("archived")),
    ]

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(max_length=20, choices=STATUSES, default=DRAFT)
    mechanism = models.CharField(
        _("method"),
        max_length=40,
        choices=[(m, m) for m in MECHANISMS],
        default="deferred-acceptance",
    )
    tie_breaking = models.CharField(
        _("tie-breaking"), max_length=20, choices=[(t, t) for t in TIE_BREAKINGS], default="single"
    )
    distance = models.CharField(
        _("distance"),
        max_length=20,
        choices=[("euclidean", "euclidean (x,y)"), ("haversine", "haversine (lat,lon)")],
        default="euclidean",
    )
    #: priority group names, strongest first
    priority_groups = models.JSONField(default=list, blank=True)
    #: pools for schools without their own: [{"name", "share", "favours", "order_by"}]
    default_pools = models.JSONField(default=list, blank=True)
    # the rules of version 2 (allocation rules section 10; ``samen.web.core.rules_v2``)
    #: "first" or "best": the lottery number of children applying together (10.6)
    family_number = models.CharField(max_length=10, default="first")
    #: priority groups that count only at the school listed first (10.4)
    first_choice_only = models.JSONField(default=list, blank=True)
    #: compute the waiting lists (10.7); on for rounds made on the platform
    waitlists = models.BooleanField(default=True)
    #: the [[nearest]] rules (10.3): [{"group", "count", "category", "at_least": [[v, k]]}]
    nearest = models.JSONField(default=list, blank=True)
    #: the projection of x,y ("EPSG:31370"), kept for the round folder
    crs = models.CharField(max_length=60, blank=True)
    #: the numbers the office gives each child, which pools may order by (``value:COLUMN``,
    #: 10.2): [{"column", "nl", "en", "fr"}] (the column and its name in each language)
    numbers = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=_languages)
    #: the seed, once revealed at the draw (empty before)
    seed = models.CharField(max_length=300, blank=True)
    #: SHA-256 (hex) of the seed, published before registration closes
    seed_commitment = models.CharField(max_length=64, blank=True)
    commitment_published_at = models.DateTimeField(null=True, blank=True)
    seed_revealed_at = models.DateTimeField(null=True, blank=True)
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    draw_at = models.DateTimeField(_("public draw"), null=True, blank=True)
    results_at = models.DateTimeField(_("results"), null=True, blank=True)
    acceptance_deadline = models.DateTimeField(_("answer before"), null=True, blank=True)
    retention_until = models.DateField(_("keep personal data until"), null=True, blank=True)
    #: the dates of birth the round admits (its grade), checked when a family registers
    born_from = models.DateField(_("born on or after"), null=True, blank=True)
    born_until = models.DateField(_("born on or before"), null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("run_office", "Can run admission rounds (admission office)"),
            ("see_own_school", "Can see the applicants of its own school(s)"),
        ]

    def __str__(self) -> str:
        return self.name

    # ---- what families may do now
    def registration_is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.status != self.OPEN:
            return False
        if self.registration_opens and now < self.registration_opens:
            return False
        return not (self.registration_closes and now >= self.registration_closes)

    def answers_are_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.status != self.PUBLISHED:
            return False
        return not (self.acceptance_deadline and now >= self.acceptance_deadline)

    def flags(self) -> list[str]:
        return [q.flag for q in self.questions.all()]

    def used_flags(self) -> list[str]:
        """The flags some pool favours or some school admits (rules sections 4, 10.1 and
        10.5): the only ones the allocation (and the export) needs, in the order of the
        round's questions."""
        from samen.engine.expressions import split, term_flag

        texts = [p.get("favours", "") for p in self.default_pools]
        texts += list(Pool.objects.filter(school__round=self).values_list("favours", flat=True))
        texts += list(self.schools.exclude(admits="").values_list("admits", flat=True))
        named = {term_flag(t)[0] for text in texts for t in split(text or "")}
        named.discard("")
        order = [f for f in self.flags() if f in named]
        return order + sorted(named - set(order))

    def admits_birth_date(self, born: Any) -> bool:
        """Whether a child born on ``born`` may apply in this round (its grade's range)."""
        if self.born_from is not None and born < self.born_from:
            return False
        return self.born_until is None or born <= self.born_until

    def latest_published_run(self) -> AllocationRun | None:
        return self.runs.filter(status=AllocationRun.PUBLISHED).order_by("-number").first()

    def seed_matches(self, seed: str) -> bool:
        return hashlib.sha256(seed.encode("utf-8")).hexdigest() == self.seed_commitment


class Question(models.Model):
    """A yes/no fact the round asks (a 0/1 flag column of applicants.csv)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    flag = models.SlugField(max_length=40)
    text_nl = models.CharField(_("question (Dutch)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    text_fr = models.CharField(_("question (French)"), max_length=300, blank=True)
    help_nl = models.TextField(blank=True)
    help_en = models.TextField(blank=True)
    help_fr = models.TextField(blank=True)
    seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["seq", "id"]
        unique_together = [("round", "flag")]

    def __str__(self) -> str:
        return self.flag

    def text(self) -> str:
        lang = (get_language() or "nl")[:2]
        return getattr(self, f"text_{lang}", "") or self.text_nl or self.flag

    def help(self) -> str:
        lang = (get_language() or "nl")[:2]
        return getattr(self, f"help_{lang}", "") or self.help_nl


class School(models.Model):
    """A school (or admission unit) of a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="schools")
    code = models.CharField(_("school id"), max_length=60)
    name = models.CharField(_("name"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("seats"))
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("about the school"), blank=True)
    #: languages of instruction and of the school office, as language codes ("nl", "ar");
    #: shown on the public school page only (not part of the round folder)
    teaching_languages = models.JSONField(_("languages of instruction"), default=list, blank=True)
    office_languages = models.JSONField(
        _("languages spoken at the school office"), default=list, blank=True
    )
    #: whom the school admits: a flag expression (rules section 10.5; "" = every child)
    admits = models.CharField(_("admits only"), max_length=300, blank=True)
    #: the school's category columns that [[nearest]] rules read (10.3): {column: value}
    categories = models.JSONField(default=dict, blank=True)
    seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["seq", "id"]
        unique_together = [("round", "code")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.code


class Pool(models.Model):
    """A seat pool of a school (seats.csv), in precedence order."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pools")
    seq = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=60)
    seats = models.PositiveIntegerField(null=True, blank=True)
    #: a share from 0 to 1 as exact text ("0.3", "1/3"), when seats is empty
    share = models.CharField(max_length=30, blank=True)
    #: a flag expression (rules sections 4 and 10.1): "", "indicator", "not:a|b"
    favours = models.CharField(max_length=300, blank=True)
    #: one criterion or several joined by "," (10.2): "lottery", "rank,distance",
    #: "value:points"
    order_by = models.CharField(max_length=300, default="lottery")

    class Meta:
        ordering = ["seq", "id"]


class Address(models.Model):
    """The city's address table: postcode, house number and box to coordinates. Ids stay
    stable when the office imports the list again (``samen.web.core.addresses``)."""

    postcode = models.CharField(max_length=12)
    house_number = models.CharField(max_length=12)
    #: the bus/box of a flat ("" when the register has none)
    box = models.CharField(max_length=12, blank=True, default="")
    street = models.CharField(max_length=200, blank=True)
    municipality = models.CharField(max_length=120, blank=True)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    class Meta:
        unique_together = [("postcode", "house_number", "box")]

    def __str__(self) -> str:
        return self.one_line

    @property
    def one_line(self) -> str:
        """``Teststraat 12 box 3, 2800 Mechelen``."""
        number = f"{self.house_number} {_('box')} {self.box}" if self.box else self.house_number
        street = f"{self.street} {number}".strip()
        return f"{street}, {self.postcode} {self.municipality}".strip()

    @staticmethod
    def normalise(postcode: str, house_number: str) -> tuple[str, str]:
        return postcode.strip().replace(" ", "").upper(), house_number.strip().replace(
            " ", ""
        ).upper()

    @staticmethod
    def normalise_box(box: str) -> str:
        return box.strip().replace(" ", "").upper()


class StaffSchool(models.Model):
    """A school a school viewer may see: its id in one round (a later round that reuses the
    id needs a link of its own; drafts are never shown)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_schools"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="staff_links")
    code = models.CharField(max_length=60)

    class Meta:
        unique_together = [("user", "round", "code")]


class PledgeGroup(models.Model):
    """Families who choose a school together (rules section 7)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="pledge_groups")
    group_id = models.CharField(max_length=80)
    name = models.CharField(_("name of the group"), max_length=120)
    target = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pledge_groups")
    threshold = models.PositiveIntegerField(_("how many children at least"))
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("round", "group_id")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def member_count(self) -> int:
        return self.members.count()

    def reached(self) -> bool:
        return self.member_count() >= self.threshold


#: where a child's home coordinates come from
HOME_ADDRESS = "address"  # the city's address list
HOME_OFFICE = "office"  # typed by the office, with a reason
HOME_IMPORTED = "imported"  # the round folder the office imported
HOME_CHECK = "check"  # not in the list: the office checks it (no coordinates until then)
HOMES = [
    (HOME_ADDRESS, _("from the address list")),
    (HOME_OFFICE, _("set by the admission office")),
    (HOME_IMPORTED, _("from the imported round")),
    (HOME_CHECK, _("address to be checked")),
]


class Child(models.Model):
    """A child applying in a round, registered by its parent (or imported by the office)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="children")
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    public_id = models.CharField(max_length=60, default=new_public_id)
    seq = models.PositiveIntegerField(default=0)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    #: the office's reason for a date of birth outside the round's range ("" = none given)
    birth_date_reason = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    house_number = models.CharField(_("house number"), max_length=12, blank=True)
    box = models.CharField(_("box"), max_length=12, blank=True)
    #: the street the family gave for an address that is not in the address list
    street = models.CharField(_("street"), max_length=200, blank=True)
    #: the address in the city's list the home is, when it was found there
    address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    #: where the home's coordinates come from (``samen.web.core.homes``)
    home = models.CharField(max_length=12, choices=HOMES, default=HOME_CHECK)
    #: the office's reason for coordinates it typed
    home_reason = models.CharField(max_length=300, blank=True)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    #: answers to the round's questions: {flag: 0 or 1}
    flags = models.JSONField(default=dict, blank=True)
    #: the numbers the office gives the child (``Round.numbers``): {column: number}; a family
    #: never types them (``samen.web.core.numbers``)
    values = models.JSONField(default=dict, blank=True)
    #: family label of an imported round folder (children applying together)
    family_label = models.CharField(max_length=80, blank=True)
    #: for children registered here: apply together with brothers and sisters of this parent
    apply_together = models.BooleanField(default=False)
    pledge_group = models.ForeignKey(
        PledgeGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seq", "id"]
        unique_together = [("round", "public_id")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.public_id

    @property
    def home_verified(self) -> bool:
        """Whether distance rules may use the home (never an address still to be checked)."""
        return self.home != HOME_CHECK

    def family_key(self) -> str:
        """The family a child applies with ("" = on its own)."""
        if self.family_label:
            return self.family_label
        if self.apply_together and self.parent_id:
            return f"parent-{self.parent_id}"
        return ""

    def school_list(self) -> list[School]:
        return [c.school for c in self.choices.select_related("school").order_by("rank")]


class Choice(models.Model):
    """One school on a child's list, at ``rank`` (1 = first choice)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="choices")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveIntegerField()
    #: when the school was put on the list or moved (the registration receipt's time of the
    #: last change, :mod:`samen.web.core.notifications`); empty for lists older than the field
    changed_at = models.DateTimeField(null=True, blank=True, default=timezone.now, editable=False)

    class Meta:
        ordering = ["rank"]
        unique_together = [("child", "school")]


class Priority(models.Model):
    """A priority group of a child at a school (priorities.csv), set by the office."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="priorities")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="priorities")
    group = models.CharField(max_length=60)

    class Meta:
        unique_together = [("child", "school", "group")]


class DistanceOverride(models.Model):
    """A distance in metres that replaces the computed one (distances.csv)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="distances")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="distances")
    metres = models.FloatField()

    class Meta:
        unique_together = [("child", "school")]


class Job(models.Model):
    """Long work done by ``samen web worker`` outside the request."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [
        (QUEUED, _("waiting")),
        (RUNNING, _("running")),
        (DONE, _("done")),
        (FAILED, _("failed")),
    ]

    kind = models.CharField(max_length=40)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=STATUSES, default=QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"])]


class AllocationRun(models.Model):
    """One run of the mechanism: the main round (number 0) or a waiting-list round."""

    COMPUTED = "computed"
    PUBLISHED = "published"
    DISCARDED = "discarded"
    STATUSES = [
        (COMPUTED, _("under review")),
        (PUBLISHED, _("published")),
        (DISCARDED, _("discarded")),
    ]

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="runs")
    number = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=STATUSES, default=COMPUTED)
    mechanism = models.CharField(max_length=40)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL)
    #: the round folder the engine read, {file name: text} (pseudonymised: it can be published)
    input_files = models.JSONField(default=dict)
    #: the results of section 9, {file name: text}
    result_files = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    #: SHA-256 (hex) of the seed the run used: the fingerprint committed before the draw
    seed_commitment = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number", "-id"]

    @property
    def is_waiting_list(self) -> bool:
        return self.number > 0


class Placement(models.Model):
    """Where a run placed a child, why, and the family's answer."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    RESPONSES = [
        (PENDING, _("no answer yet")),
        (ACCEPTED, _("accepted")),
        (DECLINED, _("declined")),
        (EXPIRED, _("no answer in time")),
    ]

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="placements")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    applicant_id = models.CharField(max_length=60)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL)
    choice_rank = models.PositiveIntegerField(default=0)
    pool = models.CharField(max_length=60, blank=True)
    lottery = models.CharField(max_length=16)
    #: what the lottery number was drawn for ("SEED|" + this, as the check command hashes)
    lottery_text = models.CharField(max_length=200, blank=True)
    #: per school above the one given: the pools' cut-offs and the child's own priority
    explain = models.JSONField(default=list, blank=True)
    #: the child's places on the waiting lists of the run's waitlists.csv (rules 10.7):
    #: [{"school", "pool", "position", "of"}] (``samen.web.core.positions``)
    waiting = models.JSONField(default=list, blank=True)
    response = models.CharField(max_length=20, choices=RESPONSES, default=PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        unique_together = [("run", "child")]
        ordering = ["id"]


class AuditEntry(models.Model):
    """One office action: who, what, when, and the data before and after."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=60)
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.SET_NULL)
    target = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # the audit log's filters (round, action or kind of action, person), newest first
        indexes = [
            models.Index(fields=["round", "at"], name="audit_round_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["actor_label", "at"], name="audit_actor_at"),
        ]


class SignInCode(models.Model):
    """A one-time sign-in code sent by e-mail; only its keyed hash is kept."""

    email = models.EmailField(db_index=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    #: who asked, for the rate limits: the IPv4 address or the IPv6 /64 network
    requester = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class Profile(models.Model):
    """What the platform remembers of a person's choices: the language of their e-mail (the
    language of the site when they last signed in or switched language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="samen_profile"
    )
    language = models.CharField(max_length=8, default="nl")


class Notification(models.Model):
    """One e-mail: queued, sent by the worker with retries, and kept as the record of what was
    sent (:mod:`samen.web.core.notifications`). A row goes when its child or account goes."""

    RECEIPT = "receipt"
    FINAL = "final"
    RESULTS = "results"
    OFFER = "offer"
    REMINDER = "reminder"
    SIGNIN = "signin"
    KINDS = [
        (RECEIPT, _("receipt of a list")),
        (FINAL, _("final list at closing")),
        (RESULTS, _("results")),
        (OFFER, _("waiting-list offer")),
        (REMINDER, _("answer reminder")),
        (SIGNIN, _("sign-in code")),
    ]
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STATUSES = [
        (QUEUED, _("waiting")),
        (SENDING, _("being sent")),
        (SENT, _("sent")),
        (FAILED, _("failed")),
        (CANCELLED, _("not needed")),
    ]

    kind = models.CharField(max_length=20, choices=KINDS)
    status = models.CharField(max_length=20, choices=STATUSES, default=QUEUED)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    #: the address it went to (the account's address when it was sent)
    address = models.EmailField(blank=True)
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    #: the offer it is about (results, waiting-list offers and reminders)
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    #: what makes it one message: the run, the deadline, the closing or the list change
    key = models.CharField(max_length=120)
    language = models.CharField(max_length=8, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    #: for receipts, the list as sent (to tell whether a later receipt says anything new)
    payload = models.JSONField(default=dict, blank=True)
    #: for receipts, the time of the last change of the list it confirms
    changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["round", "status", "kind"]),
        ]
        constraints = [
            # the same message is never queued twice (a second insert is ignored)
            models.UniqueConstraint(
                fields=["kind", "child", "key"],
                condition=models.Q(child__isnull=False),
                name="notification_once",
            ),
            # changes of a list wait in one receipt
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(kind="receipt", status="queued"),
                name="notification_one_waiting_receipt",
            ),
        ]


class BirthDateAllowance(models.Model):
    """The office allows a parent to register a child born on a date outside the round's
    range (a child who skips or repeats a year), before the child is registered; used once."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="birth_allowances")
    email = models.EmailField()
    birth_date = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    #: the child registered with it (None while it is not used)
    child = models.OneToOneField(
        Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="birth_allowance"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class SeedCommitment(models.Model):
    """One fingerprint (SHA-256) of a round's seed as it was published, kept for good.

    The public draw page lists them all with their times: a fingerprint replaced before the
    draw, the one revealed at the draw, and a draw voided afterwards (its seed stays public), so
    nobody can quietly hold a draw again. :mod:`samen.web.core.lifecycle` writes them.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="commitments")
    fingerprint = models.CharField(max_length=64)
    committed_at = models.DateTimeField(default=timezone.now)
    #: the seed, once revealed at the draw (empty before)
    seed = models.CharField(max_length=300, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    #: when a newer fingerprint took its place (replaced before the draw, or its draw voided)
    ended_at = models.DateTimeField(null=True, blank=True)
    #: its draw was voided after the reveal
    voided = models.BooleanField(default=False)
    #: why the office voided the draw (public)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["committed_at", "id"]

    def __str__(self) -> str:
        return self.fingerprint
