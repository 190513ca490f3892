"""What both answer streams share: the candidates tried in turn, and how a failure is told."""

import pytest

from chat.upstream.backends import Backend
from tests.support.answers import QUESTION, answered, endpoint
from tests.support.faults import closed_port_url, label_of
from tests.support.upstream import Script


@pytest.fixture(params=["sync", "async"])
def client(request) -> str:
    return request.param


def candidates(base_url: str | None = None, provider: str | None = None) -> Backend:
    return Backend(model="gpt-4", base_url=base_url, provider=provider)


def test_when_every_candidate_fails_the_error_names_each_of_them(upstream, client):
    upstream.will_answer(Script(fault="http_500"))
    dead = closed_port_url()

    result = answered(client, QUESTION, candidates(f"{dead},{upstream.base_url}"))

    error = result.error
    assert result.pieces == []
    assert error.code == "upstream_unavailable"
    assert f"{label_of(dead)}: could not connect: connection refused" in str(error)
    assert f"{upstream.label}: the backend failed (HTTP 500)" in str(error)


def test_several_provider_names_are_each_tried_and_each_named_when_all_fail(upstream, client):
    result = answered(client, QUESTION, candidates(provider="NoSuchProvider,NorThisOne"))

    error = result.error
    assert (result.pieces, error.code) == ([], "unknown_provider")
    assert "g4f provider NoSuchProvider: g4f has no provider named NoSuchProvider" in str(error)
    assert "g4f provider NorThisOne: g4f has no provider named NorThisOne" in str(error)
    assert upstream.exchanges == []


def test_once_text_has_flowed_a_failure_ends_the_answer_without_trying_the_next(upstream, client):
    upstream.will_answer(Script(chunks=["Half", " of it"], fault="malformed"))

    result = answered(client, QUESTION, candidates(f"{upstream.base_url},{upstream.base_url}"))

    assert (result.text, result.error.code) == ("Half of it", "malformed")
    assert len(upstream.exchanges) == 1


def test_a_dead_first_candidate_falls_through_to_the_next(upstream, client):
    result = answered(client, QUESTION, candidates(f"{closed_port_url()},{upstream.base_url}"))

    assert (result.text, result.error) == ("Hello, world!", None)
    assert result.stream.used.base_url == upstream.base_url


def test_the_callers_messages_are_never_handed_to_g4f(upstream, client):
    messages = [{"role": "user", "content": "Tell me a joke."}] * 2

    answered(client, messages, endpoint(upstream))

    assert messages == [{"role": "user", "content": "Tell me a joke."}] * 2
    assert upstream.exchanges[0].messages == messages


def test_a_connection_lost_before_any_text_says_the_answer_never_began(upstream, client):
    upstream.will_answer(Script(chunks=[], fault="drop"))

    result = answered(client, QUESTION, endpoint(upstream))

    assert result.pieces == []
    assert (result.error.code, result.error.cause) == (
        "connection_lost",
        "the connection was lost before the answer began",
    )
