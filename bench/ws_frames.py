"""Reading the app's websocket protocol as the load client does, without the network.

The app bounds what one socket may have unread: a client acknowledges the frames it has
received (`{"type": "ack", "frames": <n>}`, n counting every frame on the socket so far) each
time about 64 KiB has arrived since its last ack, and a server waits once a window (1 MiB) is
unacknowledged. A server that does not know acks yet answers each with an `error` frame whose
`reply` is null; before any ack such a frame can only be the refusal of the ask (busy,
rate_limited, no_session), so only those after an ack are ignored, and counted.

The floor relay ignores acks, so the load client sends them to the app only (`FlowControl`
or none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.streams import StreamResult

ACK_EVERY_CHARS = 64 * 1024


@dataclass
class FlowControl:
    """One socket's count of what it received, and when to acknowledge it.

    Lengths are counted in characters: the benchmark's text is ASCII, where a character is a
    byte, and an ack sent a little early is harmless.
    """

    frames: int = 0
    unacked_chars: int = 0
    acks_sent: int = 0

    def received(self, text: str) -> str | None:
        """Note one text frame; the ack frame to send now, or None."""
        self.frames += 1
        self.unacked_chars += len(text)
        if self.unacked_chars < ACK_EVERY_CHARS:
            return None
        self.unacked_chars = 0
        self.acks_sent += 1
        return json.dumps({"type": "ack", "frames": self.frames})


def ask_frame(question: str, extra: dict[str, Any]) -> str:
    return json.dumps({"type": "ask", "question": question, **extra})


def read_frame(text: str, received_ns: int, result: StreamResult, flow: FlowControl | None) -> bool:
    """Take one text frame of an answer into `result`; True once the answer has ended.

    Pieces are `delta` frames (one upstream chunk, or several when the server coalesces);
    `html` frames, whole renderings or only a changed tail, are received and not rendered.
    """
    result.received_chars += len(text)
    frame = json.loads(text)
    kind = frame.get("type")
    if kind == "delta":
        result.note(frame["content"], received_ns)
    elif kind == "done":
        result.ended = True
        return True
    elif kind == "error":
        if frame.get("reply") is None and flow is not None and flow.acks_sent:
            result.ignored_errors += 1
            return False
        result.failure = f"{frame.get('code')}: {frame.get('message')}"[:200]
        return True
    return False
