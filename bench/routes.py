"""The route-distance line of ``make bench``: ``samen distances`` on a synthetic city's round
and its street grid (``samen city --preset antwerp --osm``: 5,000 children, 120 schools, a
grid of about 19,000 crossings), timed as a user runs it, wall clock, process start
included. ``--quick`` uses the smaller mechelen preset.

    python -m bench.routes [--quick]     # this line alone
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

#: seconds, not minutes: the whole command on the antwerp preset (on 2 cores)
TARGET_DISTANCES_S = 10.0


def city_with_streets(folder: Path, preset: str) -> tuple[Path, str]:
    """Write the preset's city with its street map; the folder and the grid's projection."""
    from samen.analytics.city import PRESETS, generate_city, write_city

    config = PRESETS[preset]
    write_city(generate_city(config, 1), folder, streets=True)
    return folder, config.geography.crs


def time_distances(tmp: Path, preset: str, runs: int) -> dict:
    """Time ``samen distances`` (walking, each child to the schools it lists) ``runs`` times
    after a first run that warms the caches (:func:`bench.run.time_runs`)."""
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
    from bench.run import time_runs

    timed = time_runs(cmd, runs, 600)
    if "error" in timed:
        return timed
    pairs = sum(1 for _ in out.open(encoding="utf-8")) - 1
    children = sum(1 for _ in (folder / "applicants.csv").open(encoding="utf-8")) - 1
    nodes = (folder / "streets.osm").read_text(encoding="utf-8").count("<node ")
    return {
        "preset": preset,
        **timed,
        "pairs": pairs,
        "children": children,
        "nodes": nodes,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.routes", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the mechelen preset, one run")
    args = p.parse_args(argv)
    preset = "mechelen" if args.quick else "antwerp"
    tmp = Path(tempfile.mkdtemp(prefix="samen-bench-routes-"))
    try:
        r = time_distances(tmp, preset, 1 if args.quick else 3)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(r)
    return 1 if "error" in r else 0


if __name__ == "__main__":
    sys.exit(main())
