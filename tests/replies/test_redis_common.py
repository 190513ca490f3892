"""What the Redis reply log and announcements share: a client of each event loop's own."""

import asyncio

from chat.replies.redis_common import LoopClients, key


async def test_each_loop_gets_a_client_of_its_own_and_keeps_it(redis_url):
    clients = LoopClients(redis_url)

    here = clients.get()
    other_loop = await asyncio.to_thread(lambda: asyncio.run(_client_of(clients)))

    assert clients.get() is here
    assert other_loop is not here


async def _client_of(clients: LoopClients):
    return clients.get()


async def test_a_read_blocked_on_a_stream_ends_at_once_when_cancelled(redis_url):
    # On Python 3.11, redis-py with a socket timeout sends under asyncio.wait_for, which can
    # lose a cancel that lands as the send ends: the read then went on blocking for good.
    client = LoopClients(redis_url).get()
    stream = key("a-stream-nothing-writes-to")
    started = asyncio.Event()

    async def read() -> None:
        await client.ping()  # connected: what follows is the command's own send
        started.set()
        while True:
            await client.xread({stream: "$"}, block=2_000)

    reading = asyncio.create_task(read())
    await started.wait()
    reading.cancel()

    await asyncio.wait_for(asyncio.gather(reading, return_exceptions=True), timeout=1.5)
    assert reading.cancelled()
