"""The "close to the machine" line of ``make bench``: samen's deferred acceptance against a
plain C loop (``bench/da_loop.c``) on the same round, in the same bench run.

The C file is compiled with the system compiler (``cc``, else ``gcc`` or ``clang``) at
``-O2``; where none exists the line is skipped with a message. The plain NYC-like round
(one pool per school, one lottery: the problem a plain C loop solves) is written as binary
arrays (lists, capacities, lottery numbers, id ranks) that the C program reads before its
clock starts. samen is timed on :func:`samen.engine.allocate` with the round prepared
(:func:`samen.engine.priority.prepare`: lottery numbers hashed once), on the plain round and
on the two-pool round with siblings, each round's runs back to back as the C loop runs its
repeats, and as many runs on each side (30); the ratios to the C loop's best run are the
targets (best run against best run; the medians are in the notes). Both matchings of the
plain round must be the same.

    python -m bench.cloop [--n 80000]     # this line alone
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "da_loop.c"
TARGET_PLAIN_RATIO = 1.5
TARGET_POOLS_RATIO = 2.5
C_REPEATS = 15


def compiler() -> str | None:
    """The system C compiler (``cc``, ``gcc`` or ``clang``), or None."""
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return path
    return None


def compile_loop(folder: Path) -> tuple[Path | None, str]:
    """Compile ``da_loop.c`` into ``folder``; (binary, "") or (None, why not)."""
    cc = compiler()
    if cc is None:
        return None, "no C compiler (cc, gcc or clang) on this machine"
    exe = folder / "da_loop"
    proc = subprocess.run(
        [cc, "-O2", "-o", str(exe), str(SOURCE)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return None, f"{Path(cc).name} failed: {proc.stderr.strip()[:200]}"
    return exe, ""


def write_arrays(path: Path, inst: Any, prep: Any) -> None:
    """The plain round as the C loop reads it (see ``da_loop.c``)."""
    n, m, e = inst.n_applicants, inst.n_schools, len(inst.choices)
    with open(path, "wb") as f:
        f.write(np.array([n, m, e], dtype=np.int64).tobytes())
        f.write(np.ascontiguousarray(inst.choice_ptr, dtype=np.int64).tobytes())
        f.write(np.ascontiguousarray(inst.choices, dtype=np.int32).tobytes())
        f.write(np.ascontiguousarray(inst.capacity, dtype=np.int64).tobytes())
        f.write(np.ascontiguousarray(prep.single_lot, dtype=np.uint64).tobytes())
        f.write(np.ascontiguousarray(prep.id_rank, dtype=np.int64).tobytes())


def work(task: dict) -> dict:
    """The samen side (in a fresh process): write the plain round's arrays to
    ``task["arrays"]``, its matching to ``task["save"]``; time prepared DA on the plain
    and the two-pool round, interleaved."""
    from bench.instances import make
    from samen.engine import allocate
    from samen.engine.priority import prepare

    n, repeats = task["n"], task["repeats"]
    for plain in (True, False):
        allocate(make("nyc", 2_000, plain=plain))
    insts = {"plain": make("nyc", n, plain=True), "pools": make("nyc", n)}
    preps = {k: prepare(v) for k, v in insts.items()}
    write_arrays(Path(task["arrays"]), insts["plain"], preps["plain"])
    np.save(task["save"], allocate(insts["plain"], preps["plain"]).school)
    times: dict[str, list[float]] = {"plain": [], "pools": []}
    for k in ("plain", "pools"):  # back to back, as the C loop runs its repeats
        for _ in range(repeats):
            t = time.perf_counter()
            allocate(insts[k], preps[k])
            times[k].append(time.perf_counter() - t)
    return {
        f"{k}_{stat}": f(v)
        for k, v in times.items()
        for stat, f in (("best_s", min), ("median_s", statistics.median))
    }


def run_loop(exe: Path, arrays: Path, out: Path, repeats: int = C_REPEATS) -> dict:
    """Run the compiled loop; its best and median run and the matching it found."""
    proc = subprocess.run(
        [str(exe), str(arrays), str(out), str(repeats)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {"error": f"da_loop: exit code {proc.returncode}: {proc.stderr.strip()[:200]}"}
    runs = [int(x.split()[1]) / 1e9 for x in proc.stdout.splitlines() if x.startswith("run_ns ")]
    return {
        "best_s": min(runs),
        "median_s": statistics.median(runs),
        "school": np.fromfile(out, dtype=np.int32),
    }


def measure(tmp: Path, n: int, repeats: int, spawn: Any) -> dict:
    """Both sides; ``{"skipped": why}`` without a compiler, ``{"error": ...}`` on failure."""
    exe, why = compile_loop(tmp)
    if exe is None:
        return {"skipped": why}
    arrays, save = tmp / f"plain-{n}.bin", tmp / f"plain-{n}-samen.npy"
    s = spawn(
        {"what": "cloop", "n": n, "repeats": repeats, "arrays": str(arrays), "save": str(save)}
    )
    if "error" in s:
        return s
    # the loop runs twice, right after samen and once more, so that a moment of load on a
    # shared machine does not decide its figure alone
    runs = [run_loop(exe, arrays, tmp / f"plain-{n}-c{i}.bin") for i in range(2)]
    for c in runs:
        if "error" in c:
            return c
    same = all(bool(np.array_equal(c.pop("school"), np.load(save))) for c in runs)
    c = {
        "best_s": min(c["best_s"] for c in runs),
        "median_s": statistics.median(c["median_s"] for c in runs),
    }
    return {"samen": s, "c": c, "same_result": same}


def stage(console: Any, tmp: Path, cfg: Any, rows: list, record: dict, spawn: Any) -> None:
    """Two lines of ``make bench`` (``bench.run``): the ratios of prepared DA to the C loop,
    on the plain and on the two-pool round: best run against best run (the figure a shared
    machine disturbs least), the medians of both in the notes."""
    from bench.run import _mark, _s

    n = cfg.nyc_n
    console.print(f"[bold]samen DA against a plain C loop[/bold], {n:,} children ...")
    r = measure(tmp, n, 2 * C_REPEATS, spawn)  # as many runs as the C loop's two series
    record["cloop"] = r
    if "skipped" in r:
        console.print(f"  C loop skipped: {r['skipped']}")
        rows.append(("DA vs plain C loop", f"{n:,}", "skipped", "-", "-", "", r["skipped"][:80]))
        return
    if "error" in r:
        rows.append(("DA vs plain C loop", f"{n:,}", "error", "-", "-", "", r["error"][:60]))
        return
    c_s = r["c"]["best_s"]
    for key, label, target in (
        ("plain", "samen DA prepared, plain", TARGET_PLAIN_RATIO),
        ("pools", "samen DA prepared, 2 pools + siblings", TARGET_POOLS_RATIO),
    ):
        t = r["samen"][f"{key}_best_s"]
        ratio = t / c_s
        ok = None if cfg.quick else ratio <= target
        note = f"C loop (gcc -O2) {_s(c_s)} best, {_s(r['c']['median_s'])} median"
        if key == "plain":
            note += f"; same result: {'yes' if r['same_result'] else 'NO'}"
        rows.append(
            (
                label,
                f"{n:,}",
                _s(t),
                "-",
                f"{ratio:.2f}x C",
                ("" if cfg.quick else f"<= {target:g}x C loop ") + _mark(ok),
                note + f"; samen median {_s(r['samen'][f'{key}_median_s'])}, best runs compared",
            )
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.cloop", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=80_000, help="children (default 80,000)")
    p.add_argument("--repeats", type=int, default=2 * C_REPEATS)
    args = p.parse_args(argv)
    from bench.run import spawn

    with tempfile.TemporaryDirectory(prefix="samen-bench-") as tmp:
        r = measure(Path(tmp), args.n, args.repeats, spawn)
    if "samen" in r:
        c = r["c"]["best_s"]
        for k in ("plain", "pools"):
            med, best = r["samen"][f"{k}_median_s"], r["samen"][f"{k}_best_s"]
            print(
                f"{k}: samen best {best * 1e3:.1f} ms (median {med * 1e3:.1f}), {best / c:.2f}x C"
            )
        print(f"C loop best {c * 1e3:.1f} ms, median {r['c']['median_s'] * 1e3:.1f} ms")
        print(f"same result: {r['same_result']}")
    else:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
