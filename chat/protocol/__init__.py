"""The websocket protocol of `/ws/chat/` (docs/protocol.md): `commands` are what a client
sends, `frames` what the server sends back."""

from chat.protocol.commands import (
    Ack,
    Ask,
    Command,
    Resume,
    Stop,
    Watch,
    allowed_models,
    allowed_providers,
    parse,
)
from chat.protocol.fields import REPLY_ID, Render
from chat.protocol.frames import delta, error, final, html, html_fits, start, watching
from chat.protocol.refusals import ProtocolError, Refusal

__all__ = [
    "REPLY_ID",
    "Ack",
    "Ask",
    "Command",
    "ProtocolError",
    "Refusal",
    "Render",
    "Resume",
    "Stop",
    "Watch",
    "allowed_models",
    "allowed_providers",
    "delta",
    "error",
    "final",
    "html",
    "html_fits",
    "parse",
    "start",
    "watching",
]
