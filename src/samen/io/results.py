"""Results folders (spec section 9), both directions: writing, reading, comparing.

:func:`render_results` turns a :class:`~samen.engine.instance.Result` into the bytes of each
output file; :func:`write_results` writes them into a temporary folder next to the target and
renames it into place, so a half-written results folder never exists; :func:`compare_results`
says, file by file, how a results folder differs from a fresh computation (``samen verify``);
:func:`read_results` reads a results folder back and checks that it fits its round (the
council report and the platform's waiting-list rounds read published results with it;
:func:`read_groups` reads ``groups.csv`` alone). Problems raise :class:`ResultsError`.

With ``waitlists = true`` (section 10.7) the folder also holds ``waitlists.csv``;
``summary.json`` says which version of the rules the round uses (``"rules"``, section 10.8).

CSV output is comma separated, UTF-8 without BOM, with ``\\n`` line endings. ``summary.json``
has sorted keys and no timestamps, so the same round always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samen import __version__
from samen.engine.criteria import VALUE, values_text
from samen.engine.criteria import parse as parse_criteria
from samen.engine.distance import text as metres
from samen.engine.instance import (
    ORDER_DISTANCE,
    ORDER_LOTTERY,
    ORDER_RANK,
    Instance,
    Priority,
    Result,
    rules_version,
)
from samen.engine.lottery import hex16
from samen.engine.pools import ORDER_CRITERIA, pools_of
from samen.io.atomic import write_folder
from samen.io.errors import InputError, Problem, Problems, RoundError
from samen.io.round import Round, render_table

RESULT_FILES: tuple[str, ...] = (
    "assignments.csv",
    "cutoffs.csv",
    "groups.csv",
    "waitlists.csv",
    "summary.json",
)
_FIX = "run 'samen allocate' again to rewrite the results (or 'samen verify' to see what changed)"

ASSIGNMENT_COLUMNS = ("applicant_id", "school_id", "choice_rank", "pool", "lottery")
CUTOFF_COLUMNS = (
    "school_id",
    "pool",
    "seats",
    "filled",
    "overflow",
    "cutoff_group",
    "cutoff_favoured",
    "cutoff_order_by",
    "cutoff_value",
    "cutoff_lottery",
    "cutoff_applicant_id",
)
GROUP_COLUMNS = ("group_id", "target", "threshold", "members", "assigned_to_target", "held")
WAITLIST_COLUMNS = ("school_id", "pool", "position", "applicant_id")


def _cutoff_value(order: int, cut: Priority, order_by: str = "") -> str:
    if order >= ORDER_CRITERIA:  # section 10.2: the values of the criteria, in order
        return values_text(order_by, cut.order_value)
    if order == ORDER_DISTANCE:
        return metres(float(cut.order_value))  # type: ignore[arg-type]
    if order == ORDER_RANK:
        return str(int(cut.order_value))  # type: ignore[arg-type]
    if order == ORDER_LOTTERY:
        return hex16(int(cut.order_value))  # type: ignore[arg-type]
    return str(cut.order_value)


def assignments_csv(rnd: Round, result: Result) -> bytes:
    inst = rnd.instance
    # 80,000 rows and more: each distinct cell is written (and quoted where it must be) once,
    # and the rows are joined as text, which is what the csv module writes, byte for byte
    school_ids = [*csv_cells(inst.school_ids), ""]  # index -1 -> ""
    pool_names = [*csv_cells(inst.pool_names), ""]
    ranks = result.choice_rank.tolist()
    rank_text = ["", *(str(r) for r in range(1, max(ranks, default=0) + 1))]  # 0, -1 -> ""
    rows = zip(
        csv_cells(inst.applicant_ids),
        [school_ids[s] for s in result.school.tolist()],
        [rank_text[r] if r > 0 else "" for r in ranks],
        [pool_names[p] for p in result.pool.tolist()],
        _hex16_cells(result.lottery),
        strict=True,
    )
    head = render_table(ASSIGNMENT_COLUMNS, [], formatted=True)
    text = "\n".join(map(",".join, rows))
    return head + (text + "\n" if text else "").encode("utf-8")


def _hex16_cells(values: np.ndarray) -> list[str]:
    """Each number as 16 lower-case hexadecimal digits (``f"{v:016x}"``), in one NumPy pass.

    >>> _hex16_cells(np.array([0, 255, 2**64 - 1], dtype=np.uint64))
    ['0000000000000000', '00000000000000ff', 'ffffffffffffffff']
    """
    digits = np.array([ord(c) for c in "0123456789abcdef"], dtype=np.uint32)
    nibbles = np.asarray(values, dtype=">u8").view(np.uint8).reshape(-1, 8)
    text = np.empty((len(nibbles), 16), dtype=np.uint32)  # code points: a NumPy str of 16
    text[:, 0::2] = digits[nibbles >> 4]
    text[:, 1::2] = digits[nibbles & 15]
    return text.view(np.dtype("U16")).ravel().tolist()


def cutoffs_csv(rnd: Round, result: Result) -> bytes:
    inst = rnd.instance
    groups = list(inst.priority_groups)
    order_by = [q.order_by for school in pools_of(inst) for q in school]
    rows: list[list[object]] = []
    for s, sid in enumerate(inst.school_ids):
        for p in inst.pools_of(s):
            order = int(inst.pool_order[p])
            row: list[object] = [
                sid,
                inst.pool_names[p],
                int(inst.pool_seats[p]),
                int(result.pool_filled[p]),
                int(result.pool_overflow[p]),
            ]
            cut = result.pool_cutoff[p]
            if cut is None:
                row += [""] * 6
            else:
                row += [
                    groups[cut.group] if 0 <= cut.group < len(groups) else "none",
                    0 if cut.unfavoured else 1,
                    order_by[p],
                    _cutoff_value(order, cut, order_by[p]),
                    hex16(int(cut.lottery)),
                    cut.applicant_id,
                ]
            rows.append(row)
    return render_table(CUTOFF_COLUMNS, rows, formatted=True)


def groups_csv(rnd: Round, result: Result) -> bytes:
    inst = rnd.instance
    rows = [
        [
            gid,
            inst.school_ids[int(inst.group_target[g])],
            int(inst.group_threshold[g]),
            int(result.group_members[g]),
            int(result.group_assigned[g]),
            "true" if bool(result.group_held[g]) else "false",
        ]
        for g, gid in enumerate(inst.group_ids)
    ]
    return render_table(GROUP_COLUMNS, rows, formatted=True)


def waitlists_csv(rnd: Round, result: Result) -> bytes:
    """``waitlists.csv`` (section 10.7): per school (schools.csv order) and pool (precedence
    order), the children waiting, by position; the pool is empty under serial
    dictatorship."""
    inst = rnd.instance
    w = result.waitlists
    if w is None:
        raise ValueError("the result has no waiting lists; allocate a round with waitlists = true")
    # hundreds of thousands of rows: every id is quoted once, and the rows of one list share
    # their start "school,pool,"
    school = csv_cells(inst.school_ids)
    pool = [*csv_cells(inst.pool_names), ""]  # -1 -> ""
    child = [c + "\n" for c in csv_cells(inst.applicant_ids)]
    position = [str(k) for k in range(int(w.position.max(initial=0)) + 1)]
    lists = w.school.astype(np.int64) * (len(pool) + 1) + w.pool.astype(np.int64) + 1
    cuts = (np.flatnonzero(np.diff(lists)) + 1).tolist()
    s_of, p_of = w.school.tolist(), w.pool.tolist()
    ks, apps = w.position.tolist(), w.applicant.tolist()
    parts = []
    for lo, hi in zip([0, *cuts], [*cuts, len(apps)], strict=True):
        if lo == hi:
            continue
        start = [f"{school[s_of[lo]]},{pool[p_of[lo]]},"] * (hi - lo)
        comma = [","] * (hi - lo)
        at = [position[k] for k in ks[lo:hi]]
        rows = zip(start, at, comma, [child[a] for a in apps[lo:hi]], strict=True)
        parts.append("".join(map("".join, rows)))
    head = render_table(WAITLIST_COLUMNS, [], formatted=True)
    return head + "".join(parts).encode("utf-8")


def csv_cells(values: Sequence[str]) -> list[str]:
    """Text cells as :func:`samen.io.round.render_table` (the csv module) writes them: in
    double quotes, with quotes doubled, when they hold a comma, a quote or a line break.

    >>> csv_cells(["S1", "x,y"])
    ['S1', '"x,y"']
    """
    special = re.compile(r'[,"\r\n]')
    if not special.search("".join(values)):  # the usual case, in one pass
        return list(map(str, values))
    return ['"' + v.replace('"', '""') + '"' if special.search(v) else str(v) for v in values]


def round_rules(rnd: Round) -> int:
    """The version of the rules the round uses (section 10.8): 2 when its instance sets a
    rule of section 10, or a default pool of round.toml (even one that no school uses)
    favours an expression of several terms or orders by criteria of section 10.2."""
    s = rnd.settings
    pools_v2 = any(
        "|" in p.favours or len(parse_criteria(p.order_by)) > 1 or VALUE in p.order_by
        for p in s.default_pools
    )
    return 2 if pools_v2 else rules_version(rnd.instance)


def summary(rnd: Round, result: Result) -> dict[str, object]:
    """The numbers of ``summary.json`` (no timestamps: the same round gives the same bytes)."""
    inst = rnd.instance
    n = inst.n_applicants
    rank = result.choice_rank
    assigned = int(np.count_nonzero(result.school >= 0))
    longest = int(np.diff(inst.choice_ptr).max()) if n else 0
    hist = np.bincount(rank[rank > 0], minlength=longest + 1)[1:] if n else np.zeros(0, np.int64)
    first = int(np.count_nonzero(rank == 1))
    top3 = int(np.count_nonzero((rank >= 1) & (rank <= 3)))
    held = int(np.count_nonzero(result.group_held))

    def share(k: int) -> float:
        return round(k / n, 6) if n else 0.0

    return {
        "name": rnd.name,
        "samen_version": __version__,
        "mechanism": inst.mechanism,
        "tie_breaking": inst.tie_breaking,
        "seed": inst.seed,
        "schools": inst.n_schools,
        "seats": int(inst.capacity.sum()),
        "applicants": n,
        "assigned": assigned,
        "unassigned": n - assigned,
        "first_choice": {"count": first, "share": share(first)},
        "top3": {"count": top3, "share": share(top3)},
        "rank_histogram": [int(v) for v in hist],
        "rules": round_rules(rnd),
        "overflow": int(result.pool_overflow.sum()),
        "runs": int(result.runs),
        "pledge_groups": {
            "total": len(inst.group_ids),
            "held": held,
            "failed": len(inst.group_ids) - held,
            "failures": _failures(inst, result),
        },
        "inputs": dict(sorted(rnd.inputs.items())),
    }


def _failures(inst: Instance, result: Result) -> list[dict[str, object]]:
    """Why each failed pledge group failed: the run and its members at the target then.

    ``groups.csv`` reports the last run (the result), where a failed group's members no
    longer list the target; this keeps the count that made it fail.
    """
    run = result.extra.get("group_failed_in_run")
    at = result.extra.get("group_assigned_at_failure")
    if not isinstance(run, np.ndarray) or not isinstance(at, np.ndarray):
        return []
    return [
        {
            "group_id": inst.group_ids[g],
            "failed_in_run": int(run[g]),
            "assigned_to_target": int(at[g]),
            "threshold": int(inst.group_threshold[g]),
        }
        for g in np.flatnonzero(run > 0)
    ]


def summary_json(rnd: Round, result: Result) -> bytes:
    text = json.dumps(summary(rnd, result), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def render_results(rnd: Round, result: Result) -> dict[str, bytes]:
    """The output files of section 9, by file name, as the bytes to write."""
    files = {
        "assignments.csv": assignments_csv(rnd, result),
        "cutoffs.csv": cutoffs_csv(rnd, result),
    }
    if len(rnd.instance.group_ids):
        files["groups.csv"] = groups_csv(rnd, result)
    if rnd.instance.waitlists:
        files["waitlists.csv"] = waitlists_csv(rnd, result)
    files["summary.json"] = summary_json(rnd, result)
    return files


# --------------------------------------------------------------------------- writing


def _check_target(out: Path) -> None:
    """Refuse to replace anything but a results folder (or nothing)."""
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise RoundError(
                    [
                        Problem(
                            str(parent),
                            None,
                            None,
                            f"this is a file, not a folder, so {out} cannot be made; choose "
                            "another --out",
                        )
                    ]
                )
            break
    if not out.exists():
        return
    if not out.is_dir():
        raise RoundError(
            [Problem(str(out), None, None, "this is a file, not a folder; choose another --out")]
        )
    foreign = sorted(p.name for p in out.iterdir() if p.name not in RESULT_FILES)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise RoundError(
            [
                Problem(
                    str(out),
                    None,
                    None,
                    f"this folder holds files that samen did not write ({shown}); samen replaces the "
                    "whole results folder, so choose an empty or new folder with --out",
                )
            ]
        )


def write_files(files: dict[str, bytes], out_dir: str | Path) -> Path:
    """Write ``files`` as the folder ``out_dir``, all or nothing.

    The files go into a new folder next to ``out_dir``, which is then renamed into place; an
    existing results folder is moved aside first and removed only once the new one is in
    place (and put back if that fails)."""
    out = Path(out_dir).absolute()
    _check_target(out)
    return write_folder(files, out)


def write_results(rnd: Round, result: Result, out_dir: str | Path) -> Path:
    """Write the results of section 9 into ``out_dir`` (replaced as a whole, atomically)."""
    return write_files(render_results(rnd, result), out_dir)


# --------------------------------------------------------------------------- reading


class ResultsError(InputError):
    """A results folder cannot be used with its round; ``problems`` says why."""

    WHAT = "The results folder"


@dataclass(frozen=True)
class GroupResult:
    """A pledge group as ``groups.csv`` reports it."""

    group_id: str
    target: str
    threshold: int
    members: int
    assigned: int
    held: bool


@dataclass(frozen=True, eq=False)
class Results:
    """A results folder as read: per child the school index (-1 = none) and the 1-based rank
    on its list (0 = none), the pledge groups and ``summary.json``."""

    school: np.ndarray  # int32[n]
    choice_rank: np.ndarray  # int32[n]
    groups: list[GroupResult]
    summary: dict[str, Any]
    folder: Path

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Why each failed pledge group failed (``summary.json``, pledge_groups.failures)."""
        pledge = self.summary.get("pledge_groups")
        failures = pledge.get("failures", []) if isinstance(pledge, dict) else []
        return [f for f in failures if isinstance(f, dict)] if isinstance(failures, list) else []


def _results_name(folder: Path, name: str) -> str:
    return f"{folder.name}/{name}" if folder.name else name


def read_groups(data: bytes, source: str = "groups.csv") -> list[GroupResult]:
    """The rows of a ``groups.csv`` written by ``samen allocate``, in its order; raises
    :class:`ResultsError` when it cannot be read.

    >>> read_groups(b"group_id,target,threshold,members,assigned_to_target,held\\nG,S1,2,3,1,false\\n")
    [GroupResult(group_id='G', target='S1', threshold=2, members=3, assigned=1, held=False)]
    """
    problems = Problems()
    groups = _groups(data, source, problems)
    problems.raise_if_any(ResultsError)
    return groups


def _groups(data: bytes, gname: str, problems: Problems) -> list[GroupResult]:
    grows = _rows(data)
    out: list[GroupResult] = []
    if grows is None or not grows:
        problems.add(gname, None, None, f"the file cannot be read as UTF-8 CSV; {_FIX}")
        return out
    header = grows[0]
    missing = [c for c in GROUP_COLUMNS if c not in header]
    if missing:
        problems.add(gname, 1, None, f"the header has no column {', '.join(missing)}; {_FIX}")
        return out
    at = [header.index(c) for c in GROUP_COLUMNS]
    for i, row in enumerate(grows[1:]):
        cells = [*row, *[""] * len(header)]
        gid, target, th, mem, got, held = (cells[j] for j in at)
        if not (th.isdigit() and mem.isdigit() and got.isdigit()) or held not in ("true", "false"):
            problems.add(gname, i + 2, None, f"the row cannot be read; {_FIX}")
            continue
        out.append(GroupResult(gid, target, int(th), int(mem), int(got), held == "true"))
    return out


def _assignments(
    rnd: Round, files: Mapping[str, bytes], folder: Path, problems: Problems
) -> tuple[np.ndarray, np.ndarray]:
    inst = rnd.instance
    n = inst.n_applicants
    school = np.full(n, -1, dtype=np.int32)
    rank = np.zeros(n, dtype=np.int32)
    name = _results_name(folder, "assignments.csv")
    rows = _rows(files.get("assignments.csv", b""))
    s_index = {s: i for i, s in enumerate(inst.school_ids)}
    if "assignments.csv" not in files:
        problems.add(name, None, None, f"the file is missing; {_FIX}")
    elif rows is None or not rows:
        problems.add(name, None, None, f"the file cannot be read as UTF-8 CSV; {_FIX}")
    else:
        header = rows[0]
        need = ("applicant_id", "school_id", "choice_rank")
        missing = [c for c in need if c not in header]
        if missing:
            problems.add(name, 1, None, f"the header has no column {', '.join(missing)}; {_FIX}")
        elif len(rows) - 1 != n:
            problems.add(
                name,
                None,
                None,
                f"the file has {len(rows) - 1} children, the round has {n}; {_FIX}",
            )
        else:
            ia, isch, ir = (header.index(c) for c in need)
            bad: list[tuple[int, str, str]] = []
            for a, row in enumerate(rows[1:]):
                line = a + 2
                cells = [*row, "", "", ""]
                if cells[ia] != inst.applicant_ids[a]:
                    bad.append(
                        (
                            line,
                            "applicant_id",
                            f"the child is '{cells[ia]}', row {rnd.applicant_rows[a]} of the "
                            f"round's applicants is '{inst.applicant_ids[a]}'",
                        )
                    )
                    continue
                sid, r = cells[isch], cells[ir]
                if not sid:
                    if r:
                        bad.append((line, "choice_rank", "a child without a school has a rank"))
                    continue
                s = s_index.get(sid)
                lst = inst.choices[inst.choice_ptr[a] : inst.choice_ptr[a + 1]]
                if s is None:
                    bad.append((line, "school_id", f"the school '{sid}' is not in the round"))
                elif not r.isdigit() or not 1 <= int(r) <= len(lst) or lst[int(r) - 1] != s:
                    bad.append(
                        (line, "choice_rank", f"'{r}' is not the rank of '{sid}' on the list")
                    )
                else:
                    school[a], rank[a] = s, int(r)
            for line, col, message in bad[:10]:
                problems.add(name, line, col, f"{message}; {_FIX}")
            if len(bad) > 10:
                problems.add(name, None, None, f"{len(bad) - 10} more rows differ; {_FIX}")

    return school, rank


def _round_groups(
    rnd: Round, files: Mapping[str, bytes], folder: Path, problems: Problems
) -> list[GroupResult]:
    """groups.csv in the order of the round's groups (every one of them there)."""
    inst = rnd.instance
    if not len(inst.group_ids):
        return []
    gname = _results_name(folder, "groups.csv")
    if "groups.csv" not in files:
        problems.add(gname, None, None, f"the round has pledge groups but no groups.csv; {_FIX}")
        return []
    before = len(problems)
    by_id = {g.group_id: g for g in _groups(files["groups.csv"], gname, problems)}
    if len(problems) > before and not by_id:
        return []
    groups: list[GroupResult] = []
    for gid in inst.group_ids:
        if gid in by_id:
            groups.append(by_id[gid])
        else:
            problems.add(gname, None, "group_id", f"the group '{gid}' is missing; {_FIX}")
    return groups


def parse_results(rnd: Round, files: Mapping[str, bytes], folder: Path) -> Results:
    """The results of ``rnd`` from the bytes of its results files (by name), checked against
    the round; problems raise :class:`ResultsError`, naming ``folder``'s files."""
    problems = Problems()
    school, rank = _assignments(rnd, files, folder, problems)
    groups = _round_groups(rnd, files, folder, problems)
    summary: dict[str, Any] = {}
    raw = files.get("summary.json")
    if raw is not None:
        try:
            loaded = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            loaded = None
        if isinstance(loaded, dict):
            summary = loaded
        else:
            problems.add(
                _results_name(folder, "summary.json"), None, None, f"not valid JSON; {_FIX}"
            )
    problems.raise_if_any(ResultsError)
    return Results(school, rank, groups, summary, folder)


def read_results(rnd: Round, folder: str | Path) -> Results:
    """The results folder ``folder`` of the round ``rnd`` (see :func:`parse_results`)."""
    root = Path(folder)
    files = {name: (root / name).read_bytes() for name in RESULT_FILES if (root / name).is_file()}
    return parse_results(rnd, files, root)


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Difference:
    """How one output file in a results folder differs from a fresh computation."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def _rows(data: bytes) -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None


def _describe(row: list[str]) -> str:
    cells = [*row, "", "", "", "", ""][1:5]
    school, rank, pool, lot = cells
    if not school:
        return f"unassigned (lottery {lot})"
    text = f"school {school} (choice {rank}"
    if pool:
        text += f", pool {pool}"
    return text + f", lottery {lot})"


def _compare_assignments(found: bytes, expected: bytes, limit: int) -> list[Difference]:
    f, e = _rows(found), _rows(expected)
    name = "assignments.csv"
    if f is None or e is None:
        return [Difference(name, "the file cannot be read as UTF-8 CSV")]
    if f[:1] != e[:1]:
        return [
            Difference(
                name,
                f"the header is {','.join(f[0]) if f else '(none)'}, expected {','.join(e[0])}",
            )
        ]
    out: list[Difference] = []
    if len(f) != len(e):
        out.append(Difference(name, f"it has {len(f) - 1} children, the round has {len(e) - 1}"))
    diff = [i for i in range(1, min(len(f), len(e))) if f[i] != e[i]]
    for i in diff[:limit]:
        fi, ei = f[i], e[i]
        if fi[:1] != ei[:1]:
            out.append(
                Difference(
                    name,
                    f"row {i + 1}: the results have child '{fi[0] if fi else ''}', the round has '{ei[0]}'",
                )
            )
        else:
            out.append(
                Difference(
                    name, f"{ei[0]}: the results say {_describe(fi)}, recomputed: {_describe(ei)}"
                )
            )
    if len(diff) > limit:
        out.append(
            Difference(
                name, f"... and {len(diff) - limit} more children differ ({len(diff)} in all)"
            )
        )
    if not out:  # the same cells, other bytes
        out.append(
            Difference(
                name, "the same cells, but not the same bytes (line endings or encoding changed?)"
            )
        )
    return out


def _compare_lines(name: str, found: bytes, expected: bytes, limit: int) -> list[Difference]:
    f = found.decode("utf-8", errors="replace").split("\n")
    e = expected.decode("utf-8", errors="replace").split("\n")
    out: list[Difference] = []
    diff = [
        i
        for i in range(max(len(f), len(e)))
        if (f[i] if i < len(f) else None) != (e[i] if i < len(e) else None)
    ]
    for i in diff[:limit]:
        fi = f[i] if i < len(f) else "(no line)"
        ei = e[i] if i < len(e) else "(no line)"
        out.append(Difference(name, f"line {i + 1}: the results have '{fi}', recomputed: '{ei}'"))
    if len(diff) > limit:
        out.append(Difference(name, f"... and {len(diff) - limit} more lines differ"))
    return out


def _flatten(obj: object, prefix: str = "") -> dict[str, object]:
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: obj}


def _compare_summary(found: bytes, expected: bytes, limit: int) -> list[Difference]:
    name = "summary.json"
    try:
        f = _flatten(json.loads(found.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return [Difference(name, "the file is not valid JSON")]
    e = _flatten(json.loads(expected.decode("utf-8")))
    out = [
        Difference(
            name,
            f"{k}: the results have {json.dumps(f.get(k))}, recomputed: {json.dumps(e.get(k))}",
        )
        for k in sorted(set(f) | set(e))
        if f.get(k, ...) != e.get(k, ...)
    ]
    if not out:  # same values, other bytes (spacing, key order)
        out.append(
            Difference(name, "the same numbers, but not the same bytes (was the file edited?)")
        )
    return out[:limit] + (
        [Difference(name, f"... and {len(out) - limit} more differences")]
        if len(out) > limit
        else []
    )


def compare_results(
    expected: dict[str, bytes], folder: str | Path, limit: int = 10
) -> list[Difference]:
    """The differences between the results folder ``folder`` and the freshly computed
    ``expected`` files; empty when they are identical byte for byte."""
    root = Path(folder)
    out: list[Difference] = []
    for name in RESULT_FILES:
        path = root / name
        exp = expected.get(name)
        if exp is None:
            if path.exists():
                why = (
                    "does not ask for waiting lists (waitlists = true)"
                    if name == "waitlists.csv"
                    else "has no pledge groups"
                )
                out.append(
                    Difference(name, f"the results folder has this file, but the round {why}")
                )
            continue
        if not path.is_file():
            out.append(Difference(name, "the file is missing from the results folder"))
            continue
        found = path.read_bytes()
        if found == exp:
            continue
        if name == "assignments.csv":
            out.extend(_compare_assignments(found, exp, limit))
        elif name == "summary.json":
            out.extend(_compare_summary(found, exp, limit))
        else:
            out.extend(_compare_lines(name, found, exp, limit))
    return out


__all__ = [
    "RESULT_FILES",
    "WAITLIST_COLUMNS",
    "Difference",
    "GroupResult",
    "Results",
    "ResultsError",
    "compare_results",
    "csv_cells",
    "metres",
    "parse_results",
    "read_groups",
    "read_results",
    "render_results",
    "round_rules",
    "summary",
    "waitlists_csv",
    "write_files",
    "write_results",
]
