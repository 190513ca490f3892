"""How long the in-memory reply log keeps a reply once it has ended: minutes, within a budget.

An ended reply is forgotten `STREAMDEMO_REPLY_TTL` seconds after it ended, or sooner, oldest
first, while the ended replies together hold more than `STREAMDEMO_REPLY_LOG_BYTES` (about: the
text's characters plus a fixed cost per piece). A resume of a forgotten reply is answered from
the database. A running reply is never forgotten, nor, for the budget, one a socket is reading.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings

# What one piece of a reply costs besides its text: the objects that hold it.
PIECE_OVERHEAD = 120


class Retention:
    def __init__(self, forget: Callable[[str], None], in_use: Callable[[str], bool]) -> None:
        self._forget = forget
        self._in_use = in_use
        # Ended replies in the order they ended: when, and their size.
        self._ended: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self.bytes = 0

    def ended(self, reply: str, size: int) -> None:
        """The reply has ended: from now on it counts, and its time runs."""
        self._ended[reply] = (time.monotonic(), size)
        self.bytes += size
        # Forgotten on time even if nothing else happens in this process meanwhile.
        asyncio.get_running_loop().call_later(
            float(settings.STREAMDEMO_REPLY_TTL) + 0.01, self.sweep
        )
        self.sweep()

    def dropped(self, reply: str) -> None:
        """The log no longer has the reply, for whatever reason."""
        found = self._ended.pop(reply, None)
        if found is not None:
            self.bytes -= found[1]

    def sweep(self) -> None:
        """Forget the replies past their time, then the oldest beyond the budget."""
        cutoff = time.monotonic() - float(settings.STREAMDEMO_REPLY_TTL)
        while self._ended:
            reply, (ended_at, _) = next(iter(self._ended.items()))
            if ended_at > cutoff:
                break
            self._forget(reply)
        budget = int(settings.STREAMDEMO_REPLY_LOG_BYTES)
        if self.bytes <= budget:
            return  # without copying the list of every reply kept, at every reply's end
        for reply in list(self._ended):
            if self.bytes <= budget:
                break
            if not self._in_use(reply):
                self._forget(reply)
