"""g4f's streaming example as a command: one question, answered by `Client`, then `AsyncClient`."""

import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chat.upstream.backends import Backend
from chat.upstream.completions import Messages, astream_answer, stream_answer
from chat.upstream.errors import CompletionError

QUESTION = "Hey! How can I recursively list all files in a directory in Python?"


class Command(BaseCommand):
    help = (
        "Ask one question and print the answer as it streams: first through g4f's synchronous "
        "Client, then through its AsyncClient. Backend options default to the STREAMDEMO_* "
        "settings."
    )

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

    def handle(self, *args: Any, **options: Any) -> None:
        backend = Backend.from_settings(
            model=options["model"],
            provider=options["provider"],
            base_url=options["base_url"],
            api_key=options["api_key"],
        )
        messages: Messages = [{"role": "user", "content": options["question"]}]
        mode = options["mode"]
        try:
            if mode in ("sync", "both"):
                self.stdout.write("Synchronous Stream:")
                self.print_stream(messages, backend)
            if mode == "both":
                self.stdout.write("")
            if mode in ("async", "both"):
                self.stdout.write("Asynchronous Stream:")
                asyncio.run(self.aprint_stream(messages, backend))
        except CompletionError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            raise CommandError("interrupted", returncode=130) from None

    def print_stream(self, messages: Messages, backend: Backend) -> None:
        printed = False
        try:
            for delta in stream_answer(messages, backend):
                printed = self.print_delta(delta)
        finally:
            self.end_line(printed)

    async def aprint_stream(self, messages: Messages, backend: Backend) -> None:
        printed = False
        try:
            async for delta in astream_answer(messages, backend):
                printed = self.print_delta(delta)
        finally:
            self.end_line(printed)

    def print_delta(self, delta: str) -> bool:
        self.stdout.write(delta, ending="")
        self.stdout.flush()
        return True

    def end_line(self, printed: bool) -> None:
        # Whatever was printed stays; the answer (or the error after it) then starts a fresh line.
        if printed:
            self.stdout.write("")
