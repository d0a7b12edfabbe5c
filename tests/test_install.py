"""Install only what you use: without the extras (``samen[analytics]``, ``samen[web]``) samen
still reads, allocates, verifies and explains rounds, and the README's Python example runs.

Each test runs a fresh Python in which Django, Dask, matplotlib and Jinja2 cannot be imported
(as after ``pip install samen``), so an import of one of them anywhere on these paths fails
the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mechelen-2027"
EXTRAS = ("django", "dask", "distributed", "matplotlib", "jinja2", "markupsafe")

BLOCK = textwrap.dedent(
    f"""
    import importlib.abc, sys

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {EXTRAS!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    """
)


def run_without_extras(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(BLOCK + textwrap.dedent(code), encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )


def readme_python() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has a Python example"
    return blocks[0]


def test_the_readmes_python_example_runs_without_extras(tmp_path: Path) -> None:
    result = run_without_extras(readme_python(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the example prints its result"


def test_the_core_commands_run_without_extras(tmp_path: Path) -> None:
    code = f"""
    import sys
    from samen.cli import app

    def run(*args):
        try:
            app(list(args), standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise

    run("--help")
    run("allocate", {str(EXAMPLE)!r}, "--out", "results")
    run("verify", {str(EXAMPLE)!r}, "--results", "results")
    run("explain", {str(EXAMPLE)!r}, "M0001")
    run("lottery", "--seed", "s", "A1")
    run("city", "city", "--children", "300")
    """
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout
    assert (tmp_path / "results" / "assignments.csv").is_file()
    assert (tmp_path / "city" / "round.toml").is_file()


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["report", str(EXAMPLE), "--out", "r.html"], "analytics"),
        (["web", "migrate"], "web"),
    ],
)
def test_a_command_that_needs_an_extra_says_so(tmp_path: Path, args: list[str], extra: str) -> None:
    code = f"""
    from samen.cli import app
    app({args!r})
    """
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"pip install 'samen[{extra}]'" in " ".join(result.stderr.split())


def test_samen_help_loads_neither_numpy_nor_the_engine(tmp_path: Path) -> None:
    """The command line loads what a command needs when it runs, so `samen --help` and a typo
    answer at once."""
    code = """
    import sys
    import samen.cli
    print(sorted(m for m in ("numpy", "numba", "samen.engine", "django") if m in sys.modules))
    """
    result = run_without_extras(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
