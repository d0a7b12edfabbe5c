"""The steps of a round as the public round page tells them: before a step its planned date
("Results on 15 April 2027 at 10:00."), after it what happened and when ("Results published on
15 April 2027 at 10:02.").

The facts come from the round itself: its status and dates, when the fingerprint was published
and the seed revealed, and when each allocation run was published. Closing the registration
early sets ``registration_closes`` to the moment it closed, so that date is what happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from samen.web.core.models import AllocationRun, Round

#: the order of the steps up to the draw (the fingerprint is published before the close)
_ORDER = {"opens": 0, "fingerprint": 1, "closes": 2, "draw": 3}

#: statuses after the registration closed
_AFTER_CLOSE = (Round.CLOSED, Round.ALLOCATED, Round.PUBLISHED, Round.ARCHIVED)


@dataclass(frozen=True)
class Step:
    """One line of the round's timeline."""

    key: str
    #: it happened (the text is in the past tense) or it is planned
    done: bool
    text: str


def _when(moment: dt.datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"date": formats.date_format(local, "j F Y"), "time": local.strftime("%H:%M")}


def _at(moment: dt.datetime, with_time: str, date_only: str) -> str:
    """``with_time`` filled in with the date and time, or ``date_only`` when the moment is
    midnight (a planned day without an hour)."""
    parts = _when(moment)
    if parts["time"] == "00:00":
        return date_only % parts
    return with_time % parts


def _registration(rnd: Round, now: dt.datetime) -> list[Step]:
    steps: list[Step] = []
    opened = rnd.status != Round.DRAFT and (
        rnd.registration_opens is None or rnd.registration_opens <= now
    )
    if rnd.registration_opens is not None:
        if opened:
            text = _at(
                rnd.registration_opens,
                _("Registration opened on %(date)s at %(time)s."),
                _("Registration opened on %(date)s."),
            )
        else:
            text = _at(
                rnd.registration_opens,
                _("Registration opens on %(date)s at %(time)s."),
                _("Registration opens on %(date)s."),
            )
        steps.append(Step("opens", opened, text))
    closed = rnd.status in _AFTER_CLOSE or (
        rnd.registration_closes is not None and rnd.registration_closes <= now
    )
    if rnd.registration_closes is not None:
        if closed:
            text = _at(
                rnd.registration_closes,
                _("Registration closed on %(date)s at %(time)s."),
                _("Registration closed on %(date)s."),
            )
        else:
            text = _at(
                rnd.registration_closes,
                _("Registration closes on %(date)s at %(time)s."),
                _("Registration closes on %(date)s."),
            )
        steps.append(Step("closes", closed, text))
    elif closed:
        steps.append(Step("closes", True, _("Registration is closed.")))
    return steps


def _seed(rnd: Round) -> list[Step]:
    steps: list[Step] = []
    if rnd.seed_commitment and rnd.commitment_published_at is not None:
        steps.append(
            Step(
                "fingerprint",
                True,
                _("The fingerprint of the seed was published on %(date)s at %(time)s.")
                % _when(rnd.commitment_published_at),
            )
        )
    elif rnd.seed_commitment:
        steps.append(Step("fingerprint", True, _("The fingerprint of the seed is published.")))
    elif not rnd.seed:
        steps.append(
            Step(
                "fingerprint",
                False,
                _("The fingerprint of the seed is published before the registration closes."),
            )
        )
    if rnd.seed and rnd.seed_revealed_at is not None:
        text = _("The draw was held on %(date)s at %(time)s (seed revealed).") % _when(
            rnd.seed_revealed_at
        )
        steps.append(Step("draw", True, text))
    elif rnd.seed:
        steps.append(Step("draw", True, _("The seed is revealed.")))
    elif rnd.draw_at is not None:
        text = _at(
            rnd.draw_at,
            _("Public draw on %(date)s at %(time)s."),
            _("Public draw on %(date)s."),
        )
        steps.append(Step("draw", False, text))
    else:
        steps.append(
            Step("draw", False, _("The public draw follows the close of the registration."))
        )
    return steps


def _results(rnd: Round, runs: list[AllocationRun], now: dt.datetime) -> list[Step]:
    published = sorted(
        (r for r in runs if r.status == AllocationRun.PUBLISHED and r.published_at is not None),
        key=lambda r: r.number,
    )
    main = next((r for r in published if r.number == 0), None)
    steps: list[Step] = []
    if main is not None:
        text = _("Results published on %(date)s at %(time)s.") % _when(main.published_at)
        steps.append(Step("results", True, text))
    elif rnd.status == Round.ARCHIVED:
        return steps  # archived without results: nothing more will happen
    elif rnd.results_at is not None:
        text = _at(rnd.results_at, _("Results on %(date)s at %(time)s."), _("Results on %(date)s."))
        steps.append(Step("results", False, text))
    else:
        steps.append(Step("results", False, _("Results after the draw.")))
    later: list[tuple[dt.datetime, Step]] = []
    for run in published:
        if run.number == 0:
            continue
        text = _("Waiting-list round %(n)s published on %(date)s at %(time)s.") % {
            "n": run.number,
            **_when(run.published_at),
        }
        later.append((run.published_at, Step(f"waiting-{run.number}", True, text)))
    deadline = rnd.acceptance_deadline
    if deadline is not None:
        if deadline <= now:
            text = _at(
                deadline,
                _("The time to answer the offers ended on %(date)s at %(time)s."),
                _("The time to answer the offers ended on %(date)s."),
            )
        else:
            text = _at(
                deadline,
                _("Answer the offer before %(date)s at %(time)s."),
                _("Answer the offer before %(date)s."),
            )
        later.append((deadline, Step("answers", deadline <= now, text)))
    later.sort(key=lambda pair: pair[0])
    return steps + [step for _moment, step in later]


def round_timeline(
    rnd: Round, runs: list[AllocationRun] | None = None, now: dt.datetime | None = None
) -> list[Step]:
    """The round's steps in order: registration, the seed's fingerprint and the draw, the
    results, and then the answer deadline and the waiting-list rounds by date."""
    now = now or timezone.now()
    if runs is None:
        runs = list(
            rnd.runs.filter(status=AllocationRun.PUBLISHED).only(
                "pk", "number", "status", "published_at", "round_id"
            )
        )
    before = sorted(_registration(rnd, now) + _seed(rnd), key=lambda s: _ORDER[s.key])
    return before + _results(rnd, runs, now)
