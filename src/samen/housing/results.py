"""A housing round's results folder (``docs/housing-rules.md`` section 5), written and
compared.

- ``assignments.csv``: per household (in the order of households.csv) its dwelling, the
  position of that dwelling among its responses, the label, the dwelling's neighbourhood and
  the lottery number used;
- ``responses.csv``: per response, what came of it: ``assigned``, ``waiting`` with the
  household's position on the dwelling's waiting list (allocation rules 10.7), ``better``
  (the household got a dwelling it ranked higher) or ``unsuitable`` with the reason;
- ``cutoffs.csv``: per dwelling, who got it and that household's priority there (the
  cut-off: anyone with a better priority who wanted it more than what they got would have
  had it), the number of responses and the length of its waiting list;
- ``summary.json``: the counts, per label and per neighbourhood, the lottery share, the
  inputs' SHA-256;
- ``round/``: the translated allocation round, and ``round/results/`` its results as
  ``samen allocate`` writes them (with ``waitlists.csv``), so that ``samen verify
  results/round`` checks the allocation like any school round.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from samen import __version__
from samen.engine.allocate import allocate
from samen.engine.instance import Priority, Result
from samen.engine.lottery import hex16, number
from samen.housing.model import HousingResult, date_of
from samen.housing.roundfiles import read_translation
from samen.housing.settings import MOST, REGISTERED, criterion_column
from samen.housing.translate import Translation
from samen.io.errors import InputError, Problem
from samen.io.results import compare_results, render_results
from samen.io.round import Round, render_table

#: where the translated allocation round goes in the results folder
ROUND_DIR = "round"
HOUSING_FILES: tuple[str, ...] = (
    "assignments.csv",
    "responses.csv",
    "cutoffs.csv",
    "summary.json",
)
ASSIGNMENT_COLUMNS = (
    "household_id",
    "dwelling_id",
    "response_rank",
    "label",
    "neighbourhood",
    "lottery",
)
RESPONSE_COLUMNS = (
    "household_id",
    "response_rank",
    "dwelling_id",
    "label",
    "outcome",
    "position",
    "note",
)
CUTOFF_COLUMNS = (
    "dwelling_id",
    "label",
    "neighbourhood",
    "rooms",
    "rent_band",
    "responses",
    "suitable",
    "household_id",
    "response_rank",
    "waiting",
    "cutoff_group",
    "cutoff_favoured",
    "cutoff_order_by",
    "cutoff_value",
    "cutoff_lottery",
)


def _share(k: int, n: int) -> float:
    return round(k / n, 6) if n else 0.0


def _value_text(criterion: str, value: float | int) -> str:
    """One ordering value as a person reads it: a date, a number, a lottery number."""
    if criterion == "lottery":
        return hex16(int(value))
    if criterion == "rank":
        return str(int(value))
    column = criterion_column(criterion)
    if column == REGISTERED and criterion.startswith("value:"):
        return date_of(int(value)).isoformat()
    v = -float(value) if criterion.startswith(MOST) else float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def cutoff_value(t: Translation, label: str, cut: Priority) -> str:
    """Item 3 of a cut-off tuple in the label's terms (``value:registered`` as a date,
    ``most:X`` as the number itself, criteria joined by ``,``)."""
    criteria = [c.strip() for c in t.rules.labels[label].order_by.split(",")]
    v = cut.order_value
    values = v if isinstance(v, tuple) else (v,)
    return ",".join(_value_text(c, x) for c, x in zip(criteria, values, strict=True))


def _assignments(t: Translation, res: Result) -> tuple[bytes, list[int]]:
    """assignments.csv, and per household the response rank of its dwelling (0 = none)."""
    inst = t.instance
    n = len(t.households)
    school = np.full(n, -1, dtype=np.int64)
    school[t.included] = res.school
    lottery = [0] * n
    for a, v in zip(t.included.tolist(), res.lottery.tolist(), strict=True):
        lottery[a] = int(v)
    for h in np.flatnonzero(school < 0).tolist():  # the single number (section 9)
        lottery[h] = number(inst.seed, t.households[h].id)
    rank = [0] * n
    edge_of = assigned_entries(t, res)
    for a, e in enumerate(edge_of.tolist()):
        if e >= 0:
            rank[int(t.included[a])] = int(t.edge_rank[e])
    rows = []
    for i, h in enumerate(t.households):
        s = int(school[i])
        d = t.dwellings[s] if s >= 0 else None
        rows.append(
            [
                h.id,
                d.id if d else "",
                str(rank[i]) if d else "",
                d.label if d else "",
                d.neighbourhood if d else "",
                hex16(lottery[i]),
            ]
        )
    return render_table(ASSIGNMENT_COLUMNS, rows, formatted=True), rank


def assigned_entries(t: Translation, res: Result) -> np.ndarray:
    """Per applicant of the translated round, the list entry of its dwelling (-1 = none)."""
    inst = t.instance
    ptr = inst.choice_ptr
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(ptr))
    hit = np.flatnonzero(inst.choices == res.school[edge_app])
    out = np.full(inst.n_applicants, -1, dtype=np.int64)
    out[edge_app[hit]] = hit
    return out


def _responses(t: Translation, res: HousingResult) -> bytes:
    rows = []
    for h in t.households:
        got = res.dwelling.get(h.id)
        got_rank = h.responses.index(got) + 1 if got is not None else len(h.responses) + 1
        waiting = res.positions.get(h.id, {})
        bad = res.unsuitable.get(h.id, {})
        for k, did in enumerate(h.responses, start=1):
            label = t.dwellings[t.dwelling_index[did]].label
            if did in bad:
                outcome, position, note = "unsuitable", "", bad[did]
            elif did == got:
                outcome, position, note = "assigned", "", ""
            elif k > got_rank:
                outcome, position, note = "better", "", ""
            else:
                outcome, position, note = "waiting", str(waiting.get(did, "")), ""
            rows.append([h.id, str(k), did, label, outcome, position, note])
    return render_table(RESPONSE_COLUMNS, rows, formatted=True)


def _cutoffs(t: Translation, res: Result, rank: list[int]) -> bytes:
    inst = t.instance
    groups = list(inst.priority_groups)
    responses = Counter(x for h in t.households for x in h.responses)
    suitable = np.bincount(inst.choices, minlength=inst.n_schools)
    waiting = (
        np.bincount(res.waitlists.school, minlength=inst.n_schools)
        if res.waitlists is not None
        else np.zeros(inst.n_schools, dtype=np.int64)
    )
    holder = np.full(inst.n_schools, -1, dtype=np.int64)
    assigned = np.flatnonzero(res.school >= 0)
    holder[res.school[assigned]] = assigned
    rows = []
    for s, d in enumerate(t.dwellings):
        p = int(inst.pool_ptr[s])
        cut = res.pool_cutoff[p]
        a = int(holder[s])
        row = [
            d.id,
            d.label,
            d.neighbourhood,
            str(d.rooms),
            d.rent_band,
            str(responses.get(d.id, 0)),
            str(int(suitable[s])),
            inst.applicant_ids[a] if a >= 0 else "",
            str(rank[int(t.included[a])]) if a >= 0 else "",
            str(int(waiting[s])),
        ]
        if cut is None:
            row += [""] * 5
        else:
            row += [
                groups[cut.group] if 0 <= cut.group < len(groups) else "none",
                "0" if cut.unfavoured else "1",
                t.rules.labels[d.label].order_by,
                cutoff_value(t, d.label, cut),
                hex16(int(cut.lottery)),
            ]
        rows.append(row)
    return render_table(CUTOFF_COLUMNS, rows, formatted=True)


def summary(
    t: Translation, res: HousingResult, rank: list[int], inputs: Mapping[str, str]
) -> dict[str, object]:
    """The numbers of ``summary.json`` (no timestamps: the same round gives the same bytes)."""
    rules = t.rules
    n_d, n_h = len(t.dwellings), len(t.households)
    let = {did for did in res.dwelling.values() if did is not None}
    per_label: dict[str, dict[str, object]] = {}
    for name, label in rules.labels.items():
        ds = [d for d in t.dwellings if d.label == name]
        per_label[name] = {
            "dwellings": len(ds),
            "let": sum(d.id in let for d in ds),
            "share_of_vacancies": _share(len(ds), n_d),
            "max_share": label.max_share,
        }
    hoods: dict[str, dict[str, int]] = {}
    for d in t.dwellings:
        e = hoods.setdefault(d.neighbourhood, {"dwellings": 0, "let": 0})
        e["dwellings"] += 1
        e["let"] += int(d.id in let)
    lottery_labels = [name for name, label in rules.labels.items() if label.by_lottery]
    k_lottery = sum(1 for d in t.dwellings if d.label in lottery_labels)
    ranks = [r for r in rank if r > 0]
    longest = max((len(h.responses) for h in t.households), default=0)
    hist = np.bincount(np.array(ranks, dtype=np.int64), minlength=longest + 1)[1:]
    n_resp = sum(len(h.responses) for h in t.households)
    n_unsuitable = sum(len(v) for v in res.unsuitable.values())
    first = sum(1 for r in ranks if r == 1)
    return {
        "kind": "housing",
        "name": rules.name,
        "samen_version": __version__,
        "mechanism": t.instance.mechanism,
        "tie_breaking": t.instance.tie_breaking,
        "seed": rules.seed,
        "dwellings": n_d,
        "let": len(let),
        "empty": n_d - len(let),
        "households": n_h,
        "assigned": len(ranks),
        "unassigned": n_h - len(ranks),
        "responses": n_resp,
        "unsuitable_responses": n_unsuitable,
        "households_without_suitable_response": n_h - len(t.included),
        "first_response": {"count": first, "share": _share(first, n_h)},
        "response_rank_histogram": [int(v) for v in hist],
        "labels": per_label,
        "lottery_share": {
            "labels": lottery_labels,
            "dwellings": k_lottery,
            "share": _share(k_lottery, n_d),
            "limit": rules.lottery_share,
        },
        "neighbourhoods": dict(sorted(hoods.items())),
        "inputs": dict(sorted(inputs.items())),
    }


def render_all(t: Translation, inputs: Mapping[str, str]) -> tuple[HousingResult, dict[str, bytes]]:
    """Write the translated round, read it back, allocate that round and render every
    file of the results folder (see the module docstring)."""
    from samen.housing.allocate import housing_result

    round_files = t.files()
    rnd: Round = read_translation(round_files)
    res = allocate(rnd.instance)
    result = housing_result(t, res)
    assignments, rank = _assignments(t, res)
    text = json.dumps(
        summary(t, result, rank, inputs), sort_keys=True, indent=2, ensure_ascii=False
    )
    files = {
        "assignments.csv": assignments,
        "responses.csv": _responses(t, result),
        "cutoffs.csv": _cutoffs(t, res, rank),
        "summary.json": (text + "\n").encode("utf-8"),
    }
    files.update({f"{ROUND_DIR}/{k}": v for k, v in round_files.items()})
    files.update({f"{ROUND_DIR}/results/{k}": v for k, v in render_results(rnd, res).items()})
    return result, files


class ResultsFolderError(InputError):
    """The output folder cannot take a housing round's results; ``problems`` says why."""

    WHAT = "The results folder"


def _check_target(out: Path) -> None:
    """Refuse to replace anything but a housing results folder (or nothing)."""
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ResultsFolderError(
                    [
                        Problem(
                            str(parent),
                            None,
                            None,
                            f"this is a file, not a folder, so {out} "
                            "cannot be made; choose another --out",
                        )
                    ]
                )
            break
    if not out.exists():
        return
    if not out.is_dir():
        raise ResultsFolderError(
            [Problem(str(out), None, None, "this is a file, not a folder; choose another --out")]
        )
    foreign = sorted(p.name for p in out.iterdir() if p.name not in (*HOUSING_FILES, ROUND_DIR))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise ResultsFolderError(
            [
                Problem(
                    str(out),
                    None,
                    None,
                    f"this folder holds files that samen did not write ({shown}); samen replaces "
                    "the whole results folder, so choose an empty or new folder with --out",
                )
            ]
        )


def write_folder(files: Mapping[str, bytes], out_dir: str | Path) -> Path:
    """Write ``files`` (relative paths, ``round/...`` included) as the folder ``out_dir``,
    all or nothing: into a new folder beside it, renamed into place; an earlier results
    folder is moved aside first and removed once the new one is in place."""
    out = Path(out_dir).absolute()
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{secrets.token_hex(6)}"
    tmp.mkdir()
    try:
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        if out.exists():
            old = out.parent / f".{out.name}.old-{secrets.token_hex(6)}"
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except BaseException:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _first_difference(found: bytes, expected: bytes) -> str:
    a, b = found.decode("utf-8", "replace").splitlines(), expected.decode("utf-8").splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False), start=1):
        if x != y:
            return f"line {i} is '{x[:80]}', the round gives '{y[:80]}'"
    return f"the file has {len(a)} lines, the round gives {len(b)}"


def compare(expected: Mapping[str, bytes], folder: Path) -> list[tuple[str, str]]:
    """``(file, what differs)`` for every file of ``expected`` that is missing from
    ``folder`` or differs, and every file of ``folder`` that the round does not give."""
    out: list[tuple[str, str]] = []
    results_prefix = f"{ROUND_DIR}/results/"
    for name, data in expected.items():
        if name.startswith(results_prefix):
            continue
        path = folder / name
        if not path.is_file():
            out.append((name, "the file is missing from the results folder"))
        elif path.read_bytes() != data:
            out.append((name, _first_difference(path.read_bytes(), data)))
    nested = {
        k[len(results_prefix) :]: v for k, v in expected.items() if k.startswith(results_prefix)
    }
    if (folder / ROUND_DIR / "results").is_dir():
        for d in compare_results(nested, folder / ROUND_DIR / "results"):
            out.append((results_prefix + d.file, d.message))
    else:
        out.append((results_prefix, "the folder is missing from the results folder"))
    known = set(expected)
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and rel not in known and not rel.startswith("."):
            out.append((rel, "the round does not give this file; it does not belong here"))
    return out


__all__ = [
    "ASSIGNMENT_COLUMNS",
    "CUTOFF_COLUMNS",
    "HOUSING_FILES",
    "RESPONSE_COLUMNS",
    "ROUND_DIR",
    "ResultsFolderError",
    "assigned_entries",
    "compare",
    "cutoff_value",
    "render_all",
    "summary",
    "write_folder",
]
