"""A tap on a page's websocket: the frames the server sent it, some held back, or no connection."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, WebSocketRoute

CHAT_SOCKET = re.compile(r"/ws/chat/$")


class SocketTap:
    """Passes the page's websocket through, recording every frame the server sends it.

    `hold(kind)` keeps frames of that type from the page until `let_through()`; `drop(kind)`
    keeps the page's own frames of that type from the server; `go_offline()` cuts the connection
    and refuses the page's attempts to reconnect until `go_online()`.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.received: list[dict[str, Any]] = []
        self.held: list[tuple[WebSocketRoute, str]] = []
        self.holding: set[str] = set()
        self.dropping: set[str] = set()
        self.offline = False
        self.routes: list[WebSocketRoute] = []
        page.route_web_socket(CHAT_SOCKET, self._connect)

    def _connect(self, route: WebSocketRoute) -> None:
        if self.offline:
            route.close()
            return
        self.routes.append(route)
        server = route.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            self.received.append(frame)
            if frame.get("type") in self.holding:
                self.held.append((route, str(message)))
            else:
                route.send(message)

        def from_page(message: str | bytes) -> None:
            if json.loads(message).get("type") not in self.dropping:
                server.send(message)

        server.on_message(from_server)
        route.on_message(from_page)

    def frames(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.received if frame.get("type") == kind]

    def hold(self, kind: str) -> None:
        self.holding.add(kind)

    def drop(self, kind: str) -> None:
        self.dropping.add(kind)

    def let_through(self) -> None:
        self.holding.clear()
        held, self.held = self.held, []
        for route, message in held:
            route.send(message)

    def go_offline(self) -> None:
        self.offline = True
        for route in self.routes:
            route.close()
        self.routes.clear()

    def go_online(self) -> None:
        """Let the page connect again, and tell it the network is back rather than wait."""
        self.offline = False
        self.page.evaluate("window.dispatchEvent(new Event('online'))")


def wait_until(page: Page, condition: Any, what: str, timeout: float = 15.0) -> None:
    """Let the page run until `condition()` holds (frames arrive while it runs), or fail."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still waiting, after {timeout:g} s, for {what}")
