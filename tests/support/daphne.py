"""A real daphne process serving the app, for tests that cross process boundaries."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping

from tests.support import ROOT
from tests.support.console import manage_checked

APPLICATION = "streamdemo.asgi:application"
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


def migrate(env: Mapping[str, str]) -> None:
    """Make the database `env` names ready for a server started with that environment."""
    manage_checked("migrate", "--verbosity", "0", env=env)


class Daphne:
    """`daphne` on a free port of 127.0.0.1, with the environment given; stop() ends it."""

    def __init__(self, env: dict[str, str], port: int = 0) -> None:
        self.env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", **env}
        self.process: subprocess.Popen[str] | None = None
        # 0: a free port; a port of a server stopped just now, to serve its clients again.
        self.port = port
        self.output: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Daphne:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), APPLICATION],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # daphne says where it listens once the socket is bound: that line is the readiness signal.
        for line in self.process.stderr:
            self.output.append(line)
            found = LISTENING.search(line)
            if found:
                self.port = int(found.group(1))
                # Keep reading, or a full pipe would block daphne's logging.
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        raise RuntimeError("daphne exited before listening:\n" + "".join(self.output))

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.output.append(line)

    def kill(self) -> None:
        """End the process at once, as a crash would: no shutdown code runs."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve_app(base_url: str, database: object, **settings: str) -> Daphne:
    """The app under a daphne of its own, on SQLite at `database`, answering from `base_url`,
    its settings otherwise the defaults, with `settings` over them."""
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "STREAMDEMO_BASE_URL": base_url,
        "DJANGO_DEBUG": "true",
        **settings,
    }
    migrate({**os.environ, **env})
    return Daphne(env).start()
