"""The limits of a single process, kept in its memory: used when no `REDIS_URL` is set."""

from __future__ import annotations

from chat.limits.policy import Group, Limits
from chat.token_buckets import Bucket, TokenBuckets


class MemoryLimits(Limits):
    """The counts of a single process."""

    def __init__(self) -> None:
        self._tokens = TokenBuckets()
        self._groups: dict[str, set[str]] = {}

    async def _take(self, buckets: list[Bucket], now: float) -> bool:
        return self._tokens.take(buckets, now)

    async def _enter(self, groups: list[Group], member: str, now: float) -> bool:
        if any(len(self._groups.get(key, ())) >= cap for key, cap in groups):
            return False
        for key, _ in groups:
            self._groups.setdefault(key, set()).add(member)
        return True

    async def _leave(self, groups: list[Group], member: str) -> None:
        for key, _ in groups:
            members = self._groups.get(key)
            if members is not None:
                members.discard(member)
                if not members:
                    del self._groups[key]
