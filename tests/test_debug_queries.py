"""Under DEBUG, a connection's query log stays short however many answers are saved."""

import pytest
from django.db import connection

from chat.debug_queries import KEPT
from chat.models import Conversation

pytestmark = pytest.mark.django_db


def test_a_connection_keeps_only_its_last_queries_under_debug(settings):
    settings.DEBUG = True
    connection.ensure_connection()
    for n in range(KEPT * 3):
        Conversation.objects.create(session_key="alice", title=f"Question {n}")

    with pytest.warns(UserWarning, match=f"only the last {KEPT} queries"):
        queries = connection.queries

    assert len(queries) <= KEPT
    assert str(KEPT * 3 - 1) in queries[-1]["sql"]  # the newest are the ones kept
