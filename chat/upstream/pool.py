"""The HTTP connection pool g4f uses to reach upstreams, without g4f's cap on it.

g4f's aiohttp sessions share one `TCPConnector` per event loop, made on first use with at
most 100 connections in all and 20 per host. Every streaming answer holds a connection for
its whole length, so the 21st concurrent answer from one backend waits for one of the first
twenty to finish. g4f looks its connector up in a per-loop registry before making one, so a
connector of ours placed there first is the one every g4f request on that loop uses.
"""

from __future__ import annotations

import asyncio
import math

from aiohttp import TCPConnector
from g4f.requests import aiohttp as g4f_aiohttp

# Pools replaced while answers may still stream through them, per loop; `close_pool` ends them.
_retired: dict[asyncio.AbstractEventLoop, list[TCPConnector]] = {}


async def ensure_pool(limit: int) -> None:
    """Make g4f's requests on the running loop share a pool of `limit` connections (0: no cap).

    Idempotent and cheap (one lookup): call it before each upstream request. A smaller pool
    already in place (g4f's own, or an earlier one of ours) is replaced and retired rather
    than closed, since answers may be streaming through it.
    """
    loop = asyncio.get_running_loop()
    current = g4f_aiohttp._loop_connectors.get(loop)
    if current is not None and not current.closed:
        if capacity(current) >= (limit or math.inf):
            return
        _retired.setdefault(loop, []).append(current)
    g4f_aiohttp._loop_connectors[loop] = TCPConnector(
        limit=limit,
        # One backend usually serves every answer, so a per-host cap would be the real limit.
        limit_per_host=0,
        # The rest as g4f makes its own, so only the cap changes.
        keepalive_timeout=30,
        ttl_dns_cache=300,
        enable_cleanup_closed=True,
    )


async def close_pool() -> None:
    """Close the running loop's pool and the ones it replaced: call it when the server stops."""
    loop = asyncio.get_running_loop()
    pools = _retired.pop(loop, [])
    current = g4f_aiohttp._loop_connectors.pop(loop, None)
    if current is not None:
        pools.append(current)
    for pool in pools:
        await pool.close()


def current_capacity() -> float | None:
    """How many concurrent requests g4f gets on the running loop; None before its first."""
    connector = g4f_aiohttp._loop_connectors.get(asyncio.get_running_loop())
    if connector is None or connector.closed:
        return None
    return capacity(connector)


def capacity(connector: TCPConnector) -> float:
    """Concurrent requests to one host the connector allows (inf when uncapped)."""
    caps = [cap for cap in (connector.limit, connector.limit_per_host) if cap]
    return min(caps, default=math.inf)
