"""What each stream received, counted by the upstream's chunks, and the summary of a run."""

from bench.streams import Scenario, StreamResult, summarize

MS = 1_000_000


def test_each_chunk_in_a_piece_has_its_own_latency():
    result = StreamResult(asked_ns=0)

    result.note("@100:xx@300:xx", received_ns=1000)
    result.note("@900:xx", received_ns=1500)

    assert result.chunks == 3
    assert result.latencies_ns == [900, 700, 600]
    assert result.text_frames == 2
    assert (result.first_chunk_ns, result.last_chunk_ns) == (1000, 1500)


def test_text_without_a_stamp_is_no_chunk():
    result = StreamResult()

    result.note("no stamp here", received_ns=1000)

    assert (result.chunks, result.text_frames, result.first_chunk_ns) == (0, 0, None)


def test_summary_counts_chunks_failures_and_streams_that_stopped_short():
    scenario = Scenario(streams=3, chunks=2, interval=0.01)
    whole, short, failed = StreamResult(), StreamResult(), StreamResult()
    whole.note(f"@{1 * MS}:x@{2 * MS}:x", received_ns=4 * MS)
    whole.ended = True
    short.note(f"@{1 * MS}:x", received_ns=2 * MS)
    short.ended = True
    failed.failure = "busy: too many"

    summary = summarize([whole, short, failed], scenario, began_ns=0, connect_failures=1)

    assert summary["chunks"] == 3
    assert summary["failed"] == 2
    assert summary["incomplete"] == 1
    assert summary["chunks_per_frame"] == 1.5
    # Three chunks delivered by the last one's arrival, 4 ms after the start.
    assert summary["chunks_per_s"] == 750.0
    assert summary["latency_p50_ms"] == 2.0
    assert summary["first_chunk_p50_ms"] == 2.0
    assert summary["failure_samples"] == ["busy: too many"]


def test_a_scaled_scenario_keeps_its_pacing_and_at_least_one_stream():
    scenario = Scenario(streams=200, chunks=100, interval=0.02)

    assert scenario.scaled(0.1) == Scenario(streams=20, chunks=100, interval=0.02)
    assert scenario.scaled(0.001).streams == 1
