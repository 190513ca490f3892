"""What all of a process's sockets together may have unread.

Each socket's window (`chat.window`) bounds what one client may leave unread, but a visitor may
hold many sockets, and many visitors many more: eight hundred sockets that never read, from four
addresses, held a window each, about a gigabyte. So the windows of one process also draw on
one budget, `STREAMDEMO_UNREAD_BYTES`. While their unacknowledged bytes add up to it, no socket
may have more than `FLOOR` unacknowledged: a page, which acknowledges every 64 KiB, streams on
as before, and what the process holds stays within the budget and a floor's worth a socket.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

from chat.per_loop import PerLoop

# What any socket may have unacknowledged, however much the others have: twice what the page
# reads between two acks, so that it never waits for its own ack to come back.
FLOOR = 128 * 1024


class UnreadBudget:
    def __init__(self, size: int) -> None:
        self.size = size
        self.unacked = 0
        # The windows waiting for the budget to have room again, each with how to wake it.
        self._waiting: dict[object, Callable[[], None]] = {}

    @property
    def spent(self) -> bool:
        return self.unacked >= self.size

    def spend(self, size: int) -> None:
        self.unacked += size

    def give_back(self, size: int) -> None:
        spent = self.spent
        self.unacked -= size
        if spent and not self.spent:
            for wake in list(self._waiting.values()):
                wake()

    def wait(self, window: object, wake: Callable[[], None]) -> None:
        """Call `wake` once the budget has room again (until `done_waiting`)."""
        self._waiting[window] = wake

    def done_waiting(self, window: object) -> None:
        self._waiting.pop(window, None)


_budgets = PerLoop(lambda: UnreadBudget(int(settings.STREAMDEMO_UNREAD_BYTES)))


def unread_budget_here() -> UnreadBudget:
    """This event loop's budget."""
    return _budgets.get()
