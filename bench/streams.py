"""What one scenario asks for, what each stream received, and the summary of a run.

Chunks are counted by the upstream's stamps, never by frames: a relay may carry several
upstream chunks in one frame (the app does when a socket lags), and each of them still has
its own latency, from the moment the upstream sent it to the moment its frame arrived.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.clock import send_times
from bench.stats import percentile

# Beyond three times its paced length, a stream has this long to end before it counts as
# failed: half a minute without an answer is a user gone.
GRACE_SECONDS = 30.0


@dataclass
class Scenario:
    streams: int
    chunks: int
    interval: float
    size: int = 32

    @property
    def question(self) -> str:
        return f"bench chunks={self.chunks} interval={self.interval} size={self.size}"

    @property
    def deadline(self) -> float:
        """Seconds every stream gets to finish before it counts as incomplete."""
        return self.chunks * self.interval * 3 + GRACE_SECONDS

    def scaled(self, fraction: float) -> Scenario:
        """The same pacing with `fraction` of the streams (at least one): for trial runs."""
        return Scenario(
            max(1, round(self.streams * fraction)), self.chunks, self.interval, self.size
        )


@dataclass
class StreamResult:
    asked_ns: int = 0
    first_chunk_ns: int | None = None
    last_chunk_ns: int | None = None
    latencies_ns: list[int] = field(default_factory=list)
    ended: bool = False
    failure: str | None = None
    # Frames that carried answer text, and every text frame's length: chunks per frame shows
    # coalescing, characters received show what the html frames cost the wire.
    text_frames: int = 0
    received_chars: int = 0
    # `error` frames with no reply, after an ack: the answer of a server that knows no acks.
    ignored_errors: int = 0

    @property
    def chunks(self) -> int:
        return len(self.latencies_ns)

    def note(self, content: str, received_ns: int) -> None:
        """Answer text arrived at `received_ns`: one latency per upstream stamp inside it."""
        stamps = send_times(content)
        if not stamps:
            return
        self.text_frames += 1
        if self.first_chunk_ns is None:
            self.first_chunk_ns = received_ns
        self.last_chunk_ns = received_ns
        self.latencies_ns.extend(received_ns - sent for sent in stamps)


def summarize(
    results: list[StreamResult], scenario: Scenario, began_ns: int, connect_failures: int
) -> dict[str, Any]:
    latencies = [value / 1e6 for result in results for value in result.latencies_ns]
    first_chunks = [
        (result.first_chunk_ns - result.asked_ns) / 1e6
        for result in results
        if result.first_chunk_ns is not None
    ]
    failed = connect_failures + sum(1 for result in results if result.failure)
    incomplete = sum(
        1
        for result in results
        if not result.failure and (not result.ended or result.chunks != scenario.chunks)
    )
    last = max((r.last_chunk_ns for r in results if r.last_chunk_ns), default=None)
    elapsed = (last - began_ns) / 1e9 if last else None
    failures = sorted({result.failure for result in results if result.failure})
    text_frames = sum(result.text_frames for result in results)
    return {
        "scenario": asdict(scenario),
        "latency_p50_ms": percentile(latencies, 0.50),
        "latency_p99_ms": percentile(latencies, 0.99),
        "latency_max_ms": max(latencies, default=None),
        "first_chunk_p50_ms": percentile(first_chunks, 0.50),
        "first_chunk_p99_ms": percentile(first_chunks, 0.99),
        "chunks": len(latencies),
        "chunks_per_s": len(latencies) / elapsed if elapsed else None,
        "chunks_per_frame": len(latencies) / text_frames if text_frames else None,
        "received_kb_per_stream": sum(r.received_chars for r in results) / 1024 / len(results)
        if results
        else None,
        "ignored_errors": sum(result.ignored_errors for result in results),
        "failed": failed,
        "incomplete": incomplete,
        "failure_samples": failures[:5],
    }
