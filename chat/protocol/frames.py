"""What the server sends on `/ws/chat/`: every frame is built here and nowhere else.

The final frame of a reply is built from its `Ending` alone, so it is the same whether the
reply ended just now or long ago.
"""

from __future__ import annotations

import json
from typing import Any

from chat.endings import Ending


def start(
    reply: str,
    *,
    conversation: str,
    title: str,
    question: str,
    model: str,
    provider: str | None,
    left_out: int = 0,
    replaces: str | None = None,
    elapsed_ms: int | None = None,
    first_token_ms: int | None = None,
) -> dict[str, Any]:
    """The first frame of a reply: what was asked, where, of whom, and how long ago."""
    return {
        "type": "start",
        "reply": reply,
        "model": model,
        "provider": provider,
        "conversation": conversation,
        "title": title,
        "question": question,
        "left_out": left_out,
        "replaces": replaces,
        "stats": {"elapsed_ms": elapsed_ms, "first_token_ms": first_token_ms},
    }


def final(reply: str, ending: Ending) -> dict[str, Any]:
    """The last frame of a reply: `done`, or `error` for one that failed, with all of its text."""
    facts = {
        "provider": ending.provider,
        "model": ending.model,
        "usage": ending.usage,
        "usage_reported": ending.usage_reported,
        "stats": ending.stats,
        "text": ending.text,
        "reasoning": ending.reasoning,
        "note": ending.note,
    }
    if ending.status == "failed":
        return {**error(reply, ending.error_code or "failed", ending.error_message or ""), **facts}
    return {"type": "done", "reply": reply, "finish_reason": ending.finish_reason, **facts}


def watching(conversation: str) -> dict[str, Any]:
    """The socket now shows the conversation: it has every turn, and will hear of new ones."""
    return {"type": "watching", "conversation": conversation}


def delta(reply: str, seq: int, content: str, *, reasoning: bool = False) -> dict[str, Any]:
    """A piece of the answer, or, as a `reasoning` frame, of the thinking before it."""
    kind = "reasoning" if reasoning else "delta"
    return {"type": kind, "reply": reply, "seq": seq, "content": content}


def html(reply: str, upto: int, markup: str, *, keep: int | None = None) -> dict[str, Any]:
    """The answer rendered up to piece `upto`: the whole rendering, or, for a client that asked
    for changes, the blocks after the first `keep` it already has."""
    frame = {"type": "html", "reply": reply, "upto": upto, "html": markup}
    return frame if keep is None else {**frame, "from": keep}


# daphne sends no websocket message over 1 MiB (its `websocket_max_message_size`): a larger one
# never arrives, and nothing says so. Room is left for the frame's other fields.
MESSAGE_BYTES = 1024 * 1024 - 4096


def html_fits(markup: str) -> bool:
    """Whether an `html` frame can carry `markup`: a rendering larger than daphne sends (a long
    answer of `&` or `<`, each escaped to several characters) is not sent; the page then shows
    the text as it is."""
    return len(markup) < MESSAGE_BYTES // 12 or len(json.dumps(markup)) < MESSAGE_BYTES


def error(reply: str | None, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "reply": reply, "code": code, "message": message}
