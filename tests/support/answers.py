"""An answer streamed through either of the app's two clients, gathered for a test to look at."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from chat.upstream.backends import Backend
from chat.upstream.chunks import Piece
from chat.upstream.completions import AnswerStream, AsyncAnswerStream, astream_answer, stream_answer
from chat.upstream.errors import CompletionError
from tests.support.upstream import Upstream

QUESTION = [{"role": "user", "content": "Will this work?"}]


@dataclass
class Answered:
    pieces: list[Piece]
    stream: AnswerStream | AsyncAnswerStream
    error: CompletionError | None

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces if not piece.reasoning)

    @property
    def thinking(self) -> str:
        return "".join(piece.text for piece in self.pieces if piece.reasoning)


def answered(client: str, messages: list[dict[str, str]], backend: Backend) -> Answered:
    """Everything one client's stream yields, and how it ended."""
    if client == "sync":
        stream: AnswerStream | AsyncAnswerStream = stream_answer(messages, backend)
        pieces: list[Piece] = []
        try:
            pieces.extend(stream)
        except CompletionError as error:
            return Answered(pieces, stream, error)
        return Answered(pieces, stream, None)

    async def collect() -> Answered:
        stream = astream_answer(messages, backend)
        pieces: list[Piece] = []
        try:
            async for piece in stream:
                pieces.append(piece)
        except CompletionError as error:
            return Answered(pieces, stream, error)
        return Answered(pieces, stream, None)

    return asyncio.run(collect())


def endpoint(upstream: Upstream) -> Backend:
    return Backend(model="gpt-4", base_url=upstream.base_url)
