"""The limits of a single process, kept in its memory: used when no `REDIS_URL` is set."""

from __future__ import annotations

from chat.limits.policy import Bucket, Group, Limits

# How many buckets the table holds before it drops those that are full again.
SWEEP_SIZE = 1024


class MemoryLimits(Limits):
    """The counts of a single process."""

    def __init__(self) -> None:
        # Each bucket's tokens, when it last changed, and when it will be full again.
        self._buckets: dict[str, tuple[float, float, float]] = {}
        self._sweep_at_size = SWEEP_SIZE
        self._groups: dict[str, set[str]] = {}

    async def _take(self, buckets: list[Bucket], now: float) -> bool:
        levels = []
        for key, burst, per_minute in buckets:
            tokens, at, _ = self._buckets.get(key, (burst, now, now))
            levels.append(min(burst, tokens + max(0.0, now - at) * per_minute / 60))
        if any(level < 1 for level in levels):
            return False
        for (key, burst, per_minute), level in zip(buckets, levels, strict=True):
            refill = (burst - level + 1) * 60 / per_minute if per_minute > 0 else float("inf")
            self._buckets[key] = (level - 1, now, now + refill)
        if len(self._buckets) >= self._sweep_at_size:
            self._sweep(now)
        return True

    def _sweep(self, now: float) -> None:
        # A bucket full again is as good as none: the table keeps only visitors seen lately.
        for key, (_, _, full_at) in list(self._buckets.items()):
            if full_at <= now:
                del self._buckets[key]
        self._sweep_at_size = 2 * max(SWEEP_SIZE, len(self._buckets))

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
