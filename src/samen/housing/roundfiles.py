"""The translated allocation round as a folder (``docs/housing-rules.md`` section 4), written
through :mod:`samen.io` (the one writer of round folders) and read back by it.

``round.toml`` holds the seed, the mechanism, the priority groups and ``waitlists = true``;
``schools.csv`` one row per dwelling (capacity 1, its ``admits``, its neighbourhood as
``name`` is not needed: the id is the dwelling's); ``seats.csv`` the one pool of each
dwelling (its label, ``favours`` and ``order_by``); ``applicants.csv`` one row per
household with a suitable response (its suitable responses as ``choices``, its
neighbourhood, the number columns, the flags and the ``fits_`` flags); ``priorities.csv``
the priority groups that count per (household, dwelling).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from samen.engine.pools import pools_of
from samen.housing.translate import Translation
from samen.io.round import Round, read_round, render_round, render_table, write_round
from samen.io.settings import Settings

HEADER = (
    "The allocation round of a housing round, written by 'samen housing allocate'",
    "(docs/housing-rules.md, section 4): one school per dwelling, with capacity 1;",
    "one applicant per household with a suitable response. 'samen verify' checks it.",
)
NOTES = (
    "registered: the registration date as a day number (days since 1 January 1970).",
    "minus_COLUMN: a number column negated (the label orders by most:COLUMN).",
    "fits_...: 1 for the households that kind of dwelling fits (rooms r, rent band, label).",
)


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def render_translation(t: Translation, name: str | None = None) -> dict[str, bytes]:
    """The files of the allocation round of ``t`` (round.toml and the tables), by name."""
    inst = t.instance
    sid = list(inst.school_ids)
    aid = list(inst.applicant_ids)
    ptr = inst.choice_ptr.tolist()
    ch = inst.choices.tolist()
    settings = Settings(
        name=name or t.rules.name,
        seed=inst.seed,
        mechanism=inst.mechanism,
        tie_breaking=inst.tie_breaking,
        priority_groups=tuple(inst.priority_groups),
        waitlists=bool(inst.waitlists),
    )
    admits = list(inst.admits)
    schools_head = ["school_id", "capacity"] + (["admits"] if admits else [])
    schools_rows = [[s, "1", *([admits[i]] if admits else [])] for i, s in enumerate(sid)]
    pools = pools_of(inst)
    seats_rows = [
        [sid[s], q.name, str(q.seats), q.favours(inst.flag_names), q.order_by]
        for s, school in enumerate(pools)
        for q in school
    ]
    households = [t.households[i] for i in t.included.tolist()]
    hood = any(h.neighbourhood for h in households)
    listed = [sid[s] for s in ch]
    choices = [";".join(listed[ptr[a] : ptr[a + 1]]) for a in range(len(aid))]
    # rows share few patterns of flags: each pattern's cells are made once
    flag_cells: list[list[str]] = [[] for _ in aid]
    if inst.flags.shape[1] and len(aid):
        patterns, which = np.unique(inst.flags, axis=0, return_inverse=True)
        cells = [[str(v) for v in row] for row in patterns.tolist()]
        flag_cells = [cells[k] for k in np.asarray(which).reshape(-1).tolist()]
    values = inst.values.tolist() if inst.values is not None else [[] for _ in aid]
    app_head = ["applicant_id", "choices", *(["neighbourhood"] if hood else [])]
    app_head += [*inst.value_names, *inst.flag_names]
    app_rows = [
        [
            aid[a],
            choices[a],
            *([households[a].neighbourhood] if hood else []),
            *(_number(v) for v in values[a]),
            *flag_cells[a],
        ]
        for a in range(len(aid))
    ]
    tables = {
        "schools": (schools_head, schools_rows),
        "applicants": (app_head, app_rows),
        "seats": (["school_id", "pool", "seats", "favours", "order_by"], seats_rows),
    }
    groups = list(inst.priority_groups)
    has = np.flatnonzero(inst.priority < len(groups))
    if has.size:
        edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
        tables["priorities"] = (
            ["applicant_id", "school_id", "group"],
            [[aid[edge_app[e]], sid[ch[e]], groups[inst.priority[e]]] for e in has.tolist()],
        )
    # round.toml through io's writer; the tables (all text already) through its table writer
    files = render_round(settings, {}, header=HEADER, notes=NOTES, pools=False)
    for name, (head, rows) in tables.items():
        files[f"{name}.csv"] = render_table(head, rows, formatted=True)
    return dict(sorted(files.items()))


def read_translation(files: dict[str, bytes]) -> Round:
    """The allocation round of ``files`` as :func:`samen.io.round.read_round` reads it (the
    round the engine allocates, so that what is published is what decided); raises
    :class:`~samen.io.errors.RoundError` if the translation wrote something the reader
    refuses (a bug: the housing reader checks everything first)."""
    with tempfile.TemporaryDirectory(prefix="samen-housing-") as tmp:
        folder = write_round(Path(tmp) / "round", files)
        rnd = read_round(folder)
    return rnd


__all__ = ["HEADER", "NOTES", "read_translation", "render_translation"]
