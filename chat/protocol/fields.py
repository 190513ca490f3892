"""The fields a client's frame may hold, each checked: text without NUL characters or lone
surrogates, reply ids of 32 lowercase hex digits, what to render."""

from __future__ import annotations

import re
from typing import Any, Literal

from chat.protocol.refusals import ProtocolError
from chat.storable import storable

REPLY_ID = re.compile(r"[0-9a-f]{32}")
# Whether a socket gets `html` frames, and whether they carry only what changed.
Render = bool | Literal["changes"]


def reply_id(frame: dict[str, Any], key: str = "reply") -> str | None:
    reply = optional_text(frame, key)
    if reply is not None and not REPLY_ID.fullmatch(reply):
        raise ProtocolError(f"invalid_{key}", "A reply id is 32 lowercase hex digits.")
    return reply


def regenerate(frame: dict[str, Any]) -> str | None:
    if frame.get("regenerate") in (None, False):
        return None
    if not isinstance(frame["regenerate"], str):
        # A bare `true` would replace whatever turn is last, though another tab may have asked
        # since this one looked: the reply replaced must be named.
        raise ProtocolError(
            "invalid_regenerate", '"regenerate" names the reply to replace: its id, not true.'
        )
    return reply_id(frame, "regenerate")


def render_of(frame: dict[str, Any]) -> Render:
    render = frame.get("render", True)
    if render is False:
        return False
    return "changes" if render == "changes" else True


def optional_text(frame: dict[str, Any], key: str) -> str | None:
    value = frame.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not storable(value):
        raise ProtocolError(
            f"invalid_{key}", f'"{key}" must be text, without NUL characters or lone surrogates.'
        )
    return value
