"""The console side: `manage.py` run as a person runs it, and a terminal for `call_command`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from io import StringIO
from typing import IO

from tests.support import ROOT
from tests.support.upstream import Upstream

# Acts on a running command (reading its stdout as it prints, signalling it); returns what it read.
Watch = Callable[[subprocess.Popen[bytes]], bytes]


def manage(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    watch: Watch | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python manage.py ARGS` from the project's root, its output captured as text.

    `env` is the whole environment (this process's by default). `watch`, given, is handed the
    running process before the rest of its output is collected.
    """
    command = [sys.executable, "manage.py", *args]
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(os.environ if env is None else env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            early = watch(process) if watch is not None else b""
            rest, errors = process.communicate(timeout=timeout)
        except BaseException:
            process.kill()
            raise
    return subprocess.CompletedProcess(
        command, process.returncode, (early + rest).decode(), errors.decode()
    )


def read_until(stdout: IO[bytes], expected: bytes, printed: bytes = b"") -> bytes:
    """What a running command printed, read until it holds `expected` (or the output ends)."""
    while expected not in printed:
        more = os.read(stdout.fileno(), 4096)
        if not more:
            break
        printed += more
    return printed


def manage_checked(*args: str, env: Mapping[str, str], timeout: float = 120) -> None:
    """`manage` for a step that sets things up (migrate, collectstatic): it must succeed."""
    result = manage(*args, env=env, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")


class ReleasingStdout(StringIO):
    """A terminal for `call_command` that lets a gated upstream produce its next chunk each time
    it shows one of `chunks`; it records, for each write, how many chunks upstream had sent."""

    def __init__(self, upstream: Upstream, chunks: list[str]) -> None:
        super().__init__()
        self.upstream = upstream
        self.chunks = chunks
        self.writes: list[tuple[str, int]] = []
        self.flushes = 0

    def write(self, text: str) -> int:
        produced = self.upstream.exchanges[-1].sent if self.upstream.exchanges else 0
        self.writes.append((text, produced))
        written = super().write(text)
        if text in self.chunks:
            self.upstream.release()
        return written

    def flush(self) -> None:
        self.flushes += 1
