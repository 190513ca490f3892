"""Conversations and their turns, kept per browser session (no login)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from chat.endings import STREAMING_NOTE, Ending
from chat.fields import NulSafeTextField

TITLE_CHARS = 60
# Why a turn failed whose ending the database refused.
UNSAVED = "The server could not save the end of this answer; the text saved before is kept."


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session_key = models.CharField(max_length=40, db_index=True)
    title = models.CharField(max_length=TITLE_CHARS + 1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated"]

    def __str__(self) -> str:
        return self.title


class Turn(models.Model):
    class Status(models.TextChoices):
        STREAMING = "streaming"
        DONE = "done"
        STOPPED = "stopped"
        FAILED = "failed"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    reply_id = models.CharField(max_length=64, unique=True)
    # Text as it came, whatever it holds: PostgreSQL is given NUL characters escaped.
    question = NulSafeTextField()
    answer = NulSafeTextField(blank=True, default="")
    # The thinking a reasoning model did before the answer: shown, never sent back to it.
    reasoning = NulSafeTextField(blank=True, default="")
    # How the reply ended, field for field as its `Ending` says (empty while it streams).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STREAMING)
    finish_reason = models.CharField(max_length=32, blank=True, default="")
    error_code = models.CharField(max_length=64, blank=True, default="")
    error = NulSafeTextField(blank=True, default="")
    model = models.CharField(max_length=200, blank=True, default="")
    provider = models.CharField(max_length=200, blank=True, default="")
    # first_token_ms, total_ms, chunks, chunks_per_second: what the page shows.
    stats = models.JSONField(default=dict, blank=True)
    usage = models.JSONField(null=True, blank=True)
    usage_reported = models.BooleanField(default=False)
    # The answer's final rendering (sanitised HTML), made once when the reply ended; None while
    # it streams, or for a turn saved before renderings were kept (made on first showing).
    rendered = models.TextField(null=True, blank=True)  # noqa: DJ001  # None: not yet, "": empty
    # How many of the conversation's earlier turns were left out of what the model received.
    left_out = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.reply_id}: {self.question[:40]}"

    @property
    def ending(self) -> Ending | None:
        """How the reply ended, as it was when it ended; None while it streams."""
        if self.status == self.Status.STREAMING:
            return None
        return Ending(
            status=self.status,  # type: ignore[arg-type]  # a Status value other than streaming
            text=self.answer,
            reasoning=self.reasoning,
            model=self.model,
            provider=self.provider or None,
            finish_reason=self.finish_reason or None,
            error_code=self.error_code or None,
            error_message=self.error or None,
            stats=self.stats or {},
            usage=self.usage,
            usage_reported=self.usage_reported,
        )

    @staticmethod
    def fields_of(ending: Ending) -> dict[str, Any]:
        """The turn's fields that record how its reply ended."""
        return {
            "status": ending.status,
            "answer": ending.text,
            "reasoning": ending.reasoning,
            "model": ending.model,
            "provider": ending.provider or "",
            "finish_reason": ending.finish_reason or "",
            "error_code": ending.error_code or "",
            "error": ending.error_message or "",
            "stats": ending.stats,
            "usage": ending.usage,
            "usage_reported": ending.usage_reported,
        }

    @staticmethod
    def unsaved() -> dict[str, Any]:
        """The fields of a turn whose ending could not be saved."""
        return {"status": Turn.Status.FAILED, "error_code": "not_saved", "error": UNSAVED}

    @property
    def note(self) -> str:
        """The sentence shown under the answer."""
        ending = self.ending
        return STREAMING_NOTE if ending is None else ending.note


def title_from(question: str) -> str:
    """The first question on one line, cut to fit a sidebar."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"
