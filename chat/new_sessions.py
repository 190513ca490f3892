"""How many new sessions one address may start.

Every page load without a live session starts one, a row in the database that stays until it
expires: 2,000 page loads from one address in 21 s made 2,000. An address may start
`STREAMDEMO_NEW_SESSIONS_PER_MINUTE` a minute, after a burst of two minutes' worth (an office
opening the page at nine behind one address is well within it); a visitor whose session is
live starts none. Beyond it the page is answered 429. Counted by each process for itself: with
several workers, an address may start that many on each.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from chat.client_address import client_address
from chat.token_buckets import TokenBuckets


class TooManyNewSessions(Exception):
    """This address has started as many sessions as it may for now."""


class NewSessions:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # views run in threads
        self._tokens = TokenBuckets()

    def take(self, address: str, now: float | None = None) -> None:
        """Count a new session of `address`; `TooManyNewSessions` when it has none left."""
        per_minute = float(settings.STREAMDEMO_NEW_SESSIONS_PER_MINUTE)
        now = time.monotonic() if now is None else now
        with self._lock:
            if not self._tokens.take([(address, 2 * per_minute, per_minute)], now):
                raise TooManyNewSessions(address)

    def forget(self) -> None:
        """Count afresh (tests do, between cases)."""
        with self._lock:
            self._tokens = TokenBuckets()


new_sessions = NewSessions()


def address_of(request: HttpRequest) -> str:
    """The address a page request is counted under, as a socket's would be."""
    scope: Any = getattr(request, "scope", None)
    if scope is None:  # not served over ASGI (Django's test client)
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        headers = [(b"x-forwarded-for", forwarded.encode("latin1"))] if forwarded else []
        scope = {"client": (request.META.get("REMOTE_ADDR"), 0), "headers": headers}
    return client_address(scope)
