"""The app with `chat.upstream_pool` installed, for measuring the pool before the app calls it.

    daphne bench.pooled_asgi:application

Every connection first makes sure g4f's requests on daphne's loop share an uncapped pool;
everything else is the app's own ASGI application, unchanged.
"""

from __future__ import annotations

from typing import Any

from chat.upstream_pool import ensure_pool
from streamdemo.asgi import application as app_application


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await ensure_pool(0)
    await app_application(scope, receive, send)
