"""Allocate a housing round (``docs/housing-rules.md`` sections 4 and 5): translate it
(:mod:`samen.housing.translate`), run the engine's deferred acceptance with the round's
seed, and give each household its dwelling and its position on the waiting list of every
other dwelling it responded to.

- :func:`allocate_month` is the fast path (the simulation allocates thousands of months):
  the translated instance straight into the engine, no files;
- :func:`allocate_folder` is what ``samen housing allocate`` runs: the translated round is
  written as a folder and read back by the allocation rules' reader, and the engine
  allocates *that* round, so the published folder is exactly what decided; it returns the
  result and every file of the results folder (:mod:`samen.housing.results`);
- :func:`verify_folder` computes the files again and compares them with a results folder,
  file by file (``samen verify`` on a housing round).

Deferred acceptance (household-proposing) is strategy-proof for households: none can get a
dwelling it prefers by ranking its responses in another order than its true one (Dubins and
Freedman 1981; Roth 1982), and the result is stable for the labels' priorities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from samen.engine.allocate import allocate
from samen.engine.instance import Result
from samen.housing.folder import HousingError, HousingRound
from samen.housing.model import Dwelling, Household, HousingResult, HousingRules
from samen.housing.translate import Translation, translate
from samen.io.errors import Problem


def housing_result(t: Translation, res: Result) -> HousingResult:
    """The :class:`HousingResult` of the engine's result ``res`` on the translation ``t``."""
    return HousingResult(translation=t, engine=res)


def allocate_month(
    rules: HousingRules,
    dwellings: Sequence[Dwelling],
    households: Sequence[Household],
    *,
    positions: bool = True,
) -> HousingResult:
    """Allocate one period's vacancies (``dwellings``) to the ``households`` who responded,
    by ``rules``; ``positions=False`` leaves out the waiting lists (faster, for
    simulations that only need who gets what).

    The inputs are assumed to satisfy what :func:`samen.housing.folder.read_housing`
    checks (every response to a dwelling of the round, every label in the rules, every
    band in the tables, every flag the rules name present).
    """
    t = translate(rules, dwellings, households, waitlists=positions)
    return housing_result(t, allocate(t.instance))


def allocate_folder(
    hr: HousingRound, inputs: Mapping[str, str] | None = None
) -> tuple[HousingResult, dict[str, bytes]]:
    """Allocate a read housing round as ``samen housing allocate`` does; the result and
    every file of its results folder (the housing results, ``round/`` with the translated
    allocation round and ``round/results/`` with its own results). Raises
    :class:`HousingError` when no response fits its household (an allocation round needs
    at least one applicant)."""
    from samen.housing.results import render_all

    t = translate(hr.rules, hr.dwellings, hr.households, waitlists=True)
    if not len(t.included):
        raise HousingError(
            [
                Problem(
                    hr.sources.get("households", "households.csv"),
                    None,
                    "responses",
                    "no household responded to a dwelling that fits it (the suitability "
                    "tables and the labels' admits of round.toml), so there is nothing to "
                    "allocate; check the tables, or the responses",
                )
            ]
        )
    return render_all(t, dict(inputs if inputs is not None else hr.inputs))


def render(result: HousingResult, inputs: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """The results folder of ``result`` (:meth:`HousingResult.files`): the translated round
    is written and read back, and allocated again, as :func:`allocate_folder` does."""
    from samen.housing.results import render_all

    t = result.translation
    if not t.instance.waitlists:
        t = translate(t.rules, t.dwellings, t.households, waitlists=True)
    return render_all(t, dict(inputs or {}))[1]


def verify_folder(hr: HousingRound, folder: Path) -> list[tuple[str, str]]:
    """The differences between the results folder ``folder`` and what ``hr`` gives:
    ``(file, what differs)`` per file, empty when every file is identical."""
    from samen.housing.results import compare

    _, expected = allocate_folder(hr)
    return compare(expected, folder)


__all__ = ["allocate_folder", "allocate_month", "housing_result", "render", "verify_folder"]
