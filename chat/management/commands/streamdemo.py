"""g4f's streaming example as a command: one question, answered by `Client`, then `AsyncClient`."""

import asyncio
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import supports_color

from chat.console import PiecePrinter
from chat.upstream.answering import Messages
from chat.upstream.backends import Backend
from chat.upstream.completions import (
    AnswerStream,
    AsyncAnswerStream,
    astream_answer,
    stream_answer,
)
from chat.upstream.errors import CompletionError
from chat.upstream.outcomes import Outcome

QUESTION = "Hey! How can I recursively list all files in a directory in Python?"


class Command(BaseCommand):
    help = (
        "Ask one question and print the answer as it streams: first through g4f's synchronous "
        "Client, then through its AsyncClient. Backend options default to the STREAMDEMO_* "
        "settings."
    )
    # A console demo signs nothing and stores nothing: it runs without a secret key, debug off.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--question", default=QUESTION, help="what to ask (default: %(default)r)"
        )
        parser.add_argument("--model", help="model to ask for (default: STREAMDEMO_MODEL, gpt-4)")
        parser.add_argument(
            "--provider",
            help="g4f provider name(s), comma-separated (default: STREAMDEMO_PROVIDER)",
        )
        parser.add_argument(
            "--base-url",
            help="an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 "
            "(default: STREAMDEMO_BASE_URL)",
        )
        parser.add_argument("--api-key", help="key for that endpoint (default: STREAMDEMO_API_KEY)")
        parser.add_argument(
            "--mode",
            choices=["sync", "async", "both"],
            default="both",
            help="which client streams the answer (default: %(default)s)",
        )
        parser.add_argument(
            "--reasoning",
            choices=["show", "hide"],
            default="show",
            help="print what a reasoning model thinks before its answer, set apart from it "
            "(default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        backend = Backend.from_settings(
            model=options["model"],
            provider=options["provider"],
            base_url=options["base_url"],
            api_key=options["api_key"],
        )
        problem = backend.problem()
        if problem:
            raise CommandError(problem)
        if not options["question"].strip():
            raise CommandError("The question is empty: say what to ask with --question.")
        self.color = not options["no_color"] and (options["force_color"] or supports_color())
        self.show_reasoning = options["reasoning"] == "show"
        messages: Messages = [{"role": "user", "content": options["question"]}]
        mode = options["mode"]
        try:
            if mode in ("sync", "both"):
                self.stdout.write("Synchronous Stream:")
                self.print_stream(stream_answer(messages, backend))
            if mode == "both":
                self.stdout.write("")
            if mode in ("async", "both"):
                self.stdout.write("Asynchronous Stream:")
                asyncio.run(self.aprint_stream(astream_answer(messages, backend)))
        except CompletionError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            raise CommandError("interrupted", returncode=130) from None
        except BrokenPipeError:
            stop_quietly_on_a_closed_pipe()

    def print_stream(self, stream: AnswerStream) -> None:
        printer = self.printer()
        try:
            for piece in stream:
                printer.print(piece)
        finally:
            printer.close()
        self.say_how_it_ended(stream.outcome)

    async def aprint_stream(self, stream: AsyncAnswerStream) -> None:
        printer = self.printer()
        try:
            async for piece in stream:
                printer.print(piece)
        finally:
            printer.close()
        self.say_how_it_ended(stream.outcome)

    def printer(self) -> PiecePrinter:
        return PiecePrinter(self.stdout, color=self.color, show_reasoning=self.show_reasoning)

    def say_how_it_ended(self, outcome: Outcome | None) -> None:
        """An answer the backend cut short is still an answer, but the reader should know."""
        note = ENDINGS.get(outcome.finish_reason) if outcome else None
        if note:
            self.stderr.write(note)


# What the console says of an answer the backend ended early, on stderr.
ENDINGS = {
    "length": "The answer stopped at the model's length limit.",
    "content_filter": "The backend's content filter stopped the answer.",
}


def stop_quietly_on_a_closed_pipe() -> None:
    """Stop as Unix tools do when the reader of their output has gone (`| head`).

    Python would otherwise print a traceback, and a second one when it flushes stdout on exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)
