"""The ``samen`` commands, one module each, registered in the order of ``samen --help``.

Each module defines ``register(app)``, which adds its command(s) to the Typer app, and
imports its heavy dependencies (the engine, Dask, Django, matplotlib) inside the command
functions, so that ``samen --help`` stays fast and a command whose extra is not installed
(``samen[web]``, ``samen[analytics]``) says so when it runs. What the commands share (exit
codes, consoles, reading a round or printing its problems) is :mod:`samen.commands.common`.
"""

from __future__ import annotations

import importlib

import typer

#: the command modules, in the order their commands appear in ``samen --help``
MODULES = (
    "allocate",
    "lottery",
    "explain",
    "city",
    "distances",
    "chances",
    "scenarios",
    "report",
    "housing",
    "housing_simulate",
    "web",
)


def register_all(app: typer.Typer) -> None:
    """Add every command module's commands to ``app``."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}").register(app)
