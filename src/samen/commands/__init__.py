"""The ``samen`` subcommands beyond allocate/verify/lottery, one module each.

Each module defines ``register(app)``, which adds its command(s) to the Typer app. Modules
import their heavy dependencies (the engine, Dask, Django, matplotlib) inside the command
functions, so that ``samen --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

#: the command modules, in the order their commands appear in ``samen --help``
MODULES = ("city", "chances", "scenarios", "report", "web")


def register_all(app: typer.Typer) -> None:
    """Add every command module's commands to ``app``."""
    for name in MODULES:
        module_name = f"{__name__}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app)
