"""Which pages may open the chat's websocket: an origin must match exactly, scheme, host and port.

Browsers do not keep cookies apart by port or scheme, so a page on another port of the same
host, or served over http where the chat is https, would otherwise open a socket that carries
the visitor's session. Channels' own validator compares host names only.

`STREAMDEMO_ALLOWED_ORIGINS` lists the origins allowed, exactly. Unset, an origin is allowed
when its scheme is the site's (https with `DJANGO_SECURE`, else http), its host is one of
`DJANGO_ALLOWED_HOSTS`, and host and port are those the socket itself was opened on (its
`Host` header): the page's own origin, whatever port the server is reached on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(text: str | None) -> Origin | None:
    """(scheme, host, port) of an origin such as `https://chat.example.com:8443`; None for
    anything else ("null", a path, credentials, another scheme)."""
    if not text:
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or parts.path not in ("", "/") or parts.query:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    host, _ = split_domain_port(parts.netloc.lower())
    return (scheme, host, port or DEFAULT_PORTS[scheme]) if host else None


def allowed(origin: Origin | None, host_header: str | None) -> bool:
    """Whether a socket opened with this `Origin` and this `Host` comes from an allowed page."""
    if origin is None:
        return False
    explicit = settings.STREAMDEMO_ALLOWED_ORIGINS
    if explicit:
        return origin in {parse_origin(text) for text in explicit}
    scheme = "https" if settings.DJANGO_SECURE else "http"
    served = parse_origin(f"{scheme}://{host_header}") if host_header else None
    return (
        origin == served
        and origin[0] == scheme
        and validate_host(origin[1], settings.ALLOWED_HOSTS)
    )


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin1")
    return None


class ExactOriginValidator:
    """ASGI middleware: a websocket handshake from a page not allowed is refused (403)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = parse_origin(_header(scope, b"origin"))
        if allowed(origin, _header(scope, b"host")):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
