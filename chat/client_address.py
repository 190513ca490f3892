"""The address a visitor connects from, as the limits kept per address count it.

It is the connection's own address, unless that is one of `STREAMDEMO_TRUSTED_PROXIES`: only
then is `X-Forwarded-For` believed, read from the right (what the proxies themselves added)
to the first address that is not one of them. Anyone can send that header; believing it from
anyone else would let a client pick a fresh address for every request.

IPv6 addresses are counted by their /64 network, which one client usually holds whole.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def client_address(scope: dict[str, Any]) -> str:
    """The address to count this connection's requests under."""
    client = scope.get("client") or (None, None)
    peer = _ip(client[0])
    if peer is None:
        return UNKNOWN
    if _trusted(peer):
        for hop in reversed(_forwarded_for(scope)):
            address = _ip(hop)
            if address is None:
                break
            peer = address
            if not _trusted(address):
                break
    return _counted_as(peer)


def _forwarded_for(scope: dict[str, Any]) -> list[str]:
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in bytes(value).decode("latin1").split(",")]
    return hops


def _ip(text: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(
        address in network for network in _proxies(tuple(settings.STREAMDEMO_TRUSTED_PROXIES))
    )


@lru_cache(maxsize=8)
def _proxies(names: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(name, strict=False) for name in names)


def _counted_as(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
