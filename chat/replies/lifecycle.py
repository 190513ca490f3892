"""What the server does as it stops: end the replies it runs and close the upstream pool.

Replies belong to the process, not to any socket, so nothing else would end them: without
this, a server stopping mid-answer would leave upstream requests open and turns unsaved.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

from chat.rendering import offloop
from chat.replies import get_replies
from chat.upstream.pool import close_pool


async def shutdown() -> None:
    """Stop every reply (each is saved as stopped), then close the upstream connections and
    the rendering process."""
    await get_replies().shutdown()
    await close_pool()
    offloop.shutdown()


def end_replies_before_exit(timeout: float = 10) -> None:
    """From another thread than daphne's, end its replies and wait (a while) until they are
    saved: for a process about to exit without stopping daphne's reactor."""
    loop = _daphne_loop()
    if loop is None or loop.is_closed() or not loop.is_running():
        return
    done = asyncio.run_coroutine_threadsafe(shutdown(), loop)
    with contextlib.suppress(Exception):
        done.result(timeout)


def _daphne_loop() -> asyncio.AbstractEventLoop | None:
    reactor = sys.modules.get("twisted.internet.reactor")
    loop = getattr(reactor, "_asyncioEventloop", None)
    return loop if isinstance(loop, asyncio.AbstractEventLoop) else None


def shut_down_with_daphne() -> None:
    """Under daphne, run `shutdown` on its event loop before the reactor stops."""
    reactor = sys.modules.get("twisted.internet.reactor")
    loop = getattr(reactor, "_asyncioEventloop", None)
    if reactor is None or loop is None:
        return
    from twisted.internet.defer import Deferred

    def before_shutdown() -> Deferred[None]:
        return Deferred.fromFuture(asyncio.ensure_future(shutdown(), loop=loop))

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)
