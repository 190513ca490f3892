"""What a client is refused: an `error` frame with a short code and a sentence for a person."""

from __future__ import annotations

from typing import Any

from chat.protocol.frames import error


class Refusal(Exception):
    """Something a client asked for that is not done; it gets an `error` frame, nothing else."""

    def __init__(self, code: str, message: str, reply: str | None = None) -> None:
        self.code = code
        self.message = message
        self.reply = reply
        super().__init__(message)

    def frame(self) -> dict[str, Any]:
        return error(self.reply, self.code, self.message)


class ProtocolError(Refusal):
    """A frame that breaks the protocol's rules."""
