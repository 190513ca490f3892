"""The reply log: what a reply is, every delta of it with its index, then how it ended.

A reply outlives the socket that asked for it, so its text lives here and not in any socket:
followers replay it from any index and then wait for the live tail. This module holds the
log's entries and its interface; `memory_log` keeps it inside the process and `redis_log` in
Redis Streams, so that another worker process can follow it too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import asdict, dataclass, replace
from typing import Any

from chat.endings import Ending


@dataclass(frozen=True)
class ReplyInfo:
    """What a follower needs to know of a reply before its text: what its `start` frame says,
    and whose it is."""

    reply: str
    session: str
    conversation: str
    title: str
    question: str
    model: str
    provider: str | None
    # How many of the conversation's earlier turns were left out of what the model received.
    left_out: int = 0
    # The reply this one replaces (a regenerated answer), if any.
    replaces: str | None = None
    # When the question was asked (seconds since the epoch: workers share no other clock),
    # and how long after it the first piece of the answer came.
    asked_at: float = 0.0
    first_token_ms: int | None = None
    # The socket that asked, so that it is not told of its own reply as of another tab's,
    # and the address it asked from, whose share of the server the reply's rendering takes.
    origin: str = ""
    address: str | None = None

    def began(self, provider: str | None, first_token_ms: int | None) -> ReplyInfo:
        return replace(self, provider=provider, first_token_ms=first_token_ms)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Delta:
    """One piece of the reply: of its answer, or of the thinking that came before it."""

    seq: int
    content: str
    reasoning: bool = False


@dataclass(frozen=True)
class End:
    ending: Ending


Entry = Delta | End


class ReplyLog(ABC):
    @abstractmethod
    async def open(self, info: ReplyInfo) -> bool:
        """Begin the log of a reply; False, and nothing done, if one of that id is open."""

    @abstractmethod
    async def info(self, reply: str) -> ReplyInfo | None:
        """What the log knows of a reply; None once it has forgotten it, or never had it."""

    @abstractmethod
    async def began(self, reply: str, provider: str | None, first_token_ms: int | None) -> None:
        """Record that the answer began: which of several candidate backends is answering, and
        when its first piece came."""

    @abstractmethod
    async def claim(self, conversation: str, reply: str) -> bool:
        """Make the reply the conversation's running one, unless another still runs: one reply
        at a time per conversation, whichever socket or worker asks."""

    @abstractmethod
    async def release(self, conversation: str, reply: str) -> None:
        """Give up a claim for a reply that will not start after all."""

    @abstractmethod
    async def claim_running(self, groups: list[tuple[str, int]], reply: str) -> bool:
        """Count the reply among the running replies of each group (a session's, an address's),
        unless a group already has as many as its cap: then count it nowhere. A reply stops
        counting once it has ended, or once its worker has died."""

    @abstractmethod
    async def release_running(self, groups: list[tuple[str, int]], reply: str) -> None:
        """Stop counting a reply that will not start after all."""

    @abstractmethod
    async def append(self, reply: str, delta: Delta) -> None: ...

    @abstractmethod
    async def close(self, reply: str, ending: Ending) -> None:
        """Record how the reply ended; followers end after it."""

    @abstractmethod
    async def has_ended(self, reply: str) -> bool: ...

    @abstractmethod
    async def forget(self, reply: str) -> None:
        """Drop the reply from the log (the database still has its text)."""

    @abstractmethod
    def batches(self, reply: str, after: int) -> AsyncGenerator[list[Entry], None]:
        """Every delta with seq > `after`, then the live tail, then the `End`, in batches: as
        many entries as are there each time the reader comes back, so that a reader that lags
        wakes once for many entries, and an idle one once for each."""

    async def entries(self, reply: str, after: int) -> AsyncGenerator[Entry, None]:
        """The entries of `batches`, one by one."""
        async with aclosing(self.batches(reply, after)) as batches:
            async for batch in batches:
                for entry in batch:
                    yield entry

    @abstractmethod
    async def join(self, reply: str) -> None:
        """A socket starts following the reply."""

    @abstractmethod
    async def leave(self, reply: str) -> None: ...

    @abstractmethod
    async def request_stop(self, reply: str) -> None: ...

    @abstractmethod
    async def until_stopped_or_abandoned(self, reply: str, grace: float) -> str:
        """Return "stop" once a stop is asked for, or "abandoned" once no socket has followed
        the reply for `grace` seconds; never returns while the reply is wanted."""
