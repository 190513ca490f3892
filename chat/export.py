"""A conversation as a Markdown document, for the page's export link.

The document's own structure (the title, a `## Question` and an `## Answer` per turn) is the
only structure it has: every text that came from a person or a model (questions, answers,
thinking) is fenced as a code block longer than any run of backticks it holds, so that no
heading, emphasis or raw HTML in it can forge the document's sections or reach a renderer.
The sentences the export adds itself (the title, how an answer ended) are escaped.
"""

from __future__ import annotations

import re

from chat.models import Conversation, Turn

# What could start markup inline: emphasis, code, links and images, HTML, entities, tables.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~])")
_BACKTICKS = re.compile(r"`+")


def export_markdown(conversation: Conversation) -> str:
    """The conversation as a Markdown document: each question, then its answer as written."""
    parts = [f"# {_plain(conversation.title)}\n"]
    for turn in conversation.turns.all():
        parts.append(f"## Question\n\n{_fenced(turn.question.strip(), 'text')}\n")
        parts.append(f"## Answer\n\n{_answer(turn)}\n")
    return "\n".join(parts)


def _answer(turn: Turn) -> str:
    sections = []
    if turn.reasoning.strip():
        # The thinking that came before the answer, quoted: set apart, as the page shows it.
        thinking = _fenced(turn.reasoning.strip(), "text")
        quoted = "\n".join(f"> {line}" if line else ">" for line in thinking.split("\n"))
        sections.append(f"> **Thinking**\n>\n{quoted}")
    if turn.answer.strip():
        sections.append(_fenced(turn.answer.strip(), "markdown"))
    # How the answer ended when that needs saying, as the page says it; and that it never
    # began, rather than an empty section.
    note = turn.note or ("" if turn.answer.strip() else "No answer.")
    if note:
        sections.append(f"*{_plain(note)}*")
    return "\n\n".join(sections)


def _fenced(text: str, info: str) -> str:
    """The text as a fenced code block that nothing inside it can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _plain(text: str) -> str:
    """A sentence of the export's own, on one line, with nothing in it read as Markdown."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))
