"""Admission chances: how likely is each school on a child's list, over many public draws?

Draw ``k`` of a round is the round with the lottery seed :func:`~samen.analytics.draws.draw_seed`
``(seed, k)`` (``seed + "|draw:" + k``); everything else stays as it is. :func:`chances` runs
draws ``start+1 .. start+draws`` and counts, for every list entry (child ``a``, school ``s``),
in how many draws ``a`` was assigned to ``s``, and for every child in how many it was assigned to
no school on its list. The estimate of a probability is the share of draws, ``k / N``; its
interval is the Wilson score interval (Wilson 1927, "Probable inference, the law of succession,
and statistical inference", JASA 22(158)), 95% unless asked otherwise. ``docs/chances.md``
explains the numbers.

The draws are split into chunks of consecutive draw numbers. Each chunk returns only its counts
per list entry (an ``int32[E]`` array, ``E`` = the number of list entries), never the draws, so
memory stays small for large rounds; the counts of the chunks are added up, which gives the same
integers whatever the chunking and wherever the chunks ran (in this process, in a pool of local
processes, or on a Dask cluster).

:func:`family_chances` is one child's row (the ranking page); :func:`what_if` the row for a child
whose list is replaced by the one its parents are editing (built by :func:`replace_list`).

>>> from samen.engine.instance import build_instance
>>> inst = build_instance({"a": ["X", "Y"], "b": ["X"]}, {"X": 1, "Y": 1}, seed="s")
>>> c = chances(inst, 200, processes=1)
>>> c.counts.tolist(), c.unassigned.tolist()  # a gets X or Y; b gets X or nothing
([85, 115, 115], [0, 85])
>>> row = c.child(0)
>>> row.school_ids, round(float(row.probability[0]), 2)
(('X', 'Y'), 0.42)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from samen.analytics.draws import tally_draws
from samen.engine import distance
from samen.engine.instance import Instance
from samen.io.atomic import write_files

if TYPE_CHECKING:
    from samen.io.round import Round

#: The confidence of the intervals that :class:`Chances` reports unless asked otherwise.
CONFIDENCE = 0.95
#: Local worker processes when ``processes`` is not given (this is a two-core machine's worth;
#: never more than the machine has).
DEFAULT_PROCESSES = 2
#: At most this many (draw, child) cells per chunk (a chunk keeps only its counts, but a
#: progress bar moves once per chunk).
CHUNK_CELLS = 8_000_000
#: Chunks per worker (process or Dask thread), for an even load and a progress bar that moves.
CHUNKS_PER_WORKER = 8
#: Below this many (draw, list entry) pairs the draws run in this process: starting worker
#: processes would take longer than the draws themselves.
IN_PROCESS_WORK = 200_000
#: The columns of the CSV that :meth:`Chances.write_csv` writes.
CSV_COLUMNS: tuple[str, ...] = (
    "applicant_id",
    "school_id",
    "choice_rank",
    "probability",
    "lo",
    "hi",
)


# --------------------------------------------------------------------------- the interval


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile of ``confidence`` (1.959963984540054 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"the confidence must be between 0 and 1, not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(
    k: np.ndarray | int, n: int, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``k`` successes in ``n`` trials, element-wise.

    ``(c - h, c + h)`` with ``p = k/n``, ``c = (p + z^2/2n) / (1 + z^2/n)`` and
    ``h = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)``, clipped to ``[0, 1]`` (exactly 0 below
    when ``k = 0`` and exactly 1 above when ``k = n``). Unlike ``p +- z sqrt(p(1-p)/n)`` it is
    never empty at ``k = 0`` or ``k = n`` and keeps close to its nominal coverage for small ``n``.

    >>> lo, hi = wilson_interval(np.array([0, 5, 10]), 10)
    >>> [round(float(x), 4) for x in lo], [round(float(x), 4) for x in hi]
    ([0.0, 0.2366, 0.7225], [0.2775, 0.7634, 1.0])
    """
    if n < 1:
        raise ValueError(f"an interval needs at least one draw, not {n}")
    z = z_value(confidence)
    kk = np.asarray(k, dtype=np.float64)
    p = kk / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z / denom * np.sqrt(np.maximum(p * (1.0 - p), 0.0) / n + z2 / (4.0 * n * n))
    lo = np.clip(centre - half, 0.0, 1.0)
    hi = np.clip(centre + half, 0.0, 1.0)
    lo = np.where(kk <= 0, 0.0, lo)
    hi = np.where(kk >= n, 1.0, hi)
    return lo, hi


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class ChildChances:
    """One child's chances: per school on its list (in list order) and of no school.

    ``probability[j]`` is the estimated probability of a seat at the ``j``-th school of the
    list, ``cumulative[j]`` of a seat there or at a school ranked higher; ``lo``/``hi`` and
    ``cumulative_lo``/``cumulative_hi`` are their Wilson intervals (``confidence``).
    """

    applicant_id: str
    applicant_index: int
    schools: np.ndarray  # int32[k], school indices in list order
    school_ids: tuple[str, ...]
    counts: np.ndarray  # int64[k], draws in which the child got that school
    unassigned_count: int
    n_draws: int
    first: int  # number of the first draw (1-based)
    confidence: float = CONFIDENCE

    @property
    def probability(self) -> np.ndarray:
        return self.counts / self.n_draws

    @property
    def lo(self) -> np.ndarray:
        return wilson_interval(self.counts, self.n_draws, self.confidence)[0]

    @property
    def hi(self) -> np.ndarray:
        return wilson_interval(self.counts, self.n_draws, self.confidence)[1]

    @property
    def cumulative(self) -> np.ndarray:
        return np.cumsum(self.counts) / self.n_draws

    @property
    def cumulative_lo(self) -> np.ndarray:
        return wilson_interval(np.cumsum(self.counts), self.n_draws, self.confidence)[0]

    @property
    def cumulative_hi(self) -> np.ndarray:
        return wilson_interval(np.cumsum(self.counts), self.n_draws, self.confidence)[1]

    @property
    def p_unassigned(self) -> float:
        return self.unassigned_count / self.n_draws

    @property
    def unassigned_interval(self) -> tuple[float, float]:
        lo, hi = wilson_interval(self.unassigned_count, self.n_draws, self.confidence)
        return float(lo), float(hi)

    def rows(self) -> list[tuple[str, str, int | None, float, float, float]]:
        """``(applicant_id, school_id, choice_rank, probability, lo, hi)`` per school on the
        list, then ``(applicant_id, "", None, ...)`` for no school."""
        p, lo, hi = self.probability, self.lo, self.hi
        out: list[tuple[str, str, int | None, float, float, float]] = [
            (self.applicant_id, s, j + 1, float(p[j]), float(lo[j]), float(hi[j]))
            for j, s in enumerate(self.school_ids)
        ]
        ulo, uhi = self.unassigned_interval
        out.append((self.applicant_id, "", None, self.p_unassigned, ulo, uhi))
        return out


@dataclass(frozen=True, eq=False)
class Chances:
    """Counts over draws ``first .. first + n_draws - 1`` of a round, per list entry.

    ``counts[e]`` is the number of draws in which the child of list entry ``e`` (the edge
    index of :class:`~samen.engine.instance.Instance`: position in ``instance.choices``) was
    assigned to that entry's school; ``unassigned[a]`` the draws in which child ``a`` got no
    school; ``group_held[g]`` the draws in which pledge group ``g`` held.
    """

    instance: Instance
    n_draws: int
    first: int  # number of the first draw (1-based)
    counts: np.ndarray  # int64[E]
    unassigned: np.ndarray  # int64[n]
    group_held: np.ndarray  # int64[G]
    confidence: float = CONFIDENCE

    @property
    def probability(self) -> np.ndarray:
        """float64[E]: the estimated probability of each list entry."""
        return self.counts / self.n_draws

    @property
    def lo(self) -> np.ndarray:
        return self.interval()[0]

    @property
    def hi(self) -> np.ndarray:
        return self.interval()[1]

    @property
    def p_unassigned(self) -> np.ndarray:
        """float64[n]: the estimated probability that each child gets no school."""
        return self.unassigned / self.n_draws

    @property
    def p_group_held(self) -> np.ndarray:
        return self.group_held / self.n_draws

    def interval(self, confidence: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The Wilson interval of every list entry's probability."""
        return wilson_interval(self.counts, self.n_draws, confidence or self.confidence)

    def unassigned_interval(self, confidence: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The Wilson interval of every child's probability of no school."""
        return wilson_interval(self.unassigned, self.n_draws, confidence or self.confidence)

    def index_of(self, applicant_id: str) -> int:
        """The index of a child by its ``applicant_id`` (``KeyError`` if there is none)."""
        return _index_of(self.instance, applicant_id)

    def child(self, applicant_index: int) -> ChildChances:
        """One child's row."""
        inst = self.instance
        a = int(applicant_index)
        if not 0 <= a < inst.n_applicants:
            raise IndexError(f"there is no applicant {a} (the round has {inst.n_applicants})")
        lo, hi = int(inst.choice_ptr[a]), int(inst.choice_ptr[a + 1])
        schools = np.asarray(inst.choices[lo:hi], dtype=np.int32).copy()
        return ChildChances(
            applicant_id=inst.applicant_ids[a],
            applicant_index=a,
            schools=schools,
            school_ids=tuple(inst.school_ids[s] for s in schools.tolist()),
            counts=self.counts[lo:hi].copy(),
            unassigned_count=int(self.unassigned[a]),
            n_draws=self.n_draws,
            first=self.first,
            confidence=self.confidence,
        )

    def rows(self) -> Iterator[tuple[str, str, int | None, float, float, float]]:
        """The CSV rows: per child (in applicant order) one row per school on its list, in list
        order, then one row with an empty school (no school on its list)."""
        for a in range(self.instance.n_applicants):
            yield from self.child(a).rows()

    def write_csv(self, path: str | Path) -> Path:
        """Write ``applicant_id, school_id, choice_rank, probability, lo, hi`` (see
        :meth:`rows`; numbers with 6 decimals) to ``path`` at once: into a hidden file next to
        it, renamed into place, so a reader never sees half a file."""
        inst = self.instance
        n = inst.n_applicants
        ptr = np.asarray(inst.choice_ptr, dtype=np.int64)
        lengths = np.diff(ptr)
        lo, hi = self.interval()
        ulo, uhi = self.unassigned_interval()
        # one block of rows per child: its list entries, then "no school"
        n_rows = len(inst.choices) + n
        edge_row = np.arange(len(inst.choices)) + np.repeat(np.arange(n), lengths)
        none_row = ptr[1:] + np.arange(n)
        prob = np.empty(n_rows)
        low = np.empty(n_rows)
        high = np.empty(n_rows)
        prob[edge_row], low[edge_row], high[edge_row] = self.probability, lo, hi
        prob[none_row], low[none_row], high[none_row] = self.p_unassigned, ulo, uhi
        app = np.repeat(np.arange(n), lengths + 1)
        school = np.full(n_rows, -1, dtype=np.int64)
        school[edge_row] = inst.choices
        rank = np.zeros(n_rows, dtype=np.int64)
        rank[edge_row] = np.arange(len(inst.choices)) - np.repeat(ptr[:-1], lengths) + 1
        ids = list(inst.applicant_ids)
        sids = [*inst.school_ids, ""]
        lines = [",".join(CSV_COLUMNS)]
        lines.extend(
            f"{_csv_cell(ids[a])},{_csv_cell(sids[s])},{r or ''},{p:.6f},{lw:.6f},{hg:.6f}"
            for a, s, r, p, lw, hg in zip(
                app.tolist(),
                school.tolist(),
                rank.tolist(),
                prob.tolist(),
                low.tolist(),
                high.tolist(),
                strict=True,
            )
        )
        out = Path(path)
        write_files({out.name: ("\n".join(lines) + "\n").encode("utf-8")}, out.parent)
        return out

    @staticmethod
    def merge(parts: Sequence[Chances]) -> Chances:
        """Add up the counts of consecutive runs of draws of the same round (``start`` of one
        = last draw of the previous), e.g. to refine an estimate with more draws."""
        if not parts:
            raise ValueError("nothing to merge")
        parts = sorted(parts, key=lambda c: c.first)
        for prev, nxt in pairwise(parts):
            if nxt.first != prev.first + prev.n_draws:
                raise ValueError(
                    f"draws {prev.first}..{prev.first + prev.n_draws - 1} and "
                    f"{nxt.first}.. are not consecutive"
                )
            if len(nxt.counts) != len(prev.counts) or nxt.instance.seed != prev.instance.seed:
                raise ValueError("the parts are not draws of the same round")
        return Chances(
            instance=parts[0].instance,
            n_draws=sum(c.n_draws for c in parts),
            first=parts[0].first,
            counts=np.sum([c.counts for c in parts], axis=0),
            unassigned=np.sum([c.unassigned for c in parts], axis=0),
            group_held=np.sum([c.group_held for c in parts], axis=0),
            confidence=parts[0].confidence,
        )


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _index_of(instance: Instance, applicant_id: str) -> int:
    try:
        return list(instance.applicant_ids).index(applicant_id)
    except ValueError:
        raise KeyError(applicant_id) from None


# --------------------------------------------------------------------------- the chunks


@dataclass(frozen=True, eq=False)
class ChunkCounts:
    """What one chunk of draws returns: its draw numbers and its counts."""

    start: int  # the chunk is draws start+1 .. start+count
    count: int
    edges: np.ndarray  # int32[E]: draws in which the child of the entry got its school
    group_held: np.ndarray  # int32[G]


def count_draws(
    instance: Instance,
    start: int,
    count: int,
    progress: Callable[[int], None] | None = None,
) -> ChunkCounts:
    """Run draws ``start+1 .. start+count`` and count them per list entry (one chunk).

    The edge of child ``a`` in a draw is ``choice_ptr[a] + choice_rank - 1`` (``choice_rank``
    is the 1-based position on the list as submitted; 0 = no school, not counted).
    """
    counts, held = tally_draws(instance, count, start=start, progress=progress)
    edges = counts.astype(np.int32)
    held = held.astype(np.int32)
    return ChunkCounts(start=start, count=count, edges=edges, group_held=held)


def chunk_plan(
    n_draws: int, n_applicants: int, workers: int, *, start: int = 0, chunk: int | None = None
) -> list[tuple[int, int]]:
    """``(start, count)`` of each chunk: consecutive draws, about ``CHUNKS_PER_WORKER`` chunks
    per worker, at most ``CHUNK_CELLS`` (draw, child) cells each (or ``chunk`` draws each)."""
    if chunk is None:
        cap = max(1, CHUNK_CELLS // max(1, n_applicants))
        chunk = max(1, min(cap, math.ceil(n_draws / (max(1, workers) * CHUNKS_PER_WORKER))))
    if chunk < 1:
        raise ValueError(f"a chunk has at least one draw, not {chunk}")
    return [(start + i, min(chunk, n_draws - i)) for i in range(0, n_draws, chunk)]


_WORKER_INSTANCE: Instance | None = None


def _init_worker(instance: Instance) -> None:
    global _WORKER_INSTANCE
    _WORKER_INSTANCE = instance


def _worker_chunk(start: int, count: int) -> ChunkCounts:
    assert _WORKER_INSTANCE is not None
    return count_draws(_WORKER_INSTANCE, start, count)


def _dask_chunk(instance: Instance, start: int, count: int) -> ChunkCounts:
    return count_draws(instance, start, count)


# --------------------------------------------------------------------------- the estimator


def chances(
    instance: Instance,
    draws: int,
    *,
    start: int = 0,
    processes: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    chunk: int | None = None,
    confidence: float = CONFIDENCE,
) -> Chances:
    """Estimate every child's chances over draws ``start+1 .. start+draws`` of ``instance``.

    ``processes`` local worker processes run the chunks (default :data:`DEFAULT_PROCESSES`,
    at most the machine's cores); with ``processes=1``, or when the work is small
    (:data:`IN_PROCESS_WORK`), they run in this process. ``scheduler`` is the address of a Dask
    distributed scheduler (``"tcp://host:port"``) or a ``distributed.Client``: the chunks then
    run on its workers (which need samen installed) and ``processes`` is not used.
    ``progress(k)`` is called with the number of draws done so far (per draw in this process,
    per chunk otherwise). ``chunk`` fixes the draws per chunk. The counts do not depend on
    ``processes``, ``scheduler`` or ``chunk``.
    """
    if draws < 1:
        raise ValueError(f"the number of draws must be at least 1, not {draws}")
    if start < 0:
        raise ValueError(f"start is the number of draws to skip, at least 0, not {start}")
    if processes is not None and processes < 1:
        raise ValueError(f"the number of processes must be at least 1, not {processes}")
    z_value(confidence)  # checks it
    if scheduler is not None:
        parts = _run_dask(instance, draws, start, scheduler, progress, chunk)
    else:
        workers = processes or min(DEFAULT_PROCESSES, os.cpu_count() or 1)
        if workers == 1 or draws * max(1, len(instance.choices)) < IN_PROCESS_WORK:
            parts = _run_here(instance, draws, start, progress, chunk)
        else:
            parts = _run_pool(instance, draws, start, workers, progress, chunk)
    return _combine(instance, parts, draws, start, confidence)


def _combine(
    instance: Instance, parts: list[ChunkCounts], draws: int, start: int, confidence: float
) -> Chances:
    parts = sorted(parts, key=lambda c: c.start)
    expect = start
    for p in parts:
        if p.start != expect:
            raise RuntimeError(f"chunk of draws from {expect + 1} is missing")
        expect += p.count
    if expect != start + draws:
        raise RuntimeError("the chunks do not cover the draws")
    counts = np.zeros(len(instance.choices), dtype=np.int64)
    held = np.zeros(len(instance.group_ids), dtype=np.int64)
    for p in parts:
        counts += p.edges
        held += p.group_held
    lengths = np.diff(np.asarray(instance.choice_ptr, dtype=np.int64))
    edge_app = np.repeat(np.arange(instance.n_applicants), lengths)
    assigned = np.bincount(edge_app, weights=counts, minlength=instance.n_applicants)
    unassigned = draws - assigned.astype(np.int64)
    return Chances(
        instance=instance,
        n_draws=draws,
        first=start + 1,
        counts=counts,
        unassigned=unassigned,
        group_held=held,
        confidence=confidence,
    )


def _run_here(
    instance: Instance,
    draws: int,
    start: int,
    progress: Callable[[int], None] | None,
    chunk: int | None,
) -> list[ChunkCounts]:
    parts = []
    done = 0
    cap = max(1, CHUNK_CELLS // max(1, instance.n_applicants))
    for s, k in chunk_plan(draws, instance.n_applicants, 1, start=start, chunk=chunk or cap):
        base = done
        cb = None if progress is None else (lambda i, base=base: progress(base + i))
        parts.append(count_draws(instance, s, k, cb))
        done += k
    return parts


def _run_pool(
    instance: Instance,
    draws: int,
    start: int,
    workers: int,
    progress: Callable[[int], None] | None,
    chunk: int | None,
) -> list[ChunkCounts]:
    # The first draw runs here, before the workers start: it loads the engine's compiled
    # kernels, which the forked workers then inherit instead of each loading them again.
    parts = [count_draws(instance, start, 1)]
    done = 1
    if progress is not None:
        progress(done)
    if draws == 1:
        return parts
    plan = chunk_plan(draws - 1, instance.n_applicants, workers, start=start + 1, chunk=chunk)
    with ProcessPoolExecutor(
        max_workers=min(workers, len(plan)), initializer=_init_worker, initargs=(instance,)
    ) as pool:
        futures = [pool.submit(_worker_chunk, s, k) for s, k in plan]
        try:
            for fut in as_completed(futures):
                part = fut.result()
                parts.append(part)
                done += part.count
                if progress is not None:
                    progress(done)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return parts


def _run_dask(
    instance: Instance,
    draws: int,
    start: int,
    scheduler: Any,
    progress: Callable[[int], None] | None,
    chunk: int | None,
) -> list[ChunkCounts]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError(
            "a Dask scheduler needs the 'distributed' package: pip install 'dask[distributed]'"
        ) from exc
    own = isinstance(scheduler, str)
    client = Client(scheduler, timeout="10s", set_as_default=False) if own else scheduler
    try:
        workers = max(1, sum(client.nthreads().values()))
        plan = chunk_plan(draws, instance.n_applicants, workers, start=start, chunk=chunk)
        [shared] = client.scatter([instance], broadcast=True)
        futures = [client.submit(_dask_chunk, shared, s, k, pure=False) for s, k in plan]
        parts = []
        done = 0
        try:
            for fut in dask_completed(futures, loop=client.loop):
                part = fut.result()
                parts.append(part)
                done += part.count
                if progress is not None:
                    progress(done)
        except BaseException:
            client.cancel(futures)
            raise
        return parts
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------- one family


def family_chances(
    instance: Instance,
    applicant_index: int,
    draws: int,
    *,
    start: int = 0,
    processes: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    confidence: float = CONFIDENCE,
) -> ChildChances:
    """One child's chances (the ranking page). Every child's draw depends on every other
    list, so the whole round is allocated; only the row of ``applicant_index`` is returned."""
    if not 0 <= applicant_index < instance.n_applicants:
        raise IndexError(
            f"there is no applicant {applicant_index} (the round has {instance.n_applicants})"
        )
    c = chances(
        instance,
        draws,
        start=start,
        processes=processes,
        scheduler=scheduler,
        progress=progress,
        confidence=confidence,
    )
    return c.child(applicant_index)


@dataclass(frozen=True)
class Coordinates:
    """Where children and schools are, to compute the distance to a school a parent adds.

    ``applicant_xy[a]`` and ``school_xy[s]`` are ``(x, y)`` in metres (``metric``
    ``"euclidean"``) or ``(lat, lon)`` in degrees (``"haversine"``), NaN where unknown.
    """

    applicant_xy: np.ndarray  # float64[n, 2]
    school_xy: np.ndarray  # float64[m, 2]
    metric: str = "euclidean"

    @staticmethod
    def of_round(rnd: Round) -> Coordinates | None:
        """The coordinates of a read round folder, or None when its tables have none."""
        if rnd.applicant_xy is None or rnd.school_xy is None:
            return None
        return Coordinates(
            np.asarray(rnd.applicant_xy, dtype=np.float64),
            np.asarray(rnd.school_xy, dtype=np.float64),
            rnd.settings.distance,
        )

    def distance(self, a: int, s: int) -> float:
        """Metres from child ``a`` to school ``s`` as the round reader computes them (rounded
        to centimetres), NaN when a coordinate is missing."""
        d = distance.metres(self.metric, self.applicant_xy[a], self.school_xy[s])
        return float(d)


def replace_list(
    instance: Instance,
    applicant_index: int,
    schools: Sequence[int],
    *,
    priorities: Mapping[int, int | str] | None = None,
    distances: Mapping[int, float] | None = None,
    coordinates: Coordinates | None = None,
) -> Instance:
    """``instance`` with child ``applicant_index``'s list replaced by ``schools`` (school
    indices, best first); every other child is unchanged.

    The facts of each new list entry: for a school that was on the old list, its priority
    group and distance are kept. For a school that was not: the priority group is
    ``priorities[s]`` (an index into ``priority_groups`` or a group name) or none; the distance
    is ``distances[s]``, else computed from ``coordinates``, else NaN (unknown: the engine
    then ranks the child last in that school's distance pools). A child that drops its pledge
    group's target leaves the pledge group; a child whose new list differs from its twin's is
    no longer in a block with it (the rules' definition of a block).
    """
    inst = instance
    a = int(applicant_index)
    n, m = inst.n_applicants, inst.n_schools
    if not 0 <= a < n:
        raise IndexError(f"there is no applicant {a} (the round has {n})")
    new = np.asarray(list(schools), dtype=np.int64)
    if new.ndim != 1:
        raise ValueError("the list is a sequence of school indices")
    if len(new) and (new.min() < 0 or new.max() >= m):
        raise ValueError(f"school indices are 0..{m - 1}")
    if len(np.unique(new)) != len(new):
        raise ValueError("a school appears twice on the list")
    priorities = priorities or {}
    distances = distances or {}
    groups = list(inst.priority_groups)
    none_group = len(groups)

    ptr = np.asarray(inst.choice_ptr, dtype=np.int64)
    lo, hi = int(ptr[a]), int(ptr[a + 1])
    old = np.asarray(inst.choices[lo:hi], dtype=np.int64)
    old_at = {int(s): lo + j for j, s in enumerate(old.tolist())}
    prio = np.empty(len(new), dtype=np.int32)
    rest = np.empty(len(new), dtype=np.int32)  # section 10.4 (used when the round has it)
    only_first = {groups.index(g) for g in inst.first_choice_only if g in groups}
    dist = np.empty(len(new), dtype=np.float64)
    for j, s in enumerate(new.tolist()):
        e = old_at.get(s)
        g = priorities.get(s)
        if g is None and e is not None and inst.priority_rest is not None:
            rest[j] = inst.priority_rest[e]
        if g is None:
            prio[j] = inst.priority[e] if e is not None else none_group
        elif isinstance(g, str):
            if g not in groups:
                raise ValueError(f"unknown priority group {g!r}; the groups are {groups}")
            prio[j] = groups.index(g)
        elif 0 <= int(g) <= none_group:
            prio[j] = int(g)
        else:
            raise ValueError(f"priority group index {g} is not 0..{none_group}")
        if g is not None or e is None:  # one row: it counts away from a first choice unless
            rest[j] = none_group if int(prio[j]) in only_first else prio[j]  # first-only
        if s in distances:
            dist[j] = float(distances[s])
        elif e is not None:
            dist[j] = inst.distance[e]
        elif coordinates is not None:
            dist[j] = coordinates.distance(a, s)
        else:
            dist[j] = np.nan

    delta = len(new) - (hi - lo)
    choice_ptr = ptr.copy()
    choice_ptr[a + 1 :] += delta
    choices = np.concatenate([inst.choices[:lo], new.astype(inst.choices.dtype), inst.choices[hi:]])
    priority = np.concatenate(
        [inst.priority[:lo], prio.astype(inst.priority.dtype), inst.priority[hi:]]
    )
    distance = np.concatenate([inst.distance[:lo], dist, inst.distance[hi:]])
    changes: dict[str, object] = {
        "choice_ptr": choice_ptr,
        "choices": choices,
        "priority": priority,
        "distance": distance,
    }
    if inst.priority_rest is not None:
        changes["priority_rest"] = np.concatenate(
            [inst.priority_rest[:lo], rest, inst.priority_rest[hi:]]
        ).astype(np.int32)
    g = int(inst.pledge[a])
    if g >= 0 and int(inst.group_target[g]) not in set(new.tolist()):
        pledge = np.asarray(inst.pledge).copy()
        pledge[a] = -1
        changes["pledge"] = pledge
    return inst.with_(**changes)


def what_if(
    instance: Instance,
    applicant_index: int,
    new_list_school_indices: Sequence[int],
    draws: int,
    *,
    priorities: Mapping[int, int | str] | None = None,
    distances: Mapping[int, float] | None = None,
    coordinates: Coordinates | None = None,
    start: int = 0,
    processes: int | None = None,
    scheduler: Any = None,
    progress: Callable[[int], None] | None = None,
    confidence: float = CONFIDENCE,
) -> ChildChances:
    """The chances of child ``applicant_index`` if its list were ``new_list_school_indices``
    (school indices, best first) and everything else stayed as it is; see
    :func:`replace_list` for the facts of schools that were not on the list."""
    changed = replace_list(
        instance,
        applicant_index,
        new_list_school_indices,
        priorities=priorities,
        distances=distances,
        coordinates=coordinates,
    )
    return family_chances(
        changed,
        applicant_index,
        draws,
        start=start,
        processes=processes,
        scheduler=scheduler,
        progress=progress,
        confidence=confidence,
    )


__all__ = [
    "CONFIDENCE",
    "CSV_COLUMNS",
    "Chances",
    "ChildChances",
    "ChunkCounts",
    "Coordinates",
    "chances",
    "chunk_plan",
    "count_draws",
    "family_chances",
    "replace_list",
    "what_if",
    "wilson_interval",
    "z_value",
]
