"""A small round folder written into ``tmp_path``, and the CLI run on it, for the tests of the
round reader and the command line (``test_bad_input``, ``test_cli``, ``test_io_formats``).

``BASE`` is a complete, valid round with every optional table but distances.csv, small enough
that a test can say exactly which row of which file it breaks. Data rows start at spreadsheet
row 2.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

from samen.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mechelen-2027"
#: the example round as it was under the rules of version 1 (Flemish double contingency), kept
#: as the fixture of the outputs in ``tests/data/unchanged``
EXAMPLE_V1 = ROOT / "tests" / "data" / "v1" / "mechelen-2027"

ROUND_TOML = """\
name = "Testronde"
seed = "test seed"
mechanism = "deferred-acceptance"
tie_breaking = "single"
priority_groups = ["sibling"]
distance = "euclidean"

[[default_pools]]
name = "all"
share = 1.0
favours = ""
order_by = "lottery"
"""

# Row numbers as a spreadsheet shows them: header = 1, A1 = 2, A2 = 3, ...
SCHOOLS = """\
school_id,name,capacity,x,y
S1,Een,2,0,0
S2,Twee,2,1000,0
S3,Drie,1,0,1000
"""

APPLICANTS = """\
applicant_id,choices,x,y,indicator,family,pledge
A1,S1;S2,10,10,0,,
A2,S2;S1;S3,20,20,1,,
A3,S1;S3,30,30,0,,G1
A4,S3;S2,40,40,1,,
A5,S1,50,50,0,,
"""

SEATS = """\
school_id,pool,share,favours,order_by
S1,ind,0.5,indicator,lottery
S1,rest,0.5,not:indicator,distance
"""

PRIORITIES = """\
applicant_id,school_id,group
A1,S1,sibling
A4,S2,sibling
"""

GROUPS = """\
group_id,target,threshold
G1,S1,1
"""

BASE: dict[str, str] = {
    "round.toml": ROUND_TOML,
    "schools.csv": SCHOOLS,
    "applicants.csv": APPLICANTS,
    "seats.csv": SEATS,
    "priorities.csv": PRIORITIES,
    "groups.csv": GROUPS,
}


def write_round(
    folder: Path,
    changes: Mapping[str, str | bytes | None] | None = None,
    *,
    base: Mapping[str, str | bytes] = BASE,
) -> Path:
    """Write ``base`` with ``changes`` applied (``None`` removes a file) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes | None] = dict(base)
    files.update(changes or {})
    for name, content in files.items():
        if content is None:
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def copy_example(folder: Path, source: Path = EXAMPLE) -> Path:
    """A copy of the example round, or of the round folder ``source`` (without any results
    folder)."""
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("results", ".*"))
    return folder


def replace_line(text: str, row: int, line: str) -> str:
    """``text`` with spreadsheet row ``row`` (1 = header) replaced by ``line``."""
    lines = text.splitlines()
    lines[row - 1] = line
    return "\n".join(lines) + "\n"


def csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    """The rows of a CSV text without quotes (the BASE tables have none)."""
    return [line.split(delimiter) for line in text.splitlines()]


runner = CliRunner()


def run(*args: str | Path) -> Result:
    """``samen ARGS`` in-process; stdout and stderr are kept apart."""
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=True)


def flat(text: str) -> str:
    """``text`` with all runs of whitespace as one space (rich may wrap long lines)."""
    return re.sub(r"\s+", " ", text).strip()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), to check it was left alone."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def no_traceback(result: Result) -> None:
    """The command ended by itself (no exception escaped) and printed no traceback."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"exception escaped: {exc!r}"
    assert "Traceback" not in result.output and "Traceback" not in result.stderr


def problem_lines(result: Result) -> list[str]:
    """The lines of the problem list printed on stderr (one problem each)."""
    return [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
