"""Under DEBUG, a database connection keeps only its last few queries' SQL.

Django's debug cursor keeps the SQL of a connection's last 9,000 queries, parameters and all,
and empties the list when a request starts. Replies and sockets are no requests: their
connections never empty it, and every checkpoint's query carries the answer so far, so a
development server grew with each answer it saved, up to 9,000 answers' worth. The debug page
shows a request's queries, which `KEPT` still covers.
"""

from __future__ import annotations

from collections import deque
from typing import Any

KEPT = 100


def keep_few_queries(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On `connection_created`: the connection's query log keeps its last `KEPT` queries."""
    if connection.queries_log.maxlen != KEPT:
        connection.queries_limit = KEPT
        connection.queries_log = deque(connection.queries_log, maxlen=KEPT)
