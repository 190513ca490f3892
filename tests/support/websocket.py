"""A websocket client for the chat consumer, as the page would open it."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from streamdemo.asgi import application
from tests.support.upstream import Upstream

ENDINGS = ("done", "error")


async def new_session() -> str:
    """The key of a new browser session, as the page's first visit creates one."""
    store = SessionStore()
    await database_sync_to_async(store.create)()
    return store.session_key


async def connect(session: str | None = None) -> WebsocketCommunicator:
    """A socket to `/ws/chat/` from an allowed origin, connected; with `session`, that browser's."""
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict[str, Any]:
    return await communicator.receive_json_from(timeout=5)


async def receive_reply(
    communicator: WebsocketCommunicator, upstream: Upstream | None = None
) -> list[dict[str, Any]]:
    """Every frame up to and including the one that ends a reply.

    Given the test upstream, lets a gated script go on after each delta arrives.
    """
    frames = [await receive(communicator)]
    while frames[-1]["type"] not in ENDINGS:
        if upstream is not None and frames[-1]["type"] in ("delta", "reasoning"):
            upstream.release()
        frames.append(await receive(communicator))
    return frames


def text_of(frames: list[dict[str, Any]]) -> str:
    """The answer text the deltas among `frames` carried, in order."""
    return "".join(frame["content"] for frame in frames if frame["type"] == "delta")
