"""The profile's summary: samples charged to components, threads that wait left out."""

from bench.profile import WORKER_THREADS, summarize

LOOP = "Server.run (daphne/server.py:155);Handle._run (asyncio/events.py:80)"
THREAD = "Thread._bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:83)"


def test_samples_go_to_the_component_of_their_callback_and_waiting_threads_count_for_none(
    tmp_path,
):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "\n".join(
            [
                f"{LOOP};follow (chat/replies/following.py:90) 3",
                f"{LOOP};read (g4f/Provider/template/OpenaiTemplate.py:475) 1",
                f"{THREAD};_end_turns (chat/saving.py:114) 4",
                f"{THREAD};Condition.wait (threading.py:327) 90",
            ]
        )
    )

    table = summarize(raw, cpu_us_per_chunk=80.0)

    assert "| app code: replies, reply log, following | 37.5 % | 30.0 |" in table
    assert "| g4f provider: HTTP and SSE parsing | 12.5 % | 10.0 |" in table
    assert f"| {WORKER_THREADS} | 50.0 % | 40.0 |" in table
    assert "| all (8 samples) | 100 % | 80.0 |" in table
    assert "| threads waiting, left out above (90 samples) | - | - |" in table
