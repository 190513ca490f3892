"""A real Chromium (Debian's) against a real daphne serving the app with DEBUG off.

The app talks to the test upstream in this process, so each test scripts the answer and
gates its chunks exactly as the websocket tests do.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support import ROOT
from tests.support.console import manage_checked
from tests.support.daphne import Daphne, migrate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "tests" / "artifacts"

# Conditions are awaited, never slept on; on a busy two-core machine they may take a while.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop running in this thread from its first use to
    # the end of the session, and async tests cannot start theirs beside it: browsers go last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, pytestconfig):
    if not CHROMIUM.exists():
        message = f"the browser tests need Debian's chromium at {CHROMIUM}"
        if os.environ.get("CI") == "true" or pytestconfig.getoption("--require-services"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


def app_env(folder: Path, upstream_base_url: str) -> dict[str, str]:
    """The environment of a daphne serving the app as in production: DEBUG off, static files
    collected into `folder`, its own SQLite there, answers from the test upstream."""
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "browser-tests-secret-key-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "REDIS_URL": "",
        "STREAMDEMO_BASE_URL": upstream_base_url,
        "STREAMDEMO_PROVIDER": "",
        "STREAMDEMO_API_KEY": "",
        "STREAMDEMO_MODEL": "gpt-4",
        "STREAMDEMO_MODELS": "gpt-4,other-model",
        # Offered in the picker; g4f has no provider of that name, so choosing it fails at once.
        "STREAMDEMO_PROVIDERS": "NoSuchProvider",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Small enough for a test to outgrow in three turns, large enough for every other.
        "STREAMDEMO_CONTEXT_CHARS": "2000",
        # Twice what the page reads between two acks: a long answer shows the page acknowledges.
        "STREAMDEMO_SOCKET_WINDOW_BYTES": str(128 * 1024),
        # Every browser context of the suite is a new visitor from 127.0.0.1, to one server.
        "STREAMDEMO_NEW_SESSIONS_PER_MINUTE": "100000",
    }


def prepare(server: Daphne) -> Daphne:
    """Create the server's tables and collect its static files."""
    migrate(server.env)
    manage_checked("collectstatic", "--noinput", "--verbosity", "0", env=server.env)
    return server


@pytest.fixture(scope="session")
def app_server(upstream_server, tmp_path_factory) -> Iterator[Daphne]:
    """daphne serving the app for every browser test."""
    server = prepare(Daphne(app_env(tmp_path_factory.mktemp("app"), upstream_server.base_url)))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(app_server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored); emptied once per run."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def chat(page: Page, upstream) -> Page:
    """A fresh browser on the new-chat page, connected."""
    page.goto("/")
    page.locator("#status[data-state='connected']").wait_for()
    return page
