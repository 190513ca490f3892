"""The upstream's stamps: each chunk says when it was sent, and a reader finds every one."""

import time

from bench.clock import send_times, stamped


def test_a_chunk_has_the_size_asked_and_the_time_it_was_made():
    before = time.time_ns()
    chunk = stamped(32)
    after = time.time_ns()

    assert len(chunk) == 32
    [sent] = send_times(chunk)
    assert before <= sent <= after


def test_several_chunks_in_one_piece_of_text_each_keep_their_stamp():
    chunks = ["@1000:xxxx", "@2000:xxxx", "@3000:xx"]

    assert send_times("".join(chunks)) == [1000, 2000, 3000]


def test_text_without_stamps_carries_no_chunk():
    assert send_times("plain words, an @ sign and 12: digits") == []
