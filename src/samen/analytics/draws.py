"""Many draws of one round: the same rules with different lottery seeds.

Admission chances, policy scenarios and reports all ask "what happens over many public
draws?". Draw ``k`` of a round with seed ``S`` is the round with seed :func:`draw_seed`
``(S, k)`` = ``S + "|draw:" + k`` (``k`` in decimal, from 1), so anyone can recompute any draw
with ``samen allocate`` after writing that seed into ``round.toml``; the published round's
own draw is not among them (it is the one that counts, not a sample).

:func:`run_draws` runs draws ``start+1 .. start+draws`` in this process and returns the
per-draw outcome as arrays; :func:`tally_draws` only counts, per list entry, the draws in which
its child got that school (all that the admission chances read, so nothing else is kept per
draw); :func:`samen.analytics.chances.chances` spreads draws over processes or a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from samen.engine.allocate import assign
from samen.engine.instance import Instance
from samen.engine.priority import prepare, reseed


def draw_seed(seed: str, k: int) -> str:
    """The lottery seed of draw ``k`` (1-based) of a round whose seed is ``seed``.

    >>> draw_seed("Mechelen 2027", 3)
    'Mechelen 2027|draw:3'
    """
    if k < 1:
        raise ValueError(f"draws are numbered from 1, not {k}")
    return f"{seed}|draw:{k}"


@dataclass(frozen=True, eq=False)
class Draws:
    """The outcome of ``D`` draws of a round with ``n`` children and ``G`` pledge groups."""

    first: int  # number of the first draw (1-based)
    school: np.ndarray  # int32[D, n], -1 = unassigned
    choice_rank: np.ndarray  # int16[D, n], 1-based rank as submitted, 0 = unassigned
    group_held: np.ndarray  # bool[D, G]
    runs: np.ndarray  # int16[D], runs of the pledge loop per draw

    @property
    def n_draws(self) -> int:
        return int(self.school.shape[0])

    @staticmethod
    def concat(parts: list[Draws]) -> Draws:
        """Join draws computed in pieces (in the order of their first draw)."""
        parts = sorted(parts, key=lambda d: d.first)
        return Draws(
            first=parts[0].first,
            school=np.concatenate([p.school for p in parts]),
            choice_rank=np.concatenate([p.choice_rank for p in parts]),
            group_held=np.concatenate([p.group_held for p in parts]),
            runs=np.concatenate([p.runs for p in parts]),
        )


def run_draws(
    instance: Instance,
    draws: int,
    *,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Draws:
    """Allocate draws ``start+1 .. start+draws`` of ``instance`` (seeds by :func:`draw_seed`).

    ``progress(k)`` is called after each draw with the number of draws done so far.

    >>> from samen.engine.instance import build_instance
    >>> inst = build_instance({"a": ["X", "Y"], "b": ["X", "Y"]}, {"X": 1, "Y": 1}, seed="s")
    >>> d = run_draws(inst, 200)
    >>> d.school.shape, sorted(set(d.school[:, 0].tolist()))
    ((200, 2), [0, 1])
    """
    if draws < 1:
        raise ValueError(f"the number of draws must be at least 1, not {draws}")
    n = instance.n_applicants
    g = len(instance.group_ids)
    school = np.empty((draws, n), dtype=np.int32)
    rank = np.empty((draws, n), dtype=np.int16)
    held = np.empty((draws, g), dtype=bool)
    runs = np.empty(draws, dtype=np.int16)
    # Everything but the lottery numbers is the same in every draw: prepare it once.
    base = prepare(instance)
    for i in range(draws):
        # ``prep`` and ``got`` (with its run) live until the next draw's are made, so that
        # the allocator hands their memory to the next draw instead of returning the pages
        # and faulting them in again (draws at 20,000 children: about a fifth faster)
        prep = reseed(base, draw_seed(instance.seed, start + i + 1))
        got = assign(prep)
        school[i] = got.school
        rank[i] = got.choice_rank
        held[i] = got.group_held
        runs[i] = got.runs
        if progress is not None:
            progress(i + 1)
    return Draws(first=start + 1, school=school, choice_rank=rank, group_held=held, runs=runs)


@njit(cache=True)
def _tally(counts, choice_ptr, choice_rank):
    """``counts[e] += 1`` for the list entry ``e`` each child got (rank 0 = none)."""
    for c in range(len(choice_rank)):
        r = choice_rank[c]
        if r > 0:
            counts[choice_ptr[c] + r - 1] += 1


def tally_draws(
    instance: Instance,
    draws: int,
    *,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draws ``start+1 .. start+draws`` of ``instance`` counted as they run: per list entry
    the draws in which its child got that school (``int64[E]``), per pledge group the draws
    in which it held (``int64[G]``). The same numbers as counting :func:`run_draws`, without
    keeping every draw's assignment (what the admission chances need, thousands of times).

    >>> from samen.engine.instance import build_instance
    >>> inst = build_instance({"a": ["X", "Y"], "b": ["X", "Y"]}, {"X": 1, "Y": 1}, seed="s")
    >>> counts, held = tally_draws(inst, 200)
    >>> counts.tolist(), held.tolist()  # each child gets X or Y in every draw
    ([85, 115, 115, 85], [])
    """
    if draws < 1:
        raise ValueError(f"the number of draws must be at least 1, not {draws}")
    counts = np.zeros(len(instance.choices), dtype=np.int64)
    held = np.zeros(len(instance.group_ids), dtype=np.int64)
    ptr = np.ascontiguousarray(instance.choice_ptr, dtype=np.int64)
    base = prepare(instance)  # everything but the lottery numbers, once
    for i in range(draws):
        got = assign(reseed(base, draw_seed(instance.seed, start + i + 1)))
        _tally(counts, ptr, np.ascontiguousarray(got.choice_rank, dtype=np.int64))
        held += got.group_held
        if progress is not None:
            progress(i + 1)
    return counts, held
