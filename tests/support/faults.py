"""The upstream faults both clients must survive, and what their error must say."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.support.upstream import Script, Upstream

UNRESOLVABLE = "http://no-such-host.invalid/v1"
CLOSED_PORT = "a port nothing listens on"


def label_of(base_url: str) -> str:
    """What visitors and the console are shown of a base URL: its host and port alone."""
    return urlsplit(base_url).netloc


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: a port just bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@dataclass
class Fault:
    code: str
    says: str
    script: Script | None = None
    base_url: str | None = None  # None: the test upstream
    kept: list[str] = field(default_factory=list)

    def backend(self, upstream: Upstream) -> str:
        """The base URL to point the app at, and which the error must name."""
        if self.base_url is None:
            return upstream.base_url
        return closed_port_url() if self.base_url == CLOSED_PORT else self.base_url


FAULTS = {
    "http_400": Fault(
        "upstream_rejected", "refused the request (HTTP 400)", Script(fault="http_400")
    ),
    "http_401": Fault(
        "auth_failed", "refused the credentials (HTTP 401)", Script(fault="http_401")
    ),
    "http_500": Fault("upstream_unavailable", "failed (HTTP 500)", Script(fault="http_500")),
    "http_429": Fault("rate_limited", "rate limited upstream", Script(fault="http_429")),
    "refused": Fault("unreachable", "connection refused", base_url=CLOSED_PORT),
    "unresolvable": Fault("unresolvable", "does not resolve", base_url=UNRESOLVABLE),
    # Gated: aiohttp drops what it buffered when the connection is cut, so each chunk waits
    # until the client has shown the one before, and the cut until it has shown them all.
    "dropped": Fault(
        "connection_lost",
        "the connection was lost in the middle of the answer",
        Script(chunks=["Half", " of it"], fault="drop", gated=True),
        kept=["Half", " of it"],
    ),
    "malformed": Fault(
        "malformed",
        "not a valid stream",
        Script(chunks=["Half", " of it"], fault="malformed"),
        kept=["Half", " of it"],
    ),
    # The stream just ends: no finish reason, no [DONE]. What came is kept, marked cut off.
    "truncated": Fault(
        "truncated",
        "ended the stream without saying it had finished",
        Script(chunks=["Half", " of it"], fault="truncate"),
        kept=["Half", " of it"],
    ),
    "empty": Fault("empty_answer", "without any text", Script(chunks=[])),
    "no_such_path": Fault(
        "upstream_rejected", "does the base URL end in /v1?", Script(fault="http_404")
    ),
    "context_openai": Fault(
        "context_too_long", "start a new conversation", Script(fault="context_openai")
    ),
    "context_vllm": Fault(
        "context_too_long", "start a new conversation", Script(fault="context_vllm")
    ),
    "context_llamacpp": Fault(
        "context_too_long", "start a new conversation", Script(fault="context_llamacpp")
    ),
}
