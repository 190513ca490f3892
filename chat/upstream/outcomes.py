"""How an answer that streamed to its end ended, judged from what the backend said.

An answer with no text is never done. From an OpenAI-compatible backend, whose provider records
what the backend itself said (see `providers`), an answer is done only when the backend gave a
finish reason; g4f's own providers give no such signal, so their last chunk is taken at its word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chat.upstream.backends import Backend
from chat.upstream.chunks import finish_reason, usage_counts
from chat.upstream.errors import CompletionError
from chat.upstream.providers import Exchange


@dataclass(frozen=True)
class Outcome:
    """How an answer ended.

    `finish_reason` is the backend's own ("stop", "length", "content_filter", …). `usage` is
    the backend's token count when `usage_reported`, else g4f's estimate (about bytes / 4).
    """

    provider: str | None
    model: str
    finish_reason: str
    usage: dict[str, int] | None
    usage_reported: bool


def judge_end(backend: Backend, exchange: Exchange | None, last: Any, *, answered: bool) -> Outcome:
    """The outcome of a stream that stopped without an error, or the error its end amounts to."""
    if not answered:
        raise CompletionError(
            "empty_answer",
            "the backend ended the answer without any text (if the conversation is long, it "
            "may no longer fit the model's context: start a new conversation)",
            backend,
        )
    g4f_usage = getattr(last, "usage", None)
    if exchange is None:
        # g4f's own providers: whatever the last chunk says is all there is to know.
        reason = finish_reason(last) if last is not None else None
        usage, reported = usage_counts(g4f_usage), False
    else:
        if exchange.finish_reason is None:
            raise CompletionError(
                "truncated",
                "the answer was cut off: the backend ended the stream without saying it had "
                "finished",
                backend,
            )
        reason, reported = exchange.finish_reason, exchange.usage is not None
        usage = usage_counts(exchange.usage if reported else g4f_usage)
    return Outcome(
        # Visitors see the label of a base URL, never the URL (it may hold credentials).
        provider=backend.label
        if backend.base_url
        else getattr(last, "provider", None) or backend.label,
        model=getattr(last, "model", None) or backend.model,
        finish_reason=reason or "stop",
        usage=usage,
        usage_reported=reported,
    )
