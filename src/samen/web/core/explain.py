"""The result in plain words: why a child did not get a school it ranked higher.

The allocation stores, per child and per school above the one it got, each seat pool's cut-off
(the last child admitted) and the child's own place in that order; this module turns that into
sentences a parent can read.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core import pool_words
from samen.web.core.allocation import HELD_GROUP, check_command
from samen.web.core.models import Placement


def _group(name: str) -> str:
    if not name:
        return _("no priority")
    if name.startswith(HELD_GROUP):
        return _("priority: keeps the seat it already had")
    return _("priority group '%(group)s'") % {"group": name}


def _who(
    order_by: str, data: dict[str, Any], favours: str, labels: dict[str, str] | None = None
) -> str:
    parts = [_group(data["group"])]
    if favours:
        parts.append(
            _("one of the children these seats are for")
            if data["favoured"]
            else _("not one of the children these seats are for")
        )
    parts += pool_words.values(order_by, data["value"], labels)
    if not pool_words.uses_lottery(order_by):
        parts.append(_("lottery number %(number)s") % {"number": data["lottery"]})
    return ", ".join(parts)


def pool_rule(
    pool: dict[str, Any], flag_text: dict[str, str], labels: dict[str, str] | None = None
) -> tuple[str, str]:
    """Whom a seat pool's seats are for first, and in which order it takes children (a flag
    expression and criteria of version 2 too: :mod:`samen.web.core.pool_words`)."""
    return pool_words.who(pool["favours"], flag_text), pool_words.order(pool["order_by"], labels)


def pool_title(
    pool: dict[str, Any], flag_text: dict[str, str], labels: dict[str, str] | None = None
) -> str:
    """A seat pool in words: its seats, whom they are for first, and the order."""
    who, order = pool_rule(pool, flag_text, labels)
    seats = pool["seats"]
    return ngettext(
        "%(seats)s seat %(who)s, %(order)s",
        "%(seats)s seats %(who)s, %(order)s",
        seats if isinstance(seats, int) else 2,
    ) % {"seats": seats, "who": who, "order": order}


def why(placement: Placement) -> list[dict[str, Any]]:
    """Per school above the one given: its name, and per pool what happened, in words."""
    rnd = placement.run.round
    names = {s.code: s.display_name for s in rnd.schools.all()}
    flag_text = {q.flag: q.text() for q in rnd.questions.all()}
    labels = pool_words.number_labels(rnd.numbers)
    out: list[dict[str, Any]] = []
    for rank, entry in enumerate(placement.explain, start=1):
        item: dict[str, Any] = {
            "school": names.get(entry["school"], entry["school"]),
            "rank": rank,
            "dropped": entry["dropped"],
            "pools": [],
        }
        for pool in entry["pools"]:
            line: dict[str, Any] = {"title": pool_title(pool, flag_text, labels)}
            if pool["cutoff"] is None:
                line["state"] = _(
                    "Not all of these seats were taken (%(filled)s of %(seats)s)."
                ) % {
                    "filled": pool["filled"],
                    "seats": pool["seats"],
                }
            else:
                line["state"] = _("All of these seats were taken.")
                line["last"] = _who(pool["order_by"], pool["cutoff"], pool["favours"], labels)
            line["mine"] = _who(pool["order_by"], pool["mine"], pool["favours"], labels)
            if pool["after"]:
                line["verdict"] = _("Your child came after the last child admitted.")
            elif pool["cutoff"] is not None:
                line["verdict"] = _(
                    "Your child came before the last child admitted, but these seats were "
                    "given in an earlier step (this round's method gives seats step by step)."
                )
            item["pools"].append(line)
        out.append(item)
    return out


def lottery_check(placement: Placement) -> dict[str, str]:
    """The child's lottery number and the command anyone can run to check it."""
    seed = placement.run.round.seed
    text = placement.lottery_text
    who = text.rsplit("|", 1)[-1]
    shared = ""
    if who.startswith("pledge:"):
        shared = _("At the school of your pledge group the whole group uses one number: this one.")
    elif text and who != placement.applicant_id and placement.run.round.family_number == "best":
        shared = _(
            "Brothers and sisters who apply together share one number: the best of their "
            "numbers, here that of %(id)s."
        ) % {"id": who}
    elif text and who != placement.applicant_id:
        shared = _(
            "Brothers and sisters who apply together share one number: that of the child whose "
            "id comes first (%(id)s)."
        ) % {"id": who}
    return {
        "number": placement.lottery,
        "text": f"{seed}|{text}" if text else "",
        "command": check_command(seed, text) if text else "",
        "shared": shared,
    }


def priority_words(
    order_by: str, data: dict[str, Any], favours: str, labels: dict[str, str] | None = None
) -> str:
    """A child's place in a seat pool's order in words (priority group, whether the seats are
    for it, distance or place on the list, lottery number): for the cut-off tables."""
    return _who(order_by, data, favours, labels)
