"""Plain SQL for what every signed-in request reads (its user, :mod:`.backends`), and the
ORM's value conversions for other plain SQL (the list order, :func:`.family.set_order`).

The ORM builds the SQL of every query anew, which cost more CPU than anything else in a
request that changes a list (docs/testing.md, the load test). Here the SQL is built once per
model and database; it still goes through Django's cursor, so the statements are logged and
counted (``CaptureQueriesContext``) and run in Django's transaction handling like any other.
Values are converted with the same converters the ORM applies (SQLite gives dates as text and
booleans as 0/1), so an instance made here is the instance the ORM would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.expressions import Col

Converter = Callable[[Any, Any, Any], Any]

#: (model, database alias) -> (SELECT ... WHERE pk = %s, field names, converters by column)
_SELECTS: dict[tuple[type[models.Model], str], tuple[str, list[str], list[tuple[int, Any]]]] = {}


def converters(field: models.Field[Any, Any], connection: Any) -> list[Converter]:
    """What the ORM applies to a value of ``field`` read from ``connection``."""
    col = field.get_col(field.model._meta.db_table)
    return [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]


def convert(field: models.Field[Any, Any], value: Any, connection: Any) -> Any:
    """``value`` of ``field`` as read from the database, as the ORM would give it."""
    col: Col = field.get_col(field.model._meta.db_table)
    for conv in converters(field, connection):
        value = conv(value, col, connection)
    return value


def _select(model: type[models.Model], alias: str) -> tuple[str, list[str], list[tuple[int, Any]]]:
    key = (model, alias)
    found = _SELECTS.get(key)
    if found is None:
        connection = connections[alias]
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        fields = list(model._meta.concrete_fields)
        columns = ", ".join(f"{table}.{qn(f.column)}" for f in fields)
        convs = []
        for i, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            fs = converters(f, connection)
            if fs:
                convs.append((i, (col, fs)))
        where = f"{table}.{qn(model._meta.pk.column)} = %s"
        found = (f"SELECT {columns} FROM {table} WHERE {where}", [f.attname for f in fields], convs)
        _SELECTS[key] = found
    return found


def instance(
    model: type[models.Model], alias: str, row: Sequence[Any], connection: Any
) -> models.Model:
    """The model instance for ``row`` (all concrete columns, in the model's order)."""
    _, names, convs = _select(model, alias)
    values = list(row)
    for i, (col, fs) in convs:
        v = values[i]
        for conv in fs:
            v = conv(v, col, connection)
        values[i] = v
    return model.from_db(alias, names, values)


def get_by_pk(model: type[models.Model], pk: Any) -> models.Model | None:
    """``model.objects.get(pk=pk)``, or None: one statement, the SQL built once."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, _, _ = _select(model, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else instance(model, alias, row, connection)
