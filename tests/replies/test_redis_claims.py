"""Claims in Redis: one running reply per conversation, a cap of running replies per group."""

import uuid

import pytest

from chat.replies.redis_claims import claim, claim_running, release, release_running
from chat.replies.redis_common import LoopClients, key


@pytest.fixture
async def client(redis_url):
    return LoopClients(redis_url).get()


def ids(count: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(count)]


async def test_a_conversation_answers_one_reply_until_it_is_released(client):
    conversation, (first, second) = uuid.uuid4().hex, ids(2)

    assert await claim(client, conversation, first)
    assert not await claim(client, conversation, second)
    await release(client, conversation, first)
    assert await claim(client, conversation, second)


async def test_a_conversation_whose_reply_ended_takes_the_next(client):
    conversation, (first, second) = uuid.uuid4().hex, ids(2)
    await claim(client, conversation, first)

    await client.set(key(first, "ended"), 1)

    assert await claim(client, conversation, second)


async def test_a_conversation_whose_workers_lease_lapsed_takes_the_next(client):
    conversation, (first, second) = uuid.uuid4().hex, ids(2)
    await claim(client, conversation, first)

    await client.delete(key(first, "alive"))  # what a dead worker's lapsed lease leaves

    assert await claim(client, conversation, second)


async def test_releasing_another_replys_claim_leaves_the_conversation_claimed(client):
    conversation, (first, second, third) = uuid.uuid4().hex, ids(3)
    await claim(client, conversation, first)

    await release(client, conversation, second)

    assert not await claim(client, conversation, third)


async def test_a_group_runs_no_more_replies_than_its_cap_in_every_group_or_none(client):
    session, address = f"session:{uuid.uuid4().hex}", f"address:{uuid.uuid4().hex}"
    groups = [(session, 2), (address, 3)]
    first, second, third = ids(3)

    assert await claim_running(client, groups, first)
    assert await claim_running(client, groups, second)
    assert not await claim_running(client, groups, third)
    # The refused reply was counted in no group: the address still has room for one more.
    assert await claim_running(client, [(address, 3)], third)


async def test_a_released_or_ended_reply_no_longer_counts_in_its_groups(client):
    groups = [(f"session:{uuid.uuid4().hex}", 1)]
    first, second, third = ids(3)
    await claim_running(client, groups, first)

    await release_running(client, groups, first)
    assert await claim_running(client, groups, second)

    await client.set(key(second, "ended"), 1)
    assert await claim_running(client, groups, third)
