"""What the reply log's tests open a reply with."""

from __future__ import annotations

from typing import Any

from chat.replies.log import ReplyInfo


def reply_info(reply: str, **fields: Any) -> ReplyInfo:
    """A reply of session "session" in conversation "conversation", asked "question?" of "m"."""
    known: dict[str, Any] = {
        "session": "session",
        "conversation": "conversation",
        "title": "question?",
        "question": "question?",
        "model": "m",
        "provider": None,
    }
    return ReplyInfo(reply=reply, **{**known, **fields})
