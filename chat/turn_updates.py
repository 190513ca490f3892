"""Updates of many turns at once: one statement, run for each turn (`executemany`).

The ORM's `update()` builds and compiles a query for every turn it is called for: 140 µs of the
database thread's CPU each, against 5 for a row of one statement run many times. The running
text of two hundred replies saved every second, and their ends, cost the server several µs of
every chunk it relayed that way, and the thread's turns at the GIL delayed the event loop.
Values are prepared by each field as the ORM would prepare them (NUL escaped on PostgreSQL,
JSON encoded), so what is stored is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.db import connection
from django.db.models import Field

from chat.models import Turn


def update_turns(changes: Mapping[str, Mapping[str, Any]], *, streaming: bool = False) -> None:
    """Set each reply's turn's fields as `changes` says (reply id -> field name -> value);
    with `streaming`, only turns still streaming. Call it in a transaction to have it whole."""
    by_fields: dict[tuple[str, ...], list[tuple[str, Mapping[str, Any]]]] = {}
    for reply_id, values in changes.items():
        by_fields.setdefault(tuple(values), []).append((reply_id, values))
    for names, rows in by_fields.items():
        fields = [cast(Field, Turn._meta.get_field(name)) for name in names]  # type: ignore[type-arg]
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        where = f"{quote('reply_id')} = %s"
        if streaming:
            where += f" AND {quote('status')} = %s"
        sql = f"UPDATE {quote(Turn._meta.db_table)} SET {sets} WHERE {where}"
        extra = [Turn.Status.STREAMING.value] if streaming else []
        params = [
            [
                *(
                    field.get_db_prep_save(values[name], connection)
                    for field, name in zip(fields, names, strict=True)
                ),
                reply_id,
                *extra,
            ]
            for reply_id, values in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
