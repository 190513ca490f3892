"""What one visitor may do: token buckets for asks and resumes, a cap on sockets, each counted
per session and per address; where the counts are kept is the subclass's business."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings

from chat.client_address import client_address
from chat.sessions import session_of
from chat.token_buckets import Bucket

Action = Literal["ask", "resume"]
# A group of sockets (or replies) counted together, and how many it may hold.
Group = tuple[str, int]


@dataclass(frozen=True)
class Visitor:
    session: str | None
    address: str


async def visitor_of(scope: dict[str, Any]) -> Visitor:
    """Who opened a socket: its live session (if any) and the address it comes from."""
    return Visitor(await session_of(scope), client_address(scope))


def _per_address() -> int:
    return max(1, int(settings.STREAMDEMO_PER_ADDRESS))


def _rate(action: Action) -> tuple[float, float]:
    if action == "ask":
        return float(settings.STREAMDEMO_ASK_BURST), float(settings.STREAMDEMO_ASKS_PER_MINUTE)
    return float(settings.STREAMDEMO_RESUME_BURST), float(settings.STREAMDEMO_RESUMES_PER_MINUTE)


def groups(kind: str, visitor: Visitor, cap: int) -> list[Group]:
    """The session's group and the address's, `cap` being a session's share."""
    found = [(f"{kind}:address:{visitor.address}", cap * _per_address())]
    if visitor.session:
        found.insert(0, (f"{kind}:session:{visitor.session}", cap))
    return found


class Limits(ABC):
    # Seconds, the same on every worker (time.monotonic is not): tests may set another.
    clock: Callable[[], float] = staticmethod(time.time)

    async def allow(self, action: Action, visitor: Visitor) -> bool:
        """Spend one of the visitor's tokens for `action`; False when it has none left."""
        burst, per_minute = _rate(action)
        share = _per_address()
        buckets: list[Bucket] = [
            (f"{action}:address:{visitor.address}", burst * share, per_minute * share)
        ]
        if visitor.session:
            buckets.insert(0, (f"{action}:session:{visitor.session}", burst, per_minute))
        return await self._take(buckets, self.clock())

    async def admit(self, visitor: Visitor, socket: str) -> bool:
        """Count a new socket of the visitor's; False (and not counted) when it has too many."""
        cap = int(settings.STREAMDEMO_SESSION_SOCKETS)
        return await self._enter(groups("sockets", visitor, cap), socket, self.clock())

    async def release(self, visitor: Visitor, socket: str) -> None:
        """A socket admitted before has closed."""
        cap = int(settings.STREAMDEMO_SESSION_SOCKETS)
        await self._leave(groups("sockets", visitor, cap), socket)

    @abstractmethod
    async def _take(self, buckets: list[Bucket], now: float) -> bool:
        """Take a token from every bucket, or from none if any is empty."""

    @abstractmethod
    async def _enter(self, groups: list[Group], member: str, now: float) -> bool:
        """Add the member to every group, or to none if any is full."""

    @abstractmethod
    async def _leave(self, groups: list[Group], member: str) -> None: ...
