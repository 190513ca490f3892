"""The server may hold as many connections as the system lets it, not the 1,024 it starts with."""

import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_asgi_application_raises_the_open_files_limit_to_the_hard_one():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip(f"a hard limit of {hard} leaves nothing to raise")

    def start_low() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, streamdemo.asgi; "
            "print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])",
        ],
        cwd=ROOT,
        preexec_fn=start_low,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert int(shown.stdout) == hard
