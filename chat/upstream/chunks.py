"""What g4f's chunk objects say: the answer's text, and, in the last ones, how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chat.upstream.backends import Backend


@dataclass(frozen=True)
class Outcome:
    """What the last chunks said of an answer that ended."""

    provider: str | None
    model: str
    finish_reason: str
    usage: dict[str, int] | None
    usage_reported: bool


def read_chunk(chunk: Any, backend: Backend) -> tuple[str | None, Outcome | None]:
    """The chunk's text, and the answer's outcome when the chunk says the answer ended."""
    choice = chunk.choices[0]
    if choice.finish_reason is None:
        return choice.delta.content, None
    usage = _usage(getattr(chunk, "usage", None))
    outcome = Outcome(
        provider=backend.base_url or getattr(chunk, "provider", None) or backend.label,
        model=getattr(chunk, "model", None) or backend.model,
        finish_reason=choice.finish_reason,
        usage=usage,
        usage_reported=usage is not None,
    )
    return choice.delta.content, outcome


def _usage(usage: Any) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        key: int(getattr(usage, key, 0) or 0)
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    }
