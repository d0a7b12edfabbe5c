"""Housing: allocating a period's vacancies to the households who responded to them, by rules
built on the allocation rules (``docs/housing-rules.md``).

A housing round is a folder (:mod:`samen.housing.folder`) of dwellings, households and the
labels' rules (:mod:`samen.housing.model`); :mod:`samen.housing.translate` turns it into an
allocation round (a dwelling is a school with one seat), which the engine allocates with the
same mechanism and lottery as schools, so ``samen verify`` and the published seed check it as
they check a school round (:mod:`samen.housing.allocate`).

The layer sits between ``samen.analytics`` and ``samen.web``: it may use the engine, io and
analytics; the platform and the commands use it.
"""

from __future__ import annotations

import importlib
from typing import Any

#: where each public name lives; imported when first used (the model needs no engine)
_WHERE = {
    "Dwelling": "samen.housing.model",
    "Household": "samen.housing.model",
    "HousingResult": "samen.housing.model",
    "HousingRules": "samen.housing.model",
    "LabelRule": "samen.housing.model",
    "Suitability": "samen.housing.model",
    "date_of": "samen.housing.model",
    "day_number": "samen.housing.model",
    "HousingError": "samen.housing.folder",
    "HousingRound": "samen.housing.folder",
    "read_housing": "samen.housing.folder",
    "render_housing": "samen.housing.folder",
    "translate": "samen.housing.translate",
    "allocate_folder": "samen.housing.allocate",
    "allocate_month": "samen.housing.allocate",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'samen.housing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_WHERE)
