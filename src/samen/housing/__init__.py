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
