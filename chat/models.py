"""Conversations and their turns, kept per browser session (no login)."""

from __future__ import annotations

import uuid

from django.db import models

TITLE_CHARS = 60


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
    question = models.TextField()
    answer = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STREAMING)
    error = models.TextField(blank=True, default="")
    model = models.CharField(max_length=200, blank=True, default="")
    provider = models.CharField(max_length=200, blank=True, default="")
    # first_token_ms, total_ms, chunks, chunks_per_second, usage: what the page shows.
    stats = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.reply_id}: {self.question[:40]}"


def title_from(question: str) -> str:
    """The first question on one line, cut to fit a sidebar."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"
