"""The documentation stays true: every ``samen`` command and option that README.md and
docs/*.md name exists (as ``samen ... --help`` lists it), every ``make`` target they name is in
the Makefile, every round.toml key of the rules document is one the reader accepts, every
link between the documents leads somewhere, and no docstring names a file that is not there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
import typer

from samen.cli import app
from samen.io.settings import ROUND_KEYS, TABLE_KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: repository folders a path in a docstring may start with
TOP = ("docs", "src", "examples", "tests", "bench", "scripts")


def _code(text: str) -> list[str]:
    """The code of a Markdown text: fenced blocks line by line, and inline code spans."""
    out: list[str] = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        out += block.splitlines()
    rest = re.sub(r"```.*?```", "", text, flags=re.S)
    out += re.findall(r"`([^`\n]+)`", rest)
    return out


def _command_lines() -> list[tuple[str, str]]:
    """(document, code) of every piece of code that runs ``samen``."""
    found = []
    for doc in DOCS:
        for code in _code(doc.read_text(encoding="utf-8")):
            code = code.split("#", 1)[0]  # a shell comment is not part of the command
            # samen, or a path to it (.venv/bin/samen), then a lowercase word that is not the
            # start of printed output ("samen load test: ...")
            if re.search(r"(^|\s|bin/)samen [a-z]+(?! \w+:)(\s|$)", code):
                found.append((doc.name, code))
    return found


COMMAND_LINES = _command_lines()


def _resolve(words: list[str]) -> click.Command:
    """The click command that ``samen WORDS...`` runs (a group's subcommand when named)."""
    cmd: click.Command = typer.main.get_command(app)
    for word in words:
        if not isinstance(cmd, click.Group):
            break
        sub = cmd.commands.get(word)
        if sub is None:
            break
        cmd = sub
    return cmd


def test_the_documents_name_commands() -> None:
    assert len(COMMAND_LINES) > 20


@pytest.mark.parametrize(
    ("doc", "code"), COMMAND_LINES, ids=[f"{d}: {c}" for d, c in COMMAND_LINES]
)
def test_every_command_and_option_in_the_documents_exists(doc: str, code: str) -> None:
    tail = re.split(r"(?:^|\s|bin/)samen ", code, maxsplit=1)[1]
    words = re.findall(r"^[a-z][a-z|.]*|(?<=\s)[a-z][a-z|.]*", tail)
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    first = words[0]
    assert first in group.commands, f"{doc}: 'samen {first}' is not a command"
    choices = [w for w in words[1:2] if "|" in w]
    targets = [[first, c] for c in choices[0].split("|") if c != "..."] if choices else [words[:2]]
    for target in targets:
        cmd = _resolve(target)
        if isinstance(cmd, click.Group) and len(target) > 1:
            assert target[1] in cmd.commands, f"{doc}: 'samen {' '.join(target)}' is not a command"
        if cmd.context_settings.get("ignore_unknown_options"):
            continue  # passes its options on (samen web manage: to Django)
        names = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", tail):
            assert option in names, f"{doc}: 'samen {' '.join(target)}' has no option {option}"


def test_every_make_target_in_the_documents_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    for doc in DOCS:
        for code in _code(doc.read_text(encoding="utf-8")):
            for target in re.findall(r"(?:^|\s)make ([a-z][\w-]*)", code):
                assert target in targets, f"{doc.name}: 'make {target}' is not in the Makefile"


def test_every_round_toml_key_of_the_rules_is_read() -> None:
    rules = (ROOT / "docs" / "allocation-rules.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", rules, flags=re.S)
    table = ""
    seen = 0
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        header = re.match(r"^\[\[?\s*(\w+)\s*\]\]?$", line)
        if header:
            table = header.group(1)
            assert table in ROUND_KEYS, f"[{table}] is not a key of round.toml"
            continue
        for key in re.findall(r"(?:^|;\s*)(\w+)\s*=", line):
            seen += 1
            # a key of the table above it, or (the block lists the keys, it is not one file:
            # version 2's keys follow the pools) a key of the top level
            allowed = (*TABLE_KEYS.get(table, ()), *ROUND_KEYS)
            assert key in allowed, f"the rules name '{key}' ({table or 'top level'})"
    assert seen >= 10


def test_links_between_the_documents_lead_somewhere() -> None:
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)", doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # a web address
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}"


def _docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *ast.walk(tree)]
    return [
        doc
        for node in nodes
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and (doc := ast.get_docstring(node))
    ]


def test_no_docstring_names_a_file_that_is_not_there() -> None:
    pattern = re.compile(rf"(?<![\w/.-])((?:{'|'.join(TOP)})/[\w./{{}},*-]*[\w}}])")
    missing = []
    checked = 0
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]):
        if "migrations" in path.parts:
            continue
        for doc in _docstrings(path):
            for name in pattern.findall(doc):
                if any(c in name for c in "{*"):  # a pattern of names, not a file
                    continue
                checked += 1
                if not (ROOT / name).exists():
                    missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert missing == []
    assert checked >= 10


def test_the_readme_says_how_to_get_the_samen_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in readme and ".venv/bin/samen" in readme
