"""How the console demo prints an answer as it streams: the thinking set apart, then the answer.

On a terminal the thinking is dim; elsewhere (a pipe, a file) it comes under a `Thinking:` line
and the answer under an `Answer:` line, since there is no dimness to tell them apart.
"""

from __future__ import annotations

from typing import Protocol

from chat.upstream.chunks import Piece

DIM = "\x1b[2m"
RESET = "\x1b[0m"


class Output(Protocol):
    """Where the printer writes: a Django command's `self.stdout`, say."""

    def write(self, msg: str = "", style_func: None = None, ending: str | None = None) -> None: ...

    def flush(self) -> None: ...


class PiecePrinter:
    """Prints one answer's pieces the moment each arrives; `close()` ends its last line."""

    def __init__(self, out: Output, *, color: bool, show_reasoning: bool = True) -> None:
        self.out = out
        self.color = color
        self.show_reasoning = show_reasoning
        self._thinking = False
        self._thought = False
        self._line_open = False

    def print(self, piece: Piece) -> None:
        if piece.reasoning and not self.show_reasoning:
            return
        if piece.reasoning and not self._thinking:
            self._write(DIM if self.color else "Thinking:\n")
            self._thinking = self._thought = True
        elif not piece.reasoning and self._thinking:
            self._end_thinking()
        # Noted before the write: an interrupt between the two must not leave the line unended.
        self._line_open = not piece.text.endswith("\n")
        self._write(piece.text)
        self.out.flush()

    def close(self) -> None:
        """End the last line, so that what comes next (an error, say) starts a line of its own."""
        if self._thinking:
            self._end_thinking()
        if self._line_open:
            self._write("\n")
            self._line_open = False
        self.out.flush()

    def _end_thinking(self) -> None:
        self._thinking = False
        ending = "" if not self._line_open else "\n"
        self._write(f"{RESET}{ending}\n" if self.color else f"{ending}\nAnswer:\n")
        self._line_open = False

    def _write(self, text: str) -> None:
        self.out.write(text, ending="")
