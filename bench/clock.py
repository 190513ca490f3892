"""The stamp each upstream chunk carries, so a reader can tell how long the chunk travelled.

Every process on one machine reads the same CLOCK_REALTIME, so receive time minus the stamped
send time is the chunk's latency through whatever sat between the two processes. A stamp is
self-delimiting (`@<ns>:` then padding), so a relay that merges chunks still shows each one.
"""

from __future__ import annotations

import re
import time

_STAMP = re.compile(r"@(\d+):")


def now_ns() -> int:
    return time.time_ns()


def stamped(size: int) -> str:
    """A chunk of about `size` characters whose first part is the moment it was made."""
    head = f"@{now_ns()}:"
    return head + "x" * max(0, size - len(head))


def send_times(content: str) -> list[int]:
    """The send stamps inside `content`: one per upstream chunk it carries."""
    return [int(stamp) for stamp in _STAMP.findall(content)]
