"""The housing allocation line of ``make bench``: a month of a large city (5,000 vacancies,
100,000 households responding to up to 20 each) allocated by the four labels of the
Amsterdam example (registration time, urgency, a 15% lottery share, homes for young people)
with suitability by rooms and rent band.

Timed: the engine call (:func:`samen.engine.allocate` on the translated round, waiting lists
included: the target), the translation, and the whole ``samen housing allocate`` command as
a user runs it (wall clock, process start, reading, writing every file and reading the
translated round back included).

    python -m bench.housing [--quick]     # this line alone
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: the engine call on a month of a large city
TARGET_HOUSING_S = 1.0

Runner = Callable[[list[str], float], tuple[int | None, str, float, float]]


def large_month(vacancies: int, households: int, most: int, seed: int = 12):
    """Rules, dwellings and households of a synthetic month (deterministic)."""
    from samen.housing.model import Dwelling, Household, HousingRules, LabelRule, Suitability

    rng = np.random.default_rng(seed)
    rules = HousingRules(
        name="A month of a large city",
        seed="bench seed of a large month",
        lottery_share=0.15,
        labels={
            "standard": LabelRule("standard", order_by="value:registered"),
            "urgent": LabelRule("urgent", favours="urgent"),
            "lottery": LabelRule("lottery", order_by="lottery"),
            "young": LabelRule("young", admits="young", order_by="value:registered"),
        },
        suitability=Suitability(
            rooms={1: (1, 2), 2: (1, 3), 3: (2, 4), 4: (3, 5), 6: (4, 6)},
            rent={
                "low_small": ("A", "B"),
                "low_large": ("A", "B", "C"),
                "middle": ("A", "B", "C", "D"),
            },
        ),
    )
    labels = np.array(["standard"] * vacancies, dtype=object)
    k = np.arange(vacancies)
    labels[k % 100 < 15] = "lottery"  # 15%
    labels[(k % 100 >= 15) & (k % 100 < 25)] = "urgent"
    labels[(k % 100 >= 25) & (k % 100 < 35)] = "young"
    hoods = [f"Wijk {i:02d}" for i in range(1, 41)]
    rooms = rng.choice([1, 2, 3, 4, 5], size=vacancies, p=[0.2, 0.3, 0.3, 0.15, 0.05])
    band = np.minimum(3, np.maximum(0, rooms - 1 + rng.integers(-1, 2, size=vacancies)))
    dwellings = [
        Dwelling(f"D{j:05d}", hoods[j % 40], int(rooms[j]), "ABCD"[int(band[j])], str(labels[j]))
        for j in range(vacancies)
    ]
    size = rng.choice([1, 2, 3, 4, 5, 6], size=households, p=[0.45, 0.25, 0.13, 0.1, 0.05, 0.02])
    low = rng.random(households) < 0.7
    income = np.where(~low, "middle", np.where(size <= 2, "low_small", "low_large"))
    urgent = rng.random(households) < 0.05
    young = (size <= 2) & (rng.random(households) < 0.35)
    registered = rng.integers(12000, 20600, size=households)
    count = rng.integers(1, most + 1, size=households)
    # Households respond to dwellings that fit them (one in twenty does not), some dwellings
    # wanted by many: weights falling as 1 / (popularity rank + 20).
    popular = np.empty((households, most * 2), dtype=np.int64)
    weight = 1.0 / (np.arange(vacancies) + 20.0)
    groups: dict[tuple[int, str], list[int]] = {}
    for i in range(households):
        groups.setdefault((int(size[i]), str(income[i])), []).append(i)
    for (z, inc), members in groups.items():
        probe = Household("x", (), 0, z, inc, {})
        fit = np.array([rules.suitability.fits(probe, d) for d in dwellings])
        idx = np.flatnonzero(fit) if fit.any() else np.arange(vacancies)
        cdf = np.cumsum(weight[idx])
        draw = np.searchsorted(cdf / cdf[-1], rng.random((len(members), most * 2)))
        popular[members] = idx[np.minimum(draw, len(idx) - 1)]
    stray = rng.random((households, most * 2)) < 0.05
    popular[stray] = rng.integers(0, vacancies, size=int(stray.sum()))
    ids = [d.id for d in dwellings]
    out = []
    for i in range(households):
        chosen = list(dict.fromkeys(popular[i].tolist()))[: count[i]]
        out.append(
            Household(
                f"H{i:06d}",
                tuple(ids[j] for j in chosen),
                int(registered[i]),
                int(size[i]),
                str(income[i]),
                {"urgent": int(urgent[i]), "young": int(young[i])},
            )
        )
    return rules, dwellings, out


def time_engine(vacancies: int, households: int, most: int, runs: int) -> dict:
    """Median seconds of the translation and of the engine call (after a warm-up)."""
    from samen.engine.allocate import allocate
    from samen.housing.translate import translate

    rules, dwellings, hh = large_month(vacancies, households, most)
    t = translate(rules, dwellings, hh)
    allocate(t.instance)  # warm-up (numba)
    tr, en = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        t = translate(rules, dwellings, hh)
        t1 = time.perf_counter()
        allocate(t.instance)
        en.append(time.perf_counter() - t1)
        tr.append(t1 - t0)
    inst = t.instance
    return {
        "vacancies": vacancies,
        "households": households,
        "responses": int(inst.choice_ptr[-1]),
        "translate_s": statistics.median(tr),
        "median_s": statistics.median(en),
    }


def time_command(tmp: Path, vacancies: int, households: int, most: int, run: Runner) -> dict:
    """Wall clock of ``samen housing allocate`` on the month written as a folder."""
    from samen.housing.folder import render_housing

    folder = tmp / "housing-bench"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in render_housing(*large_month(vacancies, households, most)).items():
        (folder / name).write_bytes(data)
    cmd = [sys.executable, "-c", "from samen.cli import app; app()", "housing", "allocate"]
    code, text, wall, rss = run([*cmd, str(folder), "--out", str(tmp / "housing-out")], 900)
    if code != 0:
        return {"error": f"exit code {code}: " + "\n".join(text.strip().splitlines()[-5:])}
    return {"command_s": wall, "command_mb": rss}


def stage(console: Any, tmp: Path, cfg: Any, rows: list, record: dict, run: Runner) -> None:
    """The housing line of ``make bench`` (``bench.run``): the engine call against
    :data:`TARGET_HOUSING_S`, the whole command in the notes. ``--quick``: a tenth."""
    size = (500, 10_000, 20) if cfg.quick else (5_000, 100_000, 20)
    console.print(
        f"[bold]samen housing allocate[/bold]: {size[0]:,} vacancies, {size[1]:,} households ..."
    )
    r = time_engine(*size, runs=3 if cfg.quick else 5)
    r.update(time_command(tmp, *size, run))
    record["housing"] = r
    label = f"housing month ({size[0]:,} dwellings)"
    if "error" in r:
        rows.append((label, f"{size[1]:,}", "error", "-", "-", "", r["error"][:60]))
        return
    from bench.run import _mark, _mb, _s

    ok = None if cfg.quick else r["median_s"] <= TARGET_HOUSING_S
    rows.append(
        (
            label,
            f"{size[1]:,}",
            _s(r["median_s"]),
            _mb(r["command_mb"]),
            "",
            "" if ok is None else f"<= {_s(TARGET_HOUSING_S)} {_mark(ok)}",
            f"engine call, waiting lists included; {r['responses']:,} responses; "
            f"translation {r['translate_s']:.2f} s; whole command {r['command_s']:.1f} s",
        )
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.housing", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="500 vacancies, 10,000 households")
    args = p.parse_args(argv)
    from bench.run import _run

    size = (500, 10_000, 20) if args.quick else (5_000, 100_000, 20)
    r = time_engine(*size, runs=3)
    with tempfile.TemporaryDirectory(prefix="samen-bench-") as tmp:
        r.update(time_command(Path(tmp), *size, _run))
    print(r)
    return 0 if r["median_s"] <= TARGET_HOUSING_S else 1


if __name__ == "__main__":
    sys.exit(main())
