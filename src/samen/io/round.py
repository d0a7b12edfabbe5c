"""Round folders (allocation rules section 1): :func:`read_round` reads and checks one into a
:class:`Round` (the engine's :class:`~samen.engine.instance.Instance` and what the writers
need); :func:`write_round` writes one.

:func:`read_round` reads ``round.toml`` (:mod:`samen.io.settings`) and the tables (CSV files,
or the sheets of exactly one ``.xlsx`` file: :mod:`samen.io.tables`), checks everything the
rules and ``docs/decisions.md`` ("Input") require (:mod:`samen.io.checks`, one module per
table), and raises one :class:`~samen.io.errors.RoundError` listing every problem of every
file, each with its file, row, column and what to fix. The arrays are built with NumPy, so a
round of 80,000 children with 12 choices each reads in well under a second.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from samen.engine.distance import COLUMNS, EARTH_RADIUS_M, metres, text
from samen.engine.instance import Instance
from samen.engine.pools import pools_of
from samen.io import formulas
from samen.io.atomic import write_folder
from samen.io.cells import fraction_text
from samen.io.checks import check_tables, stack
from samen.io.checks.applicants import APPLICANT_COLUMNS, FLAG_VALUES
from samen.io.errors import Problem, Problems, RoundError
from samen.io.settings import ROUND_FILE, Settings, read_settings, render_settings
from samen.io.tables import Table, read_csv, read_xlsx
from samen.io.toml import decode, parse_toml
from samen.io.workbook import Caps

TABLES: tuple[str, ...] = ("schools", "applicants", "seats", "priorities", "distances", "groups")
REQUIRED_TABLES: tuple[str, ...] = ("schools", "applicants")


@dataclass(eq=False)
class Round:
    """A read and checked round folder: the engine's instance plus what the writers need."""

    path: Path
    name: str
    settings: Settings
    instance: Instance
    inputs: dict[str, str]  # file name -> SHA-256 hex of its bytes
    sources: dict[str, str] = field(default_factory=dict)  # table -> "applicants.csv", ...
    applicant_rows: list[int] = field(default_factory=list)  # spreadsheet row of each child
    #: the tables as read (columns of stripped strings), for the analytics' extra columns
    #: such as a neighbourhood; keys "schools", "applicants", ...
    tables: dict[str, Table] = field(default_factory=dict)
    #: coordinates the round's distance uses ("x,y" in metres or "lat,lon" in degrees),
    #: float64[m, 2] and float64[n, 2], NaN where missing; None when the tables have none
    coordinates: str = "x,y"
    school_xy: np.ndarray | None = None
    applicant_xy: np.ndarray | None = None

    @property
    def school_names(self) -> list[str]:
        """The ``name`` column of schools.csv, or the school ids where it is empty."""
        t = self.tables.get("schools")
        ids = list(self.instance.school_ids)
        if t is None or not t.has("name"):
            return ids
        return [n or i for n, i in zip(t.col("name"), ids, strict=True)]


# --------------------------------------------------------------------------- reading


def find_files(
    folder: Path,
    problems: Problems,
    tables: Sequence[str] = TABLES,
    *,
    where: str = "the round folder",
    round_file: str | None = ROUND_FILE,
) -> tuple[dict[str, Path], Path | None]:
    """The CSV file of each of ``tables`` in ``folder``, and the workbook (if any); a file
    named like a table but misspelt, two files of one table, more than one workbook and (when
    ``round_file`` is given) a file named like it are problems. ``where`` names the folder in
    the hint to move an unknown file out of it. Round folders and housing folders both."""
    csvs: dict[str, Path] = {}
    books: list[Path] = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith(("~$", ".")):
            continue
        lower = p.name.lower()
        if lower.endswith(".xlsx"):
            books.append(p)
        elif lower.endswith(".csv"):
            stem = lower[: -len(".csv")]
            if stem in tables:
                if stem in csvs:
                    problems.add(
                        p.name,
                        None,
                        None,
                        f"both {csvs[stem].name} and {p.name} are in the folder; keep one",
                    )
                csvs[stem] = p
            else:
                close = difflib.get_close_matches(stem, tables, n=1, cutoff=0.75)
                if close:
                    problems.add(
                        p.name,
                        None,
                        None,
                        f"samen does not know this file; did you mean {close[0]}.csv? Rename it, "
                        f"or move it out of {where}",
                    )
        elif (
            round_file is not None
            and lower != round_file
            and difflib.get_close_matches(lower, [round_file], n=1, cutoff=0.8)
        ):
            problems.add(p.name, None, None, f"did you mean {round_file}? Rename the file")
    if len(books) > 1:
        problems.add(
            folder.name or str(folder),
            None,
            None,
            "the folder has more than one .xlsx file ("
            + ", ".join(b.name for b in books)
            + "); keep exactly one workbook, or use CSV files",
        )
        return csvs, None
    return csvs, (books[0] if books else None)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as summary.json's ``inputs`` write it."""
    return hashlib.sha256(data).hexdigest()


def _read_settings_file(path: Path, problems: Problems, inputs: dict[str, str]) -> Settings | None:
    if not path.is_file():
        problems.add(
            ROUND_FILE, None, None, "the folder has no round.toml; it holds the rules of the round"
        )
        return None
    data = path.read_bytes()
    inputs[ROUND_FILE] = sha256_hex(data)
    text = decode(data, ROUND_FILE, problems)
    doc = parse_toml(text, ROUND_FILE, problems) if text is not None else None
    settings = read_settings(doc, problems) if doc is not None else None
    if settings is not None and doc is not None:
        # priority group and pool names end up in the result files as they are
        names = [
            ("priority_groups", g, doc.line("priority_groups")) for g in settings.priority_groups
        ]
        names += [
            ("name", p.name, doc.line(f"default_pools.{k + 1}.name"))
            for k, p in enumerate(settings.default_pools)
        ]
        formulas.settings_problems(names, ROUND_FILE, problems)
    return settings


def _read_tables(
    folder: Path, problems: Problems, inputs: dict[str, str], caps: Caps
) -> tuple[dict[str, Table], set[str]]:
    """The tables of the folder (CSV files or the sheets of one workbook, within ``caps``) that
    could be read, and the names of those it gives as a file or sheet, readable or not. Text
    that a spreadsheet would run as a formula is a problem (:mod:`samen.io.formulas`)."""
    csvs, book = find_files(folder, problems)
    tables: dict[str, Table] = {}
    for name, p in csvs.items():
        data = p.read_bytes()
        inputs[p.name] = sha256_hex(data)
        t = read_csv(data, name, p.name, problems)
        if t is not None:
            tables[name] = t
    found: set[str] = set(csvs)  # tables given as a file or sheet (readable or not)
    if book is not None:
        data = book.read_bytes()
        inputs[book.name] = sha256_hex(data)
        got = read_xlsx(data, book.name, TABLES, problems, caps)
        if got is None:
            found.update(REQUIRED_TABLES)  # cannot open the workbook: reported already
        else:
            sheets, names = got
            for s in names:
                key = s.strip().lower()
                if key in TABLES:
                    found.add(key)
                    continue
                close = difflib.get_close_matches(key, TABLES, n=1, cutoff=0.75)
                if close:
                    problems.add(
                        f"{book.name}, sheet {s}",
                        None,
                        None,
                        f"samen does not know this sheet; did you mean '{close[0]}'? Rename it",
                    )
            for name, t in sheets.items():
                if name in csvs:
                    problems.add(
                        t.source,
                        None,
                        None,
                        f"the {name} table is given twice, as {csvs[name].name} and as a sheet of "
                        f"{book.name}; keep one",
                    )
                else:
                    tables[name] = t
    for name in REQUIRED_TABLES:
        if name not in found:
            where = (
                f"{name}.csv" if book is None else f"{name}.csv or a sheet '{name}' in {book.name}"
            )
            problems.add(
                f"{name}.csv",
                None,
                None,
                f"the round has no {where}; it is required, add it to the round folder",
            )
        t = tables.get(name)
        if t is not None and len(t) == 0:
            per = "school" if name == "schools" else "child"
            problems.add(
                t.source,
                t.header_row + 1,
                None,
                f"there is a header row but no data rows; add one row per {per}",
            )
    for t in tables.values():
        formulas.table_problems(t, problems)
    return tables, found


def read_round(path: str | Path, caps: Caps | None = None) -> Round:
    """Read and check the round folder at ``path``; raise :class:`RoundError` listing every
    problem found. ``caps`` limits what a workbook may hold (default: :meth:`Caps.from_env`).

    Text that a spreadsheet would run as a formula is refused (:mod:`samen.io.formulas`): the
    folder is published as it is."""
    caps = caps if caps is not None else Caps.from_env()
    folder = Path(path)
    if folder.is_file() and folder.name.lower() == ROUND_FILE:
        folder = folder.parent
    if folder.is_file():
        hint = (
            f"give the folder that holds it (and {ROUND_FILE}), not the file itself"
            if folder.suffix.lower() in (".csv", ".xlsx", ".toml")
            else f"give the round folder, the one that holds {ROUND_FILE} and the tables"
        )
        raise RoundError(
            [Problem(str(folder), None, None, f"this is a file, not a folder; {hint}")]
        )
    if not folder.is_dir():
        raise RoundError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "there is no folder here; check the path (its spelling, and the folder you "
                    "run the command from)",
                )
            ]
        )
    problems = Problems()
    inputs: dict[str, str] = {}

    settings = _read_settings_file(folder / ROUND_FILE, problems, inputs)
    tables, found = _read_tables(folder, problems, inputs, caps)
    checked = check_tables(settings, tables, problems, found)
    problems.raise_if_any()
    assert checked is not None and settings is not None
    return Round(
        path=folder,
        name=settings.name,
        settings=settings,
        instance=checked.instance,
        inputs=dict(sorted(inputs.items())),
        sources={k: t.source for k, t in tables.items()},
        applicant_rows=list(tables["applicants"].rows),
        tables=tables,
        coordinates=checked.school_xy[2],
        school_xy=stack(checked.school_xy),
        applicant_xy=stack(checked.applicant_xy),
    )


# --------------------------------------------------------------------------- writing

#: a table to write: its header and its rows (cells as :func:`cell` writes them)
Rows = tuple[Sequence[str], Iterable[Sequence[object]]]


def cell(value: object) -> str:
    """A cell as a round folder writes it: text as it is, a whole number without decimals,
    other numbers as short as they read back exactly, a share (a fraction) as its exact
    decimal, a list (of school ids) joined by ``;``, ``None`` empty.

    >>> [cell(v) for v in ("S1", 3, 2.0, 0.25, Fraction(3, 10), ["S1", "S2"], None, True)]
    ['S1', '3', '2', '0.25', '0.3', 'S1;S2', '', '1']
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(value, list | tuple):
        return ";".join(v if type(v) is str else cell(v) for v in value)
    return str(value)


def render_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, formatted: bool = False
) -> bytes:
    """A table as CSV (section 1): comma separated, UTF-8 without BOM, ``\\n`` line endings,
    cells quoted only when they must be. Cells are written by :func:`cell`; ``formatted``
    rows hold only text and whole numbers already (the result files, 80,000 rows at once)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    if formatted:
        w.writerows(rows)
    else:
        plain = (str, int)  # written as they are (the csv module writes an int as str() does)
        w.writerows([v if type(v) in plain else cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


def render_round(
    settings: Settings,
    tables: Mapping[str, Rows],
    *,
    header: Sequence[str] = (),
    seed_note: str = "",
    notes: Sequence[str] = (),
    pools: bool = True,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The files of a round folder, by name: ``round.toml``
    (:func:`samen.io.settings.render_settings`, with the comments ``header``, ``seed_note``
    and ``notes``) and one CSV file per table of ``tables`` (``schools``, ``applicants``,
    ...: :data:`TABLES`), plus ``extra`` files that are not round tables (the reader ignores
    them), sorted by name."""
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"not tables of a round folder: {', '.join(unknown)}")
    files = {
        ROUND_FILE: render_settings(
            settings, header=header, seed_note=seed_note, notes=notes, pools=pools
        ).encode("utf-8")
    }
    for name, (head, rows) in tables.items():
        files[f"{name}.csv"] = render_table(head, rows)
    files.update(extra or {})
    return dict(sorted(files.items()))


class FolderNotEmptyError(FileExistsError):
    """The output folder exists and holds files; pass ``replace=True`` to replace it."""


def write_round(folder: str | Path, files: Mapping[str, bytes], *, replace: bool = False) -> Path:
    """Write the files of a round folder (:func:`render_round`) as ``folder``, all or nothing
    (:func:`samen.io.atomic.write_folder`); returns its absolute path.

    A missing or empty folder is written. A folder with files is replaced only with
    ``replace=True``, and only when it is a round folder (it has a round.toml): samen never
    removes a folder that does not look like one."""
    out = Path(folder).absolute()
    if out.exists():
        if not out.is_dir():
            raise NotADirectoryError(f"{folder} is a file, not a folder; choose another folder")
        if any(out.iterdir()):
            if not replace:
                raise FolderNotEmptyError(
                    f"the folder {folder} is not empty; choose a new folder, or replace it with "
                    "--force"
                )
            if not (out / ROUND_FILE).is_file():
                raise FolderNotEmptyError(
                    f"the folder {folder} is not empty and is not a round folder (it has no "
                    f"{ROUND_FILE}); samen replaces only round folders, so choose another folder"
                )
    return write_folder(dict(files), out)


def instance_tables(instance: Instance) -> dict[str, Rows]:
    """The tables of a round folder that :func:`read_round` reads back to ``instance``: every
    school's pools in seats.csv (as seats), its flags, families, pledges, priorities and
    distances (written, and so read, to the centimetre: the rule of
    :mod:`samen.engine.distance`); and the columns of section 10 the instance uses: the
    number columns of ``value:`` criteria, ``admits``, the category columns and coordinates
    of ``[[nearest]]`` rules, and the distances.csv rows of pairs no child listed."""
    inst = instance
    sid = [str(s) for s in inst.school_ids]
    aid = [str(a) for a in inst.applicant_ids]
    ptr = inst.choice_ptr.tolist()
    ch = inst.choices.tolist()
    edge_app = np.repeat(np.arange(inst.n_applicants), np.diff(inst.choice_ptr))
    flags = inst.flags.tolist() if inst.flags.shape[1] else [[] for _ in aid]
    family = [f"F{f}" if f >= 0 else "" for f in inst.family.tolist()]
    pledge = [str(inst.group_ids[g]) if g >= 0 else "" for g in inst.pledge.tolist()]
    has_family, has_pledge = any(family), any(pledge)
    extra_head = (["family"] if has_family else []) + (["pledge"] if has_pledge else [])
    extra = [
        ([family[a]] if has_family else []) + ([pledge[a]] if has_pledge else [])
        for a in range(len(aid))
    ]
    geo = inst.geography
    xy = list(COLUMNS[geo.kind]) if geo is not None else []
    homes = geo.homes.tolist() if geo is not None else [[] for _ in aid]
    sites = geo.sites.tolist() if geo is not None else [[] for _ in sid]
    values = inst.values.tolist() if inst.values is not None and len(inst.value_names) else None
    school_extra = (["admits"] if len(inst.admits) else []) + list(inst.categories)
    tables: dict[str, Rows] = {
        "schools": (
            ["school_id", "capacity", *xy, *school_extra],
            (
                [
                    sid[s],
                    int(inst.capacity[s]),
                    *[_coordinate(v) for v in sites[s]],
                    *([inst.admits[s]] if len(inst.admits) else []),
                    *[inst.categories[c][s] for c in inst.categories],
                ]
                for s in range(len(sid))
            ),
        ),
        "applicants": (
            ["applicant_id", "choices", *inst.flag_names, *inst.value_names, *xy, *extra_head],
            (
                [
                    aid[a],
                    ";".join([sid[s] for s in ch[ptr[a] : ptr[a + 1]]]),
                    *flags[a],
                    *(values[a] if values is not None else []),
                    *[_coordinate(v) for v in homes[a]],
                    *extra[a],
                ]
                for a in range(len(aid))
            ),
        ),
        "seats": (
            ["school_id", "pool", "seats", "favours", "order_by"],
            [
                [sid[s], q.name, q.seats, q.favours(inst.flag_names), q.order_by]
                for s, school in enumerate(pools_of(inst))
                for q in school
            ],
        ),
    }
    groups = list(inst.priority_groups)
    rows = [
        (e, int(inst.priority[e])) for e in np.flatnonzero(inst.priority < len(groups)).tolist()
    ]
    if inst.priority_rest is not None:  # a second row where the first is first-choice only
        rest = np.asarray(inst.priority_rest)
        second = np.flatnonzero((rest < len(groups)) & (rest != inst.priority)).tolist()
        rows = sorted(rows + [(e, int(rest[e])) for e in second])
    if rows:
        tables["priorities"] = (
            ["applicant_id", "school_id", "group"],
            [[aid[edge_app[e]], sid[ch[e]], groups[g]] for e, g in rows],
        )
    given = ~np.isnan(inst.distance)
    if geo is not None:  # the coordinates are written: a row only where they say otherwise
        computed = metres(geo.kind, geo.homes[edge_app], geo.sites[inst.choices])
        given &= ~(computed == inst.distance)
    known = np.flatnonzero(given)
    pairs = [[aid[edge_app[e]], sid[ch[e]], text(inst.distance[e])] for e in known.tolist()]
    if geo is not None:
        pairs += [
            [aid[a], sid[s], text(d)]
            for a, s, d in zip(
                geo.pair_app.tolist(),
                geo.pair_school.tolist(),
                geo.pair_metres.tolist(),
                strict=True,
            )
        ]
    if pairs:
        tables["distances"] = (["applicant_id", "school_id", "metres"], pairs)
    if len(inst.group_ids):
        tables["groups"] = (
            ["group_id", "target", "threshold"],
            zip(
                inst.group_ids,
                [sid[t] for t in inst.group_target.tolist()],
                inst.group_threshold.tolist(),
                strict=True,
            ),
        )
    return tables


def _coordinate(value: float) -> str:
    """A coordinate cell: empty where unknown, else as short as it reads back exactly."""
    return "" if np.isnan(value) else cell(float(value))


def instance_settings(instance: Instance, name: str) -> Settings:
    """The settings of ``instance`` (the round's name is not part of an instance)."""
    inst = instance
    return Settings(
        name=name,
        seed=inst.seed,
        mechanism=inst.mechanism,
        tie_breaking=inst.tie_breaking,
        priority_groups=tuple(inst.priority_groups),
        distance=inst.geography.kind if inst.geography is not None else "euclidean",
        family_number=inst.family_number,
        first_choice_only=tuple(inst.first_choice_only),
        waitlists=bool(inst.waitlists),
        nearest=tuple(inst.nearest),
    )


__all__ = [
    "APPLICANT_COLUMNS",
    "EARTH_RADIUS_M",
    "FLAG_VALUES",
    "REQUIRED_TABLES",
    "ROUND_FILE",
    "TABLES",
    "FolderNotEmptyError",
    "Round",
    "RoundError",
    "Settings",
    "cell",
    "instance_settings",
    "instance_tables",
    "read_round",
    "render_round",
    "render_table",
    "write_round",
]
