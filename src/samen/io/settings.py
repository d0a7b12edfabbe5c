"""``round.toml``, both directions (allocation rules section 2): :func:`read_settings` checks
it into :class:`Settings`, :func:`render_settings` writes :class:`Settings` back as TOML that
reads to the same settings.

>>> from samen.io.errors import Problems
>>> from samen.io.toml import parse_toml
>>> s = Settings("Kies je school", "s33d", default_pools=(PoolSpec("all", share="1"),))
>>> text = render_settings(s)
>>> print(text, end="")
name = "Kies je school"
seed = "s33d"
mechanism = "deferred-acceptance"
tie_breaking = "single"
priority_groups = []
distance = "euclidean"
<BLANKLINE>
[[default_pools]]
name = "all"
share = 1
favours = ""
order_by = "lottery"
>>> read_settings(parse_toml(text, ROUND_FILE, Problems()), Problems()) == s
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from samen.engine.criteria import CriteriaError, text_of
from samen.engine.criteria import parse as parse_criteria
from samen.engine.distance import KINDS as DISTANCE_KINDS
from samen.engine.instance import FAMILY_NUMBERS, MECHANISMS, TIE_BREAKINGS, PoolSpec
from samen.engine.nearest import NearestRule
from samen.engine.pools import to_fraction
from samen.io.cells import fraction_text, parse_fraction
from samen.io.errors import Problems, suggest
from samen.io.toml import Checker, TomlDoc

ROUND_FILE = "round.toml"
ROUND_KEYS: tuple[str, ...] = (
    "name",
    "seed",
    "mechanism",
    "tie_breaking",
    "priority_groups",
    "distance",
    "default_pools",
    "family_number",
    "first_choice_only",
    "waitlists",
    "nearest",
    "crs",
)
POOL_KEYS: tuple[str, ...] = ("name", "share", "seats", "favours", "order_by")
NEAREST_KEYS: tuple[str, ...] = ("group", "count", "category", "at_least")
#: the arrays of tables of round.toml, and the keys of their tables
TABLE_KEYS: dict[str, tuple[str, ...]] = {"default_pools": POOL_KEYS, "nearest": NEAREST_KEYS}
DEFAULT_POOLS: tuple[PoolSpec, ...] = (PoolSpec("all", share="1"),)


@dataclass(frozen=True)
class Settings:
    """The rules of a round as ``round.toml`` gives them (spec section 2)."""

    name: str
    seed: str
    mechanism: str = "deferred-acceptance"
    tie_breaking: str = "single"
    priority_groups: tuple[str, ...] = ()
    distance: str = "euclidean"
    default_pools: tuple[PoolSpec, ...] = DEFAULT_POOLS
    #: line of round.toml where each default pool's ``favours`` is set (or its
    #: [[default_pools]] line), for problems found once the tables are read
    favours_lines: tuple[int | None, ...] = field(default=(), compare=False)
    # section 10 (v2); the defaults are the v1 rules
    family_number: str = "first"
    first_choice_only: tuple[str, ...] = ()
    waitlists: bool = False
    nearest: tuple[NearestRule, ...] = ()
    #: the projection of x,y (such as "EPSG:31370"); stored, not used by the allocation
    crs: str = ""
    #: the line of every key of round.toml (``nearest.1.category``), for problems found once
    #: the tables are read
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    def line(self, path: str) -> int | None:
        """The line of the key ``path`` of round.toml, or of its nearest enclosing table."""
        return TomlDoc({}, ROUND_FILE, self.lines).line(path)


# --------------------------------------------------------------------------- reading


class _Reader:
    """The checks of one round.toml; ``ok`` is False once a problem was found."""

    def __init__(self, doc: TomlDoc, problems: Problems):
        self.doc = doc
        self.check = Checker(doc, problems)
        self.ok = True

    def bad(self, path: str, message: str, key: str | None = None) -> None:
        self.ok = False
        self.check.add(path, message, key=path if key is None else key)

    def text(self, key: str, required: bool, default: str, misplaced: set[str]) -> str:
        data = self.doc.data
        if key not in data:
            if required and key not in misplaced:
                self.ok = False
                self.check.problems.add(
                    self.doc.source, None, key, f"'{key}' is missing; add a line {key} = \"...\""
                )
            return default
        v = data[key]
        if not isinstance(v, str):
            self.bad(key, f"'{key}' must be text in double quotes, like {key} = \"{v}\"")
            return default
        return v


def _groups(r: _Reader) -> list[str]:
    raw = r.doc.data.get("priority_groups", [])
    groups: list[str] = []
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        r.bad(
            "priority_groups", 'priority_groups must be a list of names, like ["sibling", "staff"]'
        )
        return groups
    for g in raw:
        if not g.strip() or ";" in g or "|" in g:
            r.bad("priority_groups", f"'{g}' is not a valid group name (empty, or with ';' or '|')")
        elif g in groups:
            r.bad("priority_groups", f"the group '{g}' is listed twice; list each group once")
        else:
            groups.append(g)
    return groups


def _share(value: Any) -> Fraction | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return parse_fraction(value)
    return None


def _pool(
    r: _Reader, k: int, p: dict[str, Any], names: set[str]
) -> tuple[PoolSpec, Fraction | None]:
    """The ``k``-th (0-based) [[default_pools]] table, checked."""
    path = f"default_pools.{k + 1}"

    def pbad(message: str) -> None:
        r.bad(path, message, key="default_pools")

    for key in p:
        if key in ROUND_KEYS and key != "name":
            r.bad(
                f"{path}.{key}",
                f"'{key}' is written below a [[default_pools]] line, so it counts as part of "
                f"pool {k + 1}; move the line {key} = ... up, above the first [[default_pools]]",
                key=key,
            )
        elif key not in POOL_KEYS:
            pbad(
                f"unknown key '{key}'{suggest(key, POOL_KEYS)} in pool {k + 1}; the keys "
                "are name, share, favours, order_by"
            )
    pname = p.get("name", "")
    if not isinstance(pname, str) or not pname.strip():
        pbad(f'pool {k + 1} needs a name, like name = "all"')
        pname = f"pool{k + 1}"
    elif pname in names:
        pbad(f"two default pools are named '{pname}'; give each pool its own name")
    names.add(pname)
    if "seats" in p:
        pbad(
            f"default pool '{pname}' gives seats; default pools apply to schools of any size, so "
            "give a share (0 to 1) instead"
        )
    frac = _share(p.get("share"))
    if frac is None or not (0 <= frac <= 1):
        pbad(f"default pool '{pname}' needs a share between 0 and 1, like share = 0.3")
        frac = None
    favours = p.get("favours", "")
    if not isinstance(favours, str):
        pbad(f'favours of default pool \'{pname}\' must be text: "", a flag or "not:flag"')
        favours = ""
    order_by = p.get("order_by", "lottery")
    try:
        if not isinstance(order_by, str):
            raise CriteriaError(str(order_by), "it is not text")
        order_by = text_of(parse_criteria(order_by))
    except CriteriaError as exc:
        pbad(
            f"order_by of default pool '{pname}' is '{exc.text}': {exc.problem}; write lottery, "
            "distance, rank or value:COLUMN, or several joined by ',' (like rank,distance)"
        )
        order_by = "lottery"
    spec = PoolSpec(
        str(pname),
        share=str(frac) if frac is not None else "0",
        favours=favours.strip(),
        order_by=str(order_by),
    )
    return spec, frac


def _default_pools(r: _Reader) -> list[PoolSpec]:
    raw = r.doc.data.get("default_pools", None)
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw or not all(isinstance(p, dict) for p in raw):
        r.bad("default_pools", "default_pools must be one or more [[default_pools]] tables")
        return []
    pools: list[PoolSpec] = []
    names: set[str] = set()
    total = Fraction(0)
    shares_ok = True
    for k, p in enumerate(raw):
        spec, frac = _pool(r, k, p, names)
        pools.append(spec)
        if frac is None:
            shares_ok = False
        else:
            total += frac
    if shares_ok and total != 1:
        r.bad(
            "default_pools.1",
            f"the shares of the default pools add up to {fraction_text(total)}; they must add up "
            "to exactly 1",
            key="default_pools",
        )
    return pools


def _names_list(r: _Reader, key: str, groups: list[str]) -> tuple[str, ...]:
    """``first_choice_only``: priority group names, each once."""
    raw = r.doc.data.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        r.bad(key, f'{key} must be a list of priority group names, like {key} = ["zone"]')
        return ()
    out: list[str] = []
    known = ", ".join(groups) or "none (priority_groups is empty)"
    for g in raw:
        if g not in groups:
            r.bad(
                key,
                f"'{g}' in {key} is not in priority_groups{suggest(g, groups)}; the groups "
                f"are: {known}",
            )
        elif g in out:
            r.bad(key, f"the group '{g}' is listed twice in {key}; list each group once")
        else:
            out.append(g)
    return tuple(out)


def _at_least(r: _Reader, t: dict[str, Any], path: str) -> tuple[tuple[str, int], ...]:
    raw = t.get("at_least")
    if raw is None:
        return ()
    key = "nearest.at_least"
    if not isinstance(raw, dict):
        r.bad(
            f"{path}.at_least",
            "at_least must be a table of category values and numbers, like at_least = "
            "{ public = 2, catholic = 2 }",
            key=key,
        )
        return ()
    if not isinstance(t.get("category"), str) or not t["category"].strip():
        r.bad(
            f"{path}.at_least",
            'at_least needs a category: add category = "...", the column of schools.csv '
            "whose values at_least names",
            key=key,
        )
    out: list[tuple[str, int]] = []
    for value, k in raw.items():
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            r.bad(
                f"{path}.at_least",
                f"at_least gives '{value}' as {k!r}; write a whole number of schools (0 or "
                "more), like at_least = { public = 2 }",
                key=key,
            )
        elif value.strip() in [v for v, _ in out]:
            r.bad(f"{path}.at_least", f"at_least names '{value.strip()}' twice", key=key)
        else:
            out.append((value.strip(), k))
    return tuple(out)


def _nearest_rule(
    r: _Reader, k: int, t: dict[str, Any], groups: list[str], misplaced: set[str]
) -> NearestRule | None:
    """The ``k``-th (0-based) [[nearest]] table, checked (section 10.3)."""
    path = f"nearest.{k + 1}"
    ok = r.ok
    r.ok = True
    for key in t:
        if key in misplaced:
            r.bad(
                f"{path}.{key}",
                f"'{key}' is written below a [[nearest]] line, so it counts as part of that "
                f"table; move the line {key} = ... up, above the first [[nearest]]",
                key=key,
            )
        elif key not in NEAREST_KEYS:
            r.bad(
                f"{path}.{key}",
                f"unknown key '{key}'{suggest(key, NEAREST_KEYS)} in [[nearest]] table {k + 1}; "
                "the keys are " + ", ".join(NEAREST_KEYS),
                key="nearest",
            )
    group = t.get("group")
    known = ", ".join(groups) or "none (priority_groups is empty)"
    if group is None:
        r.bad(path, 'the [[nearest]] table needs a group, like group = "nearby"', key="nearest")
    elif not isinstance(group, str) or group not in groups:
        shown = group if isinstance(group, str) else repr(group)
        hint = suggest(group, groups) if isinstance(group, str) else ""
        r.bad(
            f"{path}.group",
            f"the group '{shown}' is not in priority_groups{hint}; add it there (strongest "
            f"first), or name one of: {known}",
            key="nearest.group",
        )
    count: int | None = None
    if "count" not in t:
        r.bad(
            path,
            "'count' is missing; give the number of nearest schools, like count = 8",
            key="nearest.count",
        )
    else:
        before = len(r.check.problems)
        count = r.check.integer(t, "count", f"{path}.count", None, 1, "a number of schools")
        if len(r.check.problems) > before:
            r.ok = False
    category = t.get("category", "")
    if not isinstance(category, str) or ("category" in t and not category.strip()):
        r.bad(
            f"{path}.category",
            'category must be the name of a column of schools.csv, like category = "denomination"',
            key="nearest.category",
        )
        category = ""
    at_least = _at_least(r, t, path)
    good = r.ok
    r.ok = ok and good
    if not good or count is None or not isinstance(group, str):
        return None
    return NearestRule(group, count, category.strip(), at_least)


def read_v2(r: _Reader, groups: list[str], misplaced: set[str]) -> dict[str, Any]:
    """The keys of section 10 (all optional), checked; the Settings fields they set."""
    data = r.doc.data
    out: dict[str, Any] = {}
    fam = data.get("family_number", "first")
    if not isinstance(fam, str) or fam not in FAMILY_NUMBERS:
        shown = fam if isinstance(fam, str) else repr(fam)
        r.bad(
            "family_number",
            f"family_number is '{shown}'{suggest(str(fam), FAMILY_NUMBERS)}; write "
            '"first" (the number of the member whose applicant_id sorts first) or "best" (the '
            "smallest of the members' numbers)",
        )
    else:
        out["family_number"] = fam
    out["first_choice_only"] = _names_list(r, "first_choice_only", groups)
    wl = data.get("waitlists", False)
    if not isinstance(wl, bool):
        r.bad("waitlists", f"waitlists must be true or false (without quotes), not {wl!r}")
    else:
        out["waitlists"] = wl
    crs = data.get("crs", "")
    if not isinstance(crs, str):
        r.bad(
            "crs",
            f'crs must be text, the name of a projection like crs = "EPSG:31370", not {crs!r}',
        )
    else:
        out["crs"] = crs.strip()
    raw = data.get("nearest")
    rules: list[NearestRule] = []
    if raw is not None:
        if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
            r.bad("nearest", "nearest must be one or more [[nearest]] tables")
        else:
            for k, t in enumerate(raw):
                rule = _nearest_rule(r, k, t, groups, misplaced)
                if rule is not None:
                    rules.append(rule)
    out["nearest"] = tuple(rules)
    return out


def read_settings(doc: TomlDoc, problems: Problems) -> Settings | None:
    """The settings of a parsed round.toml; every problem goes to ``problems`` (with its line
    and key) and the result is None when there is one."""
    r = _Reader(doc, problems)
    data = doc.data
    misplaced: set[str] = set()  # round keys written below a [[default_pools]] line
    for array, own in TABLE_KEYS.items():
        if isinstance(data.get(array), list):
            for table in data[array]:
                if isinstance(table, dict):
                    misplaced.update(k for k in table if k in ROUND_KEYS and k not in own)
    for key in data:
        if key not in ROUND_KEYS:
            r.bad(
                key,
                f"unknown key '{key}'{suggest(key, ROUND_KEYS)}; the keys are "
                + ", ".join(ROUND_KEYS),
            )
    name = r.text("name", True, "", misplaced)
    seed = r.text("seed", True, "", misplaced)
    if isinstance(data.get("seed"), str) and not seed.strip():
        r.bad("seed", "the seed is empty; write the seed announced before the draw")
    mechanism = r.text("mechanism", False, "deferred-acceptance", misplaced)
    if mechanism not in MECHANISMS:
        r.bad(
            "mechanism",
            f"unknown mechanism '{mechanism}'{suggest(mechanism, MECHANISMS)}; choose one of "
            + ", ".join(MECHANISMS),
        )
    tie = r.text("tie_breaking", False, "single", misplaced)
    if tie not in TIE_BREAKINGS:
        r.bad(
            "tie_breaking",
            f"unknown tie_breaking '{tie}'{suggest(tie, TIE_BREAKINGS)}; choose single or multiple",
        )
    distance = r.text("distance", False, "euclidean", misplaced)
    if distance not in DISTANCE_KINDS:
        r.bad(
            "distance",
            f"unknown distance '{distance}'{suggest(distance, DISTANCE_KINDS)}; choose euclidean "
            "(x,y in metres) or haversine (lat,lon in degrees)",
        )
    groups = _groups(r)
    pools = _default_pools(r)
    v2 = read_v2(r, groups, misplaced)
    if not r.ok:
        return None
    return Settings(
        name=name,
        seed=seed,
        mechanism=mechanism,
        tie_breaking=tie,
        priority_groups=tuple(groups),
        distance=distance,
        default_pools=tuple(pools) if pools else DEFAULT_POOLS,
        favours_lines=tuple(doc.line(f"default_pools.{k + 1}.favours") for k in range(len(pools))),
        lines=dict(doc.lines),
        **v2,
    )


# --------------------------------------------------------------------------- writing


def toml_text(text: str) -> str:
    """A TOML basic string (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def share_text(share: str | float | int | Fraction) -> str:
    """A share as TOML: its exact decimal when it has one (``0.3``, ``1``), else the fraction
    in quotes (``"1/3"``), which the reader reads exactly.

    >>> share_text("0.30"), share_text(Fraction(1, 3)), share_text(1.0)
    ('0.3', '"1/3"', '1')
    """
    f = to_fraction(share)
    text = fraction_text(f)
    return toml_text(text) if "/" in text else text


def render_settings(
    settings: Settings,
    *,
    header: Sequence[str] = (),
    seed_note: str = "",
    notes: Sequence[str] = (),
    pools: bool = True,
) -> str:
    """``settings`` as round.toml. ``header`` comment lines go first, ``seed_note`` just above
    the seed, ``notes`` between the settings and the default pools; ``pools=False`` leaves
    the default pools out (the reader then uses one pool ``all`` with every seat)."""
    lines = [f"# {c}" if c else "#" for c in header]
    lines.append(f"name = {toml_text(settings.name)}")
    if seed_note:
        lines.append(f"# {seed_note}")
    lines += [
        f"seed = {toml_text(settings.seed)}",
        f"mechanism = {toml_text(settings.mechanism)}",
        f"tie_breaking = {toml_text(settings.tie_breaking)}",
        "priority_groups = [" + ", ".join(toml_text(g) for g in settings.priority_groups) + "]",
        f"distance = {toml_text(settings.distance)}",
        *_v2_lines(settings),
        "",
    ]
    lines += [f"# {c}" if c else "#" for c in notes]
    for p in settings.default_pools if pools else ():
        lines += [
            "[[default_pools]]",
            f"name = {toml_text(p.name)}",
            f"share = {share_text(p.share if p.share is not None else 0)}",
            f"favours = {toml_text(p.favours)}",
            f"order_by = {toml_text(p.order_by)}",
            "",
        ]
    for rule in settings.nearest:
        lines += ["[[nearest]]", *_nearest_lines(rule), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _v2_lines(settings: Settings) -> list[str]:
    """The keys of section 10 that differ from their defaults (a v1 round writes none)."""
    out: list[str] = []
    if settings.family_number != "first":
        out.append(f"family_number = {toml_text(settings.family_number)}")
    if settings.first_choice_only:
        names = ", ".join(toml_text(g) for g in settings.first_choice_only)
        out.append(f"first_choice_only = [{names}]")
    if settings.waitlists:
        out.append("waitlists = true")
    if settings.crs:
        out.append(f"crs = {toml_text(settings.crs)}")
    return out


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _nearest_lines(rule: NearestRule) -> list[str]:
    out = [f"group = {toml_text(rule.group)}", f"count = {rule.count}"]
    if rule.category:
        out.append(f"category = {toml_text(rule.category)}")
    if rule.at_least:
        items = ", ".join(
            f"{v if _BARE_KEY.match(v) else toml_text(v)} = {k}" for v, k in rule.at_least
        )
        out.append(f"at_least = {{ {items} }}")
    return out


__all__ = [
    "DEFAULT_POOLS",
    "NEAREST_KEYS",
    "POOL_KEYS",
    "ROUND_FILE",
    "ROUND_KEYS",
    "TABLE_KEYS",
    "Settings",
    "read_settings",
    "render_settings",
    "share_text",
    "toml_text",
]
