import os
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.support import console
from tests.support.console import ReleasingStdout
from tests.support.upstream import Script

ANSWER = ["Use", " os.walk", "() or", " pathlib's rglob."]


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("streamdemo", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


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
    settings.STREAMDEMO_BASE_URL = "http://127.0.0.1:9/v1"

    out, _ = run("--mode", "sync", "--base-url", upstream.base_url)

    assert out.endswith("Hello, world!\n")


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
def test_a_failure_mid_answer_keeps_what_was_printed_and_raises_one_clear_error(upstream, mode):
    upstream.will_answer(Script(chunks=["Half", " an answer"], fault="drop", gated=True))
    stdout = ReleasingStdout(upstream, ["Half", " an answer"])

    with pytest.raises(CommandError) as raised:
        call_command("streamdemo", "--mode", mode, stdout=stdout)

    assert stdout.getvalue().endswith("Half an answer\n")
    assert (
        str(raised.value)
        == f"{upstream.base_url}: the connection was lost in the middle of the answer"
    )


def manage(*args: str, timeout: float = 30):
    env = {**os.environ, "STREAMDEMO_BASE_URL": "", "STREAMDEMO_PROVIDER": ""}
    return console.manage("streamdemo", *args, env=env, timeout=timeout)


def test_upstream_http_error_exits_non_zero_with_one_stderr_line_and_no_traceback(upstream):
    upstream.will_answer(Script(fault="http_500"))

    result = manage("--mode", "sync", "--base-url", upstream.base_url)

    assert result.returncode == 1
    assert result.stdout == "Synchronous Stream:\n"
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert upstream.base_url in result.stderr
    assert "500" in result.stderr


@pytest.mark.parametrize(
    ("base_url", "cause"),
    [
        ("http://127.0.0.1:9/v1", "connection refused"),
        ("http://no-such-host.invalid/v1", "does not resolve"),
    ],
)
def test_an_unreachable_backend_fails_within_seconds(base_url, cause):
    started = time.monotonic()
    result = manage("--base-url", base_url, timeout=20)

    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert result.stderr.startswith(f"CommandError: {base_url}: ")
    assert cause in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_silent_backend_times_out_instead_of_hanging(upstream, settings):
    settings.STREAMDEMO_FIRST_TOKEN_TIMEOUT = 0.5
    upstream.will_answer(Script(chunks=[], fault="stall"))

    with pytest.raises(CommandError, match=r"no answer began within 0\.5 s"):
        run("--mode", "sync")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_dead_first_candidate_falls_through_to_the_next_one(upstream, mode):
    upstream.default = Script(chunks=ANSWER)

    out, err = run("--mode", mode, "--base-url", f"http://127.0.0.1:9/v1,{upstream.base_url}")

    assert out.endswith("".join(ANSWER) + "\n")
    assert err == ""
