"""A character whose two UTF-16 halves a backend sent in two events, put back together.

JSON can carry a character beyond the Basic Multilingual Plane (most emoji) as a surrogate
pair, "\\ud83d\\ude00", and a backend that cuts its text by UTF-16 units may send the two halves
in two events. Each event then decodes to a lone surrogate, which no UTF-8 encoder accepts
(g4f's usage estimate, Redis, the database): the answer would fail. A high surrogate at the end
of a piece waits for the next piece of the same kind; any surrogate still alone after that is
shown as U+FFFD, the replacement character.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"


class SurrogatePairs:
    """Joins halves across the pieces of one stream, the answer's and the thinking's apart."""

    def __init__(self) -> None:
        self._held = {False: "", True: ""}

    def feed(self, text: str, *, reasoning: bool = False) -> str:
        """The text that is whole so far; a trailing high surrogate waits for its pair."""
        text = self._held[reasoning] + text
        self._held[reasoning] = ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            text, self._held[reasoning] = text[:-1], text[-1]
        return whole(text)

    def finish(self, *, reasoning: bool = False) -> str:
        """What is still held once the stream has ended: a half without its pair."""
        held, self._held[reasoning] = self._held[reasoning], ""
        return REPLACEMENT if held else ""


def whole(text: str) -> str:
    """The text with its surrogate pairs joined and any lone surrogate replaced."""
    if text.isascii():
        return text
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text
