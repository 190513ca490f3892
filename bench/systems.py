"""The systems the benchmark puts side by side, and how to start each one on 127.0.0.1.

1. `upstream`: the stamping upstream itself, read over SSE: what the wire alone costs.
2. `floor`: `bench.floor_relay`, the thinnest websocket relay: the yardstick.
3. `app`: this project under daphne, exactly as deployed, asked with `render: false`: pieces
   only, as every other system sends.
4. `app-page`: the same, asked as the page asks (its default: `html` frames too).
5. `g4f-api`: g4f's own OpenAI-compatible server (`g4f api`), read over SSE; not in the
   default run, where it would take longer than all the others together.
6. `floor-g4f`, `floor-daphne`, `floor-g4f-daphne`: the floor reading the upstream through
   g4f's `AsyncClient`, served by daphne, or both (`floor_relay --reader g4f`,
   `daphne_floor`): what each of the two costs on its own, and the least the app, which
   relays `AsyncClient` under daphne, could cost.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# `make bench` installs `g4f api` apart from the app (see the Makefile).
G4F_API_BIN = ROOT / ".venv-g4f-api" / "bin"


@dataclass(frozen=True)
class System:
    name: str
    # "app" speaks the app's protocol as a page does (a session, acks), "ws" the same frames
    # to the floor, which needs neither; "sse" posts to /chat/completions.
    kind: str
    port: int
    command: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # Merged into each ask frame (ws) or request body (sse).
    body: dict[str, Any] = field(default_factory=dict)
    # Run once before the first start, e.g. to create the app's database.
    prepare: tuple[tuple[str, ...], ...] = ()

    @property
    def url(self) -> str:
        if self.kind != "sse":
            return f"ws://127.0.0.1:{self.port}/ws/chat/"
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"


def all_systems(
    base_port: int, scratch: Path, database_url: str | None = None
) -> dict[str, System]:
    """Every system, with its state (g4f's files, the app's database) kept under `scratch`.

    Each app system has a fresh SQLite database of its own unless `database_url` names one.
    """
    upstream_url = f"http://127.0.0.1:{base_port}/v1"
    g4f_env = g4f_environment(scratch / "g4f", upstream_url)

    def app_env(name: str) -> dict[str, str]:
        return {
            **g4f_env,
            "STREAMDEMO_BASE_URL": upstream_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_STATIC_ROOT": str(scratch / "static"),
            "DATABASE_URL": database_url or f"sqlite:///{scratch / f'{name}.sqlite3'}",
            # Every visitor of the load comes from 127.0.0.1: an address may otherwise hold
            # only ten sessions' worth of sockets and replies. Each session stays in its own
            # limits (one socket, one reply), as a visitor's would; each loads the page first,
            # starting a session of its own, a thousand at once.
            "STREAMDEMO_PER_ADDRESS": "100000",
            "STREAMDEMO_NEW_SESSIONS_PER_MINUTE": "1000000",
        }

    return {
        "upstream": System("upstream", "sse", base_port),
        "floor": System(
            "floor",
            "ws",
            base_port + 1,
            (
                sys.executable,
                *("-m", "bench.floor_relay"),
                *("--port", str(base_port + 1), "--upstream", upstream_url),
            ),
        ),
        "g4f-api": System(
            "g4f-api",
            "sse",
            base_port + 2,
            (
                str(G4F_API_BIN / "g4f"),
                *("api", "--bind", f"127.0.0.1:{base_port + 2}", "--no-gui"),
                *("--disable-pa-auto-download", "--no-access-log", "--ignore-cookie-files"),
            ),
            env=g4f_env,
            # g4f's API turns a URL given as the provider into an OpenAI-compatible provider.
            body={"provider": upstream_url},
        ),
        "floor-g4f": System(
            "floor-g4f",
            "ws",
            base_port + 5,
            (
                sys.executable,
                *("-m", "bench.floor_relay", "--reader", "g4f"),
                *("--port", str(base_port + 5), "--upstream", upstream_url),
            ),
            env=g4f_env,
        ),
        "floor-daphne": _daphne_floor(
            "floor-daphne", base_port + 6, upstream_url, "aiohttp", g4f_env
        ),
        "floor-g4f-daphne": _daphne_floor(
            "floor-g4f-daphne", base_port + 7, upstream_url, "g4f", g4f_env
        ),
        "app": _app("app", base_port + 3, app_env("app"), {"render": False}),
        # As the page asks: html frames on, each carrying only the blocks that changed.
        "app-page": _app("app-page", base_port + 4, app_env("app-page"), {"render": "changes"}),
    }


def _daphne_floor(
    name: str, port: int, upstream_url: str, reader: str, g4f_env: dict[str, str]
) -> System:
    return System(
        name,
        "ws",
        port,
        (str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "bench.daphne_floor:application"),
        env={**g4f_env, "FLOOR_UPSTREAM": upstream_url, "FLOOR_READER": reader},
    )


def _app(name: str, port: int, env: dict[str, str], body: dict[str, Any]) -> System:
    return System(
        name,
        "app",
        port,
        (str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "streamdemo.asgi:application"),
        env=env,
        body=body,
        # As deployed with debug off: the page needs its static files collected.
        prepare=(
            (sys.executable, "manage.py", "migrate", "--verbosity", "0"),
            (sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"),
        ),
    )


def upstream_command(port: int) -> tuple[str, ...]:
    return (sys.executable, "-m", "bench.upstream", "--port", str(port))


def g4f_environment(home: Path, upstream_url: str) -> dict[str, str]:
    """g4f's config and cache in a throwaway folder, seeded so nothing reaches the internet.

    `g4f api` resolves its default provider at import time from a provider list it downloads
    once a day; a list already in the cache, naming only the local upstream, keeps it offline.
    """
    cache = home / "cache"
    today = cache / ".models" / datetime.date.today().isoformat()
    today.mkdir(parents=True, exist_ok=True)
    listing = {"providers": {"default": {"baseUrl": upstream_url}}, "defaultModels": {}}
    (today / "providers.json").write_text(json.dumps(listing))
    return {"G4F_CONFIG_DIR": str(home), "G4F_CACHE_DIR": str(cache)}


class Running:
    """A started server process; stopping it is certain, even when it ignores a polite signal."""

    def __init__(self, command: tuple[str, ...], env: dict[str, str], port: int, log: Path):
        self.port = port
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}: see {self._log.name}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nothing listened on port {self.port} within {timeout:g} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
