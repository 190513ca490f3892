"""Stand-ins for the two Twisted objects `chat.transport` deals with under daphne."""

from __future__ import annotations

from typing import Any


class Transport:
    """What the window reads of a Twisted transport: its producer, paused once more than its
    buffer waits to be written and resumed once that has drained."""

    def __init__(self, producer: Any) -> None:
        self.producer, self.producerPaused = producer, False
        self.reading = True

    # As a producer itself, of what the client sends: reading stops and goes on.
    def pauseProducing(self) -> None:
        self.reading = False

    def resumeProducing(self) -> None:
        self.reading = True

    def overflow(self) -> None:
        self.producerPaused = True
        self.producer.pauseProducing()

    def drain(self) -> None:
        self.producerPaused = False
        self.producer.resumeProducing()


class Channel:
    """daphne's HTTP channel, the transport's producer before the window stands in front."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")

    def stopProducing(self) -> None:
        self.calls.append("stop")
