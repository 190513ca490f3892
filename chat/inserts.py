"""A new row stored in one statement, as `Model.objects.create()` would store it.

`create()` goes through `save()`, its signals and the ORM's query building: a conversation and
its first turn, in their transaction, took the database thread 320 to 460 µs of CPU, holding
the GIL for most of it, against 240 to 330 here (most of what is left is preparing a turn's
twenty values and SQLite's own work). Two hundred asks at once delay the event loop, and every
stream's next chunk with it, by that much each. Values are what `save()` would store: each field's
default as the object was made, its `pre_save` (`auto_now_add`), its preparation for the
database (NUL escaped on PostgreSQL, JSON encoded). No signal is sent, and an automatic key is
not read back: only for models whose keys are given or not needed afterwards.
"""

from __future__ import annotations

from django.db import connection, models


def insert(obj: models.Model) -> None:
    """Store `obj`, a new object, as one row (in the caller's transaction, if any)."""
    meta = obj._meta
    quote = connection.ops.quote_name
    columns, values = [], []
    for field in meta.local_concrete_fields:
        value = field.pre_save(obj, add=True)
        if value is None and field.primary_key:
            continue  # an automatic key: the database chooses it
        columns.append(quote(field.column))
        values.append(field.get_db_prep_save(value, connection))
    marks = ", ".join(["%s"] * len(values))
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    obj._state.adding = False
    obj._state.db = connection.alias
