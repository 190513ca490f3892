"""Token buckets kept in this process's memory: how much of something each key may do.

A bucket holds up to `burst` tokens and gains `per_minute` a minute; doing the thing takes one
token from each of the buckets it counts in, or from none if any is empty. A bucket full again
is as good as none, so the table lets those go as it grows, and keeps only keys seen lately.
"""

from __future__ import annotations

# A token bucket: its key, how many tokens it holds when full, and how many it gains a minute.
Bucket = tuple[str, float, float]

# How many buckets the table holds before it drops those that are full again.
SWEEP_SIZE = 1024


class TokenBuckets:
    """Not thread-safe: callers in threads hold a lock."""

    def __init__(self) -> None:
        # Each bucket's tokens, when it last changed, and when it will be full again.
        self._buckets: dict[str, tuple[float, float, float]] = {}
        self._sweep_at_size = SWEEP_SIZE

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, buckets: list[Bucket], now: float) -> bool:
        """Take a token from every bucket, or from none (and False) if any is empty."""
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
        for key, (_, _, full_at) in list(self._buckets.items()):
            if full_at <= now:
                del self._buckets[key]
        self._sweep_at_size = 2 * max(SWEEP_SIZE, len(self._buckets))
