"""The route-distance line of ``make bench``: ``samen distances`` on a synthetic city's round
and its street grid (``samen city --preset antwerp --osm``: 5,000 children, 120 schools, a
grid of about 19,000 crossings), timed as a user runs it, wall clock, process start
included. ``--quick`` uses the smaller mechelen preset.

    python -m bench.routes [--quick]     # this line alone
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

#: seconds, not minutes: the whole command on the antwerp preset (on 2 cores)
TARGET_DISTANCES_S = 10.0

Runner = Callable[[list[str], float], tuple[int | None, str, float, float]]


def city_with_streets(folder: Path, preset: str) -> tuple[Path, str]:
    """Write the preset's city with its street map; the folder and the grid's projection."""
    from samen.analytics.city import PRESETS, generate_city, write_city

    config = PRESETS[preset]
    write_city(generate_city(config, 1), folder, streets=True)
    return folder, config.geography.crs


def time_distances(tmp: Path, preset: str, runs: int, run: Runner) -> dict:
    """Time ``samen distances`` (walking, each child to the schools it lists) ``runs`` times
    after a first run that warms the caches; ``run`` runs a command as ``bench.run._run``."""
    folder, crs = city_with_streets(tmp / f"routes-{preset}", preset)
    out = tmp / f"routes-{preset}-distances.csv"
    cmd = [
        sys.executable,
        "-c",
        "from samen.cli import app; app()",
        "distances",
        str(folder),
        "--osm",
        str(folder / "streets.osm"),
        "--crs",
        crs,
        "--out",
        str(out),
        "--force",
    ]
    walls, rss, first = [], [], None
    for i in range(runs + 1):
        code, text, wall, maxrss = run(cmd, 600)
        if code != 0:
            return {"error": f"exit code {code}: " + "\n".join(text.strip().splitlines()[-5:])}
        if i == 0:
            first = wall
        else:
            walls.append(wall)
            rss.append(maxrss)
    pairs = sum(1 for _ in out.open(encoding="utf-8")) - 1
    children = sum(1 for _ in (folder / "applicants.csv").open(encoding="utf-8")) - 1
    nodes = (folder / "streets.osm").read_text(encoding="utf-8").count("<node ")
    return {
        "preset": preset,
        "first_s": first,
        "median_s": statistics.median(walls),
        "peak_mb": max(rss),
        "pairs": pairs,
        "children": children,
        "nodes": nodes,
    }


def main(argv: list[str] | None = None) -> int:
    from bench.run import _run

    p = argparse.ArgumentParser(prog="python -m bench.routes", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the mechelen preset, one run")
    args = p.parse_args(argv)
    preset = "mechelen" if args.quick else "antwerp"
    tmp = Path(tempfile.mkdtemp(prefix="samen-bench-routes-"))
    try:
        r = time_distances(tmp, preset, 1 if args.quick else 3, _run)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(r)
    return 1 if "error" in r else 0


if __name__ == "__main__":
    sys.exit(main())
