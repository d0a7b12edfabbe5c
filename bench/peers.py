"""Peer implementations of student-proposing deferred acceptance, on the *plain* instances.

The plain instance (``bench.instances`` with ``plain=True``) is the classic school-choice
problem: one pool per school and one strict priority order for all schools, the single
lottery of ``samen.engine.lottery`` (smaller number first, ``applicant_id`` on ties).
Student-proposing DA has exactly one result for it, so samen and every peer must agree.

* ``matching`` (PyPI, 1.4.3): ``matching.games.HospitalResident``, resident-optimal;
* ``py-school-match`` (PyPI, 0.2.0): its ``DASTB`` (deferred acceptance, single tie
  breaking). The package ``__init__`` imports ``graph_tool`` for TTC and drawing, which is
  not installable from PyPI; a stub module stands in for it (DA does not use it), and
  ``DASTB.break_ties`` is replaced so that the tickets follow samen's lottery.

Each ``run_*`` returns ``(school index per applicant, -1 unassigned; setup seconds;
solve seconds)``. Only the solve is compared with samen's time; building the peer's
objects is reported apart.
"""

from __future__ import annotations

import sys
import time
import types

import numpy as np

from samen.engine import lottery
from samen.engine.instance import Instance


def lottery_order(inst: Instance) -> np.ndarray:
    """Applicant indices from best to worst: single lottery number, then ``applicant_id``."""
    numbers = lottery.single(inst.seed, list(inst.applicant_ids))
    ids = np.array(inst.applicant_ids)
    return np.lexsort((ids, numbers))


def _school_rankings(inst: Instance, order: np.ndarray) -> list[list[int]]:
    """Per school, the applicants who listed it, best first (by ``order``)."""
    n = inst.n_applicants
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    owner = np.repeat(np.arange(n), np.diff(inst.choice_ptr))
    by = np.lexsort((rank[owner], inst.choices))
    counts = np.bincount(inst.choices, minlength=inst.n_schools)
    applicants = owner[by].tolist()
    out, start = [], 0
    for c in counts.tolist():
        out.append(applicants[start : start + c])
        start += c
    return out


def run_matching(inst: Instance) -> tuple[np.ndarray, float, float]:
    """Solve the plain instance with ``matching.games.HospitalResident``."""
    from matching.games import HospitalResident

    t0 = time.perf_counter()
    aid = list(inst.applicant_ids)
    sid = list(inst.school_ids)
    ptr = inst.choice_ptr.tolist()
    ch = inst.choices.tolist()
    resident_prefs = {aid[a]: [sid[s] for s in ch[ptr[a] : ptr[a + 1]]] for a in range(len(aid))}
    hospital_prefs = {
        sid[s]: [aid[a] for a in lst]
        for s, lst in enumerate(_school_rankings(inst, lottery_order(inst)))
    }
    capacities = dict(zip(sid, inst.capacity.tolist(), strict=True))
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20 * len(aid) + 10_000))  # its deepcopy recurses
    try:
        game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
        t1 = time.perf_counter()
        matching = game.solve(optimal="resident")
        t2 = time.perf_counter()
    finally:
        sys.setrecursionlimit(old_limit)
    a_index = {a: i for i, a in enumerate(aid)}
    s_index = {s: j for j, s in enumerate(sid)}
    school = np.full(len(aid), -1, dtype=np.int32)
    for hospital, residents in matching.items():
        for r in residents:
            school[a_index[r.name]] = s_index[hospital.name]
    return school, t1 - t0, t2 - t1


def _stub_graph_tool() -> None:
    """A stand-in ``graph_tool`` so that ``py_school_match`` imports (DA never calls it)."""
    if "graph_tool" in sys.modules:
        return
    gt = types.ModuleType("graph_tool")
    gt_all = types.ModuleType("graph_tool.all")

    def _missing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("graph_tool is a stub here: only DA is benchmarked")

    for name in ("Graph", "graph_draw", "all_circuits", "arf_layout", "sfdp_layout"):
        setattr(gt_all, name, _missing)
    gt.all = gt_all  # type: ignore[attr-defined]
    sys.modules["graph_tool"] = gt
    sys.modules["graph_tool.all"] = gt_all


def run_py_school_match(inst: Instance) -> tuple[np.ndarray, float, float]:
    """Solve the plain instance with ``py_school_match``'s ``DASTB``."""
    _stub_graph_tool()
    from py_school_match.algorithms.da_stb import DASTB
    from py_school_match.entities.characteristic import Characteristic
    from py_school_match.entities.ruleset import RuleSet
    from py_school_match.entities.school import School
    from py_school_match.entities.social_planner import SocialPlanner
    from py_school_match.entities.student import Student

    t0 = time.perf_counter()
    n = inst.n_applicants
    order = lottery_order(inst)
    # py-school-match keeps the *largest* priority value: ticket n for the best number.
    ticket = np.empty(n, dtype=np.int64)
    ticket[order] = np.arange(n, 0, -1)
    tickets = ticket.tolist()

    class SamenLotteryDASTB(DASTB):  # type: ignore[misc]
        def break_ties(self, students: list[Student]) -> None:
            for i, student in enumerate(students):
                student.add_characteristic(Characteristic(self.lottery, tickets[i]))

    schools = [
        School(int(c), id_=s) for s, c in zip(inst.school_ids, inst.capacity.tolist(), strict=True)
    ]
    students = []
    ptr = inst.choice_ptr.tolist()
    ch = inst.choices.tolist()
    for a, name in enumerate(inst.applicant_ids):
        st = Student(id_=name)
        st.preferences = [schools[s] for s in ch[ptr[a] : ptr[a + 1]]]
        students.append(st)
    planner = SocialPlanner(students, schools, RuleSet())
    t1 = time.perf_counter()
    planner.run_matching(SamenLotteryDASTB())
    t2 = time.perf_counter()
    s_index = {id(s): j for j, s in enumerate(schools)}
    school = np.array(
        [
            s_index[id(st.assigned_school)] if st.assigned_school is not None else -1
            for st in students
        ],
        dtype=np.int32,
    )
    return school, t1 - t0, t2 - t1


def reference_da(inst: Instance) -> np.ndarray:
    """A plain-Python student-proposing DA for the plain instance (a third opinion)."""
    import heapq

    n = inst.n_applicants
    order = lottery_order(inst)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    rk = rank.tolist()
    ptr = inst.choice_ptr.tolist()
    ch = inst.choices.tolist()
    cap = inst.capacity.tolist()
    held: list[list[tuple[int, int]]] = [[] for _ in range(inst.n_schools)]  # max-heap on rank
    nxt = ptr[:-1].copy()
    school = [-1] * n
    free = list(range(n))
    while free:
        a = free.pop()
        while nxt[a] < ptr[a + 1]:
            s = ch[nxt[a]]
            nxt[a] += 1
            if cap[s] == 0:
                continue
            heap = held[s]
            if len(heap) < cap[s]:
                heapq.heappush(heap, (-rk[a], a))
                school[a] = s
                break
            if -heap[0][0] > rk[a]:
                _, out = heapq.heapreplace(heap, (-rk[a], a))
                school[a] = s
                school[out] = -1
                free.append(out)
                break
    return np.array(school, dtype=np.int32)


PEERS = {
    "matching": run_matching,
    "py-school-match": run_py_school_match,
}
