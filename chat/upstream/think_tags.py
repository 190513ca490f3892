"""Thinking sent inline, as `<think>…</think>` at the start of the answer's text, told apart.

Some servers (llama.cpp with `--reasoning-format none`, many chat templates) send a reasoning
model's thinking as part of the answer, between tags. The tags may arrive split across chunks
("<thi", "nk>"), so text that could still be the start of a tag waits for the next chunk. Only
an answer that begins with `<think>` has thinking; a tag later in an answer is its text.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"

# A piece of the answer: (True, thinking) or (False, answer text).
Piece = tuple[bool, str]


class ThinkTags:
    """Splits a stream of answer text into thinking and answer, chunk by chunk."""

    def __init__(self) -> None:
        self._state = "before"  # before → thinking → after → answer, or before → answer
        self._held = ""

    def feed(self, text: str) -> list[Piece]:
        if self._state == "answer":
            return [(False, text)] if text else []
        self._held += text
        pieces: list[Piece] = []
        if self._state == "before":
            start = self._held.lstrip()
            if start.startswith(OPEN):
                self._state, self._held = "thinking", start[len(OPEN) :]
            elif OPEN.startswith(start):
                return pieces  # nothing yet, or what may still become the tag
            else:
                return self._answer()
        if self._state == "thinking":
            thought, closed, rest = self._held.partition(CLOSE)
            if not closed:
                keep = _tag_start_at_end(thought, CLOSE)
                self._held = thought[len(thought) - keep :] if keep else ""
                thought = thought[: len(thought) - keep]
                return [(True, thought)] if thought else []
            if thought:
                pieces.append((True, thought))
            self._state, self._held = "after", rest
        # The line breaks that set the answer apart from the thinking are not the answer's.
        self._held = self._held.lstrip()
        if self._held:
            pieces.extend(self._answer())
        return pieces

    def finish(self) -> list[Piece]:
        """What is still held once the stream has ended."""
        held, self._held = self._held, ""
        if not held:
            return []
        return [(self._state == "thinking", held)]

    def _answer(self) -> list[Piece]:
        held, self._held, self._state = self._held, "", "answer"
        return [(False, held)] if held else []


def _tag_start_at_end(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the start of `tag`."""
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:length]):
            return length
    return 0
