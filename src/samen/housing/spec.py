"""The simulation spec of ``samen housing simulate`` (a TOML file,
``docs/housing-simulation.md``), read with every check: the city, the years, the seeds, the
households' behaviour and the scenarios, each scenario's rules read by the housing round's
own reader (:func:`samen.housing.settings.read_rules`), every problem with the file, the line
and the key.

>>> s = parse_spec('[city]\\npreset = "mechelen"\\n[[scenario]]\\nname = "order"\\n'
...                '[scenario.rules.labels.standard]\\norder_by = "value:registered"\\n')
>>> s.years, s.seeds, [c.name for c in s.scenarios], s.scenarios[0].rules.labels["standard"].order_by
(10, 100, ['order'], 'value:registered')
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samen.analytics.city.housing import FLAGS, INCOME_BANDS, RENT_BANDS
from samen.analytics.scenarios.spec import CitySpec, read_city
from samen.engine.expressions import split, term_flag
from samen.housing.model import HousingRules
from samen.housing.settings import KIND, criterion_column, read_rules
from samen.io.errors import InputError, Problem, Problems, suggest
from samen.io.toml import Checker, TomlDoc, parse_toml, read_toml, type_text

DEFAULT_YEARS = 10
MAX_YEARS = 50
DEFAULT_SEEDS = 100
MAX_SEEDS = 10_000
TOP_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "years",
    "seeds",
    "seed",
    "group",
    "city",
    "behaviour",
    "rules",
    "scenario",
)
SCENARIO_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "rules",
    "default_label",
    "vacancies",
    "offers",
)
VACANCY_KEYS: tuple[str, ...] = ("label", "share", "where", "min_project")
OFFER_KEYS: tuple[str, ...] = ("label", "who", "attraction", "acceptance")
#: where a vacancy rule applies: every neighbourhood, the N poorest or richest, or a list
WHERE = re.compile(r"^(all|poorest:(\d+)|richest:(\d+))$")
#: the groups whose share the report follows: an income band or a flag
GROUP_PREFIX = "income_band:"


class SpecError(InputError):
    """The simulation spec cannot be used; ``problems`` names the file, line and key of each
    problem and what to fix."""

    WHAT = "The simulation spec"


@dataclass(frozen=True)
class Behaviour:
    """How households move, respond and accept (``[behaviour]``; every value documented in
    ``docs/housing-simulation.md``). Rates are per year."""

    #: share of tenants who leave each year, by type: the first flag of the table (in its
    #: order) that the household has, else ``other``
    turnover: Mapping[str, float] = field(
        default_factory=lambda: {"young_family": 0.12, "work_income": 0.08, "other": 0.05}
    )
    #: tenants of a higher income band leave poorer neighbourhoods sooner: the rate is
    #: multiplied by 1 + leave_deprivation x deprivation x (band - 1) / 3
    leave_deprivation: float = 1.5
    #: share of the waiting list that leaves it each year (housed elsewhere, gave up)
    list_exit: float = 0.2
    #: new registrations per year, per social home
    registrations: float = 0.27
    #: share of the waiting list that responds in a month
    active: float = 0.35
    #: most dwellings a household responds to in a month
    max_responses: int = 3
    #: how much a household of income band 1..4 minds a poor neighbourhood
    choosiness: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
    #: utility of responding: lost per unit of deprivation (times choosiness)
    respond_deprivation: float = 2.5
    #: utility of responding to a home in the neighbourhood where the household lives
    respond_own: float = 1.0
    #: the utility a dwelling must beat to be responded to (the outside option)
    respond_outside: float = -1.0
    #: log-odds of accepting an offer in a neighbourhood of deprivation 0
    accept_base: float = 2.5
    #: log-odds lost per unit of deprivation (times choosiness)
    accept_deprivation: float = 3.0
    #: refused offers after which a household is taken off the list (Flanders: 2)
    max_refusals: int = 2


@dataclass(frozen=True)
class VacancyRule:
    """Which of a month's vacancies get a label (``[[scenario.vacancies]]``)."""

    label: str
    share: float
    where: str | tuple[str, ...] = "all"
    min_project: int = 0


@dataclass(frozen=True)
class Offer:
    """A favourable offer (``[[scenario.offers]]``): households who have ``who`` find the
    dwellings of ``label`` more attractive to respond to and to accept (Mechelen's rent below
    market for young families in a poor neighbourhood)."""

    label: str
    who: str
    attraction: float = 0.0
    acceptance: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """One rule set: the rules of its housing rounds, which vacancies get which label, and
    the offers."""

    name: str
    rules: HousingRules
    description: str = ""
    default_label: str = "standard"
    vacancies: tuple[VacancyRule, ...] = ()
    offers: tuple[Offer, ...] = ()
    #: the line of each key (``"vacancies.1.where"``), for the checks against the city
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def changes(self) -> dict[str, Any]:
        """The scenario as the spec gives it (for housing.json)."""
        r = self.rules
        return {
            "priority_groups": list(r.priority_groups),
            "lottery_share": r.lottery_share,
            "labels": {
                k: {
                    "favours": v.favours,
                    "order_by": v.order_by,
                    "priority_groups": None
                    if v.priority_groups is None
                    else list(v.priority_groups),
                    "admits": v.admits,
                    "max_share": v.max_share,
                }
                for k, v in r.labels.items()
            },
            "default_label": self.default_label,
            "vacancies": [
                {
                    "label": v.label,
                    "share": v.share,
                    "where": v.where if isinstance(v.where, str) else list(v.where),
                    "min_project": v.min_project,
                }
                for v in self.vacancies
            ],
            "offers": [
                {
                    "label": o.label,
                    "who": o.who,
                    "attraction": o.attraction,
                    "acceptance": o.acceptance,
                }
                for o in self.offers
            ],
        }


@dataclass(frozen=True)
class SimSpec:
    """A simulation spec: the city, the years, the seeds, the behaviour, the scenarios."""

    source: str
    name: str
    scenarios: tuple[Scenario, ...]
    city: CitySpec = field(default_factory=CitySpec)
    description: str = ""
    years: int = DEFAULT_YEARS
    seeds: int = DEFAULT_SEEDS
    seed: int = 1
    #: the group whose dissimilarity and isolation are reported: ``income_band:1`` or a flag
    group: str = "income_band:1"
    behaviour: Behaviour = field(default_factory=Behaviour)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def problem(self, key: str, message: str) -> Problem:
        """A problem with ``key`` of the spec (its line, or that of its table)."""
        parts = key.split(".")
        line = None
        while parts and line is None:
            line = self.lines.get(".".join(parts))
            parts.pop()
        shown = ".".join(p for p in key.split(".") if not p.isdigit())
        return Problem(self.source, line, shown, message, keyed=True)


# --------------------------------------------------------------------------- reading


def _number(
    r: Checker,
    table: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    lo: float | None = None,
    what: str = "",
) -> float:
    if key not in table:
        return default
    v = table[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        r.add(path, f"'{key}' must be a number ({what}), not {type_text(v)}")
        return default
    if lo is not None and v < lo:
        r.add(path, f"'{key}' is {v:g}; it must be {lo:g} or more ({what})")
        return default
    return float(v)


def _share(
    r: Checker, table: Mapping[str, Any], key: str, path: str, default: float, what: str
) -> float:
    v = r.share(table, key, path, what)
    return default if v is None else v


def _behaviour(r: Checker, raw: Any) -> Behaviour:
    base = Behaviour()
    b = r.table(raw, "behaviour")
    if b is None:
        return base
    keys = tuple(base.__dataclass_fields__)
    r.unknown(b, keys, "behaviour.")
    turnover = dict(base.turnover)
    if "turnover" in b:
        t = r.table(b["turnover"], "behaviour.turnover")
        if t is not None:
            got: dict[str, float] = {}
            for k in t:
                path = f"behaviour.turnover.{k}"
                if k != "other" and k not in FLAGS:
                    r.add(
                        path,
                        f"'{k}' is not a household type{suggest(k, (*FLAGS, 'other'))}; the "
                        "types are the flags " + ", ".join(FLAGS) + " and other",
                    )
                    continue
                s = r.share(t, k, path, f"the share of {k} tenants who leave in a year")
                if s is not None:
                    got[k] = s
            if "other" not in t:
                r.add(
                    "behaviour.turnover",
                    "the turnover table needs 'other' (the rate of tenants of no type listed)",
                )
            turnover = got
    choosiness = base.choosiness
    if "choosiness" in b:
        c = b["choosiness"]
        ok = (
            isinstance(c, list)
            and len(c) == len(INCOME_BANDS)
            and all(isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in c)
        )
        if not ok:
            r.add(
                "behaviour.choosiness",
                f"give {len(INCOME_BANDS)} numbers of 0 or more (income bands 1 to "
                f"{len(INCOME_BANDS)}), like [0.5, 1.0, 1.5, 2.0]",
            )
        else:
            choosiness = tuple(float(x) for x in c)
    p = "behaviour."
    return Behaviour(
        turnover=turnover,
        leave_deprivation=_number(
            r,
            b,
            "leave_deprivation",
            p + "leave_deprivation",
            base.leave_deprivation,
            0,
            "how much sooner better-off tenants leave poor neighbourhoods",
        ),
        list_exit=_share(
            r,
            b,
            "list_exit",
            p + "list_exit",
            base.list_exit,
            "the share of the waiting list leaving it in a year",
        ),
        registrations=_number(
            r,
            b,
            "registrations",
            p + "registrations",
            base.registrations,
            0,
            "new registrations per year per social home",
        ),
        active=_share(
            r, b, "active", p + "active", base.active, "the share of the list responding in a month"
        ),
        max_responses=r.integer(
            b,
            "max_responses",
            p + "max_responses",
            base.max_responses,
            1,
            "dwellings a household responds to in a month",
        )
        or base.max_responses,
        choosiness=choosiness,
        respond_deprivation=_number(
            r,
            b,
            "respond_deprivation",
            p + "respond_deprivation",
            base.respond_deprivation,
            None,
            "utility",
        ),
        respond_own=_number(
            r, b, "respond_own", p + "respond_own", base.respond_own, None, "utility"
        ),
        respond_outside=_number(
            r, b, "respond_outside", p + "respond_outside", base.respond_outside, None, "utility"
        ),
        accept_base=_number(
            r, b, "accept_base", p + "accept_base", base.accept_base, None, "log-odds"
        ),
        accept_deprivation=_number(
            r,
            b,
            "accept_deprivation",
            p + "accept_deprivation",
            base.accept_deprivation,
            None,
            "log-odds",
        ),
        max_refusals=r.integer(
            b,
            "max_refusals",
            p + "max_refusals",
            base.max_refusals,
            1,
            "refusals before leaving the list",
        )
        or base.max_refusals,
    )


def _merged_rules(
    doc: TomlDoc, base: Mapping[str, Any] | None, own: Any, prefix: str, name: str, seed: str
) -> tuple[TomlDoc, dict[str, str]]:
    """The TOML document of a scenario's rules: the top-level ``[rules]`` with the
    scenario's ``[scenario.rules]`` keys put over it (a table given by the scenario replaces
    the whole table), as the housing round's reader takes it, and where each key came from
    (dotted key -> the spec's dotted path), for the lines and keys of its problems."""
    data: dict[str, Any] = copy.deepcopy(dict(base)) if base else {}
    origin = {k: f"rules.{k}" for k in data}
    if isinstance(own, dict):
        for k, v in own.items():
            data[k] = copy.deepcopy(v)
            origin[k] = f"{prefix}.rules.{k}"
    data.setdefault("kind", KIND)
    data.setdefault("name", name)
    data.setdefault("seed", seed)
    lines: dict[str, int] = {}
    for k, path in origin.items():
        for full, line in doc.lines.items():
            if full == path or full.startswith(path + "."):
                lines[k + full[len(path) :]] = line
    return TomlDoc(data, doc.source, lines), origin


def _rules(
    r: Checker, doc: TomlDoc, problems: Problems, i: int, sc: Mapping[str, Any], name: str
) -> HousingRules | None:
    """A scenario's rules, read by the housing round's reader; its problems carry the
    spec's lines and keys (``scenario.rules.labels.young.favours``)."""
    prefix = f"scenario.{i}"
    base = doc.data.get("rules")
    if base is not None and not isinstance(base, dict):
        return None  # reported once, by the caller
    own = sc.get("rules")
    if own is not None and not isinstance(own, dict):
        r.add(
            f"{prefix}.rules",
            f"'rules' of scenario '{name}' must be a table: write [scenario.rules] above its keys",
        )
        return None
    if own is None and base is None:
        r.add(
            prefix,
            f"scenario '{name}' has no rules; give [scenario.rules] (the keys of a "
            "housing round's round.toml) or a [rules] table for every scenario",
        )
        return None
    sub, origin = _merged_rules(doc, base, own, prefix, name, f"{name}: simulated")
    found = Problems()
    rules = read_rules(sub, found)
    for p in found.all():
        key = p.column or ""
        top = key.split(".")[0]
        spec_key = origin.get(top, f"{prefix}.rules") + key[len(top) :]
        shown = ".".join(x for x in spec_key.split(".") if not x.isdigit())
        problems.append(Problem(doc.source, p.row, shown, p.message, keyed=True))
    return rules


def _where(r: Checker, v: Mapping[str, Any], path: str) -> str | tuple[str, ...]:
    w = v.get("where", "all")
    if isinstance(w, str) and WHERE.match(w.strip()):
        return w.strip()
    if isinstance(w, list) and w and all(isinstance(x, str) and x.strip() for x in w):
        return tuple(x.strip() for x in w)
    r.add(
        path,
        f'\'where\' is {type_text(w)}; write "all", "poorest:2" (the two neighbourhoods with '
        'the most indicator pupils), "richest:3" or a list of neighbourhood ids like ["N02"]',
    )
    return "all"


def _flags_of(expression: str) -> list[str]:
    return [term_flag(t)[0] for t in split(expression)]


def _check_rules_flags(r: Checker, prefix: str, rules: HousingRules) -> None:
    """What the housing reader checks against households.csv, checked against the
    simulation's households: flags, value columns and bands."""
    for g in rules.priority_groups:
        if g not in FLAGS:
            r.add(
                f"{prefix}.rules.priority_groups",
                f"priority group '{g}' is not a flag of the "
                f"households{suggest(g, FLAGS)}; they are " + ", ".join(FLAGS),
            )
    for name, label in rules.labels.items():
        lp = f"{prefix}.rules.labels.{name}"
        for key, text in (("favours", label.favours), ("admits", label.admits)):
            for f in _flags_of(text):
                if f not in FLAGS:
                    r.add(
                        f"{lp}.{key}",
                        f"'{f}' is not a flag of the simulated households"
                        f"{suggest(f, FLAGS)}; they are " + ", ".join(FLAGS),
                    )
        for c in label.order_by.split(","):
            col = criterion_column(c.strip())
            if col is not None and col != "registered":
                r.add(
                    f"{lp}.order_by",
                    f"'{c.strip()}': the simulated households have no "
                    "column '" + col + "'; order by value:registered, lottery or rank",
                )
    if rules.income_bands and tuple(rules.income_bands) != INCOME_BANDS:
        r.add(
            f"{prefix}.rules.income_bands",
            "the simulated city's income bands are "
            + ", ".join(INCOME_BANDS)
            + "; leave income_bands out or list exactly these",
        )
    if rules.rent_bands and tuple(rules.rent_bands) != RENT_BANDS:
        r.add(
            f"{prefix}.rules.rent_bands",
            "the simulated city's rent bands are "
            + ", ".join(RENT_BANDS)
            + "; leave rent_bands out or list exactly these",
        )
    for band, fit in rules.suitability.rent.items():
        if band not in INCOME_BANDS:
            r.add(
                f"{prefix}.rules.suitability.rent.{band}",
                f"'{band}' is not an income band "
                "of the simulated city (" + ", ".join(INCOME_BANDS) + ")",
            )
        for b in fit:
            if b not in RENT_BANDS:
                r.add(
                    f"{prefix}.rules.suitability.rent.{band}",
                    f"'{b}' is not a rent band of "
                    "the simulated city (" + ", ".join(RENT_BANDS) + ")",
                )
    if rules.suitability.rent and set(rules.suitability.rent) != set(INCOME_BANDS):
        missing = [b for b in INCOME_BANDS if b not in rules.suitability.rent]
        if missing:
            r.add(
                f"{prefix}.rules.suitability.rent",
                f"income band {missing[0]} has no row, "
                "so no dwelling would fit its households; give every band its rent bands",
            )


def _scenario(r: Checker, doc: TomlDoc, problems: Problems, raw: Any, i: int) -> Scenario | None:
    prefix = f"scenario.{i}"
    sc = r.table(raw, prefix)
    if sc is None:
        return None
    r.unknown(sc, SCENARIO_KEYS, f"{prefix}.")
    name = sc.get("name")
    if not isinstance(name, str) or not name.strip():
        r.add(
            f"{prefix}.name" if "name" in sc else prefix,
            f'scenario {i} has no name; give it one (name = "registration order"), the '
            "report shows it",
        )
        name = f"scenario {i}"
    name = name.strip()
    description = r.text(sc, "description", f"{prefix}.description", "")
    before = len(problems)
    rules = _rules(r, doc, problems, i, sc, name)
    default = r.text(sc, "default_label", f"{prefix}.default_label", "standard")
    vacancies: list[VacancyRule] = []
    raw_v = sc.get("vacancies", [])
    if not isinstance(raw_v, list) or not all(isinstance(x, dict) for x in raw_v):
        r.add(
            f"{prefix}.vacancies",
            "write each vacancy rule as a [[scenario.vacancies]] table with label, share and where",
        )
        raw_v = []
    for j, v in enumerate(raw_v, start=1):
        vp = f"{prefix}.vacancies.{j}"
        r.unknown(v, VACANCY_KEYS, f"{vp}.")
        label = r.text(v, "label", f"{vp}.label", "")
        share = r.share(
            v, "share", f"{vp}.share", "the share of the vacancies in scope", required=True
        )
        where = _where(r, v, f"{vp}.where")
        min_project = (
            r.integer(
                v, "min_project", f"{vp}.min_project", 0, 0, "homes in the dwelling's project"
            )
            or 0
        )
        if rules is not None and label not in rules.labels:
            r.add(
                f"{vp}.label",
                f"'{label}' is not a label of scenario '{name}'"
                f"{suggest(label, list(rules.labels))}; its labels are " + ", ".join(rules.labels),
            )
        if share is not None:
            vacancies.append(VacancyRule(label, share, where, min_project))
    offers: list[Offer] = []
    raw_o = sc.get("offers", [])
    if not isinstance(raw_o, list) or not all(isinstance(x, dict) for x in raw_o):
        r.add(
            f"{prefix}.offers",
            "write each offer as a [[scenario.offers]] table with label, "
            "who, attraction and acceptance",
        )
        raw_o = []
    for j, o in enumerate(raw_o, start=1):
        op = f"{prefix}.offers.{j}"
        r.unknown(o, OFFER_KEYS, f"{op}.")
        label = r.text(o, "label", f"{op}.label", "")
        who = r.text(o, "who", f"{op}.who", "")
        if rules is not None and label not in rules.labels:
            r.add(
                f"{op}.label",
                f"'{label}' is not a label of scenario '{name}'"
                f"{suggest(label, list(rules.labels))}; its labels are " + ", ".join(rules.labels),
            )
        for f in _flags_of(who):
            if f not in FLAGS:
                r.add(
                    f"{op}.who",
                    f"'{f}' is not a flag of the simulated households"
                    f"{suggest(f, FLAGS)}; they are " + ", ".join(FLAGS),
                )
        attraction = _number(r, o, "attraction", f"{op}.attraction", 0.0, None, "utility")
        acceptance = _number(r, o, "acceptance", f"{op}.acceptance", 0.0, None, "log-odds")
        offers.append(Offer(label, "|".join(split(who)), attraction, acceptance))
    if rules is not None:
        _check_rules_flags(r, prefix, rules)
        rule = rules.labels.get(default)
        dp = f"{prefix}.default_label" if "default_label" in sc else prefix
        if rule is not None and rule.max_share is not None and rule.max_share < 1:
            r.add(
                dp,
                f"the default label '{default}' takes every vacancy no rule labels, so it "
                "cannot have a max_share; give max_share to the labels of the vacancy rules",
            )
        if rule is not None and rule.by_lottery and rules.lottery_share is not None:
            r.add(
                dp,
                f"the default label '{default}' orders by lottery and takes every vacancy "
                "no rule labels, so the lottery_share could not hold; make a lottery label "
                "of a [[scenario.vacancies]] rule instead",
            )
        if default not in rules.labels:
            r.add(
                f"{prefix}.default_label" if "default_label" in sc else prefix,
                f"the default label '{default}' (of the vacancies no rule labels) is not a "
                f"label of scenario '{name}'; add [scenario.rules.labels.{default}] or set "
                "default_label to one of " + ", ".join(rules.labels),
            )
    if rules is None or len(problems) > before:
        return None
    prefix_dot = prefix + "."
    lines = {k[len(prefix_dot) :]: n for k, n in doc.lines.items() if k.startswith(prefix_dot)}
    lines[""] = doc.lines.get(prefix, 0)
    return Scenario(name, rules, description, default, tuple(vacancies), tuple(offers), lines)


def _city(r: Checker, raw: Any, base: Path) -> CitySpec:
    c = r.table(raw, "city")
    return CitySpec() if c is None else read_city(r, c, base)


def _spec(doc: TomlDoc, problems: Problems, base: Path) -> SimSpec:
    data = doc.data
    r = Checker(doc, problems)
    r.unknown(data, TOP_KEYS, "")
    name = r.text(data, "name", "name", "")
    description = r.text(data, "description", "description", "")
    years = r.integer(data, "years", "years", DEFAULT_YEARS, 1, "years to simulate")
    if years is not None and years > MAX_YEARS:
        r.add("years", f"'years' is {years}; at most {MAX_YEARS} years")
    seeds = r.integer(data, "seeds", "seeds", DEFAULT_SEEDS, 1, "runs per scenario")
    if seeds is not None and seeds > MAX_SEEDS:
        r.add("seeds", f"'seeds' is {seeds}; at most {MAX_SEEDS:,} runs per scenario")
    seed = r.integer(data, "seed", "seed", 1, 0, "the simulation seed")
    group = r.text(data, "group", "group", "income_band:1").strip()
    bands = [GROUP_PREFIX + b for b in INCOME_BANDS]
    if group not in bands and group not in FLAGS:
        r.add(
            "group",
            f"'{group}' is not a group{suggest(group, [*bands, *FLAGS])}; give an "
            "income band (" + ", ".join(bands) + ") or a flag (" + ", ".join(FLAGS) + ")",
        )
        group = "income_band:1"
    city = _city(r, data["city"], base) if "city" in data else CitySpec()
    behaviour = _behaviour(r, data["behaviour"]) if "behaviour" in data else Behaviour()
    if "rules" in data and not isinstance(data["rules"], dict):
        r.add(
            "rules",
            "'rules' must be a table: write [rules] above the keys every scenario "
            "shares (the keys of a housing round's round.toml)",
        )
    scenarios: list[Scenario] = []
    raw = data.get("scenario")
    if raw is None:
        r.add(
            "scenario",
            "the spec has no [[scenario]]; add at least one, with a name and [scenario.rules]",
        )
    elif not isinstance(raw, list):
        r.add("scenario", "write each scenario as a [[scenario]] table (double brackets)")
    else:
        seen: set[str] = set()
        for i, item in enumerate(raw, start=1):
            got = _scenario(r, doc, problems, item, i)
            if got is None:
                continue
            if got.name in seen:
                r.add(
                    f"scenario.{i}.name",
                    f"two scenarios are called '{got.name}'; give each its own name",
                )
            seen.add(got.name)
            scenarios.append(got)
    if problems:
        raise SpecError(problems.all())
    return SimSpec(
        source=doc.source,
        name=name,
        description=description,
        scenarios=tuple(scenarios),
        city=city,
        years=years or DEFAULT_YEARS,
        seeds=seeds or DEFAULT_SEEDS,
        seed=seed or 0,
        group=group,
        behaviour=behaviour,
        lines=doc.lines,
    )


def parse_spec(text: str, source: str = "spec.toml", base: str | Path = ".") -> SimSpec:
    """Read a simulation spec from TOML ``text`` (``source`` names it in problems, ``base``
    is the folder a relative ``city.config`` starts from); raises :class:`SpecError` with
    every problem found."""
    problems = Problems()
    doc = parse_toml(text, source, problems)
    if doc is None:
        raise SpecError(problems.all())
    return _spec(doc, problems, Path(base))


def load_spec(path: str | Path) -> SimSpec:
    """Read the simulation spec at ``path``."""
    p = Path(path)
    problems = Problems()
    doc = read_toml(p, problems, source=p.name)
    if doc is None:
        raise SpecError(problems.all())
    return _spec(doc, problems, p.parent)


def where_hoods(
    where: str | Sequence[str], hood_ids: Sequence[str], deprivation: Sequence[float]
) -> list[int]:
    """The neighbourhoods (indices) a vacancy rule's ``where`` names: all, the N poorest
    (highest deprivation; ties to the earlier), the N richest, or the ids listed."""
    k = len(hood_ids)
    if isinstance(where, str):
        m = WHERE.match(where)
        assert m is not None
        if m.group(1) == "all":
            return list(range(k))
        order = sorted(range(k), key=lambda h: (-deprivation[h], h))
        if m.group(2) is not None:
            return sorted(order[: int(m.group(2))])
        return sorted(order[::-1][: int(m.group(3))])
    index = {h: i for i, h in enumerate(hood_ids)}
    return sorted(index[h] for h in where if h in index)


__all__ = [
    "DEFAULT_SEEDS",
    "DEFAULT_YEARS",
    "MAX_SEEDS",
    "MAX_YEARS",
    "Behaviour",
    "Offer",
    "Scenario",
    "SimSpec",
    "SpecError",
    "VacancyRule",
    "load_spec",
    "parse_spec",
    "where_hoods",
]
