"""applicants.csv (allocation rules section 1): ids, the lists of choices, the 0/1 flags,
the number columns that pools order by (section 10.2), families and coordinates. The lists are split and looked up in one vectorised pass, so
80,000 children with 12 choices each take a fraction of a second."""

from __future__ import annotations

import re
from itertools import repeat

import numpy as np

from samen.io.cells import check_ids
from samen.io.checks.context import Context, Lists, lookalike
from samen.io.checks.schools import coordinates
from samen.io.checks.values import check_values
from samen.io.tables import Table

#: The columns of applicants.csv that are not 0/1 flags.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "choices",
    "x",
    "y",
    "lat",
    "lon",
    "family",
    "pledge",
    "neighbourhood",
)
FLAG_VALUES: dict[str, int] = {
    "0": 0,
    "1": 1,
    "false": 0,
    "true": 1,
    "no": 0,
    "yes": 1,
    "nee": 0,
    "ja": 1,
}
_SEP_SPACE = re.compile(r"\s*;\s*")
#: odd 64-bit multipliers for the hash of school ids (:func:`_school_codes`)
_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)


def check_applicants(ctx: Context) -> None:
    """Every check of applicants.csv; the lists become edges only when the school ids and
    the applicant ids are known."""
    t = ctx.table("applicants")
    if t is None:
        return
    has_ids = ctx.require(t, ("applicant_id",))
    has_choices = ctx.require(t, ("choices",))
    if has_ids:
        ctx.app_index = check_ids(t, "applicant_id", ctx.problems, "applicant")
        ctx.app_ids = t.col("applicant_id")
    if has_choices:
        lists = _choices(ctx, t)
        if has_ids:
            ctx.lists = lists
    check_values(ctx, t, APPLICANT_COLUMNS)
    _flags(ctx, t)
    labels: dict[str, int] = {}
    family = t.col("family")
    ctx.family = (
        np.fromiter(
            (labels.setdefault(v, len(labels)) if v else -1 for v in family),
            dtype=np.int64,
            count=len(t),
        )
        if any(family)
        else np.full(len(t), -1, dtype=np.int64)  # no families: no Python step per child
    )
    ctx.app_xy = coordinates(ctx, t)


def _choices(ctx: Context, t: Table) -> Lists | None:
    """Split and check the lists (schools known, none empty, none listed twice); the edges,
    or None when schools.csv cannot be used (then only the lists' own form is checked)."""
    p = ctx.problems
    n = len(t)
    schools = ctx.schools
    if n == 0:  # a header without rows: reported by the reader
        empty = np.zeros(0, dtype=np.int64)
        zero = np.zeros(1, dtype=np.int64)
        return (
            Lists(empty.astype(np.int32), zero, empty, empty, empty)
            if schools is not None
            else None
        )
    raw = t.col("choices")
    flat = ";".join(raw)  # every child's names, one after the other
    if " " in flat or "\t" in flat or "\n" in flat or "\r" in flat:
        # spaces around a ';' go, cell by cell (a list may end with ';': an empty entry)
        raw = [_SEP_SPACE.sub(";", c) for c in raw]
        flat = ";".join(raw)
    counts = np.fromiter(map(str.count, raw, repeat(";")), dtype=np.int64, count=n) + 1
    known = schools is not None
    lookup: dict[str, int] = dict(schools.index) if schools is not None else {}
    codes = _school_codes(flat, int(counts.sum()), lookup) if known else None
    items: list[str] = []
    if codes is None:
        items = flat.split(";")
        if not known:  # number the names as they come, to find empty and repeated entries
            for x in items:
                lookup.setdefault(x, len(lookup))
    names = {i: s for s, i in lookup.items()}
    lookup[""] = -2  # an empty entry (a trailing ';') is skipped
    if codes is None:
        try:
            codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int64, count=len(items))
        except KeyError:  # some choice is not a school
            codes = np.fromiter(
                (lookup.get(x, -1) for x in items), dtype=np.int64, count=len(items)
            )
    item_app = np.repeat(np.arange(n, dtype=np.int64), counts)
    unknown = np.flatnonzero(codes == -1)
    if unknown.size:
        items = items or flat.split(";")
        schools_src = ctx.source("schools")
        p.rows(
            t.source,
            (
                (
                    t.rows[int(item_app[k])],
                    f"the school '{items[k]}' is not in {schools_src}; "
                    + (
                        "separate the schools with ';', not ',' (like S1;S2;S3)"
                        if "," in items[k] and all(x.strip() in lookup for x in items[k].split(","))
                        else "check the spelling or add the school"
                    ),
                )
                for k in unknown
            ),
            "choices",
            same="a choice that is not a school",
        )
    keep = codes >= 0
    edge_app = item_app[keep]
    choices = codes[keep]
    per_app = np.bincount(edge_app, minlength=n).astype(np.int64)
    listed = np.bincount(item_app[codes != -2], minlength=n)
    empty = np.flatnonzero(listed == 0)
    if empty.size:
        p.rows(
            t.source,
            ((t.rows[i], "the list of choices is empty; give at least one school") for i in empty),
            "choices",
            same="an empty list of choices",
        )
    m = max(len(schools.ids) if schools is not None else len(names), 1)
    edge_key = edge_app * m + choices
    order = np.argsort(edge_key, kind="stable")
    sorted_key = edge_key[order]
    rep = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if rep.size:
        first: dict[int, int] = {}
        for e in order[rep + 1].tolist():
            first.setdefault(int(edge_app[e]), int(choices[e]))
        p.rows(
            t.source,
            (
                (
                    t.rows[a],
                    f"the school '{names[s]}' is listed more than once; list each school once",
                )
                for a, s in sorted(first.items())
            ),
            "choices",
            same="a school listed twice",
        )
    if not known:
        return None
    return Lists(
        choices=choices.astype(np.int32),
        choice_ptr=np.concatenate(([0], np.cumsum(per_app))).astype(np.int64),
        edge_app=edge_app,
        edge_order=order,
        edge_sorted_key=sorted_key,
    )


def _school_codes(text: str, count: int, index: dict[str, int]) -> np.ndarray | None:
    """The school of each of the ``count`` names that ``text`` joins with ``;`` (its index in
    ``index``; -1 for a name that is no school, -2 for an empty one), as
    ``index.get(name, -1)`` gives it, but in a few NumPy passes: a name of at most 8 bytes
    is one 64-bit word (its UTF-8 bytes, zero-padded), found through a small hash table of
    the school ids and compared whole. ``None`` where a school id is longer or a zero byte
    occurs (the caller then looks the names up one by one).

    >>> _school_codes("S2;S1;;X;S10000000", 5, {"S1": 0, "S2": 1}).tolist()
    [1, 0, -2, -1, -1]
    """
    data = text.encode("utf-8")
    ids = [s.encode("utf-8") for s in index]
    if not ids or b"\x00" in data or any(len(s) > 8 or b"\x00" in s for s in ids):
        return None
    school_keys = np.frombuffer(b"".join(s.ljust(8, b"\x00") for s in ids), dtype=">u8")
    school_keys = school_keys.astype(np.uint64)
    bits = np.uint64(max((4 * len(ids)).bit_length(), 4))
    for multiplier in map(np.uint64, _MULTIPLIERS):
        slots = (school_keys * multiplier) >> (np.uint64(64) - bits)
        if len(np.unique(slots)) == len(ids):
            break
    else:
        return None  # no multiplier without collisions (not seen in practice)
    table = np.full(1 << int(bits), len(ids), dtype=np.int64)  # len(ids): no school
    table[slots] = np.arange(len(ids))
    buf = data + bytes(8)
    cuts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord(";"))
    if len(cuts) + 1 != count:
        return None
    starts = np.concatenate(([0], cuts + 1))
    lengths = np.concatenate((cuts, [len(data)])) - starts
    # the 8 bytes from each name's start (unaligned big-endian words), then only its own
    words = np.ndarray(shape=(len(data) + 1,), dtype=">u8", buffer=buf, strides=(1,))
    keys = words[starts].astype(np.uint64)
    shift = (np.uint64(8) - np.minimum(lengths, 8).astype(np.uint64)) * np.uint64(8)
    shift[lengths == 0] = 0
    keys = (keys >> shift) << shift
    at = table[(keys * multiplier) >> (np.uint64(64) - bits)]
    known_keys = np.append(school_keys, np.uint64(0))
    values = np.append(np.fromiter(index.values(), dtype=np.int64, count=len(ids)), -1)
    codes = np.where((known_keys[at] == keys) & (lengths <= 8), values[at], -1)
    codes[lengths == 0] = -2
    return codes


def _flags(ctx: Context, t: Table) -> None:
    """Every column besides :data:`APPLICANT_COLUMNS` and the number columns of ``value:``
    criteria is a 0/1 flag, but a column that looks like a missing required one (a typo,
    reported as such) is not read as a flag too."""
    p = ctx.problems
    n = len(t)
    typos = {lookalike(c, t) for c in ("applicant_id", "choices") if not t.has(c)}
    numbers = set(ctx.value_names)
    flag_names = [
        c for c in t.header if c not in APPLICANT_COLUMNS and c not in typos and c not in numbers
    ]
    flags = np.zeros((n, len(flag_names)), dtype=np.uint8)
    for j, name in enumerate(flag_names):
        col = t.col(name)
        lut: dict[str, int] = {}
        bad_values: set[str] = set()
        for u in set(col):
            v = FLAG_VALUES.get(u.lower())
            if v is None:
                bad_values.add(u)
            else:
                lut[u] = v
        if bad_values:
            others = ", ".join(APPLICANT_COLUMNS)
            p.rows(
                t.source,
                (
                    (
                        t.rows[i],
                        "the cell is empty; write 0 or 1"
                        if not v
                        else f"'{v}' is not a flag value; write 0 or 1 (every column besides "
                        f"{others} is a 0/1 flag: remove the column '{name}' if it is not one)",
                    )
                    for i, v in enumerate(col)
                    if v in bad_values
                ),
                name,
                same="a value that is not 0 or 1",
            )
        else:
            flags[:, j] = np.fromiter(map(lut.__getitem__, col), dtype=np.uint8, count=n)
    ctx.flags = flags
    ctx.flag_names = flag_names


__all__ = ["APPLICANT_COLUMNS", "FLAG_VALUES", "check_applicants"]
