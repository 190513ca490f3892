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


async def connect(
    session: str | None = None, *, cookie: str | None = None, client: str = "127.0.0.1"
) -> WebsocketCommunicator:
    """A socket to `/ws/chat/` from an allowed origin, connected, from the address `client`.

    With `session`, that browser's; without, a new browser's (the page always has a session).
    `cookie` sends that session cookie instead, as it is, real or not.
    """
    if cookie is None:
        cookie = session or await new_session()
    communicator = socket(cookie=cookie, client=client)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def socket(
    *,
    cookie: str = "",
    origin: str = "http://localhost",
    host: str = "localhost",
    client: str = "127.0.0.1",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> WebsocketCommunicator:
    """A socket to `/ws/chat/` not yet connected, its handshake as given."""
    sent = [(b"origin", origin.encode()), (b"host", host.encode()), *(headers or [])]
    if cookie:
        sent.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/chat/", headers=sent)
    communicator.scope["client"] = (client, 50000)
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
