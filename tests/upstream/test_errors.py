"""What a person reads when an upstream fails: a short code and a sentence, for each failure.

The exceptions are the real ones: raised by aiohttp, requests and g4f against the test upstream
or an address nothing answers at, or made exactly as those libraries make them where the fault
cannot be caused on purpose.
"""

import asyncio
import errno

import aiohttp
import g4f.errors
import pytest
import requests
from g4f.requests import sse_stream
from g4f.requests.raise_for_status import raise_for_status_async

from chat.upstream.backends import Backend
from chat.upstream.errors import CompletionError, classify, stalled, translated
from tests.support.faults import UNRESOLVABLE, closed_port_url
from tests.support.upstream import HTTP_FAULTS, Script

BACKEND = Backend(model="gpt-4", base_url="http://127.0.0.1:8080/v1")


def raised_by(call) -> Exception:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the error is what the test wants
        return error
    raise AssertionError("nothing was raised")


def aiohttp_get(url: str) -> Exception:
    async def get() -> None:
        async with aiohttp.ClientSession() as session, session.get(url):
            pass

    return raised_by(lambda: asyncio.run(get()))


def g4f_http_error(upstream, fault: str) -> Exception:
    """What g4f raises for the test upstream's answer with that HTTP fault."""
    upstream.will_answer(Script(fault=fault))

    async def post() -> None:
        url = f"{upstream.base_url}/chat/completions"
        async with aiohttp.ClientSession() as session, session.post(url, json={}) as response:
            await raise_for_status_async(response)

    return raised_by(lambda: asyncio.run(post()))


@pytest.mark.parametrize(
    ("fault", "code", "cause"),
    [
        ("http_400", "upstream_rejected", "the backend refused the request (HTTP 400): "),
        ("http_401", "auth_failed", "the backend refused the credentials (HTTP 401): "),
        ("http_429", "rate_limited", "rate limited upstream (HTTP 429): "),
        ("http_500", "upstream_unavailable", "the backend failed (HTTP 500): "),
    ],
)
def test_an_http_error_is_told_by_its_status_with_the_backends_own_words(
    upstream, fault, code, cause
):
    error = g4f_http_error(upstream, fault)

    assert classify(error) == (code, cause + HTTP_FAULTS[fault][1]["error"]["message"])


@pytest.mark.parametrize("fault", ["context_openai", "context_vllm", "context_llamacpp"])
def test_a_request_over_the_models_context_says_to_start_a_new_conversation(upstream, fault):
    code, cause = classify(g4f_http_error(upstream, fault))

    assert code == "context_too_long"
    assert cause.startswith(
        "the conversation no longer fits the model's context: start a new conversation (HTTP 400"
    )


def test_an_error_the_backend_sends_inside_the_stream_is_told_by_its_status():
    # g4f's wording for an error object that arrives as an event of the stream.
    error = g4f.errors.ResponseError("Error: Error 503: the model is loading")

    assert classify(error) == (
        "upstream_unavailable",
        "the backend failed (HTTP 503): the model is loading",
    )


def test_a_404_from_an_endpoint_asks_whether_its_base_url_ends_in_v1(upstream):
    error = g4f_http_error(upstream, "http_404")

    code, cause = classify(error, BACKEND)

    assert code == "upstream_rejected"
    assert cause.startswith("the backend has no such address (HTTP 404: ")
    assert cause.endswith("does the base URL end in /v1?")


def test_g4f_unable_to_fetch_its_providers_says_what_to_do_instead():
    # What g4f's automatic provider raises, offline, when it fetches its list of providers
    # (made here as requests makes it: the tests must not depend on the internet either way).
    request = requests.Request("GET", "https://g4f.dev/dist/js/providers.json").prepare()
    error = requests.ConnectionError(
        "HTTPSConnectionPool(host='g4f.dev', port=443): Max retries exceeded", request=request
    )

    code, cause = classify(error)

    assert code == "unreachable"
    assert "g4f could not fetch its list of providers from g4f.dev" in cause
    assert "STREAMDEMO_BASE_URL" in cause
    assert "Pointing it at your own model" in cause


@pytest.mark.parametrize(
    ("error", "code", "cause"),
    [
        # g4f raises a 504 as a RateLimitError: the status, not the class, says what it is.
        (
            g4f.errors.RateLimitError("Response 504: Gateway Timeout "),
            "upstream_unavailable",
            "the backend failed (HTTP 504): Gateway Timeout",
        ),
        (
            g4f.errors.ResponseStatusError("Response 403: forbidden"),
            "auth_failed",
            "the backend refused the credentials (HTTP 403): forbidden",
        ),
        (
            g4f.errors.MissingAuthError("Add a .har file"),
            "auth_failed",
            "the backend refused the credentials: Add a .har file",
        ),
        (
            g4f.errors.ModelNotFoundError("Model not found: gpt-9"),
            "not_available",
            "Model not found: gpt-9",
        ),
    ],
    ids=["504", "403", "no status", "unknown model"],
)
def test_g4fs_own_errors_are_told_by_what_they_say(error, code, cause):
    assert classify(error) == (code, cause)


def test_a_refused_connection_is_unreachable():
    error = aiohttp_get(closed_port_url())

    assert classify(error) == ("unreachable", "could not connect: connection refused")


def test_a_host_name_that_does_not_resolve_is_unresolvable():
    code, cause = classify(aiohttp_get(UNRESOLVABLE))

    assert code == "unresolvable"
    assert cause.startswith("the host name does not resolve: ")


def test_the_sync_clients_network_errors_name_the_address_tried():
    url = closed_port_url()

    refused = raised_by(lambda: requests.get(url, timeout=5))
    unresolved = raised_by(lambda: requests.get(UNRESOLVABLE, timeout=5))

    assert classify(refused) == ("unreachable", f"could not connect to {url}")
    assert classify(unresolved) == (
        "unresolvable",
        f"could not reach {UNRESOLVABLE}: the host name does not resolve (offline?)",
    )


@pytest.mark.parametrize(
    "error",
    [
        # As aiohttp's protocol raises them when the connection ends before the response does.
        aiohttp.ServerDisconnectedError(None),
        aiohttp.ClientPayloadError(
            "Response payload is not completed: <TransferEncodingError: 400, "
            "message='Not enough data to satisfy transfer length header.'>"
        ),
    ],
    ids=["disconnected", "payload cut"],
)
def test_a_connection_lost_mid_answer_says_so(error):
    assert classify(error) == (
        "connection_lost",
        "the connection was lost in the middle of the answer",
    )


def test_a_connection_reset_says_how_it_failed():
    # aiohttp turns the socket's OSError into a ClientOSError with the same arguments.
    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")

    assert classify(aiohttp.ClientOSError(*reset.args)) == (
        "connection_lost",
        "the connection failed: connection reset by peer",
    )


def test_a_line_of_the_stream_that_is_not_json_is_malformed():
    async def lines():
        yield b"data: {this is not json"

    async def read() -> None:
        async for _ in sse_stream(lines()):
            pass

    error = raised_by(lambda: asyncio.run(read()))

    # Said in words; the bytes themselves stay in the error, for the server's log.
    assert classify(error) == (
        "malformed",
        "the backend sent something that is not a valid stream (not JSON)",
    )
    assert "{this is not json" in str(error)


def test_a_read_that_timed_out_says_so():
    error = aiohttp.SocketTimeoutError("Timeout on reading data from socket")

    assert classify(error) == (
        "timeout",
        "the backend timed out: Timeout on reading data from socket",
    )


def test_anything_else_is_named_by_its_type():
    assert classify(KeyError("choices")) == ("upstream_failed", "KeyError: 'choices'")


def test_translated_turns_a_failure_into_one_error_naming_the_backend():
    cause = g4f.errors.RateLimitError("Response 429: slow down")

    with pytest.raises(CompletionError) as raised, translated(BACKEND):
        raise cause

    error = raised.value
    assert (error.code, error.backend, error.__cause__) == ("rate_limited", BACKEND, cause)
    assert str(error) == "127.0.0.1:8080: rate limited upstream (HTTP 429): slow down"


def test_translated_lets_its_own_errors_and_cancellation_through():
    own = CompletionError("stalled", "the answer stalled", BACKEND)

    with pytest.raises(CompletionError) as raised, translated(BACKEND):
        raise own
    with pytest.raises(asyncio.CancelledError), translated(BACKEND):
        raise asyncio.CancelledError

    assert raised.value is own


def test_a_stall_is_told_apart_from_an_answer_that_never_began():
    before = stalled(BACKEND, 60.0, started=False)
    during = stalled(BACKEND, 0.5, started=True)

    assert (before.code, str(before)) == (
        "first_token_timeout",
        "127.0.0.1:8080: no answer began within 60 s",
    )
    assert (during.code, str(during)) == (
        "stalled",
        "127.0.0.1:8080: the answer stalled: nothing for 0.5 s",
    )
