import asyncio
import inspect
import os
import tempfile

import pytest
import redis

from tests.support.upstream import Script, Upstream

# g4f keeps usage logs and caches under $HOME; the tests must not touch the user's.
os.environ.setdefault("G4F_CONFIG_DIR", tempfile.mkdtemp(prefix="streamdemo-g4f-"))


def pytest_addoption(parser):
    parser.addoption(
        "--require-services",
        action="store_true",
        help="fail, instead of skipping, tests whose Redis or PostgreSQL is missing (CI)",
    )


# The Redis database of the tests that need one of their own (the Redis reply log's, the worker
# processes'): db 14 of the local Redis, unless STREAMDEMO_TEST_REDIS_URL names another. Not db 0,
# a developer's own, nor the Makefile's TEST_REDIS_URL (db 13), which `make test-services`
# flushes and passes here instead, so that the two runs never share a database.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="session")
def redis_url(request):
    """A Redis for tests that need one: skipped where there is none, but a failure in CI."""
    url = os.environ.get("STREAMDEMO_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        if request.config.getoption("--require-services") or os.environ.get("CI"):
            pytest.fail(f"this test needs Redis at {url}")
        pytest.skip(f"no Redis at {url}")
    return url


@pytest.fixture(scope="session", autouse=True)
def fresh_reply_log(request):
    """In the services run, an empty reply log, as the test database starts empty.

    Replies of an earlier run would otherwise still be there under their ids. Only the run
    `make test-services` starts, with the Redis database it names, is flushed: a `REDIS_URL`
    found in a developer's `.env` may be a Redis in use.
    """
    from django.conf import settings

    if settings.REDIS_URL and request.config.getoption("--require-services"):
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(scope="session", autouse=True)
def pools_closed_before_the_test_database_goes(django_db_setup):
    """On PostgreSQL each connection comes from a pool, and sockets' and replies' connections,
    opened in other threads, go back to it open: it is closed before the test database is
    dropped (set up first, this is torn down first), which PostgreSQL refuses while a
    connection uses it."""
    yield
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if getattr(connection, "pool", None) is not None:
            connection.close_pool()


@pytest.fixture(autouse=True)
def fresh_limits():
    """Each test a visitor no limit has counted yet: every test comes from 127.0.0.1."""
    from django.conf import settings

    from chat.limits import forget_limits
    from chat.new_sessions import new_sessions

    forget_limits()
    new_sessions.forget()
    if settings.REDIS_URL:
        from chat.limits.redis_limits import forget_everything

        asyncio.run(forget_everything(settings.REDIS_URL))
    yield
    forget_limits()


@pytest.fixture(scope="session")
def upstream_server():
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(upstream_server, settings):
    """The test upstream, fresh for each test, and the app pointed at it through settings."""
    upstream_server.default = Script()
    upstream_server.exchanges.clear()
    upstream_server.model_lists = 0
    upstream_server.reset_gate()
    settings.STREAMDEMO_BASE_URL = upstream_server.base_url
    settings.STREAMDEMO_PROVIDER = None
    settings.STREAMDEMO_API_KEY = None
    settings.STREAMDEMO_MODEL = "gpt-4"
    settings.STREAMDEMO_MODELS = ["gpt-4", "other-model"]
    yield upstream_server
    upstream_server.will_answer_nothing_more()


def pytest_collection_modifyitems(items):
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.fixturenames.append("replies_ended")


@pytest.fixture
async def replies_ended():
    """After each async test, the replies it left running end, and are saved, on its loop.

    A reply's turn may still be being stored, or its end saved, when a test has read all it
    wanted; the database must not be emptied under those writes.
    """
    yield
    from chat.replies import get_replies

    await get_replies().shutdown()
