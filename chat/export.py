"""A conversation as a Markdown document, for the page's export link."""

from __future__ import annotations

from chat.models import Conversation, Turn


def export_markdown(conversation: Conversation) -> str:
    """The conversation as a Markdown document: each question, then its answer as written."""
    parts = [f"# {conversation.title}\n"]
    for turn in conversation.turns.all():
        parts.append(f"## Question\n\n{turn.question.strip()}\n")
        note = {
            Turn.Status.STOPPED: "\n\n*(stopped)*",
            Turn.Status.FAILED: f"\n\n*(cut off: {turn.error or 'the reply failed'})*",
            Turn.Status.STREAMING: "\n\n*(still being written)*",
        }.get(Turn.Status(turn.status), "")
        parts.append(f"## Answer\n\n{turn.answer.strip()}{note}\n")
    return "\n".join(parts)
