"""`manage.py runserver` (`make run`): on a taken port, one clear line and status 1, at once.

Each case runs with and without --noreload: with the autoreloader, the process started only
watches files while a child it starts serves, and the error has to end both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from chat.endings import RESTARTED
from tests.support import ROOT
from tests.support.daphne import migrate
from tests.support.upstream import Script

# Longer than the minute a server is given to exit, so that its failure is the one reported.
pytestmark = pytest.mark.timeout(120)

RELOADING = pytest.mark.parametrize(
    "reload_args", [["--noreload"], []], ids=["noreload", "autoreload"]
)
# Another server taking the port between the command's check and daphne's own listen, as when
# two servers start at once: the check is skipped, so daphne's listen is what fails.
RACE = """
import sys
import django
django.setup()
from chat.management.commands import runserver
runserver.cannot_listen = lambda host, port: None
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "streamdemo.settings",
        "DJANGO_DEBUG": "true",
        # Its own SQLite, so the command's migration check leaves the project's alone.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Lines as they are written, not when a pipe's buffer fills.
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port of 127.0.0.1 another server listens on."""
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        yield other_server.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    # A session of its own, so that ending it ends the autoreloader's child too.
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def end(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def run_to_exit(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """subprocess.run(args, timeout=60), but however it ends, the autoreloader's child ends."""
    process = start(args, env)
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("runserver was still running a minute after it could not listen")
    finally:
        end(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_says_port_taken(result: subprocess.CompletedProcess[str], port: int) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(
        f"Error: Port {port} on 127.0.0.1 is already in use: "
        "stop the other server or pick another port, e.g. make run PORT="
    ), result.stderr
    assert "Listen failure" not in result.stderr


@RELOADING
def test_a_taken_port_ends_runserver_with_one_line_and_status_1(env, taken_port, reload_args):
    result = run_to_exit(["manage.py", "runserver", f"127.0.0.1:{taken_port}", *reload_args], env)

    assert_says_port_taken(result, taken_port)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Starting ASGI/Daphne" not in result.stdout


@RELOADING
def test_a_port_taken_while_runserver_starts_still_ends_it(env, taken_port, reload_args, tmp_path):
    # The autoreloader starts its child with the same script, so the race is a file, not -c.
    script = tmp_path / "manage_race.py"
    script.write_text(RACE)
    env = {**env, "PYTHONPATH": str(ROOT)}

    result = run_to_exit([str(script), "runserver", f"127.0.0.1:{taken_port}", *reload_args], env)

    assert_says_port_taken(result, taken_port)


@RELOADING
def test_on_a_free_port_runserver_listens_and_answers(env, reload_args):
    port = free_port()
    process = start(["manage.py", "runserver", f"127.0.0.1:{port}", *reload_args], env)
    try:
        # Read until it says it listens; if it exits first, the loop ends with its output.
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Listening on TCP address"):
                break
        assert seen[-1].strip() == f"Listening on TCP address 127.0.0.1:{port}", "".join(seen)
        assert any("Starting ASGI/Daphne" in line for line in seen)

        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"GET /static/chat/icon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    finally:
        end(process)


# -- answers running when the server restarts or stops ------------------------------------


def wait_for_line(process: subprocess.Popen[str], prefix: str, timeout: float = 60) -> None:
    """Read the server's output until a line starts with `prefix`; past `timeout`, fail."""
    deadline, output = time.monotonic() + timeout, b""
    fd = process.stdout.fileno()
    while (left := deadline - time.monotonic()) > 0 and select.select([fd], [], [], left)[0]:
        more = os.read(fd, 4096)
        if not more:
            pytest.fail(f"runserver ended without printing {prefix!r}: {output.decode()}")
        output += more
        lines = output.decode(errors="replace").splitlines(keepends=True)
        if any(line.startswith(prefix) and line.endswith("\n") for line in lines):
            return
    pytest.fail(f"runserver did not print {prefix!r} within {timeout:g} s: {output.decode()}")


def reload(process: subprocess.Popen[str]) -> None:
    """Change a source file until the server reloads. The autoreloader only notices a file
    changed since it first looked at it, which on a busy machine may be after the first change."""
    for _ in range(6):
        (ROOT / "chat" / "endings.py").touch()
        with contextlib.suppress(pytest.fail.Exception):
            wait_for_line(process, "Listening on TCP address", timeout=10)
            return
    pytest.fail("runserver did not reload after a source file changed")


def turns(database: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT status, error_code, answer FROM chat_turn").fetchall()


async def ask_until_half(url: str, upstream) -> tuple[aiohttp.ClientSession, str]:
    """A browser that opened the page and asked; the reply's id, once its first text came."""
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    await browser.get(url + "/")
    tab = await browser.ws_connect(url + "/ws/chat/", origin=url)
    await tab.send_json({"type": "ask", "question": "q", "render": False})
    reply = (await tab.receive_json(timeout=30))["reply"]
    assert (await tab.receive_json(timeout=30))["content"] == "Half"
    return browser, reply


@pytest.fixture
def serving(env, upstream, tmp_path) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """runserver with its autoreloader, as `make run` starts it, answering from the upstream."""
    database = tmp_path / "db.sqlite3"
    env = {**env, "STREAMDEMO_BASE_URL": upstream.base_url, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    migrate(env)
    port = free_port()
    process = start(["manage.py", "runserver", f"127.0.0.1:{port}"], env)
    try:
        wait_for_line(process, "Listening on TCP address")
        yield process, f"http://127.0.0.1:{port}", database
    finally:
        end(process)


async def test_a_reload_mid_answer_keeps_its_text_and_says_the_server_restarted(serving, upstream):
    process, url, database = serving
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))
    browser, reply = await ask_until_half(url, upstream)
    try:
        # A source file changes, as when a developer saves one: the server reloads.
        await asyncio.to_thread(reload, process)

        async with browser.ws_connect(url + "/ws/chat/", origin=url) as tab:
            await tab.send_json({"type": "resume", "reply": reply, "after": -1, "render": False})
            frames = [await tab.receive_json(timeout=30) for _ in range(3)]
    finally:
        await browser.close()

    assert [frame["type"] for frame in frames] == ["start", "delta", "error"]
    assert (frames[1]["content"], frames[2]["code"], frames[2]["text"]) == (
        "Half",
        "interrupted",
        "Half",
    )
    assert frames[2]["note"] == f"Cut off: {RESTARTED}"
    assert await asyncio.to_thread(upstream.exchanges[0].closed.wait, 10)
    assert turns(database) == [("failed", "interrupted", "Half")]


async def test_ctrl_c_mid_answer_keeps_its_text(serving, upstream):
    process, url, database = serving
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))
    browser, _ = await ask_until_half(url, upstream)
    try:
        os.killpg(process.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
        await asyncio.to_thread(process.wait, 60)
    finally:
        await browser.close()

    assert turns(database) == [("failed", "interrupted", "Half")]
