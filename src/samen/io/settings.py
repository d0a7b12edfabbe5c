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
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from samen.engine.distance import KINDS as DISTANCE_KINDS
from samen.engine.instance import MECHANISMS, TIE_BREAKINGS, PoolSpec
from samen.engine.pools import ORDER_NAMES, to_fraction
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
)
POOL_KEYS: tuple[str, ...] = ("name", "share", "seats", "favours", "order_by")
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
    if order_by not in ORDER_NAMES:
        pbad(
            f"order_by of default pool '{pname}' must be lottery, distance or rank, not '{order_by}'"
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


def read_settings(doc: TomlDoc, problems: Problems) -> Settings | None:
    """The settings of a parsed round.toml; every problem goes to ``problems`` (with its line
    and key) and the result is None when there is one."""
    r = _Reader(doc, problems)
    data = doc.data
    misplaced: set[str] = set()  # round keys written below a [[default_pools]] line
    if isinstance(data.get("default_pools"), list):
        for pool in data["default_pools"]:
            if isinstance(pool, dict):
                misplaced.update(k for k in pool if k in ROUND_KEYS and k != "name")
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
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = [
    "DEFAULT_POOLS",
    "POOL_KEYS",
    "ROUND_FILE",
    "ROUND_KEYS",
    "Settings",
    "read_settings",
    "render_settings",
    "share_text",
    "toml_text",
]
