"""Every way an upstream can fail, turned into one exception a person can act on.

g4f raises its own errors for what a provider answers (429 is `RateLimitError`), but lets
aiohttp's and requests' errors through for what the network does; both end up here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import aiohttp
import g4f.errors
import requests

if TYPE_CHECKING:
    from chat.upstream.backends import Backend


class CompletionError(Exception):
    """An answer could not be had, or was cut off; `code` is short, `str()` is for a person."""

    def __init__(self, code: str, cause: str, backend: Backend) -> None:
        self.code = code
        # A backend may echo the key it was sent, or a URL with its password: never shown.
        self.cause = _without_secrets(cause, backend)
        self.backend = backend
        super().__init__(f"{backend.describe()}: {self.cause}")


def _without_secrets(text: str, backend: Backend) -> str:
    for secret in backend.secrets():
        text = text.replace(secret, "[hidden]")
    return text


def hidden(error: BaseException, backend: Backend) -> str:
    """What raised `error`, as the server's log may show it: without the backend's secrets."""
    return _without_secrets(repr(error.__cause__), backend)


@contextmanager
def translated(backend: Backend) -> Iterator[None]:
    """Re-raise anything the block raises, other than cancellation, as a `CompletionError`."""
    try:
        yield
    except CompletionError:
        raise
    except Exception as error:
        code, cause = classify(error, backend)
        raise CompletionError(code, cause, backend) from error


# What a connection lost says, once it is known whether the answer had begun.
LOST_MID_ANSWER = "the connection was lost in the middle of the answer"
LOST_BEFORE_ANSWER = "the connection was lost before the answer began"


def stalled(backend: Backend, seconds: float, *, started: bool) -> CompletionError:
    """The error for an upstream that went quiet, before or after the answer began."""
    if started:
        return CompletionError("stalled", f"the answer stalled: nothing for {seconds:g} s", backend)
    return CompletionError("first_token_timeout", f"no answer began within {seconds:g} s", backend)


# What g4f raises for an HTTP status it did not like (auth failures are not ResponseErrors).
HTTP_ERRORS = (
    g4f.errors.ResponseError,
    g4f.errors.MissingAuthError,
    g4f.errors.PaymentRequiredError,
)


# g4f's messages read "Response 500: …" or "Error 500: …", and "Error: Error 400: …" for an
# error sent inside the stream.
HTTP_STATUS = re.compile(
    r"^(?:Error: )?(?:Response|Error) (?P<status>\d{3}):\s*(?P<reason>.*)$", re.S
)

# How servers say a request does not fit the model's context: OpenAI (and DeepSeek), vLLM,
# llama.cpp's server, Ollama, and others' wording for the same.
CONTEXT_TOO_LONG = re.compile(
    r"context_length_exceeded|maximum context length|exceeds? the available context size"
    r"|exceed_context_size|input length exceeds the context length|context window"
    r"|prompt is too long|too many tokens",
    re.I,
)

# Where to turn when g4f's own providers cannot be reached.
OWN_MODEL_HINT = (
    "point STREAMDEMO_BASE_URL (or --base-url) at an OpenAI-compatible server you run, "
    'such as Ollama (see the README, "Pointing it at your own model")'
)


def classify(error: Exception, backend: Backend | None = None) -> tuple[str, str]:
    """A short code and a sentence for an exception raised while asking or streaming."""
    detail = str(error).strip() or type(error).__name__
    if isinstance(error, HTTP_ERRORS):
        return _http_cause(error, detail, backend)
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "unresolvable", f"the host name does not resolve: {_os_cause(error)}"
    if isinstance(error, aiohttp.ClientConnectorError):
        return "unreachable", f"could not connect: {_os_cause(error)}"
    if isinstance(error, requests.ConnectionError):
        return _requests_cause(error)
    if isinstance(error, (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError)):
        return "connection_lost", LOST_MID_ANSWER
    if isinstance(error, aiohttp.ClientOSError):
        return "connection_lost", f"the connection failed: {_os_cause(error)}"
    if isinstance(error, aiohttp.NonHttpUrlClientError):
        return "invalid_base_url", f"{detail} is not an http:// or https:// address"
    if isinstance(error, ValueError) and detail.startswith("Invalid JSON"):
        # The bytes are for whoever runs the server (the error's cause), not for the reader.
        return "malformed", "the backend sent something that is not a valid stream (not JSON)"
    if isinstance(error, TimeoutError):
        return "timeout", f"the backend timed out: {detail}"
    if isinstance(error, (g4f.errors.ProviderNotFoundError, g4f.errors.ModelNotFoundError)):
        return "not_available", detail
    return "upstream_failed", f"{type(error).__name__}: {detail}"


def _http_cause(
    error: g4f.errors.G4FError, detail: str, backend: Backend | None
) -> tuple[str, str]:
    # g4f's exception classes alone mislead (a 504 arrives as RateLimitError): the status
    # in its message decides.
    found = HTTP_STATUS.match(detail)
    status, reason = (int(found["status"]), found["reason"]) if found else (None, detail)
    if (status is None or 400 <= status < 500) and CONTEXT_TOO_LONG.search(detail):
        return (
            "context_too_long",
            f"the conversation no longer fits the model's context: start a new conversation "
            f"(HTTP {status or 400}: {reason})",
        )
    if status == 404 and backend is not None and backend.base_url:
        return (
            "upstream_rejected",
            f"the backend has no such address (HTTP 404: {reason}): does the base URL end in /v1?",
        )
    if status == 429 or (status is None and isinstance(error, g4f.errors.RateLimitError)):
        return "rate_limited", f"rate limited upstream (HTTP 429): {reason}"
    if status in (401, 403) or (status is None and isinstance(error, g4f.errors.MissingAuthError)):
        shown = f" (HTTP {status})" if status else ""
        return "auth_failed", f"the backend refused the credentials{shown}: {reason}"
    if status is not None and status < 500:
        return "upstream_rejected", f"the backend refused the request (HTTP {status}): {reason}"
    if status is not None:
        return "upstream_unavailable", f"the backend failed (HTTP {status}): {reason}"
    return "upstream_failed", f"the backend answered with an error: {reason}"


def _os_cause(error: aiohttp.ClientOSError) -> str:
    os_error = getattr(error, "os_error", error)
    if isinstance(os_error, OSError) and isinstance(os_error.errno, int) and os_error.errno > 0:
        return os.strerror(os_error.errno).lower()
    return str(os_error)


def _requests_cause(error: requests.ConnectionError) -> tuple[str, str]:
    url = getattr(error.request, "url", None) or "the backend"
    if "g4f.dev" in url or "g4f.dev" in str(error):
        # g4f picks a provider for itself from a list it fetches from the internet.
        return (
            "unreachable",
            f"g4f could not fetch its list of providers from g4f.dev (offline?): {OWN_MODEL_HINT}",
        )
    if "resolve" in str(error).lower():
        return "unresolvable", f"could not reach {url}: the host name does not resolve (offline?)"
    return "unreachable", f"could not connect to {url}"
