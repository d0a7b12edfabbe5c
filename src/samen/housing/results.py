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
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from samen import __version__
from samen.engine.allocate import allocate
from samen.engine.instance import Priority, Result
from samen.engine.lottery import hex16
from samen.engine.lottery import single as lottery_single
from samen.housing.model import HousingResult, date_of
from samen.housing.roundfiles import read_translation
from samen.housing.settings import MOST, REGISTERED, criterion_column
from samen.housing.translate import Translation
from samen.io import atomic
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


class Outcome:
    """Per household of the housing round: its dwelling (index, -1 = none), the position
    of that dwelling among its responses (0 = none) and the lottery number used (the single
    number for a household without a dwelling, allocation rules section 9)."""

    def __init__(self, t: Translation, res: Result):
        n = len(t.households)
        a_of = t.applicant_of
        inside = a_of >= 0
        self.dwelling = np.full(n, -1, dtype=np.int64)
        self.dwelling[inside] = res.school[a_of[inside]]
        self.rank = np.zeros(n, dtype=np.int64)
        edge = assigned_entries(t, res)
        got = edge >= 0
        self.rank[t.included[got]] = t.edge_rank[edge[got]]
        self.lottery = np.zeros(n, dtype=np.uint64)
        self.lottery[inside] = res.lottery[a_of[inside]]
        outside = np.flatnonzero(~inside)
        if outside.size:
            ids = [t.households[h].id for h in outside.tolist()]
            self.lottery[outside] = lottery_single(t.instance.seed, ids)


def _texts(values: list[str]) -> np.ndarray:
    """Texts as an object array, so a column of a million cells is one fancy index."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _assignments(t: Translation, o: Outcome) -> bytes:
    ids = _texts([d.id for d in t.dwellings] + [""])
    labels = _texts([d.label for d in t.dwellings] + [""])
    hoods = _texts([d.neighbourhood for d in t.dwellings] + [""])
    numbers = _texts(["", *(str(k) for k in range(1, int(o.rank.max(initial=0)) + 1))])
    dw = o.dwelling  # -1 is the last entry: ""
    rows = zip(
        [h.id for h in t.households],
        ids[dw].tolist(),
        numbers[o.rank].tolist(),
        labels[dw].tolist(),
        hoods[dw].tolist(),
        [f"{v:016x}" for v in o.lottery.tolist()],
        strict=True,
    )
    return render_table(ASSIGNMENT_COLUMNS, rows, formatted=True)


def assigned_entries(t: Translation, res: Result) -> np.ndarray:
    """Per applicant of the translated round, the list entry of its dwelling (-1 = none)."""
    inst = t.instance
    ptr = inst.choice_ptr
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(ptr))
    hit = np.flatnonzero(inst.choices == res.school[edge_app])
    out = np.full(inst.n_applicants, -1, dtype=np.int64)
    out[edge_app[hit]] = hit
    return out


#: outcome of a response, by code (responses.csv)
OUTCOMES = ("assigned", "waiting", "better", "unsuitable")


def _responses(t: Translation, res: Result, o: Outcome) -> bytes:
    """responses.csv: one row per response, vectorised (a million responses a month)."""
    app, dw, rank, kept = t.resp_app, t.resp_dw, t.resp_rank, t.resp_kept
    m = len(t.dwellings)
    code = np.full(len(app), 1, dtype=np.int64)  # waiting
    got_rank = np.where(o.rank[app] > 0, o.rank[app], np.iinfo(np.int64).max)
    code[rank > got_rank] = 2
    code[dw == o.dwelling[app]] = 0
    code[~kept] = 3
    position = np.zeros(len(app), dtype=np.int64)
    w = res.waitlists
    if w is not None and len(w):
        w_key = t.included[w.applicant] * m + w.school
        order = np.argsort(w_key, kind="stable")
        sorted_key = w_key[order]
        waiting = np.flatnonzero(code == 1)
        key = app[waiting] * m + dw[waiting]
        at = np.minimum(np.searchsorted(sorted_key, key), len(sorted_key) - 1)
        found = sorted_key[at] == key
        position[waiting[found]] = w.position[order[at[found]]]
    notes = [""] * len(app)
    bad = np.flatnonzero(~kept)
    for r, why in zip(bad.tolist(), t.reasons(bad), strict=True):
        notes[r] = why
    hids = _texts([h.id for h in t.households])
    dids = _texts([d.id for d in t.dwellings])
    labels = _texts([d.label for d in t.dwellings])
    numbers = _texts([str(k) for k in range(int(rank.max(initial=0)) + 1)])
    places = _texts(["", *(str(k) for k in range(1, int(position.max(initial=0)) + 1))])
    rows = zip(
        hids[app].tolist(),
        numbers[rank].tolist(),
        dids[dw].tolist(),
        labels[dw].tolist(),
        _texts(list(OUTCOMES))[code].tolist(),
        places[position].tolist(),
        notes,
        strict=True,
    )
    return render_table(RESPONSE_COLUMNS, rows, formatted=True)


def _cutoffs(t: Translation, res: Result, o: Outcome) -> bytes:
    inst = t.instance
    groups = list(inst.priority_groups)
    responses = np.bincount(t.resp_dw, minlength=len(t.dwellings))
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
            str(int(responses[s])),
            str(int(suitable[s])),
            inst.applicant_ids[a] if a >= 0 else "",
            str(int(o.rank[int(t.included[a])])) if a >= 0 else "",
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


def summary(t: Translation, o: Outcome, inputs: Mapping[str, str]) -> dict[str, object]:
    """The numbers of ``summary.json`` (no timestamps: the same round gives the same bytes)."""
    rules = t.rules
    n_d, n_h = len(t.dwellings), len(t.households)
    is_let = np.zeros(n_d, dtype=bool)
    is_let[o.dwelling[o.dwelling >= 0]] = True
    labels = np.array([d.label for d in t.dwellings], dtype=object)
    per_label: dict[str, dict[str, object]] = {}
    for name, label in rules.labels.items():
        mine = labels == name
        per_label[name] = {
            "dwellings": int(mine.sum()),
            "let": int((mine & is_let).sum()),
            "share_of_vacancies": _share(int(mine.sum()), n_d),
            "max_share": label.max_share,
        }
    hoods: dict[str, dict[str, int]] = {}
    for d, let in zip(t.dwellings, is_let.tolist(), strict=True):
        e = hoods.setdefault(d.neighbourhood, {"dwellings": 0, "let": 0})
        e["dwellings"] += 1
        e["let"] += int(let)
    lottery_labels = [name for name, label in rules.labels.items() if label.by_lottery]
    k_lottery = int(np.isin(labels, lottery_labels).sum()) if lottery_labels else 0
    ranks = o.rank[o.rank > 0]
    longest = int(np.bincount(t.resp_app, minlength=n_h).max()) if len(t.resp_app) else 0
    hist = np.bincount(ranks, minlength=longest + 1)[1:]
    first = int((ranks == 1).sum())
    assigned = len(ranks)
    return {
        "kind": "housing",
        "name": rules.name,
        "samen_version": __version__,
        "mechanism": t.instance.mechanism,
        "tie_breaking": t.instance.tie_breaking,
        "seed": rules.seed,
        "dwellings": n_d,
        "let": int(is_let.sum()),
        "empty": n_d - int(is_let.sum()),
        "households": n_h,
        "assigned": assigned,
        "unassigned": n_h - assigned,
        "responses": len(t.resp_app),
        "unsuitable_responses": int((~t.resp_kept).sum()),
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
    round_files = t.files()
    rnd: Round = read_translation(round_files)
    res = allocate(rnd.instance)
    o = Outcome(t, res)
    text = json.dumps(summary(t, o, inputs), sort_keys=True, indent=2, ensure_ascii=False)
    files = {
        "assignments.csv": _assignments(t, o),
        "responses.csv": _responses(t, res, o),
        "cutoffs.csv": _cutoffs(t, res, o),
        "summary.json": (text + "\n").encode("utf-8"),
    }
    files.update({f"{ROUND_DIR}/{k}": v for k, v in round_files.items()})
    files.update({f"{ROUND_DIR}/results/{k}": v for k, v in render_results(rnd, res).items()})
    return HousingResult(translation=t, engine=res), files


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
    all or nothing (:func:`samen.io.atomic.write_folder`), once it is clear that ``out_dir``
    may be replaced."""
    out = Path(out_dir).absolute()
    _check_target(out)
    return atomic.write_folder(files, out)


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
