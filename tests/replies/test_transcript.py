"""What a reply has streamed: its deltas numbered in order, its answer and thinking, its timings."""

import pytest

from chat.replies import transcript as transcript_module
from chat.replies.log import Delta
from chat.replies.transcript import AnswerTooLong, Transcript
from chat.upstream.chunks import Piece


class Clock:
    """Stands in for both clocks the transcript reads, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(transcript_module, "time", clock)
    return clock


def test_pieces_become_deltas_numbered_in_one_sequence_whatever_their_kind(clock):
    transcript = Transcript()

    deltas = [
        transcript.add(piece)
        for piece in [Piece("Hmm", reasoning=True), Piece("It is"), Piece(" 4.")]
    ]

    assert deltas == [Delta(0, "Hmm", True), Delta(1, "It is"), Delta(2, " 4.")]
    assert (transcript.reasoning, transcript.text) == ("Hmm", "It is 4.")


def test_a_reply_without_any_piece_has_no_first_token_and_no_pace(clock):
    transcript = Transcript()
    clock.now += 2.5

    assert transcript.stats() == {
        "first_token_ms": None,
        "total_ms": 2500,
        "chunks": 0,
        "chunks_per_second": None,
    }


def test_times_count_from_the_ask_and_the_pace_from_the_first_piece(clock):
    asked_at = clock.now
    clock.now += 0.1  # the turn is stored before the answer is asked for
    transcript = Transcript(asked_at=asked_at)
    clock.now += 0.15  # the backend takes a while to begin
    for _ in range(5):
        transcript.add(Piece("x"))
        clock.now += 0.2  # then sends a piece every fifth of a second

    assert transcript.stats() == {
        "first_token_ms": 250,
        "total_ms": 1250,
        "chunks": 5,
        "chunks_per_second": 5.0,
    }


def test_thinking_time_runs_from_its_first_piece_to_the_answers_first(clock):
    transcript = Transcript()
    clock.now += 0.5
    transcript.add(Piece("Let me think", reasoning=True))
    clock.now += 3
    transcript.add(Piece(" more.", reasoning=True))
    clock.now += 1
    transcript.add(Piece("Four."))
    clock.now += 1

    assert transcript.stats()["thinking_ms"] == 4000
    assert transcript.ending(status="done", model="m").reasoning == "Let me think more."


def test_a_piece_that_would_pass_the_limit_is_cut_to_fit_and_then_the_answer_is_full(clock):
    transcript = Transcript(max_bytes=40)

    deltas = [transcript.add(Piece(text)) for text in ["0123456789" * 3, "abcdefghij" * 2]]

    assert [delta.content for delta in deltas] == ["0123456789" * 3, "abcdefghij"]
    with pytest.raises(AnswerTooLong) as full:
        transcript.check_size()
    assert full.value.code == "answer_too_long"
    assert transcript.text == "0123456789" * 3 + "abcdefghij"


def test_the_limit_counts_bytes_of_json_so_thinking_and_wide_characters_weigh_more(clock):
    # An emoji is two \u escapes in JSON: 12 bytes; the thinking counts with the answer.
    transcript = Transcript(max_bytes=40)

    first = transcript.add(Piece("😀😀", reasoning=True))
    second = transcript.add(Piece("😀😀"))

    assert (first.content, second.content) == ("😀😀", "😀")
    assert transcript.size == 36
    with pytest.raises(AnswerTooLong):
        transcript.check_size()


def test_a_piece_of_which_nothing_fits_ends_the_answer_at_once(clock):
    transcript = Transcript(max_bytes=10)
    transcript.add(Piece("0123456789"))
    transcript.check_size()  # exactly full: not yet past it

    with pytest.raises(AnswerTooLong):
        transcript.add(Piece("more"))
    assert transcript.text == "0123456789"
    assert transcript.seq == 0
