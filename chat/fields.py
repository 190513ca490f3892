"""A text field that keeps any text, NUL characters included, on every database.

PostgreSQL's text cannot hold U+0000, which an answer may well contain (a backend streams what
it likes). On PostgreSQL the field stores text with NUL escaped, reversibly, and reads it back
as it was; elsewhere it stores text as it is.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

# A private-use character: itself stored doubled, NUL stored as it followed by "0".
ESCAPE = "\ue000"
_ESCAPED = re.compile(f"{ESCAPE}(.)", re.S)


def escape_nul(text: str) -> str:
    if "\x00" not in text and ESCAPE not in text:
        return text
    return text.replace(ESCAPE, ESCAPE * 2).replace("\x00", ESCAPE + "0")


def unescape_nul(text: str) -> str:
    if ESCAPE not in text:
        return text
    return _ESCAPED.sub(lambda found: "\x00" if found[1] == "0" else found[1], text)


def _escapes(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


class NulSafeTextField(models.TextField):  # type: ignore[type-arg]
    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return escape_nul(value) if isinstance(value, str) and _escapes(connection) else value

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return unescape_nul(value) if isinstance(value, str) and _escapes(connection) else value
