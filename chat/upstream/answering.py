"""What the two answer streams share: trying candidates, reading chunks, judging the end.

A sync and an async generator cannot share one body, so `completions` has one of each; all they
have in common lives here, the way simonw/llm's `_BaseResponse` serves `Response` and
`AsyncResponse`.
"""

from __future__ import annotations

from typing import Any

from chat.upstream.backends import Backend
from chat.upstream.chunks import Piece, read_chunk
from chat.upstream.errors import LOST_BEFORE_ANSWER, LOST_MID_ANSWER, CompletionError
from chat.upstream.outcomes import Outcome, judge_end
from chat.upstream.providers import EXCHANGE, Exchange

Messages = list[dict[str, str]]


class BaseAnswerStream:
    """What both twins share: the candidates, the chunks' meaning, and how an answer ended."""

    def __init__(self, messages: Messages, backend: Backend) -> None:
        self.backend = backend
        self.used: Backend | None = None
        self.outcome: Outcome | None = None
        self._messages = messages
        self._failures: list[CompletionError] = []
        self._answered = False
        self._last: Any = None

    def _failed(self, error: CompletionError) -> None:
        """Note a candidate's failure; once one has answered, the failure ends the answer."""
        if self.used is not None:
            raise error
        if error.cause == LOST_MID_ANSWER:
            error = CompletionError(error.code, LOST_BEFORE_ANSWER, error.backend)
        self._failures.append(error)

    def _all_failed(self) -> CompletionError:
        failures = self._failures
        if len(failures) == 1:
            return failures[0]
        causes = "; ".join(f"{failure.backend.describe()}: {failure.cause}" for failure in failures)
        return CompletionError(failures[-1].code, f"every backend failed ({causes})", self.backend)

    def _begin(self, backend: Backend, *, own_loop: bool) -> tuple[dict[str, Any], Exchange | None]:
        """The keyword arguments of `chat.completions.create` for one candidate, and the
        exchange that carries its messages when the candidate is an OpenAI-compatible URL."""
        self._last = None
        # g4f rewrites the messages it is given, in place: it never gets the caller's own.
        options: dict[str, Any] = {
            "messages": [dict(message) for message in self._messages],
            "model": backend.model,
            "stream": True,
        }
        if backend.api_key:
            options["api_key"] = backend.api_key
        exchange = None
        if backend.base_url:
            exchange = options[EXCHANGE] = Exchange.of(self._messages, own_loop=own_loop)
        return options, exchange

    def _piece(self, chunk: Any) -> Piece | None:
        """The chunk's piece of the answer; the chunk is kept in case it is the last."""
        self._last = chunk
        piece = read_chunk(chunk)
        if piece is not None and not piece.reasoning:
            self._answered = True
        return piece

    def _ended(self, backend: Backend, exchange: Exchange | None) -> None:
        """Judge the end of a stream that stopped without an error, and note its outcome."""
        self.outcome = judge_end(backend, exchange, self._last, answered=self._answered)
