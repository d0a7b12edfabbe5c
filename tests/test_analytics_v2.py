"""The analytics with the rules of section 10: the draws of chances, the scenario variants
and the council report build their instances through the engine and io, so a v2 round
works through each of them and every draw is the round allocated with that draw's seed."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

from roundfiles import write_round
from samen.analytics.chances import chances, family_chances, replace_list
from samen.analytics.draws import draw_seed, run_draws
from samen.analytics.scenarios import PledgeSpec, Variant, apply_variant
from samen.engine import allocate, build_instance
from samen.io.round import Round, read_round
from test_bad_input_v2 import V2, V2_SEATS

matplotlib.use("Agg")

# a pool ordered by the lottery before another criterion: its kernel words depend on the
# seed and are made again for every draw
SEATS = V2_SEATS.replace("value:points", '"lottery,value:points"')


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> Round:
    folder = write_round(
        tmp_path_factory.mktemp("v2") / "round",
        {"seats.csv": SEATS},
        base=V2,
    )
    # two seats at S1, so both of its pools have one
    schools = (folder / "schools.csv").read_text().replace("S1,Een,1,", "S1,Een,2,")
    (folder / "schools.csv").write_text(schools)
    return read_round(folder)


def test_every_draw_is_the_round_with_its_seed(v2: Round) -> None:
    inst = v2.instance
    assert "lottery,value:points" in inst.orderings
    draws = run_draws(inst, 8)
    for k in range(8):
        again = allocate(inst.with_(seed=draw_seed(inst.seed, k + 1)))
        assert draws.school[k].tolist() == again.school.tolist(), k
        assert draws.choice_rank[k].tolist() == again.choice_rank.tolist(), k


def test_chances_of_a_v2_round(v2: Round) -> None:
    inst = v2.instance
    c = chances(inst, 40, processes=1)
    for a in range(inst.n_applicants):
        row = family_chances(inst, a, 40, processes=1)
        assert row.counts.tolist() == c.child(a).counts.tolist()
        assert np.isclose(row.probability.sum() + row.p_unassigned, 1.0)


def test_replace_list_keeps_first_choice_only_rows() -> None:
    """A child's rows of priorities.csv move with its list: its zone priority (first choice
    only) counts where the school comes first on the new list."""
    kw = {
        "priority_groups": ["sibling", "zone"],
        "first_choice_only": ["zone"],
        "priorities": {("b", "Y"): ["zone", "sibling"], ("b", "X"): "zone"},
        "seed": "w",
    }
    lists = {"a": ["X", "Y"], "b": ["X", "Y"]}
    inst = build_instance(lists, {"X": 1, "Y": 1}, **kw)  # type: ignore[arg-type]
    assert inst.group_at.tolist() == [2, 2, 1, 0]
    changed = replace_list(inst, 1, [1, 0])  # b lists Y first, then X
    want = build_instance({**lists, "b": ["Y", "X"]}, {"X": 1, "Y": 1}, **kw)  # type: ignore[arg-type]
    for name in ("choices", "priority", "priority_rest", "group_at"):
        assert getattr(changed, name).tolist() == getattr(want, name).tolist(), name
    # at Y (now first) the strongest row, sibling; at X (now second) zone does not count
    assert changed.group_at.tolist() == [2, 2, 0, 2]


def test_scenario_variants_of_a_v2_round(v2: Round) -> None:
    inst = apply_variant(v2, Variant("d", distance_share=0.5))
    s1 = [p for p in inst.pools_of(0)]
    favours = [
        inst.expressions[-2 - int(inst.pool_flag[p])] if inst.pool_flag[p] <= -2 else "" for p in s1
    ]
    # the pool favouring indicator|disability keeps its expression in both halves
    assert favours[:2] == ["indicator|disability", "indicator|disability"]
    allocate(inst)
    pledged = apply_variant(v2, Variant("p", pledges=PledgeSpec(uptake=1.0, threshold=1, who="")))
    assert pledged.priority_rest is not None
    assert len(pledged.priority_rest) == len(pledged.choices)
    allocate(pledged)


def test_report_of_a_v2_round(v2: Round, tmp_path: Path) -> None:
    from samen.analytics.report import build_report, render_html

    data = build_report(v2, draws=3)
    html = render_html(data, "nl")
    assert "<html" in html
