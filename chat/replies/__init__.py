"""Replies that outlive their socket: the one `Replies` of this process, on the log it picks.

The log and the announcements are in Redis when `REDIS_URL` is set, so that every worker
process can follow every reply; otherwise they are in this process's memory.
"""

from __future__ import annotations

from django.conf import settings

from chat.replies.announcements import Announcements
from chat.replies.memory_log import MemoryReplyLog
from chat.replies.runner import Replies

_replies: Replies | None = None


def get_replies() -> Replies:
    global _replies
    if _replies is None:
        _replies = _build()
    return _replies


def _build() -> Replies:
    if settings.REDIS_URL:
        # redis is needed only then.
        from chat.replies.redis_announcements import RedisAnnouncements
        from chat.replies.redis_log import RedisReplyLog

        return Replies(RedisReplyLog(settings.REDIS_URL), RedisAnnouncements(settings.REDIS_URL))
    return Replies(MemoryReplyLog(), Announcements())
