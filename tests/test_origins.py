"""Which pages may open the websocket: the site's own origin exactly, scheme, host and port.

A page on another port of the same host, or over another scheme, shares the visitor's cookies
(browsers do not keep them apart by port) and must not open a socket that carries them.
"""

import os

import aiohttp
import pytest

from tests.support.daphne import Daphne, migrate
from tests.support.websocket import new_session, socket, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(**fields) -> bool:
    """Whether a socket opened with this handshake is accepted; closed again either way."""
    communicator = socket(cookie=await new_session(), **fields)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://localhost", "localhost"),
        ("http://localhost:8000", "localhost:8000"),
        ("http://127.0.0.1:8010", "127.0.0.1:8010"),
        ("http://[::1]:8000", "[::1]:8000"),
        ("HTTP://LOCALHOST:8000", "localhost:8000"),
    ],
)
async def test_the_pages_own_origin_opens_a_socket(origin, host):
    assert await handshake(origin=origin, host=host)


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("http://localhost:8001", "localhost:8000"),
        ("http://localhost", "localhost:8000"),
        ("https://localhost:8000", "localhost:8000"),
        ("http://evil.example:8000", "localhost:8000"),
        ("http://evil.example", "evil.example"),
        ("http://localhost.evil.example:8000", "localhost:8000"),
        ("http://user@localhost:8000", "localhost:8000"),
        ("null", "localhost:8000"),
        ("", "localhost:8000"),
        ("http://localhost:99999", "localhost:99999"),
    ],
    ids=[
        "another port",
        "the default port for another",
        "https for http",
        "another host",
        "a host not allowed, as its own Host",
        "a longer host",
        "credentials",
        "null",
        "none",
        "no such port",
    ],
)
async def test_any_other_origin_is_refused(origin, host):
    assert not await handshake(origin=origin, host=host)


async def test_behind_https_only_the_https_origin_is_the_sites(settings):
    settings.DJANGO_SECURE = True

    assert await handshake(origin="https://localhost", host="localhost")
    assert not await handshake(origin="http://localhost", host="localhost")


async def test_origins_named_in_the_settings_are_the_only_ones_allowed(settings):
    settings.STREAMDEMO_ALLOWED_ORIGINS = ["https://chat.example.com", "http://localhost:8010"]

    assert await handshake(origin="https://chat.example.com", host="127.0.0.1:8001")
    assert await handshake(origin="https://chat.example.com:443", host="127.0.0.1:8001")
    assert await handshake(origin="http://localhost:8010", host="localhost:8010")
    assert not await handshake(origin="http://chat.example.com", host="chat.example.com")
    assert not await handshake(origin="http://localhost:8000", host="localhost:8000")


@pytest.fixture(scope="module")
def server(upstream_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("origins")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STREAMDEMO_BASE_URL": upstream_server.base_url,
        "REDIS_URL": "",
    }
    migrate({**os.environ, **env})
    started = Daphne(env).start()
    yield started
    started.stop()


async def test_a_real_server_takes_its_own_port_and_scheme_and_no_other(server, upstream):
    port = server.port
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        await browser.get(server.url + "/")
        for origin in (f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await browser.ws_connect(server.url + "/ws/chat/", origin=origin)
            assert refused.value.status == 403
        async with browser.ws_connect(server.url + "/ws/chat/", origin=server.url) as tab:
            await tab.send_json({"type": "ask", "question": "Hi?", "render": False})
            frames = [await tab.receive_json(timeout=10)]
            while frames[-1]["type"] not in ("done", "error"):
                frames.append(await tab.receive_json(timeout=10))

    assert text_of(frames) == "Hello, world!"
