"""What a reply has streamed so far: its deltas in order, its answer, its thinking, its timings."""

from __future__ import annotations

import json
import time
from typing import Any

from chat.endings import Ending
from chat.replies.log import Delta
from chat.upstream.chunks import Piece


class AnswerTooLong(Exception):
    """The answer and its thinking, as a final frame carries them, reached the most a reply may
    hold (`STREAMDEMO_MAX_ANSWER_BYTES`): a larger final frame is more than daphne sends."""

    code = "answer_too_long"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer grew past this server's limit of {limit:,} bytes.")


class Transcript:
    """Told of each piece of the answer as it arrives; times count from when it was asked.

    With `max_bytes`, the answer and the thinking together are kept within that many bytes of
    JSON: a piece that does not fit is cut to what does, and `check_size` then says the answer
    may grow no more.
    """

    def __init__(self, asked_at: float | None = None, max_bytes: int | None = None) -> None:
        # `asked_at` is wall-clock time (the ask may have come through another worker);
        # durations are measured on the monotonic clock from the moment it stands for.
        since = 0.0 if asked_at is None else max(0.0, time.time() - asked_at)
        self.started = time.monotonic() - since
        self.first: float | None = None
        self.thinking_from: float | None = None
        self.thinking_until: float | None = None
        self.seq = -1
        self._answer: list[str] = []
        self._reasoning: list[str] = []
        self.max_bytes = max_bytes
        self.size = 0  # bytes of the answer and the thinking, escaped to JSON
        self.full = False

    def _fitted(self, text: str) -> str:
        """`text`, or as much of it as fits within `max_bytes`, counting what it adds."""
        if self.max_bytes is None:
            return text
        cost = len(json.dumps(text)) - 2
        if self.size + cost <= self.max_bytes:
            self.size += cost
            return text
        self.full = True
        # The longest beginning of the piece that fits; nothing at all ends the answer.
        room, low, high = self.max_bytes - self.size, 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if len(json.dumps(text[:middle])) - 2 <= room:
                low = middle
            else:
                high = middle - 1
        kept = text[:low]
        if not kept:
            raise AnswerTooLong(self.max_bytes)
        self.size += len(json.dumps(kept)) - 2
        return kept

    def check_size(self) -> None:
        """`AnswerTooLong` once a piece had to be cut to fit: the answer is as long as it may be."""
        if self.full and self.max_bytes is not None:
            raise AnswerTooLong(self.max_bytes)

    def add(self, piece: Piece) -> Delta:
        """The piece, numbered as the next delta of the reply."""
        text = self._fitted(piece.text)
        now = time.monotonic()
        if self.first is None:
            self.first = now
        if piece.reasoning:
            self._reasoning.append(text)
            if self.thinking_from is None:
                self.thinking_from = now
        else:
            self._answer.append(text)
            if self.thinking_from is not None and self.thinking_until is None:
                self.thinking_until = now
        self.seq += 1
        return Delta(self.seq, text, piece.reasoning)

    def ms(self) -> int:
        """Milliseconds since the question was asked."""
        return _ms(time.monotonic() - self.started)

    @property
    def text(self) -> str:
        return "".join(self._answer)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    def ending(self, **facts: Any) -> Ending:
        """How the reply ended, with what it streamed and its timings."""
        return Ending(text=self.text, reasoning=self.reasoning, stats=self.stats(), **facts)

    def stats(self) -> dict[str, Any]:
        now = time.monotonic()
        streaming = now - self.first if self.first is not None else 0.0
        chunks = self.seq + 1
        stats: dict[str, Any] = {
            "first_token_ms": _ms(self.first - self.started) if self.first is not None else None,
            "total_ms": _ms(now - self.started),
            "chunks": chunks,
            "chunks_per_second": round(chunks / streaming, 1) if streaming > 0 else None,
        }
        if self.thinking_from is not None:
            stats["thinking_ms"] = _ms((self.thinking_until or now) - self.thinking_from)
        return stats


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
