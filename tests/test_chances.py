"""Admission chances (:mod:`samen.analytics.chances`, ``samen chances``): the Monte Carlo
estimate agrees with exact probabilities on small rounds, the counts do not depend on how the
draws are split (in this process, local processes, Dask), the what-if surgery builds the
instance the rules would, and the command fails cleanly on bad input."""

from __future__ import annotations

import csv
import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from roundfiles import BASE, EXAMPLE, flat, no_traceback, run, write_round
from samen.analytics import chances as ch
from samen.analytics.chances import (
    CSV_COLUMNS,
    Chances,
    Coordinates,
    chances,
    chunk_plan,
    family_chances,
    replace_list,
    what_if,
    wilson_interval,
)
from samen.analytics.draws import draw_seed, run_draws
from samen.engine.allocate import allocate
from samen.engine.instance import Instance, build_instance
from samen.engine.priority import prepare
from samen.io.round import read_round

# --------------------------------------------------------------------------- helpers


def edge_counts_from_draws(inst: Instance, draws: int, start: int = 0) -> np.ndarray:
    """The counts per list entry straight from the draws (the slow, obvious way)."""
    d = run_draws(inst, draws, start=start)
    counts = np.zeros(len(inst.choices), dtype=np.int64)
    for a in range(inst.n_applicants):
        lst = inst.choices_of(a).tolist()
        for s in d.school[:, a].tolist():
            if s >= 0:
                counts[inst.choice_ptr[a] + lst.index(s)] += 1
    return counts


def exact(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Exact probabilities per list entry and of no school, by enumerating every order of the
    lottery: single tie-breaking, all n! orders of the children; multiple, every school's
    order independently. A family block uses its lead's place (the rules' shared number)."""
    prep = prepare(inst)
    n, m = inst.n_applicants, inst.n_schools
    ptr = inst.choice_ptr
    edge_app = np.repeat(np.arange(n), np.diff(ptr))
    lead_of = prep.units.lead[prep.units.unit_of]
    counts = np.zeros(len(inst.choices), dtype=np.int64)
    total = 0
    orders = list(itertools.permutations(range(n)))
    if inst.tie_breaking == "single":
        combos = ((o,) for o in orders)
    else:
        combos = itertools.product(orders, repeat=m)
    for combo in combos:
        places = []
        for order in combo:
            place = np.empty(n, dtype=np.uint64)
            place[list(order)] = np.arange(1, n + 1, dtype=np.uint64)
            places.append(place[lead_of])
        single = places[0]
        if inst.tie_breaking == "single":
            edge_lot = single[edge_app]
        else:
            edge_lot = np.array(
                [places[s][a] for a, s in zip(edge_app, inst.choices, strict=True)],
                dtype=np.uint64,
            )
        p = replace(prep, single_lot=single, entry_lot=edge_lot)
        r = allocate(inst, prepared=p)
        got = np.flatnonzero(r.choice_rank > 0)
        counts[ptr[got] + r.choice_rank[got] - 1] += 1
        total += 1
    prob = counts / total
    assigned = np.bincount(edge_app, weights=prob, minlength=n)
    return prob, 1.0 - assigned


SMALL_LISTS = {
    "a": ["X", "Y", "Z"],
    "b": ["X", "Z"],
    "c": ["Y", "X"],
    "d": ["X", "Y"],
    "e": ["Y", "Z", "X"],
    "f1": ["X", "Z"],
    "f2": ["X", "Z"],
}


def small_rounds() -> list[tuple[str, Instance]]:
    """Small rounds whose exact probabilities can be enumerated quickly."""
    single = build_instance(
        {k: v for k, v in SMALL_LISTS.items() if k != "f2"},
        {"X": 1, "Y": 1, "Z": 2},
        seed="exact",
        priority_groups=["sibling"],
        priorities={("d", "Y"): "sibling"},
    )
    twins = build_instance(
        {k: v for k, v in SMALL_LISTS.items() if k not in ("a", "e")},
        {"X": 1, "Y": 1, "Z": 1},
        seed="twins",
        families={"f1": "F", "f2": "F"},
    )
    boston = build_instance(
        {k: SMALL_LISTS[k] for k in "abcde"},
        {"X": 1, "Y": 2, "Z": 1},
        seed="boston",
        mechanism="immediate-acceptance",
    )
    multiple = build_instance(
        {"a": ["X", "Y"], "b": ["X", "Y"], "c": ["Y", "X"], "d": ["X"]},
        {"X": 1, "Y": 1},
        seed="multiple",
        tie_breaking="multiple",
    )
    return [("single", single), ("twins", twins), ("boston", boston), ("multiple", multiple)]


# --------------------------------------------------------------------------- the interval


def test_wilson_interval_known_values() -> None:
    # k = 0 of n: upper bound z^2 / (n + z^2)
    z = 1.959963984540054
    lo, hi = wilson_interval(np.array([0, 10]), 10)
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert hi[0] == pytest.approx(z * z / (10 + z * z))
    assert lo[1] == pytest.approx(1 - z * z / (10 + z * z))
    # 50 of 100 (a textbook value): 0.4038 .. 0.5962
    lo, hi = wilson_interval(50, 100)
    assert (float(lo), float(hi)) == pytest.approx((0.40383, 0.59617), abs=1e-5)
    # symmetric, and wider at higher confidence
    lo1, hi1 = wilson_interval(np.arange(21), 20)
    assert np.allclose(lo1, 1 - hi1[::-1])
    lo2, hi2 = wilson_interval(np.arange(21), 20, 0.999)
    assert np.all(lo2 <= lo1) and np.all(hi2 >= hi1)
    assert np.all((lo1 <= np.arange(21) / 20) & (np.arange(21) / 20 <= hi1))
    with pytest.raises(ValueError):
        wilson_interval(1, 0)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, 1.0)


# --------------------------------------------------------------------------- correctness


@pytest.mark.parametrize("name", ["single", "twins", "boston", "multiple"])
def test_estimate_agrees_with_exact_probabilities(name: str) -> None:
    inst = dict(small_rounds())[name]
    p_exact, u_exact = exact(inst)
    assert np.isclose(p_exact.sum() + u_exact.sum(), inst.n_applicants)
    assert ((p_exact > 0) & (p_exact < 1)).sum() >= 4  # a round where the lottery matters
    draws = 2000
    c = chances(inst, draws, processes=1)
    assert c.n_draws == draws and c.first == 1
    assert np.all(c.counts.reshape(-1) >= 0)
    # per child the probabilities (list + no school) add up to one draw each
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
    assert np.all(np.bincount(edge_app, weights=c.counts) + c.unassigned == draws)
    # every exact probability inside its 99.9% interval ...
    lo, hi = c.interval(0.999)
    ulo, uhi = c.unassigned_interval(0.999)
    truth = np.concatenate([p_exact, u_exact])
    inside = (np.concatenate([lo, ulo]) - 1e-12 <= truth) & (
        truth <= np.concatenate([hi, uhi]) + 1e-12
    )
    assert inside.all(), (
        name,
        truth[~inside],
        np.concatenate([c.probability, c.p_unassigned])[~inside],
    )
    # ... and only a few outside the 95% one: about 5% of the uncertain cells are expected to
    # miss, but the cells of one child (or of twins) miss together, as they add up to one
    lo, hi = c.lo, c.hi
    ulo, uhi = c.unassigned_interval()
    miss = ~(
        (np.concatenate([lo, ulo]) - 1e-12 <= truth) & (truth <= np.concatenate([hi, uhi]) + 1e-12)
    )
    uncertain = (truth > 0) & (truth < 1)
    assert miss.sum() <= max(3, int(0.25 * uncertain.sum()))
    # certain cells are estimated exactly
    est = np.concatenate([c.probability, c.p_unassigned])
    assert np.all(est[truth == 0] == 0) and np.all(est[truth == 1] == 1)


def test_counts_are_the_draws_counted(tmp_path: Path) -> None:
    inst = read_round(write_round(tmp_path / "r")).instance
    c = chances(inst, 60, start=5, processes=1, chunk=7)
    assert c.first == 6
    assert c.counts.tolist() == edge_counts_from_draws(inst, 60, start=5).tolist()
    # draw 17 is the round allocated with the seed "SEED|draw:17" (docs/chances.md)
    one = chances(inst, 1, start=16, processes=1)
    r = allocate(inst.with_(seed=draw_seed(inst.seed, 17)))
    got = np.flatnonzero(r.choice_rank > 0)
    want = np.zeros(len(inst.choices), dtype=np.int64)
    want[inst.choice_ptr[got] + r.choice_rank[got] - 1] = 1
    assert one.counts.tolist() == want.tolist() and one.first == 17
    assert one.unassigned.tolist() == (r.choice_rank == 0).astype(int).tolist()
    # the pledge group of the base round: held counts add up
    assert c.group_held.shape == (1,) and 0 <= c.group_held[0] <= 60


@pytest.fixture(scope="module")
def example() -> Instance:
    return read_round(EXAMPLE).instance


def test_same_counts_in_process_processes_and_dask(
    example: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    draws = 48
    here = chances(example, draws, processes=1)
    # small chunks, several per process; force the pool even for this little work
    monkeypatch.setattr(ch, "IN_PROCESS_WORK", 0)
    ticks: list[int] = []
    pooled = chances(example, draws, processes=2, chunk=5, progress=ticks.append)
    assert ticks[-1] == draws and ticks == sorted(ticks)
    other = chances(example, draws, processes=1, chunk=11)
    for c in (pooled, other):
        assert c.counts.tolist() == here.counts.tolist()
        assert c.unassigned.tolist() == here.unassigned.tolist()
        assert c.group_held.tolist() == here.group_held.tolist()

    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster, set_as_default=False)
    try:
        ticks = []
        on_dask = chances(example, draws, scheduler=client, chunk=9, progress=ticks.append)
        by_address = chances(example, 12, start=36, scheduler=cluster.scheduler_address)
    finally:
        client.close()
        cluster.close()
    assert ticks[-1] == draws
    assert on_dask.counts.tolist() == here.counts.tolist()
    assert on_dask.unassigned.tolist() == here.unassigned.tolist()
    # draws 37..48 on their own, and merged with 1..36: the same counts again
    first = chances(example, 36, processes=1)
    merged = Chances.merge([by_address, first])
    assert merged.n_draws == draws and merged.first == 1
    assert merged.counts.tolist() == here.counts.tolist()
    with pytest.raises(ValueError):
        Chances.merge([by_address, chances(example, 10, processes=1)])


def test_chunk_plan_covers_the_draws_and_bounds_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = chunk_plan(1000, 900, 2)
    assert sum(k for _, k in plan) == 1000
    assert [s for s, _ in plan] == list(itertools.accumulate([0, *[k for _, k in plan][:-1]]))
    assert len(plan) >= 2 * ch.CHUNKS_PER_WORKER
    big = chunk_plan(1000, 80_000, 2)
    assert max(k for _, k in big) * 80_000 <= ch.CHUNK_CELLS
    assert chunk_plan(10, 5, 2, start=100, chunk=4) == [(100, 4), (104, 4), (108, 2)]


def test_bad_arguments() -> None:
    inst = build_instance({"a": ["X"]}, {"X": 1})
    for kwargs in ({"draws": 0}, {"draws": -3}, {"draws": 5, "processes": 0}):
        with pytest.raises(ValueError):
            chances(inst, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(IndexError):
        family_chances(inst, 1, 10)


# --------------------------------------------------------------------------- one family


def test_family_chances_is_the_childs_row(example: Instance) -> None:
    c = chances(example, 30, processes=1)
    a = 17
    row = family_chances(example, a, 30, processes=1)
    full = c.child(a)
    assert row.applicant_id == example.applicant_ids[a] == full.applicant_id
    assert row.counts.tolist() == full.counts.tolist()
    assert row.school_ids == tuple(example.school_ids[s] for s in example.choices_of(a))
    assert row.unassigned_count == int(c.unassigned[a])
    assert np.isclose(row.probability.sum() + row.p_unassigned, 1.0)
    assert np.allclose(row.cumulative, np.cumsum(row.probability))
    assert np.all(row.lo <= row.probability) and np.all(row.probability <= row.hi)
    rows = row.rows()
    assert rows[-1][1] == "" and rows[-1][2] is None and len(rows) == len(row.school_ids) + 1
    assert c.index_of(row.applicant_id) == a


def test_replace_list_matches_build_instance() -> None:
    lists = {"a": ["X", "Y"], "b": ["Y", "Z", "X"], "c": ["Z"]}
    caps = {"X": 1, "Y": 1, "Z": 1}
    prios = {("b", "Z"): "staff", ("b", "X"): "sibling"}
    dists = {("b", "Y"): 120.0, ("b", "Z"): 300.0, ("b", "X"): 50.0, ("a", "X"): 10.0}
    kw = {"priority_groups": ["sibling", "staff"], "seed": "w"}
    inst = build_instance(lists, caps, priorities=prios, distances=dists, **kw)
    # b drops Y, moves X up, keeps Z: all known facts carried over
    changed = replace_list(inst, 1, [0, 2])
    want = build_instance({**lists, "b": ["X", "Z"]}, caps, priorities=prios, distances=dists, **kw)
    for field in ("choice_ptr", "choices", "priority"):
        assert getattr(changed, field).tolist() == getattr(want, field).tolist(), field
    assert np.array_equal(changed.distance, want.distance, equal_nan=True)
    assert changed.choices.dtype == inst.choices.dtype
    # a adds Z: no priority, distance unknown (NaN) ... or given, or from coordinates
    added = replace_list(inst, 0, [2, 0, 1])
    assert added.priority[:3].tolist() == [2, 2, 2]
    assert np.isnan(added.distance[0]) and added.distance[1] == 10.0
    given = replace_list(inst, 0, [2], priorities={2: "sibling"}, distances={2: 75.5})
    assert given.priority[0] == 0 and given.distance[0] == 75.5
    xy = Coordinates(np.array([[0.0, 0.0], [0, 0], [0, 0]]), np.array([[0, 0], [0, 0], [3, 4.0]]))
    assert replace_list(inst, 0, [2], coordinates=xy).distance[0] == 5.0
    ll = Coordinates(
        np.array([[51.0, 4.0]] * 3), np.array([[51.0, 4.0], [0, 0], [52.0, 4.0]]), "haversine"
    )
    assert replace_list(inst, 0, [2], coordinates=ll).distance[0] == pytest.approx(
        111195.08, abs=0.01
    )
    # the original is untouched; an empty list is allowed; bad lists are refused
    assert inst.choices.tolist() == [0, 1, 1, 2, 0, 2]
    assert replace_list(inst, 2, []).choice_ptr.tolist() == [0, 2, 5, 5]
    for bad in ([0, 0], [3], [-1]):
        with pytest.raises(ValueError):
            replace_list(inst, 0, bad)
    with pytest.raises(ValueError):
        replace_list(inst, 0, [2], priorities={2: "cousin"})


def test_replace_list_leaves_pledge_and_block() -> None:
    inst = build_instance(
        {"a": ["X", "Y"], "b": ["X", "Y"], "c": ["Y"]},
        {"X": 1, "Y": 1},
        families={"a": "F", "b": "F"},
        pledges={"a": "G", "c": "G"},
        groups={"G": ("Y", 2)},
    )
    assert replace_list(inst, 0, [1, 0]).pledge.tolist() == [0, -1, 0]
    assert replace_list(inst, 2, [0]).pledge.tolist() == [0, -1, -1]
    # what-if with the same list is the round itself
    same = what_if(inst, 0, [0, 1], 100, processes=1)
    assert same.counts.tolist() == family_chances(inst, 0, 100, processes=1).counts.tolist()


def test_what_if_on_a_round(example: Instance) -> None:
    rnd = read_round(EXAMPLE)
    xy = Coordinates.of_round(rnd)
    a = 3
    lst = example.choices_of(a).tolist()
    assert what_if(example, a, lst, 20, processes=1, coordinates=xy).counts.tolist() == (
        chances(example, 20, processes=1).child(a).counts.tolist()
    )
    # list only the school the child is least likely to get first; the row follows the new list
    others = [s for s in range(example.n_schools) if s not in lst][:1]
    row = what_if(example, a, [*others, lst[0]], 20, processes=1, coordinates=xy)
    assert row.school_ids == tuple(example.school_ids[s] for s in [*others, lst[0]])
    assert row.counts.sum() + row.unassigned_count == 20


# --------------------------------------------------------------------------- the CSV and the CLI


def test_write_csv(tmp_path: Path) -> None:
    inst = build_instance({"a": ["X", "Y"], "b,2": ["X"]}, {"X": 1, "Y": 1}, seed="csv")
    c = chances(inst, 50, processes=1)
    out = c.write_csv(tmp_path / "c.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[:3] for r in rows[1:]] == [
        ["a", "X", "1"],
        ["a", "Y", "2"],
        ["a", "", ""],
        ["b,2", "X", "1"],
        ["b,2", "", ""],
    ]
    expect = [r for r in c.rows()]
    for got, want in zip(rows[1:], expect, strict=True):
        assert [float(x) for x in got[3:]] == pytest.approx(list(want[3:]), abs=1e-6)


def test_cli_writes_csv_and_prints_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_round(tmp_path / "r")
    before = {p.name for p in folder.iterdir()}
    monkeypatch.chdir(tmp_path)
    res = run("chances", folder, "--draws", "40", "--applicant", "A2", "--processes", "1")
    no_traceback(res)
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert "Chances of A2" in text and "no school on the list" in text and "40 draws" in text
    assert "test seed|draw:1" in text and "test seed|draw:40" in text
    # the round folder is left as it was: the file goes to the current folder
    assert {p.name for p in folder.iterdir()} == before
    written = tmp_path / "r-chances.csv"
    with open(written, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["applicant_id"] for r in rows[:4]] == ["A1", "A1", "A1", "A2"]
    inst = read_round(folder).instance
    assert len(rows) == len(inst.choices) + inst.n_applicants
    c = chances(inst, 40, processes=1)
    assert [float(r["probability"]) for r in rows] == pytest.approx(
        [r[3] for r in c.rows()], abs=1e-6
    )
    out = tmp_path / "sub" / "x.csv"
    out.parent.mkdir()
    res = run("chances", folder, "-n", "10", "--out", out)
    assert res.exit_code == 0 and out.is_file()


@pytest.mark.parametrize(
    "ids",
    [["A2", "A3"], ["--applicant", "A2", "A3"], ["--applicant", "A2", "--applicant", "A3"]],
)
def test_cli_prints_several_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str]
) -> None:
    """The ids may follow the round folder, or --applicant, once or repeated (as the README
    writes it: --applicant ID...)."""
    folder = write_round(tmp_path / "r")
    monkeypatch.chdir(tmp_path)
    res = run("chances", folder, *ids, "--draws", "10", "--processes", "1")
    no_traceback(res)
    assert res.exit_code == 0, res.output
    text = flat(res.stdout)
    assert "Chances of A2" in text and "Chances of A3" in text
    assert "Chances of A1" not in text and "Chances of A4" not in text  # only those named


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--draws", "0"], "--draws is 0"),
        (["--draws", "-5"], "--draws is -5"),
        (["--processes", "0"], "--processes is 0"),
        (["--applicant", "A9"], "no applicant 'A9'"),
        (["--applicant", "a1"], "did you mean 'A1'"),
        (["--scheduler", "nonsense://x"], "no Dask scheduler answered"),
        (["--out", "missing/x.csv"], "does not exist"),
    ],
)
def test_cli_bad_input(tmp_path: Path, args: list[str], words: str) -> None:
    folder = write_round(tmp_path / "r")
    if "--out" in args:
        args = ["--out", str(tmp_path / args[1])]
    res = (
        run("chances", folder, "--draws", "5", *args)
        if "--draws" not in args
        else run("chances", folder, *args)
    )
    no_traceback(res)
    assert res.exit_code == 2
    assert words in flat(res.stderr)
    assert not (folder / "chances.csv").exists()


def test_cli_round_problems(tmp_path: Path) -> None:
    folder = write_round(
        tmp_path / "r", {"schools.csv": BASE["schools.csv"].replace("2,0,0", "x,0,0")}
    )
    res = run("chances", folder, "--draws", "5")
    no_traceback(res)
    assert res.exit_code == 2
    assert "schools.csv" in res.stderr and "problem" in res.stderr
    assert not (folder / "chances.csv").exists()
    res = run("chances", tmp_path / "nowhere", "--draws", "5")
    assert res.exit_code == 2 and "no folder" in flat(res.stderr)
