"""The timings of one reply, as its final frame and its stored turn report them."""

from __future__ import annotations

import time
from typing import Any


class Stopwatch:
    """Started when the reply is; told of each chunk as it arrives."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first: float | None = None
        self.chunks = 0

    def chunk(self) -> None:
        if self.first is None:
            self.first = time.monotonic()
        self.chunks += 1

    def stats(self) -> dict[str, Any]:
        now = time.monotonic()
        streaming = now - self.first if self.first is not None else 0.0
        return {
            "first_token_ms": None
            if self.first is None
            else round((self.first - self.started) * 1000),
            "total_ms": round((now - self.started) * 1000),
            "chunks": self.chunks,
            "chunks_per_second": round(self.chunks / streaming, 1) if streaming > 0 else None,
        }
