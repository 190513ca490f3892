"""Replies that outlive their socket: the one `Replies` of this process, on the log it picks.

The log is in Redis when `REDIS_URL` is set, so that every worker process can follow every
reply; otherwise it is in this process's memory.
"""

from __future__ import annotations

from django.conf import settings

from chat.replies.log import ReplyLog
from chat.replies.memory_log import MemoryReplyLog
from chat.replies.runner import Replies

_replies: Replies | None = None


def get_replies() -> Replies:
    global _replies
    if _replies is None:
        _replies = Replies(_pick_log())
    return _replies


def _pick_log() -> ReplyLog:
    if settings.REDIS_URL:
        from chat.replies.redis_log import RedisReplyLog  # redis is needed only then

        return RedisReplyLog(settings.REDIS_URL)
    return MemoryReplyLog()
