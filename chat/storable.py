"""Text every store takes: PostgreSQL, Redis and SQLite alike, as UTF-8."""

from __future__ import annotations


def storable(text: str) -> bool:
    """No NUL, and no lone surrogate (JSON lets "\\ud800" through; no UTF-8 encoder takes it)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
