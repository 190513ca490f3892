"""New sessions per address: a burst, then a pace; an address over it is answered 429."""

import pytest
from django.test import Client

from chat.new_sessions import NewSessions, TooManyNewSessions

pytestmark = pytest.mark.django_db


def test_an_address_may_start_two_minutes_worth_then_one_as_each_is_earned(settings):
    settings.STREAMDEMO_NEW_SESSIONS_PER_MINUTE = 6
    sessions = NewSessions()
    for _ in range(12):
        sessions.take("10.0.0.1", now=100.0)

    with pytest.raises(TooManyNewSessions):
        sessions.take("10.0.0.1", now=100.0)
    sessions.take("10.0.0.2", now=100.0)  # another address is another count
    sessions.take("10.0.0.1", now=110.0)  # ten seconds later: one more earned
    with pytest.raises(TooManyNewSessions):
        sessions.take("10.0.0.1", now=110.0)


def test_page_loads_past_the_limit_get_429_and_a_visitor_with_a_session_is_served(settings):
    settings.STREAMDEMO_NEW_SESSIONS_PER_MINUTE = 2
    visitor = Client()
    assert visitor.get("/").status_code == 200  # one of the four this address may start
    strangers = [Client().get("/") for _ in range(4)]

    assert [page.status_code for page in strangers] == [200, 200, 200, 429]
    assert "try again in a minute" in strangers[-1].content.decode()
    assert strangers[-1]["Retry-After"] == "60"
    assert visitor.get("/").status_code == 200  # its session is live: it starts none
