"""Every way the backend can fail, seen from the console: the text printed so far stays on
stdout, one line naming the backend and the cause goes to stderr, and the exit status is 1."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support import console
from tests.support.console import ReleasingStdout
from tests.support.faults import FAULTS
from tests.support.upstream import Script, Upstream

HEADINGS = {"sync": "Synchronous Stream:\n", "async": "Asynchronous Stream:\n"}


def printed_before(fault_kept: list[str], mode: str) -> str:
    """What stdout holds when the answer breaks off after `fault_kept`."""
    text = "".join(fault_kept)
    return HEADINGS[mode] + (f"{text}\n" if text else "")


def manage(*args: str, watch=None, **env: str):
    """`python manage.py streamdemo ...` as a user runs it, with these settings."""
    return console.manage(
        "streamdemo", *args, env={**os.environ, "STREAMDEMO_PROVIDER": "", **env}, watch=watch
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", FAULTS)
def test_an_upstream_fault_keeps_the_text_printed_and_raises_one_error_naming_the_backend(
    upstream, name, mode
):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    backend = fault.backend(upstream)
    stdout = ReleasingStdout(upstream, fault.kept)

    with pytest.raises(CommandError) as raised:
        call_command("streamdemo", "--mode", mode, "--base-url", backend, stdout=stdout)

    assert stdout.getvalue() == printed_before(fault.kept, mode)
    message = str(raised.value)
    assert message.startswith(f"{backend}: ")
    assert fault.says in message
    assert "\n" not in message


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_first_token_within_the_timeout_ends_the_command_with_an_error(upstream, settings, mode):
    settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=[], fault="stall"))
    stdout = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("streamdemo", "--mode", mode, stdout=stdout)

    assert stdout.getvalue() == HEADINGS[mode]
    assert str(raised.value) == f"{upstream.base_url}: no answer began within 0.3 s"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stall_mid_answer_keeps_the_text_printed_and_ends_with_an_error(upstream, settings, mode):
    settings.STREAMDEMO_IDLE_TIMEOUT = 0.3
    upstream.will_answer(Script(chunks=["Started", " then"], fault="stall"))
    stdout = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("streamdemo", "--mode", mode, stdout=stdout)

    assert stdout.getvalue() == HEADINGS[mode] + "Started then\n"
    assert str(raised.value) == f"{upstream.base_url}: the answer stalled: nothing for 0.3 s"


# One real process per kind of failure: HTTP status, network, broken stream, silence.
@pytest.mark.parametrize(
    ("name", "mode"),
    [("http_429", "sync"), ("unresolvable", "async"), ("malformed", "sync")],
)
def test_a_failing_backend_exits_1_with_one_stderr_line_and_no_traceback(upstream, name, mode):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    backend = fault.backend(upstream)

    result = manage("--mode", mode, "--base-url", backend)

    assert result.returncode == 1
    assert result.stdout == printed_before(fault.kept, mode)
    assert result.stderr.startswith(f"CommandError: {backend}: ")
    assert fault.says in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_connection_cut_mid_answer_exits_1_and_keeps_the_text_printed(upstream, mode):
    fault = FAULTS["dropped"]
    upstream.will_answer(fault.script)

    result = manage(
        "--mode",
        mode,
        "--base-url",
        upstream.base_url,
        watch=released_as_printed(upstream, fault.kept),
    )

    assert result.returncode == 1
    assert result.stdout == printed_before(fault.kept, mode)
    assert result.stderr.startswith(f"CommandError: {upstream.base_url}: ")
    assert fault.says in result.stderr
    assert result.stderr.count("\n") == 1


def released_as_printed(upstream: Upstream, chunks: list[str]):
    """Lets a gated upstream go on each time the next of `chunks` is printed."""

    def watch(stdout) -> bytes:
        printed = b""
        for shown in range(1, len(chunks) + 1):
            expected = "".join(chunks[:shown]).encode()
            while expected not in printed:
                more = os.read(stdout.fileno(), 4096)
                if not more:
                    break
                printed += more
            upstream.release()
        return printed

    return watch


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stalled_backend_exits_1_with_one_stderr_line_instead_of_hanging(upstream, mode):
    upstream.will_answer(Script(chunks=["Started"], fault="stall"))

    result = manage("--mode", mode, "--base-url", upstream.base_url, STREAMDEMO_IDLE_TIMEOUT="0.5")

    assert result.returncode == 1
    assert result.stdout == HEADINGS[mode] + "Started\n"
    assert result.stderr == (
        f"CommandError: {upstream.base_url}: the answer stalled: nothing for 0.5 s\n"
    )
