"""What g4f's chunk objects say: a piece of the answer or of its thinking, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Piece:
    """A delta of the answer's text, or of the thinking that came before it."""

    text: str
    reasoning: bool = False


def read_chunk(chunk: Any) -> Piece | None:
    """The piece of the answer a chunk carries, if any."""
    delta = chunk.choices[0].delta
    if delta.content:
        return Piece(delta.content)
    reasoning = getattr(delta, "reasoning", None)
    if reasoning:
        return Piece(reasoning, reasoning=True)
    return None


def finish_reason(chunk: Any) -> str | None:
    """What the chunk says of the answer's end: g4f's last chunk always says something."""
    reason = chunk.choices[0].finish_reason
    return None if reason is None else str(reason)


def usage_counts(usage: Any) -> dict[str, int] | None:
    """Token counts from a backend's usage (a dict) or g4f's (an object), as the page shows them."""
    if usage is None:
        return None
    counts = {
        key: int((usage.get(key) if isinstance(usage, dict) else getattr(usage, key, None)) or 0)
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    }
    if not counts["total_tokens"]:
        counts["total_tokens"] = counts["prompt_tokens"] + counts["completion_tokens"]
    return counts
