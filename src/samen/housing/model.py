"""The housing round as data: dwellings, households and the rules of their labels
(``docs/housing-rules.md``).

A *housing round* is one period's vacancies (:class:`Dwelling`) and the households who
responded to them (:class:`Household`), allocated by :class:`HousingRules`. Each dwelling is
a place with capacity 1; its *label* names the :class:`LabelRule` that says who comes first
(a flag expression, the allocation rules' ``favours``, section 10.1), in which order
(``order_by``, section 10.2) and which priority groups count there (section 5); the
:class:`Suitability` tables say which dwellings fit which households (rooms for the household
size, rent band for the income band: the Dutch *passend toewijzen*), and become the
allocation rules' ``admits`` (section 10.5).

These classes hold no behaviour beyond checking a household against a dwelling; reading a
folder is :mod:`samen.housing.folder`, the translation to an allocation round
:mod:`samen.housing.translate` and the allocation :mod:`samen.housing.allocate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samen.engine.instance import Result
    from samen.housing.translate import Translation

#: day 0 of :attr:`Household.registered`: a registration date is the number of days since
#: 1 January 1970 (smaller = earlier), so dates compare as numbers (allocation rules 10.2)
EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """The day number of a date (days since 1 January 1970).

    >>> day_number(dt.date(1970, 1, 2)), day_number(dt.date(2024, 3, 15))
    (1, 19797)
    """
    return (day - EPOCH).days


def date_of(number: int) -> dt.date:
    """The date of a day number (the inverse of :func:`day_number`).

    >>> date_of(19797)
    datetime.date(2024, 3, 15)
    """
    return EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class Dwelling:
    """A vacancy: a place with capacity 1 (a row of ``dwellings.csv``).

    ``rent_band`` is one of the round's rent bands (cheapest first, e.g. ``"A"``..``"D"``),
    ``label`` names the :class:`LabelRule` that allocates it, ``x`` and ``y`` are its
    location as dwellings.csv gives it (x,y in projected metres, or lat,lon in degrees),
    ``address`` a text shown with it. The rules do not use the location; maps do.
    """

    id: str
    neighbourhood: str
    rooms: int
    rent_band: str
    label: str
    x: float | None = None
    y: float | None = None
    address: str = ""


@dataclass(frozen=True)
class Household:
    """A household that responded to vacancies (a row of ``households.csv``).

    ``responses`` are dwelling ids, most wanted first; ``registered`` is the registration
    date as a day number (:func:`day_number`); ``flags`` the 0/1 facts the labels use
    (``young_family``, ``urgent``, ``local_tie``, ``work_income``, ...); ``values`` the
    numbers a label may order by (e.g. ``points``); ``neighbourhood`` where the household
    lives now (``""`` = outside the city).
    """

    id: str
    responses: tuple[str, ...]
    registered: int
    size: int
    income_band: str
    flags: Mapping[str, int]
    neighbourhood: str = ""
    values: Mapping[str, float] = field(default_factory=dict)

    def flag(self, name: str) -> int:
        """The household's 0/1 value of flag ``name`` (0 when it does not have it)."""
        return 1 if self.flags.get(name, 0) else 0


@dataclass(frozen=True)
class LabelRule:
    """How the dwellings of one label are allocated (a ``[labels.NAME]`` table of round.toml).

    - ``favours``: who comes first, a flag expression of the allocation rules (section 10.1:
      ``""`` = nobody in particular, ``"urgent"``, ``"young_family|local_tie"``,
      ``"not:owner"``); households without it still get the dwelling when no one with it
      wants it;
    - ``order_by``: the order within, one criterion or several joined by ``,`` (section 10.2):
      ``value:registered`` (earliest registration first), ``lottery``, ``rank`` (who ranked
      the dwelling higher), ``value:COLUMN`` (a number, smaller first) or ``most:COLUMN``
      (a number, larger first: points);
    - ``priority_groups``: which of the round's priority groups count at these dwellings
      (``None`` = all of them, ``()`` = none);
    - ``admits``: a flag expression a household must have to be considered at all, besides
      suitability (a Rotterdam-law-like street: ``work_income|resident``);
    - ``max_share``: the largest share of the round's vacancies this label may hold (a
      municipality's target groups: at most half), or ``None``.
    """

    name: str
    favours: str = ""
    order_by: str = "value:registered"
    priority_groups: tuple[str, ...] | None = None
    admits: str = ""
    max_share: float | None = None

    def groups(self, round_groups: Sequence[str]) -> tuple[str, ...]:
        """The round's priority groups that count at this label, strongest first."""
        if self.priority_groups is None:
            return tuple(round_groups)
        return tuple(g for g in round_groups if g in self.priority_groups)

    @property
    def by_lottery(self) -> bool:
        """Whether the label's first ordering criterion is the lottery (its dwellings count
        towards :attr:`HousingRules.lottery_share`)."""
        return self.order_by.split(",")[0].strip() == "lottery"


@dataclass(frozen=True)
class Suitability:
    """Which dwellings fit which households (*passend toewijzen*).

    - ``rooms``: household size -> ``(fewest, most)`` rooms; the largest size listed also
      applies to larger households; empty = any number of rooms fits;
    - ``rent``: income band -> the rent bands that fit it; empty = any rent band fits.
    """

    rooms: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    rent: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def room_range(self, size: int) -> tuple[int, int] | None:
        """The ``(fewest, most)`` rooms for a household of ``size``, or ``None`` (any)."""
        if not self.rooms:
            return None
        listed = [k for k in self.rooms if k <= size]
        key = max(listed) if listed else min(self.rooms)
        return self.rooms[key]

    def why_not(self, household: Household, dwelling: Dwelling) -> str | None:
        """Why ``dwelling`` does not fit ``household``, in words, or ``None`` when it fits.

        >>> s = Suitability(rooms={1: (1, 2), 3: (2, 4)}, rent={"low": ("A", "B")})
        >>> h = Household("H1", (), 0, 4, "low", {})
        >>> s.why_not(h, Dwelling("D1", "N", 3, "B", "standard")) is None
        True
        >>> s.why_not(h, Dwelling("D2", "N", 1, "C", "standard"))
        '1 room for a household of 4 (2 to 4 rooms fit); rent band C for income band low (A, B fit)'
        """
        reasons = []
        span = self.room_range(household.size)
        if span is not None and not span[0] <= dwelling.rooms <= span[1]:
            rooms = "room" if dwelling.rooms == 1 else "rooms"
            if span[0] == span[1]:
                fit = f"{span[0]} room" if span[0] == 1 else f"{span[0]} rooms"
            else:
                fit = f"{span[0]} to {span[1]} rooms"
            reasons.append(
                f"{dwelling.rooms} {rooms} for a household of {household.size} ({fit} fit)"
            )
        if self.rent:
            bands = self.rent.get(household.income_band, ())
            if dwelling.rent_band not in bands:
                fit = ", ".join(bands) if bands else "none"
                reasons.append(
                    f"rent band {dwelling.rent_band} for income band {household.income_band} "
                    f"({fit} fit)"
                )
        return "; ".join(reasons) or None

    def fits(self, household: Household, dwelling: Dwelling) -> bool:
        """Whether ``dwelling`` fits ``household`` (rooms and rent band)."""
        return self.why_not(household, dwelling) is None


@dataclass(frozen=True)
class HousingRules:
    """The rules of a housing round (its ``round.toml``).

    ``seed`` is the public lottery seed (allocation rules section 3); ``labels`` maps each
    label of ``dwellings.csv`` to its :class:`LabelRule`; ``priority_groups`` are flags of
    ``households.csv`` that are priority groups, strongest first (a local tie: Flemish
    standard allocation); ``lottery_share`` is the largest share of the round's vacancies
    whose label orders by lottery first (WoningNet Amsterdam: 0.15), ``None`` = no limit;
    ``rent_bands`` and ``income_bands`` list the bands, cheapest and lowest first (empty =
    whatever the tables and rows use); ``tie_breaking`` is the allocation rules' (section 3:
    one lottery number per household, or one per household and dwelling).
    """

    name: str
    seed: str
    labels: Mapping[str, LabelRule]
    suitability: Suitability = field(default_factory=Suitability)
    priority_groups: tuple[str, ...] = ()
    lottery_share: float | None = None
    rent_bands: tuple[str, ...] = ()
    income_bands: tuple[str, ...] = ()
    tie_breaking: str = "single"


@dataclass(frozen=True, eq=False)
class HousingResult:
    """The outcome of allocating a housing round (:func:`samen.housing.allocate.allocate_month`):
    the allocation round it was translated into and the engine's result on it, from which
    the mappings below are computed when first asked (a simulation of thousands of months
    asks only for some).

    - :attr:`dwelling`: household id -> the dwelling it gets, or ``None``;
    - :attr:`positions`: household id -> {dwelling id: its position on that dwelling's
      waiting list} (allocation rules 10.7: 1 = the first to be offered the dwelling should
      it come free again), for each dwelling it responded to, did not get and ranked above
      what it got; empty when the allocation was made without waiting lists;
    - :attr:`unsuitable`: household id -> {dwelling id: why it does not fit}, the
      responses left out of the allocation;
    - :meth:`files`: the results folder.
    """

    translation: Translation
    engine: Result

    @cached_property
    def dwelling(self) -> dict[str, str | None]:
        t, res = self.translation, self.engine
        out: dict[str, str | None] = {h.id: None for h in t.households}
        sids, aids = t.instance.school_ids, t.instance.applicant_ids
        for a, s in enumerate(res.school.tolist()):
            if s >= 0:
                out[aids[a]] = sids[s]
        return out

    @cached_property
    def positions(self) -> dict[str, dict[str, int]]:
        t, w = self.translation, self.engine.waitlists
        out: dict[str, dict[str, int]] = {}
        if w is None:
            return out
        sids, aids = t.instance.school_ids, t.instance.applicant_ids
        for s, k, a in zip(
            w.school.tolist(), w.position.tolist(), w.applicant.tolist(), strict=True
        ):
            out.setdefault(aids[a], {})[sids[s]] = int(k)
        return out

    @cached_property
    def unsuitable(self) -> dict[str, dict[str, str]]:
        t = self.translation
        return {
            t.households[h].id: {t.dwellings[d].id: why for d, why in items}
            for h, items in t.unsuitable.items()
        }

    def files(self, inputs: Mapping[str, str] | None = None) -> dict[str, bytes]:
        """The results folder, file name -> content: the housing results and, under
        ``round/``, the translated allocation round with its own results (for
        ``samen verify``); ``inputs`` are the SHA-256 of the housing round's files."""
        from samen.housing.allocate import render

        return render(self, inputs)


__all__ = [
    "EPOCH",
    "Dwelling",
    "Household",
    "HousingResult",
    "HousingRules",
    "LabelRule",
    "Suitability",
    "date_of",
    "day_number",
]
