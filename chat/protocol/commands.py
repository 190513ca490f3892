"""What a client may send on `/ws/chat/`: its frames parsed and checked into commands.

Everything a client can get wrong is caught here and becomes a `ProtocolError` with a short
code and a sentence for a person; that and any other `Refusal` becomes an `error` frame.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chat.protocol.fields import (
    Render,
    optional_text,
    regenerate,
    render_of,
    reply_id,
)
from chat.protocol.refusals import ProtocolError
from chat.storable import storable

# No `html` frames, whole renderings, or only what changed (docs/protocol.md).


@dataclass(frozen=True)
class Ask:
    question: str
    model: str | None = None
    provider: str | None = None
    conversation: str | None = None
    # The reply whose answer this one replaces: the conversation's last, or `conflict`.
    regenerate: str | None = None
    # Whether to send `html` frames (the answer's markdown rendered) besides the deltas, and
    # whether each carries the whole rendering or, "changes", only what changed.
    render: Render = True
    # An id the client chose for the reply, so that after a drop it can ask whether its
    # question arrived by resuming that id.
    reply: str | None = None


@dataclass(frozen=True)
class Stop:
    reply: str | None = None


@dataclass(frozen=True)
class Resume:
    reply: str
    after: int
    render: Render = True


@dataclass(frozen=True)
class Watch:
    """Show a conversation: hear of the replies asked in it from other sockets, and first get
    those after `after` (the last reply the client has) that it does not have."""

    conversation: str
    after: str | None = None
    render: Render = True


@dataclass(frozen=True)
class Ack:
    """The client has received this many of the socket's frames (docs/protocol.md, "Flow
    control"); whether that can be true, the socket's window knows."""

    frames: int


Command = Ask | Stop | Resume | Watch | Ack


def parse(text: str) -> Command:
    """The command a text frame carries, or `ProtocolError` saying what is wrong with it."""
    try:
        frame = json.loads(text)
    except ValueError:
        raise ProtocolError("invalid_json", "That message is not valid JSON.") from None
    except RecursionError:
        raise ProtocolError("invalid_json", "That message is nested too deeply.") from None
    if not isinstance(frame, dict):
        raise ProtocolError("invalid_frame", 'A message must be a JSON object with a "type".')
    kind = frame.get("type")
    if kind == "ask":
        return _ask(frame)
    if kind == "stop":
        return Stop(optional_text(frame, "reply"))
    if kind == "resume":
        return _resume(frame)
    if kind == "watch":
        return _watch(frame)
    if kind == "ack":
        return _ack(frame)
    raise ProtocolError(
        "unknown_type",
        f'Unknown message type {kind!r}: expected "ask", "stop", "resume", "watch" or "ack".',
    )


def _ask(frame: dict[str, Any]) -> Ask:
    question = frame.get("question")
    if question is None:
        raise ProtocolError("missing_question", 'An ask needs a "question".')
    if not isinstance(question, str):
        raise ProtocolError("invalid_question", "The question must be text.")
    if not question.strip():
        raise ProtocolError("empty_question", "The question is empty.")
    if not storable(question):
        raise ProtocolError(
            "invalid_question", "The question contains a NUL character or a lone surrogate."
        )
    limit = settings.STREAMDEMO_MAX_QUESTION_CHARS
    if len(question) > limit:
        raise ProtocolError(
            "question_too_long",
            f"The question is {len(question):,} characters long; the limit is {limit:,}.",
        )
    model = optional_text(frame, "model")
    if model is not None and model not in allowed_models():
        raise ProtocolError("model_not_allowed", f"The model {model!r} is not offered here.")
    provider = optional_text(frame, "provider")
    if provider is not None and provider not in allowed_providers():
        raise ProtocolError(
            "provider_not_allowed", f"The provider {provider!r} is not offered here."
        )
    return Ask(
        question,
        model,
        provider,
        optional_text(frame, "conversation"),
        regenerate=regenerate(frame),
        render=render_of(frame),
        reply=reply_id(frame),
    )


def _resume(frame: dict[str, Any]) -> Resume:
    reply, after = frame.get("reply"), frame.get("after", -1)
    if not isinstance(reply, str) or not reply or not storable(reply):
        raise ProtocolError("invalid_resume", 'A resume needs the "reply" id to follow.')
    if not isinstance(after, int) or isinstance(after, bool) or after < -1:
        raise ProtocolError("invalid_resume", '"after" must be the last seq received, or -1.')
    return Resume(reply, after, render=render_of(frame))


def _ack(frame: dict[str, Any]) -> Ack:
    frames = frame.get("frames")
    if not isinstance(frames, int) or isinstance(frames, bool) or frames < 0:
        raise ProtocolError(
            "invalid_ack", '"frames" must be the number of frames received on this socket.'
        )
    return Ack(frames)


def _watch(frame: dict[str, Any]) -> Watch:
    conversation = optional_text(frame, "conversation")
    if conversation is None:
        raise ProtocolError("invalid_watch", 'A watch needs the "conversation" to show.')
    return Watch(conversation, reply_id(frame, "after"), render=render_of(frame))


def allowed_models() -> list[str]:
    return list(settings.STREAMDEMO_MODELS)


def allowed_providers() -> list[str]:
    return list(settings.STREAMDEMO_PROVIDERS)
