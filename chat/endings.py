"""How a reply ended: one record, made where the reply runs, stored as it is, framed by `protocol`.

The same record comes back from the live reply log and from the database, so a reply's final
frame is the same whichever of the two answers a resume. The sentence the page shows under an
answer (`note`) is made here too, for the page's live frames and its server-side template alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["done", "stopped", "failed"]

# The finish reason of a reply a reader stopped, as the `done` frame reports it.
STOPPED = "stopped"


@dataclass(frozen=True)
class Ending:
    """The end of one reply: how it ended, its whole text, and what is known of its making.

    A reply is `done` with the backend's `finish_reason` ("stop", "length", …), `stopped` by a
    reader, or `failed` with an `error_code` and an `error_message` for a person. Whatever
    text, and whatever thinking (`reasoning`), came before the end is kept in every case.
    `usage` is the backend's token count, or an estimate when `usage_reported` is false.
    """

    status: Status
    text: str
    model: str
    reasoning: str = ""
    provider: str | None = None
    finish_reason: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int] | None = None
    usage_reported: bool = False

    @property
    def note(self) -> str:
        """The sentence shown under the answer: how it ended, when that needs saying."""
        # Only an answer that began can be cut off, or have something kept.
        if self.status == "stopped":
            return (
                "Stopped: the answer so far is kept."
                if self.text
                else "Stopped before the answer began."
            )
        if self.status == "failed":
            why = self.error_message or "the reply failed."
            return f"Cut off: {why}" if self.text else f"No answer: {why}"
        if self.finish_reason == "length":
            return "Ended at the length limit."
        return ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Ending:
        return cls(**values)


# The note of a turn whose reply has not ended yet.
STREAMING_NOTE = "Still being written…"

# How a reply ended that its server did not see to its end, by what is known of its text.
RESTARTED = "The server restarted before this answer ended; all of its text so far is kept."
WORKER_DIED = "The server answering this stopped before the answer ended; its text so far is kept."
CRASHED = "The server stopped before this answer ended; the text it had saved is kept."
# The same, for an answer of which nothing had come: there is no text to speak of keeping.
_BEFORE_ANY_TEXT = {
    RESTARTED: "The server restarted before this answer began.",
    WORKER_DIED: "The server answering this stopped before the answer began.",
    CRASHED: "The server stopped before this answer began.",
}


def interrupted(
    text: str,
    model: str,
    provider: str | None,
    message: str,
    reasoning: str = "",
    stats: dict[str, Any] | None = None,
) -> Ending:
    """The end of a reply whose server stopped before the answer ended."""
    return Ending(
        status="failed",
        text=text,
        reasoning=reasoning,
        stats=stats or {},
        model=model,
        provider=provider,
        error_code="interrupted",
        error_message=message if text else _BEFORE_ANY_TEXT.get(message, message),
    )
