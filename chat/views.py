"""The chat page: a new conversation, an existing one with its history, and its Markdown export."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from chat.conversations import ConversationNotFound, get_conversation, list_conversations
from chat.export import export_markdown
from chat.models import Conversation, Turn
from chat.new_sessions import TooManyNewSessions
from chat.sessions import page_session
from chat.turn_renderings import shown_rendering

TOO_MANY = "Too many new visitors from this address just now: try again in a minute."


def _new_sessions_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except TooManyNewSessions:
            response = HttpResponse(TOO_MANY, status=429, content_type="text/plain")
            response["Retry-After"] = "60"
            return response

    return limited


@_new_sessions_limited
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@_new_sessions_limited
def conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    return _page(request, _own_conversation(request, conversation_id))


@_new_sessions_limited
def export(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    found = _own_conversation(request, conversation_id)
    response = HttpResponse(export_markdown(found), content_type="text/markdown; charset=utf-8")
    filename = f"{slugify(found.title) or 'conversation'}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _page(request: HttpRequest, current: Conversation | None) -> HttpResponse:
    turns = list(current.turns.all()) if current else []
    last = turns[-1] if turns else None
    # The latest question went to the model without this many of the oldest turns before it.
    left_out = last.left_out if last else 0
    context = {
        "conversation": current,
        "conversations": list_conversations(page_session(request)),
        "turns": [_shown(turn, left_out=index < left_out) for index, turn in enumerate(turns)],
        # The page follows a reply still being written, from its first delta.
        "resume_reply": last.reply_id if last and last.status == Turn.Status.STREAMING else "",
        "models": settings.STREAMDEMO_MODELS,
        "default_model": settings.STREAMDEMO_MODEL,
        "providers": settings.STREAMDEMO_PROVIDERS,
        "default_provider": settings.STREAMDEMO_PROVIDER or "",
        # The page checks a question's length before sending it, by the server's own limit.
        "max_question_chars": settings.STREAMDEMO_MAX_QUESTION_CHARS,
    }
    return render(request, "chat/page.html", context)


def _shown(turn: Turn, *, left_out: bool) -> dict[str, object]:
    facts = {**(turn.stats or {}), "usage": turn.usage, "usage_reported": turn.usage_reported}
    return {
        "turn": turn,
        # Stored when the answer ended: a page load renders no markdown.
        "html": shown_rendering(turn),
        # What the stats line under the answer shows, as a final frame would tell it.
        "stats": json.dumps(facts),
        "left_out": left_out,
    }


def _own_conversation(request: HttpRequest, conversation_id: uuid.UUID) -> Conversation:
    try:
        return get_conversation(page_session(request), str(conversation_id))
    except ConversationNotFound:
        raise Http404("No such conversation.") from None
