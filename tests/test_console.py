"""How the console prints an answer's pieces: the thinking set apart, every line ended."""

import pytest

from chat.console import DIM, RESET, PiecePrinter
from chat.upstream.chunks import Piece


class Terminal:
    """What a command's stdout receives, write by write."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.flushes = 0

    def write(self, msg: str = "", style_func: None = None, ending: str | None = None) -> None:
        self.writes.append(msg + (ending if ending is not None else "\n"))

    def flush(self) -> None:
        self.flushes += 1

    @property
    def text(self) -> str:
        return "".join(self.writes)


PIECES = [Piece("Let me", reasoning=True), Piece(" see.", reasoning=True), Piece("It is 4.")]


def printed(pieces, **options) -> Terminal:
    terminal = Terminal()
    printer = PiecePrinter(terminal, **{"color": False, **options})
    for piece in pieces:
        printer.print(piece)
    printer.close()
    return terminal


def test_without_colours_the_thinking_and_the_answer_each_come_under_a_line():
    assert printed(PIECES).text == "Thinking:\nLet me see.\n\nAnswer:\nIt is 4.\n"


def test_on_a_terminal_the_thinking_is_dim():
    assert printed(PIECES, color=True).text == f"{DIM}Let me see.{RESET}\n\nIt is 4.\n"


def test_the_thinking_can_be_left_out():
    assert printed(PIECES, show_reasoning=False).text == "It is 4.\n"


def test_an_answer_without_thinking_is_printed_as_it_is():
    assert printed([Piece("Plain"), Piece(" answer.")]).text == "Plain answer.\n"


@pytest.mark.parametrize("color", [False, True])
def test_thinking_cut_off_before_the_answer_still_ends_its_line(color):
    text = printed([Piece("Hmm", reasoning=True)], color=color).text

    assert text.endswith("\n")
    assert text.count("Hmm") == 1
    if color:
        assert RESET in text  # the terminal is not left dim


def test_each_piece_is_flushed_as_it_is_printed():
    terminal = Terminal()
    printer = PiecePrinter(terminal, color=False)

    printer.print(Piece("one"))
    printer.print(Piece(" two"))

    assert terminal.flushes == 2
    assert terminal.text == "one two"
