"""The result in plain words: why a child did not get a school it ranked higher.

The allocation stores, per child and per school above the one it got, each seat pool's cut-off
(the last child admitted) and the child's own place in that order; this module turns that into
sentences a parent can read.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core.allocation import HELD_GROUP, check_command
from samen.web.core.models import Placement


def _group(name: str) -> str:
    if not name:
        return _("no priority")
    if name.startswith(HELD_GROUP):
        return _("priority: keeps the seat it already had")
    return _("priority group '%(group)s'") % {"group": name}


def _value(order_by: str, value: str) -> str:
    if order_by == "distance":
        return _("%(metres)s m from the school") % {"metres": value}
    if order_by == "rank":
        return _("this school was choice %(rank)s") % {"rank": value}
    return _("lottery number %(number)s") % {"number": value}


def _who(order_by: str, data: dict[str, Any], favours: str) -> str:
    parts = [_group(data["group"])]
    if favours:
        parts.append(
            _("one of the children these seats are for")
            if data["favoured"]
            else _("not one of the children these seats are for")
        )
    parts.append(_value(order_by, data["value"]))
    if order_by != "lottery":
        parts.append(_("lottery number %(number)s") % {"number": data["lottery"]})
    return ", ".join(parts)


def pool_rule(pool: dict[str, Any], flag_text: dict[str, str]) -> tuple[str, str]:
    """Whom a seat pool's seats are for first, and in which order it takes children."""
    favours = pool["favours"]
    order = {
        "lottery": _("by lottery"),
        "distance": _("by distance (nearest first)"),
        "rank": _("by the place of the school on the list"),
    }[pool["order_by"]]
    if not favours:
        who = _("for everyone")
    elif favours.startswith("not:"):
        who = _("first for children who answered no to: %(question)s") % {
            "question": flag_text.get(favours[4:], favours[4:])
        }
    else:
        who = _("first for children who answered yes to: %(question)s") % {
            "question": flag_text.get(favours, favours)
        }
    return who, order


def pool_title(pool: dict[str, Any], flag_text: dict[str, str]) -> str:
    """A seat pool in words: its seats, whom they are for first, and the order."""
    who, order = pool_rule(pool, flag_text)
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
    out: list[dict[str, Any]] = []
    for rank, entry in enumerate(placement.explain, start=1):
        item: dict[str, Any] = {
            "school": names.get(entry["school"], entry["school"]),
            "rank": rank,
            "dropped": entry["dropped"],
            "pools": [],
        }
        for pool in entry["pools"]:
            line: dict[str, Any] = {"title": pool_title(pool, flag_text)}
            if pool["cutoff"] is None:
                line["state"] = _(
                    "Not all of these seats were taken (%(filled)s of %(seats)s)."
                ) % {
                    "filled": pool["filled"],
                    "seats": pool["seats"],
                }
            else:
                line["state"] = _("All of these seats were taken.")
                line["last"] = _who(pool["order_by"], pool["cutoff"], pool["favours"])
            line["mine"] = _who(pool["order_by"], pool["mine"], pool["favours"])
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


def priority_words(order_by: str, data: dict[str, Any], favours: str) -> str:
    """A child's place in a seat pool's order in words (priority group, whether the seats are
    for it, distance or place on the list, lottery number): for the cut-off tables."""
    return _who(order_by, data, favours)
