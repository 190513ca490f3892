"""A reply's timings, as its final frame and its saved turn report them."""

import pytest

from chat.replies import stopwatch
from chat.replies.stopwatch import Stopwatch


class Clock:
    """Stands in for the monotonic clock the stopwatch reads, moved on by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(stopwatch, "time", clock)
    return clock


def test_a_reply_without_text_has_no_first_token_and_no_pace(clock):
    watch = Stopwatch()
    clock.now += 2.5

    assert watch.stats() == {
        "first_token_ms": None,
        "total_ms": 2500,
        "chunks": 0,
        "chunks_per_second": None,
    }


def test_the_first_token_the_total_and_the_pace_since_the_first_token(clock):
    watch = Stopwatch()
    clock.now += 0.25  # the backend takes a quarter of a second to begin
    for _ in range(5):
        watch.chunk()
        clock.now += 0.2  # then sends a chunk every fifth of a second

    assert watch.stats() == {
        "first_token_ms": 250,
        "total_ms": 1250,
        "chunks": 5,
        "chunks_per_second": 5.0,
    }
