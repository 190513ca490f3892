"""Whose conversations a page or a socket may see: the session its cookie names, if that is real.

A cookie's value is only a claim. It is checked for the shape Django gives session keys, then
the session is loaded: one that does not exist or has expired is no session at all. A page
then starts a new one (and sends its cookie); a socket has none, and may store nothing.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from chat.new_sessions import address_of, new_sessions

# Django makes keys of 32 lowercase letters and digits, and stores at most 40 characters.
SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")
# What a page stores in its session, so that an empty session is still saved and sent back.
MARK = "chat"


def plausible(cookie: object) -> bool:
    """Whether a cookie's value could be a session key, before any query is made with it."""
    return isinstance(cookie, str) and SESSION_KEY.fullmatch(cookie) is not None


def _store(key: str | None = None) -> SessionBase:
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    return store


async def session_of(scope: dict[str, Any]) -> str | None:
    """The key of the live session a socket's cookie names; None for none, or a made-up one."""
    cookie = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
    if not plausible(cookie):
        return None
    store = _store(cookie)
    # Loading drops a key that does not exist or has expired.
    await store.aload()
    key = store.session_key
    return str(key) if key else None


def page_session(request: HttpRequest) -> str:
    """The key of this browser's session, a new one if its cookie names none that is live.

    The websocket finds the session by the cookie this sets; an unknown or expired key is
    replaced, never adopted. `TooManyNewSessions` when a new one is needed and the visitor's
    address has started too many lately.
    """
    if not plausible(request.session.session_key):
        request.session = _store()
    # Reading loads the session: an unknown or expired key is dropped, and saving makes anew.
    if request.session.get(MARK) is None:
        # A new one: `TooManyNewSessions` if its address has started too many lately.
        new_sessions.take(address_of(request))
        request.session[MARK] = True
        request.session.save()
    return str(request.session.session_key)
