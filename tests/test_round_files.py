"""Round folders in both directions: what ``samen.io.write_round`` writes, ``read_round``
reads back to the same instance (random rounds, hypothesis), and the writer never removes a
folder that is not a round folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from conftest import RoundSpec, rounds
from samen.engine import allocate
from samen.engine.instance import Instance
from samen.io.round import (
    FolderNotEmptyError,
    instance_settings,
    instance_tables,
    read_round,
    render_round,
    write_round,
)

ARRAYS = (
    "capacity",
    "choice_ptr",
    "choices",
    "pool_ptr",
    "pool_seats",
    "pool_flag",
    "pool_negate",
    "pool_order",
    "flags",
    "priority",
    "family",
    "pledge",
    "group_target",
    "group_threshold",
)
LISTS = ("applicant_ids", "school_ids", "pool_names", "flag_names", "priority_groups", "group_ids")


def assert_same_instance(a: Instance, b: Instance) -> None:
    for name in ARRAYS:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        assert x.shape == y.shape and (x == y).all(), name
    for name in LISTS:
        assert list(getattr(a, name)) == list(getattr(b, name)), name
    assert np.array_equal(a.distance, b.distance, equal_nan=True)
    for name in ("seed", "mechanism", "tie_breaking"):
        assert getattr(a, name) == getattr(b, name)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_written_rounds_read_back_to_the_same_instance(spec: RoundSpec) -> None:
    inst = spec.build()
    files = render_round(instance_settings(inst, "random round"), instance_tables(inst))
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_round(Path(tmp) / "round", files)
        again = read_round(folder).instance
    assert_same_instance(inst, again)
    first, second = allocate(inst), allocate(again)
    assert first.school.tolist() == second.school.tolist()
    assert first.pool_cutoff == second.pool_cutoff


def test_the_writer_replaces_round_folders_only(tmp_path: Path) -> None:
    from samen.engine.instance import build_instance

    inst = build_instance({"a": ["X"]}, {"X": 1}, seed="s")
    files = render_round(instance_settings(inst, "r"), instance_tables(inst))
    folder = write_round(tmp_path / "r", files)
    with pytest.raises(FolderNotEmptyError, match="replace it with --force"):
        write_round(folder, files)
    write_round(folder, files, replace=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(FolderNotEmptyError, match="not a round folder"):
        write_round(other, files, replace=True)
    assert (other / "notes.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="not tables of a round folder"):
        render_round(instance_settings(inst, "r"), {"pupils": (["a"], [])})
