"""`manage.py streamdemo`: one question, its answer printed as it streams, through each client.

Whatever goes wrong, the text printed so far stays on stdout, one line naming the backend and
the cause goes to stderr, and the exit status is 1.
"""

import os
import signal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support import console
from tests.support.console import ReleasingStdout, read_until
from tests.support.faults import FAULTS, closed_port_url, label_of
from tests.support.upstream import REASONING_WAYS, Script, Upstream

ANSWER = ["Use", " os.walk", "() or", " pathlib's rglob."]
HEADINGS = {
    "sync": "Synchronous Stream:\n",
    "async": "Asynchronous Stream:\n",
    "both": "Synchronous Stream:\n",  # up to a failure, which ends the command
}


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("streamdemo", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def manage(*args: str, watch=None, **env: str):
    """`python manage.py streamdemo ...` as a user runs it, with these settings."""
    environment = {**os.environ, "STREAMDEMO_BASE_URL": "", "STREAMDEMO_PROVIDER": "", **env}
    return console.manage("streamdemo", *args, env=environment, watch=watch)


def printed_before(fault_kept: list[str], mode: str) -> str:
    """What stdout holds when the answer breaks off after `fault_kept`."""
    text = "".join(fault_kept)
    return HEADINGS[mode] + (f"{text}\n" if text else "")


# -- answers ---------------------------------------------------------------------------------


def test_both_mode_prints_the_sync_answer_then_a_blank_line_then_the_async_answer(upstream):
    upstream.default = Script(chunks=ANSWER)

    out, err = run()

    answer = "".join(ANSWER)
    assert out == f"Synchronous Stream:\n{answer}\n\nAsynchronous Stream:\n{answer}\n"
    assert err == ""


@pytest.mark.parametrize(("mode", "heading"), [("sync", "Synchronous"), ("async", "Asynchronous")])
def test_one_mode_prints_only_its_heading_and_answer(upstream, mode, heading):
    upstream.default = Script(chunks=ANSWER)

    out, _ = run("--mode", mode)

    assert out == f"{heading} Stream:\n{''.join(ANSWER)}\n"
    assert len(upstream.exchanges) == 1


def test_asks_the_default_question_of_gpt_4(upstream):
    run("--mode", "sync")

    body = upstream.exchanges[0].body
    assert body["model"] == "gpt-4"
    assert body["messages"] == [
        {
            "role": "user",
            "content": "Hey! How can I recursively list all files in a directory in Python?",
        }
    ]
    assert body["stream"] is True


def test_question_and_model_flags_override_the_settings(upstream):
    run("--mode", "async", "--question", "Why?", "--model", "llama3")

    body = upstream.exchanges[0].body
    assert (body["model"], body["messages"][-1]["content"]) == ("llama3", "Why?")


def test_base_url_flag_points_at_another_endpoint(upstream, settings):
    settings.STREAMDEMO_BASE_URL = closed_port_url()

    out, _ = run("--mode", "sync", "--base-url", upstream.base_url)

    assert out.endswith("Hello, world!\n")


def test_the_console_runs_with_debug_off_and_no_secret_key(upstream):
    unset = ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    environment["STREAMDEMO_BASE_URL"] = upstream.base_url

    result = console.manage("streamdemo", "--mode", "async", env=environment)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith("Hello, world!\n")


def test_api_key_flag_is_sent_as_a_bearer_token(upstream):
    run("--mode", "async", "--api-key", "sk-test")

    assert upstream.exchanges[0].headers["Authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_each_delta_is_printed_and_flushed_before_the_next_exists_upstream(upstream, mode):
    upstream.will_answer(Script(chunks=ANSWER, gated=True))
    stdout = ReleasingStdout(upstream, ANSWER)

    call_command("streamdemo", "--mode", mode, stdout=stdout)

    deltas = [(text, produced) for text, produced in stdout.writes if text in ANSWER]
    assert deltas == [(text, seq + 1) for seq, text in enumerate(ANSWER)]
    assert stdout.flushes >= len(ANSWER)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dead_first_candidate_falls_through_to_the_next_one(upstream, mode):
    upstream.default = Script(chunks=ANSWER)

    out, err = run("--mode", mode, "--base-url", f"{closed_port_url()},{upstream.base_url}")

    assert out.endswith("".join(ANSWER) + "\n")
    assert err == ""


# -- failures --------------------------------------------------------------------------------


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
    assert message.startswith(f"{label_of(backend)}: ")
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
    assert str(raised.value) == f"{upstream.label}: no answer began within 0.3 s"


# One real process per kind of failure: HTTP status, network, broken stream, silence.
@pytest.mark.parametrize(
    ("name", "mode"),
    [("http_429", "sync"), ("unresolvable", "async"), ("malformed", "sync"), ("refused", "both")],
)
def test_a_failing_backend_exits_1_with_one_stderr_line_and_no_traceback(upstream, name, mode):
    fault = FAULTS[name]
    if fault.script is not None:
        upstream.will_answer(fault.script)
    backend = fault.backend(upstream)

    result = manage("--mode", mode, "--base-url", backend)

    assert result.returncode == 1
    assert result.stdout == printed_before(fault.kept, mode)
    assert result.stderr.startswith(f"CommandError: {label_of(backend)}: ")
    assert fault.says in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def released_as_printed(upstream: Upstream, chunks: list[str]):
    """Lets a gated upstream go on each time the next of `chunks` is printed."""

    def watch(process) -> bytes:
        printed = b""
        for shown in range(1, len(chunks) + 1):
            printed = read_until(process.stdout, "".join(chunks[:shown]).encode(), printed)
            upstream.release()
        return printed

    return watch


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_connection_cut_mid_answer_exits_1_and_keeps_the_text_printed(upstream, mode):
    fault = FAULTS["dropped"]
    upstream.will_answer(fault.script)
    watch = released_as_printed(upstream, fault.kept)

    result = manage("--mode", mode, "--base-url", upstream.base_url, watch=watch)

    assert result.returncode == 1
    assert result.stdout == printed_before(fault.kept, mode)
    assert result.stderr == f"CommandError: {upstream.label}: {fault.says}\n"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_stalled_backend_exits_1_with_one_stderr_line_instead_of_hanging(upstream, mode):
    upstream.will_answer(Script(chunks=["Started", " then"], fault="stall"))

    result = manage("--mode", mode, "--base-url", upstream.base_url, STREAMDEMO_IDLE_TIMEOUT="0.5")

    assert result.returncode == 1
    assert result.stdout == HEADINGS[mode] + "Started then\n"
    assert result.stderr == (
        f"CommandError: {upstream.label}: the answer stalled: nothing for 0.5 s\n"
    )


@pytest.fixture
def interruptible():
    """Ctrl-C reaches the commands started meanwhile, even when this run ignores it (as a job
    started in the background does): a process inherits an ignored SIGINT, never a handler."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if before is not None:
        signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("interruptible")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_ctrl_c_mid_answer_exits_130_and_keeps_the_text_printed(upstream, mode):
    upstream.will_answer(Script(chunks=["Half", " never"], gated=True))

    def interrupt(process) -> bytes:
        printed = read_until(process.stdout, b"Half")
        process.send_signal(signal.SIGINT)
        return printed

    result = manage("--mode", mode, "--base-url", upstream.base_url, watch=interrupt)

    assert result.returncode == 130
    # An interrupt that lands between printing a delta and noting it was printed leaves the
    # line unended (the sync client can be interrupted there), so the text alone is compared.
    assert result.stdout.rstrip("\n") == HEADINGS[mode] + "Half"
    assert result.stderr == "CommandError: interrupted\n"


# -- thinking, and answers the backend ended early ------------------------------------------

THOUGHT = ["Files", " under a", " folder:", " walk it."]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("way", ["reasoning_content", "reasoning"])
def test_the_thinking_is_printed_as_it_streams_under_a_line_of_its_own(upstream, mode, way):
    upstream.will_answer(Script(reasoning=THOUGHT, chunks=ANSWER, reasoning_as=way, gated=True))
    stdout = ReleasingStdout(upstream, [*THOUGHT, *ANSWER])

    call_command("streamdemo", "--mode", mode, stdout=stdout)

    heading = HEADINGS[mode]
    thought, answer = "".join(THOUGHT), "".join(ANSWER)
    assert stdout.getvalue() == f"{heading}Thinking:\n{thought}\n\nAnswer:\n{answer}\n"
    # Each piece of the thinking too is printed before the next exists upstream.
    pieces = [(text, produced) for text, produced in stdout.writes if text in THOUGHT]
    assert [text for text, _ in pieces] == THOUGHT
    assert [produced for _, produced in pieces] == sorted(produced for _, produced in pieces)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("way", REASONING_WAYS)
def test_both_clients_print_the_thinking_alike_however_it_is_sent(upstream, mode, way):
    upstream.will_answer(Script(reasoning=THOUGHT, chunks=ANSWER, reasoning_as=way))

    out, _ = run("--mode", mode)

    thought, answer = "".join(THOUGHT), "".join(ANSWER)
    assert out == f"{HEADINGS[mode]}Thinking:\n{thought}\n\nAnswer:\n{answer}\n"


def test_on_a_terminal_the_thinking_is_dim_and_the_answer_is_not(upstream):
    upstream.will_answer(Script(reasoning=THOUGHT, chunks=ANSWER))

    out, _ = run("--mode", "async", "--force-color")

    thought, answer = "".join(THOUGHT), "".join(ANSWER)
    assert out == f"Asynchronous Stream:\n\x1b[2m{thought}\x1b[0m\n\n{answer}\n"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_thinking_can_be_left_out(upstream, mode):
    upstream.will_answer(Script(reasoning=THOUGHT, chunks=ANSWER))

    out, _ = run("--mode", mode, "--reasoning", "hide")

    assert out == HEADINGS[mode] + "".join(ANSWER) + "\n"


@pytest.mark.parametrize(
    ("finish_reason", "said"),
    [
        ("length", "The answer stopped at the model's length limit.\n"),
        ("content_filter", "The backend's content filter stopped the answer.\n"),
        ("stop", ""),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_answer_the_backend_stopped_early_is_said_so_on_stderr(
    upstream, mode, finish_reason, said
):
    upstream.will_answer(Script(chunks=ANSWER, finish_reason=finish_reason))

    out, err = run("--mode", mode)

    assert out == HEADINGS[mode] + "".join(ANSWER) + "\n"
    assert err == said


def test_a_truncated_answer_exits_1_with_its_text_printed(upstream):
    upstream.will_answer(Script(chunks=ANSWER[:2], fault="truncate"))

    result = manage("--mode", "async", "--base-url", upstream.base_url)

    assert (result.returncode, result.stdout) == (
        1,
        f"Asynchronous Stream:\n{''.join(ANSWER[:2])}\n",
    )
    assert result.stderr == (
        f"CommandError: {upstream.label}: the answer was cut off: the backend ended the "
        "stream without saying it had finished\n"
    )


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_is_refused_before_anything_is_asked(upstream, question):
    result = manage("--question", question)

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr == "CommandError: The question is empty: say what to ask with --question.\n"
    )
    assert upstream.exchanges == []


def test_a_base_url_without_a_scheme_is_refused_before_anything_is_asked(upstream):
    without = upstream.base_url.removeprefix("http://")

    result = manage("--base-url", without)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"CommandError: The base URL {without!r} must start with http:// or https:// "
        f"(for instance http://{without}).\n"
    )
    assert upstream.exchanges == []


def test_a_reader_that_stops_reading_ends_the_command_quietly(upstream):
    # As `manage.py streamdemo | head -n 2` does: the pipe closes after a couple of lines.
    upstream.will_answer(Script(chunks=[f"line {n}\n" for n in range(2000)]))

    def read_two_lines_then_go(process) -> bytes:
        printed = read_until(process.stdout, b"line 1\n")
        process.stdout.close()
        return printed

    result = manage(
        "--mode", "async", "--base-url", upstream.base_url, watch=read_two_lines_then_go
    )

    assert "Traceback" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
    assert result.returncode == 1
