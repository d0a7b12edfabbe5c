"""``round.toml`` of a housing round, both directions (``docs/housing-rules.md`` section 2):
:func:`read_rules` checks it into :class:`~samen.housing.model.HousingRules`,
:func:`render_rules` writes the rules back as TOML that reads to the same rules.

What can be checked without the tables is checked here: the keys, the labels' expressions
and orderings as text, the shares, the suitability tables. Whether a flag, a priority group
or a value column exists in households.csv, and whether the bands of the rows are known, is
checked by :mod:`samen.housing.folder`, which has both.

>>> from samen.io.errors import Problems
>>> from samen.io.toml import parse_toml
>>> text = '''kind = "housing"
... name = "May"
... seed = "a seed of the round"
... [labels.standard]
... order_by = "value:registered"
... [suitability.rooms]
... 1 = [1, 2]
... 3 = [2, 4]
... '''
>>> rules = read_rules(parse_toml(text, "round.toml", Problems()), Problems())
>>> rules.labels["standard"], dict(rules.suitability.rooms)
(LabelRule(name='standard', favours='', order_by='value:registered', priority_groups=None, admits='', max_share=None), {1: (1, 2), 3: (2, 4)})
>>> read_rules(parse_toml(render_rules(rules), "round.toml", Problems()), Problems()) == rules
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from samen.engine.criteria import CriteriaError
from samen.engine.criteria import parse as parse_criteria
from samen.engine.expressions import split, term_flag
from samen.engine.instance import TIE_BREAKINGS
from samen.housing.model import HousingRules, LabelRule, Suitability
from samen.io.errors import Problem, Problems, suggest
from samen.io.formulas import is_formula_text
from samen.io.formulas import message as formula_message
from samen.io.settings import toml_text
from samen.io.toml import Checker, TomlDoc, type_text

ROUND_FILE = "round.toml"
#: the value of ``kind`` that makes a round.toml a housing round's
KIND = "housing"
RULES_KEYS: tuple[str, ...] = (
    "kind",
    "name",
    "seed",
    "tie_breaking",
    "priority_groups",
    "lottery_share",
    "rent_bands",
    "income_bands",
    "labels",
    "suitability",
)
LABEL_KEYS: tuple[str, ...] = ("favours", "order_by", "priority_groups", "admits", "max_share")
SUITABILITY_KEYS: tuple[str, ...] = ("rooms", "rent")
#: the housing criterion for "larger first" (points); translated to ``value:`` of the
#: column negated (allocation rules 10.2 orders smaller first)
MOST = "most:"
#: the criterion that orders by registration date (the column ``registered``)
REGISTERED = "registered"
#: names of labels, bands and priority groups: they become pool names, flag names and
#: file cells of the allocation round
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
NAME_RULE = "letters, digits and '_', starting with a letter or a digit"


def is_housing(doc_data: Mapping[str, Any]) -> bool:
    """Whether a parsed round.toml is a housing round's (``kind = "housing"``)."""
    return doc_data.get("kind") == KIND


def label_criteria(order_by: str) -> tuple[str, ...]:
    """The criteria of a label's ``order_by``: those of the allocation rules (10.2) and
    ``most:COLUMN``; raises :class:`~samen.engine.criteria.CriteriaError`.

    >>> label_criteria("most:points, value:registered")
    ('most:points', 'value:registered')
    """
    out: list[str] = []
    text = order_by.strip()
    if not text:
        raise CriteriaError(order_by, "order_by is empty; write for example value:registered")
    for raw in text.split(","):
        c = raw.strip()
        if c.lower().startswith(MOST):
            column = c[len(MOST) :].strip()
            if not column:
                raise CriteriaError(order_by, "'most:' needs a column name after it: most:points")
            out.append(MOST + column)
            continue
        if not c:
            raise CriteriaError(order_by, "a criterion is empty; write criteria between the ','")
        (one,) = parse_criteria(c)
        if one == "distance":
            raise CriteriaError(
                order_by,
                "'distance' does not apply to housing (a household's home is the one it "
                "leaves); use value:registered, lottery, rank, value:COLUMN or most:COLUMN",
            )
        out.append(one)
    return tuple(out)


def criterion_column(criterion: str) -> str | None:
    """The households.csv column a criterion reads (``registered`` for value:registered)."""
    for prefix in ("value:", MOST):
        if criterion.startswith(prefix):
            return criterion[len(prefix) :]
    return None


class _Reader:
    """The checks of one housing round.toml; ``ok`` is False once a problem was found."""

    def __init__(self, doc: TomlDoc, problems: Problems):
        self.doc = doc
        self.check = Checker(doc, problems)
        self.problems = problems
        self.ok = True

    def bad(self, path: str, message: str) -> None:
        self.ok = False
        self.check.add(path, message)

    def name(self, path: str, value: str, what: str) -> bool:
        """Whether ``value`` is a valid name of a label, band or group (``what``)."""
        if is_formula_text(value):
            self.bad(path, formula_message(value))
            return False
        if not NAME.match(value):
            self.bad(path, f"the {what} '{value}' is not a valid name; use {NAME_RULE}")
            return False
        return True

    def names(self, key: str, table: Mapping[str, Any], path: str, what: str) -> tuple[str, ...]:
        raw = table.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
            self.bad(path, f'\'{key}\' must be a list of names in double quotes, like ["a", "b"]')
            return ()
        out: list[str] = []
        for g in raw:
            g = g.strip()
            if not self.name(path, g, what):
                continue
            if g in out:
                self.bad(path, f"the {what} '{g}' is listed twice; list each once")
                continue
            out.append(g)
        return tuple(out)

    def share(self, table: Mapping[str, Any], key: str, path: str, what: str) -> float | None:
        before = len(self.problems)
        v = self.check.share(table, key, path, what)
        if len(self.problems) > before:
            self.ok = False
        return v


def _expression(r: _Reader, path: str, text: Any, key: str) -> str:
    """A flag expression's text (checked as text: its flags are checked with the tables)."""
    if not isinstance(text, str):
        r.bad(path, f"'{key}' must be a flag expression in double quotes, not {type_text(text)}")
        return ""
    for term in split(text):
        flag, _ = term_flag(term)
        if not term:
            r.bad(path, f"'{text}': a term is empty; write flag names between the '|'")
            return ""
        if not flag:
            r.bad(path, f"'{text}': 'not:' needs a flag name after it, like not:work_income")
            return ""
    return "|".join(split(text))


def _label(r: _Reader, name: str, raw: Any, groups: Sequence[str]) -> LabelRule | None:
    path = f"labels.{name}"
    r.name(path, name, "label")
    if not isinstance(raw, dict):
        r.bad(path, f"[labels.{name}] must be a table: write [labels.{name}] above its keys")
        return None
    r.check.unknown(raw, LABEL_KEYS, f"{path}.")
    favours = _expression(r, f"{path}.favours", raw.get("favours", ""), "favours")
    admits = _expression(r, f"{path}.admits", raw.get("admits", ""), "admits")
    order_by = raw.get("order_by", "value:registered")
    if not isinstance(order_by, str):
        r.bad(f"{path}.order_by", f"'order_by' must be text, not {type_text(order_by)}")
        order_by = "value:registered"
    try:
        order_by = ",".join(label_criteria(order_by))
    except CriteriaError as exc:
        r.bad(f"{path}.order_by", f"'{order_by}': {exc.problem}")
    label_groups: tuple[str, ...] | None = None
    if "priority_groups" in raw:
        label_groups = r.names("priority_groups", raw, f"{path}.priority_groups", "priority group")
        for g in label_groups:
            if g not in groups:
                r.bad(
                    f"{path}.priority_groups",
                    f"'{g}' is not one of the round's priority_groups ("
                    + (", ".join(groups) or "there are none")
                    + f"){suggest(g, groups)}; add it there, or remove it here",
                )
    max_share = r.share(raw, "max_share", f"{path}.max_share", f"the largest share of label {name}")
    return LabelRule(
        name=name,
        favours=favours,
        order_by=order_by,
        priority_groups=label_groups,
        admits=admits,
        max_share=max_share,
    )


def _shown(value: Any) -> str:
    """A TOML value as written (a list as ``[3, 2]``)."""
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return type_text(value)


def value_columns_of(data: Mapping[str, Any]) -> list[str]:
    """The columns that the labels of a parsed round.toml order by (``value:X``,
    ``most:X``; ``registered`` included), as far as they can be read: the reader of
    households.csv needs them even when round.toml has problems, so as not to call them
    flags."""
    out: list[str] = []
    labels = data.get("labels")
    for raw in labels.values() if isinstance(labels, dict) else ():
        order_by = raw.get("order_by") if isinstance(raw, dict) else None
        for c in order_by.split(",") if isinstance(order_by, str) else ():
            col = criterion_column(c.strip())
            if col and col not in out:
                out.append(col)
    return out


def _rooms(r: _Reader, raw: Any) -> dict[int, tuple[int, int]]:
    path = "suitability.rooms"
    if not isinstance(raw, dict):
        r.bad(path, "[suitability.rooms] must be a table of household size = [fewest, most]")
        return {}
    out: dict[int, tuple[int, int]] = {}
    for key, value in raw.items():
        kpath = f"{path}.{key}"
        if not key.isdigit() or int(key) < 1:
            r.bad(kpath, f"'{key}' is not a household size; the keys are sizes 1, 2, 3, ...")
            continue
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        )
        if not ok or not 1 <= value[0] <= value[1]:
            r.bad(
                kpath,
                f"household size {key}: {_shown(value)} is not [fewest, most] rooms; write "
                "two whole numbers, the first at least 1 and at most the second, like [2, 3]",
            )
            continue
        out[int(key)] = (int(value[0]), int(value[1]))
    if out and 1 not in out:
        r.bad(
            path,
            "the rooms table must start at household size 1 (each size uses the row of the "
            "largest size listed up to it)",
        )
    return dict(sorted(out.items()))


def _rent(
    r: _Reader, raw: Any, rent_bands: Sequence[str], income_bands: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    path = "suitability.rent"
    if not isinstance(raw, dict):
        r.bad(path, "[suitability.rent] must be a table of income band = [rent bands that fit]")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        kpath = f"{path}.{key}"
        if not r.name(kpath, key, "income band"):
            continue
        if income_bands and key not in income_bands:
            r.bad(
                kpath,
                f"'{key}' is not one of the income_bands ({', '.join(income_bands)})"
                f"{suggest(key, income_bands)}",
            )
            continue
        if value == []:
            r.bad(kpath, f'income band {key} needs at least one rent band, like ["A"]')
            continue
        bands = r.names(key, raw, kpath, "rent band")
        if not bands:
            continue
        unknown = [b for b in bands if rent_bands and b not in rent_bands]
        if unknown:
            r.bad(
                kpath,
                f"rent band '{unknown[0]}' is not one of the rent_bands ({', '.join(rent_bands)})"
                f"{suggest(unknown[0], rent_bands)}",
            )
            continue
        out[key] = bands
    missing = [b for b in income_bands if out and b not in out and b not in raw]
    if missing:
        r.bad(
            path,
            f"income band {missing[0]} has no row, so no dwelling would fit its households; "
            f"add a line {missing[0]} = [...] with the rent bands that fit it",
        )
    return out


def _suitability(r: _Reader, rent_bands: Sequence[str], income_bands: Sequence[str]) -> Suitability:
    raw = r.doc.data.get("suitability", {})
    if not isinstance(raw, dict):
        r.bad("suitability", "'suitability' must be a table: write [suitability.rooms] and so on")
        return Suitability()
    r.check.unknown(raw, SUITABILITY_KEYS, "suitability.")
    rooms = _rooms(r, raw["rooms"]) if "rooms" in raw else {}
    rent = _rent(r, raw["rent"], rent_bands, income_bands) if "rent" in raw else {}
    return Suitability(rooms=rooms, rent=rent)


def read_rules(doc: TomlDoc, problems: Problems) -> HousingRules | None:
    """The rules of a parsed housing round.toml; every problem goes to ``problems`` (with its
    line and key) and the result is ``None`` when there is one."""
    r = _Reader(doc, problems)
    data = doc.data
    r.check.unknown(data, RULES_KEYS, "")
    if any(k not in RULES_KEYS for k in data):
        r.ok = False
    if data.get("kind") != KIND:
        r.bad("kind", f'a housing round\'s round.toml starts with kind = "{KIND}"')
    texts = {}
    for key in ("name", "seed"):
        v = data.get(key)
        if not isinstance(v, str) or not v.strip():
            r.ok = False
            what = "the round's name" if key == "name" else "the seed announced before the draw"
            problems.append(
                Problem(
                    ROUND_FILE, doc.line(key), key, f"'{key}' is missing or empty; write {what}"
                )
            )
            v = ""
        texts[key] = v
    tie = data.get("tie_breaking", "single")
    if tie not in TIE_BREAKINGS:
        r.bad("tie_breaking", f"unknown tie_breaking {type_text(tie)}; choose single or multiple")
        tie = "single"
    groups = r.names("priority_groups", data, "priority_groups", "priority group")
    rent_bands = r.names("rent_bands", data, "rent_bands", "rent band")
    income_bands = r.names("income_bands", data, "income_bands", "income band")
    lottery_share = r.share(data, "lottery_share", "lottery_share", "the largest lottery share")
    labels: dict[str, LabelRule] = {}
    raw_labels = data.get("labels")
    if not isinstance(raw_labels, dict) or not raw_labels:
        r.bad(
            "labels",
            "the round has no labels; add a table [labels.NAME] for each label of "
            "dwellings.csv, with favours and order_by",
        )
    else:
        for name, raw in raw_labels.items():
            rule = _label(r, name, raw, groups)
            if rule is not None:
                labels[name] = rule
    suitability = _suitability(r, rent_bands, income_bands)
    if not r.ok:
        return None
    return HousingRules(
        name=texts["name"],
        seed=texts["seed"],
        labels=labels,
        suitability=suitability,
        priority_groups=groups,
        lottery_share=lottery_share,
        rent_bands=rent_bands,
        income_bands=income_bands,
        tie_breaking=tie,
    )


def render_rules(
    rules: HousingRules,
    *,
    header: Sequence[str] = (),
    notes: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """``rules`` as round.toml, with ``header`` comment lines first and ``notes[label]``
    comment lines above each label's table."""
    notes = notes or {}

    def names(values: Sequence[str]) -> str:
        return "[" + ", ".join(toml_text(v) for v in values) + "]"

    lines = [f"# {c}" if c else "#" for c in header]
    lines += [
        f"kind = {toml_text(KIND)}",
        f"name = {toml_text(rules.name)}",
        f"seed = {toml_text(rules.seed)}",
        f"tie_breaking = {toml_text(rules.tie_breaking)}",
        f"priority_groups = {names(rules.priority_groups)}",
    ]
    if rules.lottery_share is not None:
        lines.append(f"lottery_share = {rules.lottery_share!r}")
    if rules.rent_bands:
        lines.append(f"rent_bands = {names(rules.rent_bands)}")
    if rules.income_bands:
        lines.append(f"income_bands = {names(rules.income_bands)}")
    for name, label in rules.labels.items():
        lines += ["", *(f"# {c}" for c in notes.get(name, ())), f"[labels.{name}]"]
        lines.append(f"favours = {toml_text(label.favours)}")
        lines.append(f"order_by = {toml_text(label.order_by)}")
        if label.priority_groups is not None:
            lines.append(f"priority_groups = {names(label.priority_groups)}")
        if label.admits:
            lines.append(f"admits = {toml_text(label.admits)}")
        if label.max_share is not None:
            lines.append(f"max_share = {label.max_share!r}")
    s = rules.suitability
    if s.rooms:
        lines += ["", "[suitability.rooms]"]
        lines += [f"{size} = [{lo}, {hi}]" for size, (lo, hi) in s.rooms.items()]
    if s.rent:
        lines += ["", "[suitability.rent]"]
        lines += [f"{band} = {names(fit)}" for band, fit in s.rent.items()]
    return "\n".join(lines) + "\n"


__all__ = [
    "KIND",
    "LABEL_KEYS",
    "MOST",
    "NAME",
    "REGISTERED",
    "ROUND_FILE",
    "RULES_KEYS",
    "criterion_column",
    "is_housing",
    "label_criteria",
    "read_rules",
    "render_rules",
    "value_columns_of",
]
