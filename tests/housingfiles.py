"""A small housing round folder written into ``tmp_path``, for the tests of the housing reader
and the ``samen housing`` command (``test_housing_bad_input``, ``test_housing_cli``).

``BASE`` is a complete, valid housing round, small enough that a test can say exactly which
row of which file it breaks; data rows start at spreadsheet row 2. Its rules use every part of
round.toml: a priority group, four labels (one with ``max_share``, one ordered by lottery,
one by points), both suitability tables and the lists of bands.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from roundfiles import write_round

ROUND_TOML = """\
kind = "housing"
name = "Testronde wonen"
seed = "test seed of the housing round"
priority_groups = ["local_tie"]
lottery_share = 0.25
rent_bands = ["A", "B", "C"]
income_bands = ["low", "high"]

[labels.standard]
favours = ""
order_by = "value:registered"

[labels.urgent]
favours = "urgent"
order_by = "value:registered"
priority_groups = []
max_share = 0.25

[labels.lottery]
order_by = "lottery"
priority_groups = []

[labels.points]
order_by = "most:points,value:registered"

[suitability.rooms]
1 = [1, 2]
3 = [2, 3]

[suitability.rent]
low = ["A", "B"]
high = ["B", "C"]
"""

# Row numbers as a spreadsheet shows them: header = 1, D1 = 2, ...
DWELLINGS = """\
dwelling_id,neighbourhood,rooms,rent_band,label
D1,North,2,A,standard
D2,North,3,B,urgent
D3,South,1,B,lottery
D4,South,2,C,points
"""

HOUSEHOLDS = """\
household_id,responses,registered,size,income_band,points,urgent,local_tie
H1,D1;D2,2020-01-05,1,low,3,0,1
H2,D2;D1,15-03-2019,3,low,10,1,0
H3,D3;D4,2021-02-01,1,high,7,0,0
H4,D4;D3,2018-06-30,2,high,7,0,1
"""

BASE: dict[str, str] = {
    "round.toml": ROUND_TOML,
    "dwellings.csv": DWELLINGS,
    "households.csv": HOUSEHOLDS,
}


def write_housing(
    folder: Path,
    changes: Mapping[str, str | bytes | None] | None = None,
    *,
    base: Mapping[str, str | bytes] = BASE,
) -> Path:
    """Write ``base`` with ``changes`` applied (``None`` removes a file) into ``folder``."""
    return write_round(folder, changes, base=base)


def toml(old: str, new: str) -> str:
    """ROUND_TOML with ``old`` replaced by ``new`` (which must be there)."""
    assert old in ROUND_TOML, old
    return ROUND_TOML.replace(old, new)


def row(text: str, number: int, line: str) -> str:
    """``text`` with spreadsheet row ``number`` (1 = header) replaced by ``line``."""
    lines = text.splitlines()
    lines[number - 1] = line
    return "\n".join(lines) + "\n"
