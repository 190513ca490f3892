"""As many open files as the system lets this process have.

Every connection is a file descriptor, and most systems start a process with a soft limit of
1,024 however high the hard limit is: a thousand idle or half-open connections from one client
then left daphne unable to accept any other, and other visitors' page loads failed. The soft
limit may be raised to the hard one by the process itself, so the server does so as it starts;
what one client may hold open is then the reverse proxy's to limit (README, "Deploying").
"""

from __future__ import annotations

import logging

try:
    import resource
except ImportError:  # not on Windows, which has no such limit to raise
    resource = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)


def raise_open_files_limit() -> int | None:
    """Raise the soft limit on open files to the hard one; the limit now, None if unknown."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft == resource.RLIM_INFINITY or soft >= hard:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as error:
        logger.warning("could not raise the open files limit from %d to %d: %s", soft, hard, error)
        return soft
    return hard
