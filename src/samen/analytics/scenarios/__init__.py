r"""Policy scenarios: variants of one round compared over many lottery draws.

A *scenario spec* (a TOML file, ``docs/scenarios.md``) names one round (a round folder, or a
synthetic city from :mod:`samen.analytics.city`) and a list of *variants*: the same children
and schools with other rules (mechanism, tie-breaking, seat pools, distance ordering) or
with pledge groups (majority families choosing their neighbourhood school together, as in
Mechelen). Every variant is allocated in the same ``N`` lottery draws and summarised by
first-choice and top-3 rates, unassigned children, home-school distance, the segregation of
the result (D, Theil's H, M) and the pledge groups that held, each with a 95% interval over
the draws; the *neighbourhood benchmark* (every child at its nearest school) is computed once.

A variant is a transformation of the engine's :class:`~samen.engine.instance.Instance`
(:func:`apply_variant`), never of the files, and is applied in this order: ``mechanism`` and
``tie_breaking``; ``pools`` (replace every school's pools); ``indicator_share``;
``distance_share``; ``pool_order``; ``pledges``.

Draws. Draw ``k`` of a variant uses the lottery seed :func:`~samen.analytics.draws.draw_seed`
``(R + "|scenarios:" + S, k)`` with ``R`` the round's seed and ``S`` the scenario seed, so
every variant sees the same lottery numbers in draw ``k`` (common random numbers: the
difference between two variants is not lottery noise) and a draw of the base round can be
recomputed with ``samen allocate`` by writing that seed into ``round.toml``.

Intervals (for every metric): ``lo``/``hi`` is the percentile interval of the per-draw values
(2.5th and 97.5th percentile, linear interpolation: Hyndman and Fan 1996 type 7, NumPy's
default): where 95% of draws fall, the lottery risk of one real round. ``mean_lo``/``mean_hi``
is the normal-approximation confidence interval of the mean over draws, ``mean +/- 1.96 sd /
sqrt(N)`` (sample sd): how precisely ``N`` draws pin down the expected value.

Segregation: :class:`~samen.analytics.indices.Dissimilarity` (Duncan and Duncan 1955),
:class:`~samen.analytics.indices.Entropy` (Theil's H; Theil and Finizza 1971) and
:class:`~samen.analytics.indices.MutualInformation` (M, natural logarithm; Theil 1971, Mora
and Ruiz-Castillo 2011) of the school x group table of the assigned children, the groups
being the children with and without the spec's ``flag`` (default ``indicator``).

Example::

    >>> interval([1.0, 2.0, 3.0, 4.0])["mean"], interval([1.0, 2.0, 3.0, 4.0])["lo"]
    (2.5, 1.075)
"""

from __future__ import annotations

from samen.analytics.scenarios.metrics import (
    METRICS,
    draw_metrics,
    interval,
    neighbourhood_benchmark,
)
from samen.analytics.scenarios.run import (
    SCHEMA,
    results_csv,
    results_json,
    run_scenarios,
    scenario_seed,
    variant_instances,
    write_results,
)
from samen.analytics.scenarios.spec import (
    DEFAULT_DRAWS,
    MAX_DRAWS,
    CitySpec,
    PledgeSpec,
    Spec,
    SpecError,
    Variant,
    load_spec,
    parse_spec,
)
from samen.analytics.scenarios.variants import (
    apply_variant,
    check_round,
    load_round,
    neighbourhood_schools,
)

__all__ = [
    "DEFAULT_DRAWS",
    "MAX_DRAWS",
    "METRICS",
    "SCHEMA",
    "CitySpec",
    "PledgeSpec",
    "Spec",
    "SpecError",
    "Variant",
    "apply_variant",
    "check_round",
    "draw_metrics",
    "interval",
    "load_round",
    "load_spec",
    "neighbourhood_benchmark",
    "neighbourhood_schools",
    "parse_spec",
    "results_csv",
    "results_json",
    "run_scenarios",
    "scenario_seed",
    "variant_instances",
    "write_results",
]
