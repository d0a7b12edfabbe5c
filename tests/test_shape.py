"""The shape of the code, held by tests: each module's public face is what others use.

(The import layers are held by import-linter, ``make lint``; these are the rules it cannot
express.)
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "samen"


def _modules() -> list[Path]:
    return [
        p
        for p in sorted([*SRC.rglob("*.py"), *(ROOT / "bench").rglob("*.py")])
        if "migrations" not in p.parts
    ]


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT / "src") if SRC in path.parents else path.relative_to(ROOT)
    return ".".join(rel.with_suffix("").parts[:2])


def test_other_packages_use_the_engines_public_face() -> None:
    """Outside ``samen.engine``, a name imported from an engine module is in that module's
    ``__all__`` (the engine's internals, such as the kernels' keys, stay the engine's)."""
    offenders: list[str] = []
    for path in _modules():
        if _package_of(path) == "samen.engine":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if not node.module.startswith("samen.engine"):
                continue
            module = importlib.import_module(node.module)
            face = getattr(module, "__all__", None)
            if face is None:
                continue
            package = hasattr(module, "__path__")
            for alias in node.names:
                submodule = package and importlib.util.find_spec(f"{node.module}.{alias.name}")
                if alias.name not in face and not submodule:
                    offenders.append(f"{path.relative_to(ROOT)}: {node.module}.{alias.name}")
    assert offenders == []


def test_one_writer_of_round_folders() -> None:
    """round.toml and the tables are written by samen.io only (the city, the bench rounds and
    the platform call it)."""
    allowed = {SRC / "io" / "settings.py"}
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if p not in allowed and '[[default_pools]]"' in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


MAX_FILE_LINES = 1000
MAX_FUNCTION_LINES = 150


def _python_files() -> list[Path]:
    return [
        p
        for base in ("src", "tests", "bench", "examples")
        for p in sorted((ROOT / base).rglob("*.py"))
        if "migrations" not in p.parts
    ]


def test_no_file_is_longer_than_one_sitting() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert long == {}, f"files over {MAX_FILE_LINES} lines (split them by what they do)"


def test_no_function_is_longer_than_two_screens() -> None:
    long: dict[str, int] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                name = f"{path.relative_to(ROOT)}:{node.name}"
                if n > MAX_FUNCTION_LINES:
                    long[name] = n
    assert long == {}, f"functions over {MAX_FUNCTION_LINES} lines"
