"""How much one visitor may do, counted per session and per address, across sockets and workers.

A visitor is a session (None for a socket without one) and an address. Its asks and its
resumes each draw on token buckets, one per session and one per address; its sockets are
counted the same way. A client that reconnects, or opens many sockets, stays the same visitor.
An address may do `STREAMDEMO_PER_ADDRESS` times what a session may: one address can be many
people (a school, an office, a phone network).

The counts live in Redis when `REDIS_URL` is set, so that every worker sees them; otherwise in
this process. (How many replies a session may have running is kept with the replies: see
`Replies.start`.)
"""

from __future__ import annotations

from django.conf import settings

from chat.limits.policy import Limits, Visitor, visitor_of

__all__ = ["Limits", "Visitor", "forget_limits", "get_limits", "visitor_of"]

_limits: Limits | None = None


def get_limits() -> Limits:
    global _limits
    if _limits is None:
        if settings.REDIS_URL:
            from chat.limits.redis_limits import RedisLimits

            _limits = RedisLimits(settings.REDIS_URL)
        else:
            from chat.limits.memory_limits import MemoryLimits

            _limits = MemoryLimits()
    return _limits


def forget_limits() -> None:
    """Start counting afresh (tests do, between cases)."""
    global _limits
    _limits = None
