"""The rules of version 2 (``docs/allocation-rules.md``, section 10) between the database and
a round folder, both directions, for :mod:`samen.web.core.exchange`.

Export: round.toml's ``family_number``, ``first_choice_only``, ``waitlists``, ``[[nearest]]``
and ``crs`` (:func:`settings_fields`), schools.csv's ``admits`` and category columns
(:func:`school_columns`) and applicants.csv's number columns, the ones ``value:`` criteria
read (:func:`number_cell`). Import: the same keys and columns into the round's, the schools'
and the children's fields (:func:`round_fields`, :func:`school_fields`, :func:`values_of`),
expressions and orderings written the way the folder writes them (:func:`expression`,
:func:`ordering`), so a folder imported and exported again reads to the same instance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from samen.engine import criteria
from samen.engine.criteria import CriteriaError
from samen.engine.instance import Instance
from samen.engine.nearest import NearestRule
from samen.io.round import Round as FolderRound
from samen.web.core import rules_v2

if TYPE_CHECKING:
    from samen.web.core.exchange import FolderData
    from samen.web.core.models import Child, Round, School


@dataclass
class RulesV2:
    """The round's rules of section 10 as the export writes them; the defaults are v1's."""

    family_number: str = "first"
    first_choice_only: list[str] = field(default_factory=list)
    waitlists: bool = False
    nearest: tuple[NearestRule, ...] = ()
    crs: str = ""
    #: the applicants.csv columns of the round's numbers that some pool orders by
    numbers: list[str] = field(default_factory=list)
    #: the schools.csv category columns the nearest rules read
    categories: list[str] = field(default_factory=list)


def rules_of(rnd: Round, schools: Sequence[School]) -> RulesV2:
    """The round's rules of section 10 (only the number columns some pool orders by are
    written: the reader requires a number in every row of a column it reads)."""
    orderings = [p.get("order_by", "") for p in rnd.default_pools or []]
    orderings += [p.order_by for s in schools for p in s.pools.all()]
    used: list[str] = []
    for text in orderings:
        try:
            for column in criteria.value_columns(criteria.parse(text or "lottery")):
                if column not in used:
                    used.append(column)
        except CriteriaError:
            continue
    return RulesV2(
        family_number=rnd.family_number or "first",
        first_choice_only=list(rnd.first_choice_only or []),
        waitlists=bool(rnd.waitlists),
        nearest=rules_v2.nearest_rules(rnd),
        crs=rnd.crs,
        numbers=used,
        categories=rules_v2.category_columns(rnd),
    )


def settings_fields(rules: RulesV2) -> dict[str, Any]:
    """The keyword arguments of :class:`samen.io.settings.Settings` for ``rules``."""
    return {
        "family_number": rules.family_number,
        "first_choice_only": tuple(rules.first_choice_only),
        "waitlists": rules.waitlists,
        "nearest": tuple(rules.nearest),
        "crs": rules.crs,
    }


def school_columns(data: FolderData) -> tuple[list[str], list[list[object]]]:
    """The extra columns of schools.csv: ``admits`` (when some school has one) and the
    category columns of the nearest rules; the header and each school's cells."""
    has_admits = any(s.admits for s in data.schools)
    head = (["admits"] if has_admits else []) + list(data.rules.categories)
    cells: list[list[object]] = []
    for s in data.schools:
        row: list[object] = [s.admits] if has_admits else []
        row += [str((s.categories or {}).get(c, "")) for c in data.rules.categories]
        cells.append(row)
    return head, cells


#: the number of a child the office has not given one yet, in estimates that are never
#: published (the live chances): it comes after every real number
UNKNOWN = 1e15


def child_values(
    child: Child, columns: Sequence[str], missing: float | None = None
) -> dict[str, float | None]:
    """The child's numbers of ``columns``; ``missing`` (None: left empty, so the reader
    names the child) where the office has not given one yet."""
    values = child.values or {}
    out: dict[str, float | None] = {}
    for column in columns:
        v = values.get(column)
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        out[column] = float(v) if ok else missing
    return out


def number_cell(value: float | None) -> str:
    """A number of applicants.csv as it reads back exactly (empty when missing: the reader
    then names the child, and :mod:`samen.web.core.v2checks` refuses the draw before)."""
    return "" if value is None else criteria.number_text(value)


# --------------------------------------------------------------------------- import


def expression(text: str | None) -> str:
    """A flag expression as the platform keeps it: terms joined by ``|`` without spaces."""
    return rules_v2.normal_expression(text or "")


def ordering(text: str | None) -> str:
    """An ordering as the platform keeps it: criteria joined by ``,`` (``lottery`` when
    empty)."""
    try:
        return criteria.text_of(criteria.parse(text or "lottery"))
    except CriteriaError:  # the reader checked it; keep it as written
        return (text or "lottery").strip()


def round_fields(folder: FolderRound) -> dict[str, Any]:
    """The fields of :class:`~samen.web.core.models.Round` for the folder's section-10 keys.
    An imported round keeps its own ``waitlists``: the folder exported again must read to the
    same round (the office may switch waiting lists on until the draw)."""
    s = folder.settings
    inst = folder.instance
    return {
        "family_number": s.family_number,
        "first_choice_only": list(s.first_choice_only),
        "waitlists": bool(s.waitlists),
        "nearest": rules_v2.nearest_json(s.nearest),
        "crs": s.crs,
        "numbers": [{"column": str(c)} for c in inst.value_names],
    }


def school_fields(inst: Instance, i: int) -> dict[str, Any]:
    """The fields of the ``i``-th school: whom it admits and its category values."""
    return {
        "admits": expression(inst.admits[i]) if len(inst.admits) else "",
        "categories": {str(c): str(v[i]) for c, v in inst.categories.items()},
    }


def values_of(inst: Instance, a: int) -> dict[str, float]:
    """The numbers of the ``a``-th child (``value:`` columns), by column."""
    if inst.values is None or not len(inst.value_names):
        return {}
    row = inst.values[a].tolist()
    return {str(c): float(v) for c, v in zip(inst.value_names, row, strict=True)}


__all__ = [
    "UNKNOWN",
    "RulesV2",
    "child_values",
    "expression",
    "number_cell",
    "ordering",
    "round_fields",
    "rules_of",
    "school_columns",
    "school_fields",
    "settings_fields",
    "values_of",
]
